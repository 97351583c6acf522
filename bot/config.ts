// Start-up configuration from the environment, checked once so that a bad setting stops the
// process with a message naming the variable instead of failing later inside botbuilder.
import { z } from 'zod';

export const appTypes = ['MultiTenant', 'SingleTenant', 'UserAssignedMsi'] as const;
export type AppType = (typeof appTypes)[number];

export interface Config {
  PORT: number;
  DATA_DIR: string;
  /** PostgreSQL (postgres://…): the store of a deployment with several instances; '' keeps the embedded store in DATA_DIR. */
  DATABASE_URL: string;
  /** The PostgreSQL schema for the tables; '' uses the connection's search path (normally public). */
  DATABASE_SCHEMA: string;
  /** Microsoft's own tenant: its users are the Microsoft side of co-sell. */
  MICROSOFT_TENANT_ID: string;
  /** '' in local mode. */
  MicrosoftAppId: string;
  /** '' when not set. */
  MicrosoftAppPassword: string;
  MicrosoftAppType: AppType;
  /** '' when not set. */
  MicrosoftAppTenantId: string;
  /** Key of the HMAC that signs referrals posted to the intake webhook; '' turns the webhook off. */
  REFERRALS_WEBHOOK_SECRET: string;
  /** Sent and dropped alerts are forgotten after this many days (an answer can no longer update their cards). */
  OUTBOX_RETENTION_DAYS: number;
  /** No app id: Bot Framework authentication is off (Agents Playground, tests), and the bot listens on loopback only. */
  localMode: boolean;
  /** Load the demo partners, customers and solutions into an empty directory: in local mode, or when DEMO_DATA=true. */
  demoData: boolean;
  /** Connecting organizations to Partner Center; absent without PARTNER_CENTER_CLIENT_ID. */
  partnerCenter?: PartnerCenterConfig;
}

export interface PartnerCenterConfig {
  /** The Entra app registration (public client flows allowed) with Partner Center's user_impersonation permission. */
  clientId: string;
  /** Seals each organization's token cache in the store: 32 random bytes, base64. */
  tokenKey: Buffer;
  authority: string;
  apiUrl: string;
  scope: string;
  syncMinutes: number;
  /** PEM file of the certificate authorities that issue Partner Center's event-signing certificate; '' turns events off. */
  eventsCaFile: string;
  /** The organization the signing certificate's issuer names. */
  eventsIssuer: string;
  /** Where an event's signing certificate may be downloaded from. */
  eventsCertificateHosts: string[];
}

/**
 * The settings ConfigurationBotFrameworkAuthentication and ConfigurationServiceClientCredentialFactory read.
 * A type alias, not an interface: botbuilder's options type has an index signature.
 */
export type BotAuthSettings = {
  MicrosoftAppId: string;
  MicrosoftAppPassword: string;
  MicrosoftAppType: AppType;
  MicrosoftAppTenantId: string;
};

/** Where the data is, for logs: the database without its password, or the data directory. */
export function storeLabel(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): string {
  if (!config.DATABASE_URL) return config.DATA_DIR;
  try {
    const u = new URL(config.DATABASE_URL);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}.`);
    this.name = 'ConfigError';
  }
}

export const defaults = {
  PORT: 3978,
  DATA_DIR: './data',
  MICROSOFT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  MicrosoftAppType: 'MultiTenant',
  OUTBOX_RETENTION_DAYS: 7,
  PARTNER_CENTER_AUTHORITY: 'https://login.microsoftonline.com/organizations',
  PARTNER_CENTER_API_URL: 'https://api.partnercenter.microsoft.com/v1.0',
  PARTNER_CENTER_SCOPE: 'https://api.partnercenter.microsoft.com/user_impersonation',
  PARTNER_CENTER_SYNC_MINUTES: 15,
  PARTNER_CENTER_EVENTS_ISSUER: 'Microsoft Corporation',
  // The host Partner Center's documentation shows its certificate at.
  PARTNER_CENTER_EVENTS_CERT_HOSTS: '3psostorageacct.blob.core.windows.net',
} as const;

/** Microsoft 365 Agents Toolkit names accepted for the Bot Framework settings; the Microsoft* name wins. */
export const aliases = {
  MicrosoftAppId: 'BOT_ID',
  MicrosoftAppPassword: 'BOT_PASSWORD',
  MicrosoftAppType: 'BOT_TYPE',
  MicrosoftAppTenantId: 'BOT_TENANT_ID',
} as const;
type Aliased = keyof typeof aliases;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Env = Record<string, string | undefined>;

/** A set, non-blank value (trimmed); blank counts as not set, as in .env files with `BOT_ID=`. */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

const got = (input: unknown) => `(got ${JSON.stringify(input)})`;

export function loadConfig(env: Env): Config {
  // Resolve the aliases first, remembering which variable each value came from for the messages.
  const source = {} as Record<Aliased, string>;
  const raw: Record<string, string | undefined> = {
    PORT: value(env, 'PORT'),
    DATA_DIR: value(env, 'DATA_DIR'),
    DATABASE_URL: value(env, 'DATABASE_URL'),
    DATABASE_SCHEMA: value(env, 'DATABASE_SCHEMA'),
    MICROSOFT_TENANT_ID: value(env, 'MICROSOFT_TENANT_ID'),
    REFERRALS_WEBHOOK_SECRET: value(env, 'REFERRALS_WEBHOOK_SECRET'),
    OUTBOX_RETENTION_DAYS: value(env, 'OUTBOX_RETENTION_DAYS'),
    DEMO_DATA: value(env, 'DEMO_DATA'),
    PARTNER_CENTER_CLIENT_ID: value(env, 'PARTNER_CENTER_CLIENT_ID'),
    PARTNER_CENTER_TOKEN_KEY: value(env, 'PARTNER_CENTER_TOKEN_KEY'),
    PARTNER_CENTER_AUTHORITY: value(env, 'PARTNER_CENTER_AUTHORITY'),
    PARTNER_CENTER_API_URL: value(env, 'PARTNER_CENTER_API_URL'),
    PARTNER_CENTER_SCOPE: value(env, 'PARTNER_CENTER_SCOPE'),
    PARTNER_CENTER_SYNC_MINUTES: value(env, 'PARTNER_CENTER_SYNC_MINUTES'),
    PARTNER_CENTER_EVENTS_CA_FILE: value(env, 'PARTNER_CENTER_EVENTS_CA_FILE'),
    PARTNER_CENTER_EVENTS_ISSUER: value(env, 'PARTNER_CENTER_EVENTS_ISSUER'),
    PARTNER_CENTER_EVENTS_CERT_HOSTS: value(env, 'PARTNER_CENTER_EVENTS_CERT_HOSTS'),
  };
  for (const [name, alias] of Object.entries(aliases) as [Aliased, string][]) {
    const own = value(env, name);
    const other = value(env, alias);
    source[name] = own === undefined && other !== undefined ? alias : name;
    raw[name] = own ?? other;
  }

  const guid = (name: string) =>
    z.string().regex(GUID, { error: (iss) => `${name} must be a GUID like 00000000-0000-0000-0000-000000000000 ${got(iss.input)}` });

  // Microsoft's services over HTTPS; plain HTTP only to this machine (the tests' fakes).
  const serviceUrl = (name: string) =>
    z.string().refine((v) => /^https:\/\/[^\s/]+/i.test(v) || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/i.test(v), { error: (iss) => `${name} must be an https:// URL ${got(iss.input)}` });

  const schema = z
    .object({
      PORT: z
        .string()
        .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535, {
          error: (iss) => `PORT must be a whole number between 1 and 65535 ${got(iss.input)}`,
        })
        .transform(Number)
        .default(defaults.PORT),
      DATA_DIR: z.string().default(defaults.DATA_DIR),
      DATABASE_URL: z
        .string()
        .refine((v) => /^postgres(ql)?:\/\/\S+$/i.test(v), { error: 'DATABASE_URL must be a PostgreSQL connection URL like postgres://user:password@host:5432/database' })
        .default(''),
      DATABASE_SCHEMA: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: (iss) => `DATABASE_SCHEMA must be a lower-case name of letters, digits and underscores ${got(iss.input)}` })
        .default(''),
      MICROSOFT_TENANT_ID: guid('MICROSOFT_TENANT_ID').default(defaults.MICROSOFT_TENANT_ID),
      MicrosoftAppId: z.string().default(''),
      MicrosoftAppPassword: z.string().default(''),
      MicrosoftAppType: z
        .enum(appTypes, {
          error: (iss) => `${source.MicrosoftAppType} must be one of ${appTypes.join(', ')} ${got(iss.input)}`,
        })
        .default(defaults.MicrosoftAppType),
      MicrosoftAppTenantId: guid(source.MicrosoftAppTenantId).default(''),
      REFERRALS_WEBHOOK_SECRET: z
        .string()
        .min(16, { error: 'REFERRALS_WEBHOOK_SECRET must be at least 16 characters (a long random string)' })
        .default(''),
      OUTBOX_RETENTION_DAYS: z
        .string()
        .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 3650, {
          error: (iss) => `OUTBOX_RETENTION_DAYS must be a whole number of days between 1 and 3650 ${got(iss.input)}`,
        })
        .transform(Number)
        .default(defaults.OUTBOX_RETENTION_DAYS),
      DEMO_DATA: z.enum(['true', 'false'], { error: (iss) => `DEMO_DATA must be true or false ${got(iss.input)}` }).optional(),
      PARTNER_CENTER_CLIENT_ID: guid('PARTNER_CENTER_CLIENT_ID').optional(),
      PARTNER_CENTER_TOKEN_KEY: z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, { error: 'PARTNER_CENTER_TOKEN_KEY must be 32 random bytes in base64 (openssl rand -base64 32)' })
        .optional(),
      PARTNER_CENTER_AUTHORITY: serviceUrl('PARTNER_CENTER_AUTHORITY').default(defaults.PARTNER_CENTER_AUTHORITY),
      PARTNER_CENTER_API_URL: serviceUrl('PARTNER_CENTER_API_URL').default(defaults.PARTNER_CENTER_API_URL),
      PARTNER_CENTER_SCOPE: z.string().default(defaults.PARTNER_CENTER_SCOPE),
      PARTNER_CENTER_SYNC_MINUTES: z
        .string()
        .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1440, { error: (iss) => `PARTNER_CENTER_SYNC_MINUTES must be a whole number of minutes between 1 and 1440 ${got(iss.input)}` })
        .transform(Number)
        .default(defaults.PARTNER_CENTER_SYNC_MINUTES),
      PARTNER_CENTER_EVENTS_CA_FILE: z.string().default(''),
      PARTNER_CENTER_EVENTS_ISSUER: z.string().default(defaults.PARTNER_CENTER_EVENTS_ISSUER),
      PARTNER_CENTER_EVENTS_CERT_HOSTS: z.string().default(defaults.PARTNER_CENTER_EVENTS_CERT_HOSTS),
    });

  // Unset values are left out so that the defaults apply.
  const input = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const result = schema.safeParse(input);
  const problems = result.success ? [] : result.error.issues.map((i) => i.message);
  // Checks across variables, on the raw values so they are reported along with any bad value above.
  problems.push(...appTypeProblems(raw, source));
  // Fails closed: one missing variable in production must not give an open bot.
  if (value(env, 'NODE_ENV') === 'production' && !raw.MicrosoftAppId) {
    problems.push(`MicrosoftAppId (or ${aliases.MicrosoftAppId}) is required when NODE_ENV is production: without it Bot Framework authentication is off`);
  }
  if (raw.PARTNER_CENTER_CLIENT_ID && !raw.PARTNER_CENTER_TOKEN_KEY) {
    problems.push('PARTNER_CENTER_TOKEN_KEY is required with PARTNER_CENTER_CLIENT_ID: it seals the Partner Center tokens kept in the data directory (openssl rand -base64 32)');
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const { DEMO_DATA, PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_TOKEN_KEY, PARTNER_CENTER_AUTHORITY, PARTNER_CENTER_API_URL, PARTNER_CENTER_SCOPE, PARTNER_CENTER_SYNC_MINUTES, PARTNER_CENTER_EVENTS_CA_FILE, PARTNER_CENTER_EVENTS_ISSUER, PARTNER_CENTER_EVENTS_CERT_HOSTS, ...settings } = result.data;
  const localMode = settings.MicrosoftAppId === '';
  const partnerCenter: PartnerCenterConfig | undefined =
    PARTNER_CENTER_CLIENT_ID && PARTNER_CENTER_TOKEN_KEY
      ? {
          clientId: PARTNER_CENTER_CLIENT_ID,
          tokenKey: Buffer.from(PARTNER_CENTER_TOKEN_KEY, 'base64'),
          authority: PARTNER_CENTER_AUTHORITY,
          apiUrl: PARTNER_CENTER_API_URL,
          scope: PARTNER_CENTER_SCOPE,
          syncMinutes: PARTNER_CENTER_SYNC_MINUTES,
          eventsCaFile: PARTNER_CENTER_EVENTS_CA_FILE,
          eventsIssuer: PARTNER_CENTER_EVENTS_ISSUER,
          eventsCertificateHosts: PARTNER_CENTER_EVENTS_CERT_HOSTS.split(',').map((h) => h.trim()).filter(Boolean),
        }
      : undefined;
  return { ...settings, localMode, demoData: DEMO_DATA === undefined ? localMode : DEMO_DATA === 'true', ...(partnerCenter ? { partnerCenter } : {}) };
}

/** What each app type needs, mirroring the asserts in ConfigurationServiceClientCredentialFactory. */
function appTypeProblems(raw: Record<string, string | undefined>, source: Record<Aliased, string>): string[] {
  const problems: string[] = [];
  const type = raw.MicrosoftAppType ?? defaults.MicrosoftAppType;
  if (!(appTypes as readonly string[]).includes(type)) return problems; // already reported
  const either = (name: Aliased) => `set ${name} or ${aliases[name]}`;
  if (type === 'SingleTenant' || type === 'UserAssignedMsi') {
    if (!raw.MicrosoftAppId) {
      problems.push(`MicrosoftAppId is required when MicrosoftAppType is ${type} (${either('MicrosoftAppId')})`);
    }
    if (!raw.MicrosoftAppTenantId) {
      problems.push(`MicrosoftAppTenantId is required when MicrosoftAppType is ${type} (${either('MicrosoftAppTenantId')})`);
    }
  }
  if (type === 'UserAssignedMsi' && raw.MicrosoftAppPassword) {
    problems.push(
      `${source.MicrosoftAppPassword} must not be set when MicrosoftAppType is UserAssignedMsi (the managed identity needs no password)`,
    );
  }
  if (type !== 'UserAssignedMsi' && raw.MicrosoftAppId && !raw.MicrosoftAppPassword) {
    problems.push(
      `MicrosoftAppPassword is required when MicrosoftAppId is set and MicrosoftAppType is ${type} (${either('MicrosoftAppPassword')})`,
    );
  }
  return problems;
}
/** The object for `new ConfigurationBotFrameworkAuthentication(s, new ConfigurationServiceClientCredentialFactory(s))`. */
export function botAuthSettings(config: Config): BotAuthSettings {
  return {
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  };
}
