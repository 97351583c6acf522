// `npm run package`: fills manifest/manifest.json from the environment, validates it offline
// against the official Teams schema (bundled by @microsoft/app-manifest), checks the icons and
// writes appPackage.zip (manifest.json, color.png, outline.png at the zip root) for upload.
//
//   npm run package                      # needs BOT_ID (or MicrosoftAppId) and BOT_DOMAIN
//   npm run package -- --dev             # local validation: all-zero bot id, domain localhost
//   npm run package -- --out dist/app.zip
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync, deflateRawSync } from 'node:zlib';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { crc32 } from './make-icons.js';

type Env = Record<string, string | undefined>;
export type Manifest = Record<string, unknown>;

export const MANIFEST_DIR = fileURLToPath(new URL('../manifest/', import.meta.url));
export const TEMPLATE_PATH = join(MANIFEST_DIR, 'manifest.json');
export const DEFAULT_OUT = fileURLToPath(new URL('../appPackage.zip', import.meta.url));
/** Used by --dev when no bot id is set: obviously not a real app, but a valid GUID for the schema. */
export const DEV_BOT_ID = '00000000-0000-0000-0000-000000000000';
export const ICON_SIZES = { color: 192, outline: 32 } as const;

/** Something the operator must fix; each problem is one line. */
export class PackageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PackageError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What Teams accepts as an app version: major.minor.patch, digits only. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** A set, non-blank value (trimmed), as in bot/config.ts: `BOT_ID=` counts as not set. */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

const got = (v: string) => `(got ${JSON.stringify(v)})`;

function packageJson(): { version?: string; homepage?: string } {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string; homepage?: string };
}

export interface Variables {
  values: Record<string, string>;
  /** Defaults worth telling the operator about (URLs that should be real before publishing). */
  warnings: string[];
}

/**
 * The placeholder values, from the environment with defaults. Throws a PackageError naming every
 * variable that is missing or malformed. `dev` fills what a local package needs (bot id, domain).
 */
export function resolveVariables(env: Env, options: { dev?: boolean } = {}): Variables {
  const dev = options.dev ?? false;
  const problems: string[] = [];
  const warnings: string[] = [];
  const pkg = packageJson();

  // Same precedence as bot/config.ts: the Microsoft* name wins over the toolkit alias.
  const botIdSource = value(env, 'MicrosoftAppId') !== undefined ? 'MicrosoftAppId' : 'BOT_ID';
  let botId = value(env, 'MicrosoftAppId') ?? value(env, 'BOT_ID');
  if (botId === undefined) {
    if (dev) botId = DEV_BOT_ID;
    else problems.push("BOT_ID is not set: set BOT_ID (or MicrosoftAppId) to the bot's Microsoft Entra app (client) id, or run `npm run package -- --dev` for a local test package");
  } else if (!GUID.test(botId)) {
    problems.push(`${botIdSource} must be a GUID like 00000000-0000-0000-0000-000000000000 ${got(botId)}`);
  }

  const teamsAppId = value(env, 'TEAMS_APP_ID') ?? botId ?? DEV_BOT_ID;
  if (value(env, 'TEAMS_APP_ID') !== undefined && !GUID.test(teamsAppId)) problems.push(`TEAMS_APP_ID must be a GUID ${got(teamsAppId)}`);

  let domain = value(env, 'BOT_DOMAIN');
  if (domain === undefined) {
    if (dev) domain = 'localhost';
    else problems.push('BOT_DOMAIN is not set: set it to the host name of the messaging endpoint, e.g. cosell.example.com for https://cosell.example.com/api/messages');
  } else if (!HOST.test(domain)) {
    problems.push(`BOT_DOMAIN must be a host name without https:// or a path, e.g. cosell.example.com ${got(domain)}`);
  }

  const version = value(env, 'APP_VERSION') ?? pkg.version ?? '1.0.0';
  if (!SEMVER.test(version)) problems.push(`APP_VERSION must be a version like 1.0.0 (major.minor.patch) ${got(version)}`);

  const developerName = value(env, 'DEVELOPER_NAME') ?? 'Co-sell Bot';
  if (developerName.length > 32) problems.push(`DEVELOPER_NAME must be at most 32 characters ${got(developerName)}`);

  const url = (name: string, fallback: string) => {
    const v = value(env, name);
    if (v === undefined) {
      if (!dev) warnings.push(`${name} is not set: using ${fallback}; set it to your real page before publishing the app to your organization`);
      return fallback;
    }
    if (!/^https:\/\/[^\s/]+/i.test(v)) problems.push(`${name} must be an https:// URL ${got(v)}`);
    return v;
  };
  const site = url('DEVELOPER_WEBSITE_URL', pkg.homepage ?? `https://${domain ?? 'localhost'}/`);
  const privacy = url('PRIVACY_URL', site);
  const terms = url('TERMS_URL', site);

  if (problems.length > 0) throw new PackageError(problems);
  return {
    values: {
      ...Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string')),
      BOT_ID: botId!,
      TEAMS_APP_ID: teamsAppId,
      BOT_DOMAIN: domain!,
      APP_VERSION: version,
      DEVELOPER_NAME: developerName,
      DEVELOPER_WEBSITE_URL: site,
      PRIVACY_URL: privacy,
      TERMS_URL: terms,
      APP_NAME_SUFFIX: env.APP_NAME_SUFFIX ?? '',
    },
    warnings,
  };
}

/** Replaces every `${{NAME}}` in the template text (JSON-escaped); a placeholder without a value is an error. */
export function fillTemplate(template: string, values: Record<string, string>): Manifest {
  const missing = new Set<string>();
  const text = template.replace(PLACEHOLDER, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) {
      missing.add(name);
      return '';
    }
    return JSON.stringify(v).slice(1, -1);
  });
  if (missing.size > 0) throw new PackageError([...missing].map((n) => `manifest/manifest.json uses \${{${n}}} but ${n} is not set`));
  return JSON.parse(text) as Manifest;
}

export interface BuildOptions {
  dev?: boolean;
  /** Template text; manifest/manifest.json by default. */
  template?: string;
  /** Receives the warnings (defaulted URLs). */
  warn?: (message: string) => void;
}

/** The manifest for this environment: the template with its placeholders filled. */
export function buildManifest(env: Env, options: BuildOptions = {}): Manifest {
  const { values, warnings } = resolveVariables(env, options);
  for (const w of warnings) options.warn?.(w);
  return fillTemplate(options.template ?? readFileSync(TEMPLATE_PATH, 'utf8'), values);
}

const require = createRequire(import.meta.url);
type Schema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

/**
 * The bundled schema file for a manifest's $schema URL, or undefined when the package does not
 * have it. Validation never goes to the network.
 */
export function bundledSchemaPath(schemaUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(schemaUrl);
  } catch {
    return undefined;
  }
  if (url.hostname !== 'developer.microsoft.com') return undefined;
  // Learn links carry a locale: /en-us/json-schemas/...
  const m = /^(?:\/[a-z]{2}(?:-[a-z]{2})?)?\/json-schemas\/teams\/(v[\w.]+)\/(MicrosoftTeams(?:\.Localization)?\.schema\.json)$/i.exec(url.pathname);
  if (!m) return undefined;
  const file = join(dirname(require.resolve('@microsoft/app-manifest')), 'json-schemas', 'teams', m[1]!, m[2]!);
  return existsSync(file) ? file : undefined;
}

/** The official schema's messages for a manifest or localization file, checked offline against the bundled schema its $schema names. */
async function schemaProblems(json: Manifest, kind: 'MicrosoftTeams' | 'MicrosoftTeams.Localization'): Promise<string[]> {
  const schemaUrl = json.$schema;
  if (typeof schemaUrl !== 'string') return [`$schema is missing: set it to https://developer.microsoft.com/json-schemas/teams/v1.30/${kind}.schema.json`];
  const schemaFile = bundledSchemaPath(schemaUrl);
  if (!schemaFile || !schemaFile.endsWith(`${kind}.schema.json`)) return [`$schema ${schemaUrl} is not a Teams ${kind === 'MicrosoftTeams' ? 'manifest' : 'localization'} schema bundled with @microsoft/app-manifest, so it cannot be checked offline`];
  const raw = await readFile(schemaFile, 'utf8');
  // The same clean-up AppManifestUtils.fetchSchema applies to the published schema files; and the localization
  // schema's activityTypes pattern ends a class with a bare `]`, which a Unicode regular expression refuses.
  const schema = JSON.parse(raw.replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b').replace(/\\\\b\]/g, '\\\\b\\\\]')) as Schema;
  return AppManifestUtils.validateAgainstSchema(json as unknown as AppManifest, schema);
}

/** Every problem with the manifest: the official schema's messages, then the checks the schema leaves out. */
export async function validateManifest(json: unknown): Promise<string[]> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return ['the manifest must be a JSON object'];
  const manifest = json as Manifest;
  const schemaUrl = manifest.$schema;
  const problems = await schemaProblems(manifest, 'MicrosoftTeams');
  if (typeof schemaUrl !== 'string' || !bundledSchemaPath(schemaUrl)) return problems;

  const schemaVersion = /\/v([\d.]+)\//.exec(schemaUrl)?.[1];
  if (schemaVersion && manifest.manifestVersion !== schemaVersion) {
    problems.push(`/manifestVersion is ${JSON.stringify(manifest.manifestVersion)} but $schema is the v${schemaVersion} schema`);
  }
  // Newer schemas dropped the pattern on `version`, but Teams still requires major.minor.patch.
  if (typeof manifest.version === 'string' && !SEMVER.test(manifest.version)) {
    problems.push(`/version must be a version like 1.0.0 (major.minor.patch), got ${JSON.stringify(manifest.version)}`);
  }
  const leftover = JSON.stringify(manifest).match(PLACEHOLDER);
  if (leftover) problems.push(`unfilled placeholders: ${[...new Set(leftover)].join(', ')}`);
  return problems;
}

// ---- Languages ----

/** The manifest's other languages: each file of localizationInfo, its placeholders filled like the manifest's. */
export function buildLocalizations(env: Env, manifest: Manifest, options: BuildOptions & { dir?: string } = {}): { languageTag: string; file: string; json: Manifest }[] {
  const info = manifest.localizationInfo as { additionalLanguages?: { languageTag: string; file: string }[] } | undefined;
  const { values } = resolveVariables(env, options);
  return (info?.additionalLanguages ?? []).map(({ languageTag, file }) => {
    let text: string;
    try {
      text = readFileSync(join(options.dir ?? MANIFEST_DIR, file), 'utf8');
    } catch {
      throw new PackageError([`localizationInfo names ${file} (${languageTag}), which is not next to the manifest`]);
    }
    return { languageTag, file, json: fillTemplate(text, values) };
  });
}

/** The value at a localization key such as `bots[0].commandLists[0].commands[3].title`, undefined where the manifest has none. */
function valueAt(manifest: Manifest, key: string): unknown {
  let node: unknown = manifest;
  for (const part of key.match(/[^.[\]]+/g) ?? []) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** Problems with one language's file: the localization schema's, and any key naming a text the manifest does not have. */
export async function validateLocalization(json: Manifest, manifest: Manifest, file: string): Promise<string[]> {
  const problems = await schemaProblems(json, 'MicrosoftTeams.Localization');
  for (const key of Object.keys(json).filter((k) => k !== '$schema')) {
    if (typeof valueAt(manifest, key) !== 'string') problems.push(`${key} is not a text of the manifest`);
  }
  return problems.map((p) => `${file}: ${p}`);
}

// ---- PNG ----

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let off = 8; off + 12 <= png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    chunks.push({ type, data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** Width, height and format from the IHDR chunk. */
export function pngInfo(png: Buffer): PngInfo {
  const ihdr = pngChunks(png)[0];
  if (ihdr?.type !== 'IHDR' || ihdr.data.length < 13) throw new Error('PNG without an IHDR chunk');
  return { width: ihdr.data.readUInt32BE(0), height: ihdr.data.readUInt32BE(4), bitDepth: ihdr.data[8]!, colorType: ihdr.data[9]!, interlace: ihdr.data[12]! };
}

/** Decodes an 8-bit, non-interlaced PNG (gray, RGB, palette, gray+alpha, RGBA) to RGBA bytes. */
export function decodePng(png: Buffer): { info: PngInfo; rgba: Uint8Array } {
  const info = pngInfo(png);
  const { width, height, bitDepth, colorType, interlace } = info;
  if (bitDepth !== 8 || interlace !== 0) throw new Error(`only 8-bit non-interlaced PNGs can be checked (bit depth ${bitDepth}, interlace ${interlace})`);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`unknown PNG color type ${colorType}`);
  const chunks = pngChunks(png);
  const palette = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new Error('PNG image data is truncated');
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`bad PNG filter type ${filter}`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = pixels.subarray(i * channels, (i + 1) * channels);
    let px: [number, number, number, number];
    if (colorType === 0) px = [p[0]!, p[0]!, p[0]!, trns && trns.length >= 2 && trns.readUInt16BE(0) === p[0] ? 0 : 255];
    else if (colorType === 2) px = [p[0]!, p[1]!, p[2]!, 255];
    else if (colorType === 3) {
      if (!palette) throw new Error('palette PNG without a PLTE chunk');
      const k = p[0]!;
      px = [palette[k * 3]!, palette[k * 3 + 1]!, palette[k * 3 + 2]!, trns && k < trns.length ? trns[k]! : 255];
    } else if (colorType === 4) px = [p[0]!, p[0]!, p[0]!, p[1]!];
    else px = [p[0]!, p[1]!, p[2]!, p[3]!];
    rgba.set(px, i * 4);
  }
  return { info, rgba };
}

/** Problems with the icons a manifest names: color 192x192, outline 32x32 with only white and transparent pixels. */
export async function checkIcons(manifest: Manifest, dir = MANIFEST_DIR): Promise<string[]> {
  const icons = (manifest.icons ?? {}) as { color?: unknown; outline?: unknown };
  const problems: string[] = [];
  for (const kind of ['color', 'outline'] as const) {
    const name = icons[kind];
    if (typeof name !== 'string') continue; // the schema reports it
    const file = join(dir, name);
    let png: Buffer;
    try {
      png = await readFile(file);
    } catch {
      problems.push(`icons.${kind}: ${name} does not exist next to the manifest (${file})`);
      continue;
    }
    try {
      const { width, height } = pngInfo(png);
      const size = ICON_SIZES[kind];
      if (width !== size || height !== size) problems.push(`icons.${kind}: ${name} is ${width}x${height}, it must be ${size}x${size}`);
      if (kind === 'outline') {
        const { rgba } = decodePng(png);
        let bad = 0;
        let first = -1;
        for (let i = 0; i < rgba.length; i += 4) {
          if (rgba[i + 3] !== 0 && (rgba[i] !== 255 || rgba[i + 1] !== 255 || rgba[i + 2] !== 255)) {
            bad++;
            if (first < 0) first = i / 4;
          }
        }
        if (bad > 0) problems.push(`icons.outline: ${name} must be white on transparent; ${bad} pixels have another color (first at x=${first % width}, y=${Math.floor(first / width)})`);
      }
    } catch (e) {
      problems.push(`icons.${kind}: ${name}: ${(e as Error).message}`);
    }
  }
  return problems;
}

// ---- ZIP ----

/** A fixed timestamp (2025-01-01 00:00), so the same inputs give the same zip. */
const DOS_TIME = 0;
const DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1;

/** A zip archive (deflate, no directories) of the given files, in order. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const packed = deflateRawSync(file.data, { level: 9 });
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export interface WritePackageOptions {
  manifest: Manifest;
  /** The other languages' files, at the zip root beside the manifest. */
  localizations?: { file: string; json: Manifest }[];
  /** Where the icons named in the manifest are: manifest/ by default. */
  iconsDir?: string;
  /** The zip to write: appPackage.zip at the repository root by default. */
  out?: string;
}

/** Writes the app package: manifest.json and the two icons at the zip root. Returns the path and file names. */
export async function writePackage(options: WritePackageOptions): Promise<{ path: string; files: string[]; bytes: number }> {
  const { manifest } = options;
  const dir = options.iconsDir ?? MANIFEST_DIR;
  const out = resolve(options.out ?? DEFAULT_OUT);
  const icons = manifest.icons as { color: string; outline: string };
  const files = [
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: icons.color, data: await readFile(join(dir, icons.color)) },
    { name: icons.outline, data: await readFile(join(dir, icons.outline)) },
    ...(options.localizations ?? []).map((l) => ({ name: l.file, data: Buffer.from(`${JSON.stringify(l.json, null, 2)}\n`) })),
  ];
  const archive = zip(files);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, archive);
  return { path: out, files: files.map((f) => f.name), bytes: archive.length };
}

export interface PackageOptions {
  dev?: boolean;
  out?: string;
  warn?: (message: string) => void;
}

/** The whole command: build, validate (schema and icons), write. Throws a PackageError listing every problem. */
export async function packageApp(env: Env, options: PackageOptions = {}) {
  const manifest = buildManifest(env, { dev: options.dev, warn: options.warn });
  const localizations = buildLocalizations(env, manifest, { dev: options.dev });
  const problems = [...(await validateManifest(manifest)), ...(await checkIcons(manifest))];
  for (const l of localizations) problems.push(...(await validateLocalization(l.json, manifest, l.file)));
  if (problems.length > 0) throw new PackageError(problems);
  const written = await writePackage({ manifest, localizations, out: options.out });
  return { manifest, ...written };
}

function parseArgs(argv: string[]): { dev: boolean; out?: string; help: boolean } {
  const args = { dev: false, out: undefined as string | undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dev') args.dev = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--out') {
      const next = argv[++i];
      if (!next) throw new PackageError(['--out needs a path, e.g. --out dist/appPackage.zip']);
      args.out = next;
    } else if (a.startsWith('--out=')) args.out = a.slice('--out='.length);
    else throw new PackageError([`unknown argument ${a}: use --dev, --out <path> or --help`]);
  }
  return args;
}

const USAGE = `Usage: npm run package -- [--dev] [--out <path>]

Builds appPackage.zip from manifest/manifest.json, validated offline against the Teams schema.
Variables: BOT_ID (or MicrosoftAppId, required), BOT_DOMAIN (required), TEAMS_APP_ID (default: BOT_ID),
APP_VERSION (default: package.json version), APP_NAME_SUFFIX, DEVELOPER_NAME, DEVELOPER_WEBSITE_URL,
PRIVACY_URL, TERMS_URL. --dev: all-zero bot id and BOT_DOMAIN=localhost when not set, for local checks.
`;

async function main(): Promise<void> {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
      process.stdout.write(USAGE);
      return;
    }
    const result = await packageApp(process.env, { dev: args.dev, out: args.out, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
    const bots = result.manifest.bots as { botId: string }[];
    process.stdout.write(
      `${result.path}: ${result.files.join(', ')} (${result.bytes} bytes)\n` +
        `  manifest ${String(result.manifest.manifestVersion)}, app ${String(result.manifest.id)} version ${String(result.manifest.version)}, ` +
        `bot ${bots[0]?.botId}${args.dev ? ' (--dev: not for upload)' : ''}, domain ${(result.manifest.validDomains as string[]).join(', ')}\n`,
    );
  } catch (e) {
    if (e instanceof PackageError) {
      process.stderr.write(`npm run package failed:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
