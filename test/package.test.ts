// The Teams app package: the manifest template, its offline schema validation, the icons and the zip
// that `npm run package` writes.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../bot/commands.js';
import { QUERY_PARAMETER, SEARCH_COMMAND } from '../bot/message-extension.js';
import { ACCENT, colorIcon, encodePng, outlineIcon } from '../scripts/make-icons.js';
import {
  buildLocalizations,
  buildManifest,
  checkIcons,
  DEV_BOT_ID,
  decodePng,
  MANIFEST_DIR,
  PackageError,
  pngInfo,
  validateLocalization,
  validateManifest,
  writePackage,
  type Manifest,
} from '../scripts/package.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BOT = '11111111-2222-4333-8444-555555555555';
/** Variables the package script reads: removed from the children's environment so only the test sets them. */
const OURS = ['BOT_ID', 'MicrosoftAppId', 'BOT_DOMAIN', 'TEAMS_APP_ID', 'APP_VERSION', 'APP_NAME_SUFFIX', 'DEVELOPER_NAME', 'DEVELOPER_WEBSITE_URL', 'PRIVACY_URL', 'TERMS_URL'];
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !OURS.includes(k)));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosell-package-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runPackage(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/package.ts', ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Reads a zip's central directory and inflates every entry (a reader independent of the writer). */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < entries; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const packed = zip.subarray(dataStart, dataStart + size);
    const data = method === 8 ? zlib.inflateRawSync(packed) : Buffer.from(packed);
    if (typeof zlib.crc32 === 'function') expect(zlib.crc32(data) >>> 0, name).toBe(crc);
    out.set(name, data);
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

describe('npm run package', () => {
  it('--dev writes appPackage.zip with manifest.json, color.png and outline.png at the root, and a manifest that validates', async () => {
    const out = join(dir, 'dev', 'appPackage.zip');
    const run = await runPackage(['--dev', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(out);
    const files = unzip(await readFile(out));
    expect([...files.keys()].sort()).toEqual(['color.png', 'es-es.json', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest;
    expect(await validateManifest(manifest)).toEqual([]);
    expect(manifest).toMatchObject({ id: DEV_BOT_ID, bots: [{ botId: DEV_BOT_ID }], validDomains: ['localhost'] });
    expect(pngInfo(files.get('color.png')!)).toMatchObject({ width: 192, height: 192 });
    expect(pngInfo(files.get('outline.png')!)).toMatchObject({ width: 32, height: 32 });
  });

  it('fills the bot id, domain and version from the environment', async () => {
    const out = join(dir, 'real', 'appPackage.zip');
    const run = await runPackage(['--out', out], { BOT_ID: BOT, BOT_DOMAIN: 'cosell.example.com', APP_VERSION: '2.3.4', DEVELOPER_WEBSITE_URL: 'https://example.com/co-sell', PRIVACY_URL: 'https://example.com/privacy', TERMS_URL: 'https://example.com/terms' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const manifest = JSON.parse(unzip(await readFile(out)).get('manifest.json')!.toString('utf8')) as Manifest;
    expect(manifest).toMatchObject({
      id: BOT,
      version: '2.3.4',
      developer: { websiteUrl: 'https://example.com/co-sell', privacyUrl: 'https://example.com/privacy', termsOfUseUrl: 'https://example.com/terms' },
      bots: [{ botId: BOT, scopes: ['personal', 'team', 'groupChat'], supportsFiles: true }],
      composeExtensions: [{ botId: BOT }],
      validDomains: ['cosell.example.com'],
    });
  });

  it('without BOT_ID (and without --dev) fails, naming BOT_ID', async () => {
    const run = await runPackage(['--out', join(dir, 'none.zip')], { BOT_DOMAIN: 'cosell.example.com' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BOT_ID is not set');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('a bad value fails with the variable named', async () => {
    const run = await runPackage(['--out', join(dir, 'bad.zip')], { MicrosoftAppId: 'not-a-guid', BOT_DOMAIN: 'https://cosell.example.com/api/messages' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MicrosoftAppId must be a GUID');
    expect(run.stderr).toContain('BOT_DOMAIN must be a host name');
  });

  it('a manifest the schema rejects fails the command with the schema message', async () => {
    // The short name may have 30 characters: the suffix makes it longer.
    const run = await runPackage(['--dev', '--out', join(dir, 'long.zip')], { APP_NAME_SUFFIX: ' with a suffix far too long for Teams' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/name/short must NOT have more than 30 characters');
  });
});

describe('validateManifest', () => {
  const dev = () => buildManifest({}, { dev: true });

  it('accepts the dev manifest, on a current schema (1.22 or newer) matching $schema', async () => {
    const m = dev();
    expect(await validateManifest(m)).toEqual([]);
    const version = String(m.manifestVersion);
    expect(Number(version.split('.')[1])).toBeGreaterThanOrEqual(22);
    expect(m.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
  });

  it('reports a missing bots[0].botId with the schema message', async () => {
    const m = dev() as { bots: Record<string, unknown>[] };
    delete m.bots[0]!.botId;
    const problems = await validateManifest(m);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\/bots\/0 must have required property 'botId'/);
  });

  it('reports an invalid version, accent color and app id', async () => {
    const problems = await validateManifest({ ...dev(), version: '1.0', accentColor: 'teal', id: 'my-app' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/version must be a version like 1\.0\.0/),
        expect.stringMatching(/^\/accentColor must match pattern/),
        expect.stringMatching(/^\/id must match pattern/),
      ]),
    );
  });

  it('never goes to the network: a schema the package does not bundle is refused', async () => {
    const problems = await validateManifest({ ...dev(), $schema: 'https://example.com/teams/v9.99/MicrosoftTeams.schema.json' });
    expect(problems[0]).toContain('cannot be checked offline');
  });

  it('reports placeholders left unfilled', async () => {
    const problems = await validateManifest({ ...dev(), developer: { name: '${{DEVELOPER_NAME}}', websiteUrl: 'https://a.example', privacyUrl: 'https://a.example', termsOfUseUrl: 'https://a.example' } });
    expect(problems).toContain('unfilled placeholders: ${{DEVELOPER_NAME}}');
  });

  it('a template placeholder without a value is an error naming it', () => {
    expect(() => buildManifest({}, { dev: true, template: '{ "x": "${{NOT_DEFINED_ANYWHERE}}" }' })).toThrow(PackageError);
    expect(() => buildManifest({}, { dev: true, template: '{ "x": "${{NOT_DEFINED_ANYWHERE}}" }' })).toThrow(/NOT_DEFINED_ANYWHERE is not set/);
  });
});

describe('the manifest matches the bot', () => {
  const manifest = () => buildManifest({}, { dev: true }) as {
    accentColor: string;
    bots: { commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] }[];
    composeExtensions: { botId: string; commands: { id: string; type: string; initialRun: boolean; parameters: { name: string }[] }[] }[];
  };

  it('commandLists are the text commands of bot/commands.ts, with descriptions', () => {
    const lists = manifest().bots[0]!.commandLists;
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    const commands = lists[0]!.commands;
    expect(commands.map((c) => c.title)).toEqual(['help', 'new deal', 'inbound', 'outbound', 'favorites', 'archive', 'find', 'deal', 'language', 'insights']);
    for (const c of commands) expect(c.description.length, c.title).toBeGreaterThan(10);
    // Each title, as Teams inserts it into the message box (plus an argument where one is needed), is understood.
    const parsed = commands.map((c) => parseCommand(['find', 'deal'].includes(c.title) ? `${c.title} contoso` : c.title));
    expect(parsed.map((p) => p?.verb)).toEqual(['help', 'newDeal', 'list', 'list', 'list', 'list', 'find', 'open', 'language', 'insights']);
    expect(parsed.slice(2, 6).map((p) => p?.data.box)).toEqual(['inbound', 'outbound', 'favorites', 'archive']);
  });

  it('the Spanish (es-es) file validates, and each Spanish command title does what its English twin does', async () => {
    const built = buildManifest({}, { dev: true });
    const [spanish, ...others] = buildLocalizations({}, built, { dev: true });
    expect(others).toEqual([]);
    expect(spanish!.languageTag).toBe('es-es');
    expect(await validateLocalization(spanish!.json, built, spanish!.file)).toEqual([]);
    const commands = manifest().bots[0]!.commandLists[0]!.commands;
    const withArgument = (title: string, i: number) => (i === 6 || i === 7 ? `${title} contoso` : title);
    commands.forEach((c, i) => {
      const title = spanish!.json[`bots[0].commandLists[0].commands[${i}].title`] as string;
      expect(parseCommand(withArgument(title, i)), title).toEqual(parseCommand(withArgument(c.title, i)));
    });
  });

  it('a localization key naming no text of the manifest, or too long a text, is reported with its file', async () => {
    const built = buildManifest({}, { dev: true });
    const bad = { $schema: 'https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.Localization.schema.json', 'name.short': 'Co-sell Bot', 'description.short': 'x'.repeat(81), 'description.full': 'Completa.', 'bots[0].commandLists[0].commands[20].title': 'nada' };
    const problems = await validateLocalization(bad, built, 'es-es.json');
    expect(problems).toContain('es-es.json: bots[0].commandLists[0].commands[20].title is not a text of the manifest');
    expect(problems.some((p) => p.startsWith('es-es.json: /description.short must NOT have more than 80 characters'))).toBe(true);
  });

  it('declares the search message extension the bot answers', () => {
    const [extension] = manifest().composeExtensions;
    expect(extension!.botId).toBe(DEV_BOT_ID);
    expect(extension!.commands).toHaveLength(1);
    expect(extension!.commands[0]).toMatchObject({ id: SEARCH_COMMAND, type: 'query', initialRun: true, parameters: [{ name: QUERY_PARAMETER }] });
  });

  it('accentColor is the icons’ background color', () => {
    const hex = `#${[ACCENT.r, ACCENT.g, ACCENT.b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    expect(manifest().accentColor.toLowerCase()).toBe(hex);
  });
});

describe('icons', () => {
  it('the committed icons are what scripts/make-icons.ts draws, and pass the checks', async () => {
    expect(decodePng(await readFile(join(MANIFEST_DIR, 'color.png'))).rgba).toEqual(decodePng(colorIcon()).rgba);
    expect(decodePng(await readFile(join(MANIFEST_DIR, 'outline.png'))).rgba).toEqual(decodePng(outlineIcon()).rgba);
    expect(await checkIcons(buildManifest({}, { dev: true }))).toEqual([]);
  });

  it('a wrong size or a colored outline pixel is reported', async () => {
    const icons = join(dir, 'icons');
    await mkdir(icons, { recursive: true });
    const outline = decodePng(outlineIcon()).rgba;
    outline.set([255, 0, 0, 255], (3 * 32 + 4) * 4); // one red pixel at x=4, y=3
    await writeFile(join(icons, 'outline.png'), encodePng(32, 32, outline));
    await writeFile(join(icons, 'color.png'), encodePng(96, 96, new Uint8Array(96 * 96 * 4).fill(255)));
    const problems = await checkIcons(buildManifest({}, { dev: true }), icons);
    expect(problems).toEqual([
      'icons.color: color.png is 96x96, it must be 192x192',
      'icons.outline: outline.png must be white on transparent; 1 pixels have another color (first at x=4, y=3)',
    ]);
  });

  it('writePackage puts the manifest and the icons at the zip root', async () => {
    const out = join(dir, 'direct', 'app.zip');
    const written = await writePackage({ manifest: buildManifest({}, { dev: true }), out });
    expect(written.files).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const files = unzip(await readFile(out));
    expect(files.get('color.png')).toEqual(await readFile(join(MANIFEST_DIR, 'color.png')));
  });
});
