// The HTTP side: configuration, start-up, /healthz, /api/messages in local and authenticated
// mode, turn errors, the npm start entry point, and the data-directory lock.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestAdapter, type TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, turnErrorHandler, type RunningApp } from '../bot/app.js';
import { tIn } from '../services/i18n.js';
import { botAuthSettings, ConfigError, loadConfig, storeLabel, type Config } from '../bot/config.js';
import { createLogger, type MemoryLogger } from '../bot/log.js';
import { StoreLockedError } from '../services/store.js';
import { startFakeConnector, type FakeConnector } from './helpers/fake-connector.js';
import { message, personalConversationId, postActivity, setServiceUrl, type TeamsUser } from './helpers/teams.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What a failed turn answers an English client. */
const APOLOGY_EN = tIn('en', 'bot.wentWrong');
const APP_ID = '11111111-2222-4333-8444-555555555555';
const TENANT = '99999999-0000-4000-8000-000000000001';

const alice: TeamsUser = {
  tenantId: 'aaaaaaaa-0000-4000-8000-000000000001',
  aadObjectId: '0a11ce00-0000-4000-8000-000000000001',
  name: 'Alice Seller',
  email: 'alice@contoso.example',
};

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'server-test-'));
  dirs.push(dir);
  return dir;
}

/** Config for a test app: local mode on an OS-chosen port, unless overridden. */
function testConfig(env: Record<string, string>): Config {
  return { ...loadConfig(env), PORT: 0 };
}

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('loadConfig', () => {
  it('applies the defaults and is in local mode without an app id', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      PORT: 3978,
      DATA_DIR: './data',
      DATABASE_URL: '',
      DATABASE_SCHEMA: '',
      MICROSOFT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      MicrosoftAppId: '',
      MicrosoftAppPassword: '',
      MicrosoftAppType: 'MultiTenant',
      MicrosoftAppTenantId: '',
      REFERRALS_WEBHOOK_SECRET: '',
      OUTBOX_RETENTION_DAYS: 7,
      localMode: true,
      demoData: true,
    });
  });

  it('takes a PostgreSQL URL and schema, and refuses what is neither', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://bot:secret@db.example.com:5432/cosell', DATABASE_SCHEMA: 'cosell' });
    expect(config).toMatchObject({ DATABASE_URL: 'postgres://bot:secret@db.example.com:5432/cosell', DATABASE_SCHEMA: 'cosell' });
    expect(storeLabel(config)).toBe('postgres://bot:***@db.example.com:5432/cosell');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/cosell' })).toThrow(/DATABASE_URL must be a PostgreSQL connection URL/);
    expect(() => loadConfig({ DATABASE_SCHEMA: 'Co-Sell' })).toThrow(/DATABASE_SCHEMA must be a lower-case name/);
  });

  it('refuses a webhook secret too short to be safe, naming the variable', () => {
    expect(() => loadConfig({ REFERRALS_WEBHOOK_SECRET: 'short' })).toThrow(/REFERRALS_WEBHOOK_SECRET must be at least 16 characters/);
    expect(loadConfig({ REFERRALS_WEBHOOK_SECRET: 'a-long-enough-secret' }).REFERRALS_WEBHOOK_SECRET).toBe('a-long-enough-secret');
  });

  it('reads the plain variables', () => {
    const config = loadConfig({ PORT: '8080', DATA_DIR: '/var/lib/bot', MICROSOFT_TENANT_ID: TENANT });
    expect(config).toMatchObject({ PORT: 8080, DATA_DIR: '/var/lib/bot', MICROSOFT_TENANT_ID: TENANT });
  });

  it('accepts the Agents Toolkit names as aliases', () => {
    const config = loadConfig({ BOT_ID: APP_ID, BOT_PASSWORD: 'secret', BOT_TYPE: 'SingleTenant', BOT_TENANT_ID: TENANT });
    expect(config).toMatchObject({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
      localMode: false,
    });
    expect(botAuthSettings(config)).toEqual({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
    });
  });

  it('prefers the Microsoft* name when both are set, and treats a blank value as unset', () => {
    const config = loadConfig({
      MicrosoftAppId: APP_ID,
      BOT_ID: '00000000-0000-4000-8000-000000000000',
      MicrosoftAppPassword: 'mine',
      BOT_PASSWORD: 'theirs',
      MicrosoftAppType: '',
      BOT_TYPE: 'MultiTenant',
    });
    expect(config).toMatchObject({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'mine', MicrosoftAppType: 'MultiTenant' });
    expect(loadConfig({ MicrosoftAppId: '  ', BOT_ID: APP_ID, BOT_PASSWORD: 'p' }).MicrosoftAppId).toBe(APP_ID);
  });

  it('loads the demo directory in local mode only, unless DEMO_DATA says otherwise', () => {
    expect(loadConfig({}).demoData).toBe(true);
    expect(loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p' }).demoData).toBe(false);
    expect(loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p', DEMO_DATA: 'true' }).demoData).toBe(true);
    expect(loadConfig({ DEMO_DATA: 'false' }).demoData).toBe(false);
    expect(configError({ DEMO_DATA: 'yes' }).message).toContain('DEMO_DATA must be true or false (got "yes")');
  });

  it('sets localMode only when there is no app id', () => {
    expect(loadConfig({ MicrosoftAppId: '' }).localMode).toBe(true);
    expect(loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p' }).localMode).toBe(false);
  });

  it('rejects a bad PORT, naming PORT and the value', () => {
    for (const bad of ['abc', '0', '65536', '3.5', '-1']) {
      const e = configError({ PORT: bad });
      expect(e.message).toContain(`PORT must be a whole number between 1 and 65535 (got "${bad}")`);
    }
  });

  it('requires a tenant id for SingleTenant, naming the variable', () => {
    const e = configError({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant' });
    expect(e.message).toMatch(/^Invalid configuration: MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant/);
    expect(e.problems).toHaveLength(1);
  });

  it('reports every problem in one message', () => {
    const e = configError({ PORT: 'abc', MicrosoftAppType: 'SingleTenant', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p' });
    expect(e.message).toBe(
      'Invalid configuration: PORT must be a whole number between 1 and 65535 (got "abc"); ' +
        'MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant (set MicrosoftAppTenantId or BOT_TENANT_ID).',
    );
  });

  it('requires a password with an app id, except for a managed identity', () => {
    expect(configError({ MicrosoftAppId: APP_ID }).message).toContain('MicrosoftAppPassword is required');
    const msi = loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMsi', MicrosoftAppTenantId: TENANT });
    expect(msi).toMatchObject({ MicrosoftAppType: 'UserAssignedMsi', MicrosoftAppPassword: '', localMode: false });
    expect(
      configError({ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMsi', MicrosoftAppTenantId: TENANT, BOT_PASSWORD: 'x' })
        .message,
    ).toContain('BOT_PASSWORD must not be set when MicrosoftAppType is UserAssignedMsi');
  });

  it('names the alias that carried a bad value, and checks GUIDs', () => {
    expect(configError({ BOT_TYPE: 'Personal' }).message).toContain(
      'BOT_TYPE must be one of MultiTenant, SingleTenant, UserAssignedMsi (got "Personal")',
    );
    expect(configError({ MICROSOFT_TENANT_ID: 'microsoft' }).message).toContain('MICROSOFT_TENANT_ID must be a GUID');
    expect(
      configError({ BOT_ID: APP_ID, BOT_PASSWORD: 'p', BOT_TYPE: 'SingleTenant', BOT_TENANT_ID: 'contoso' }).message,
    ).toContain('BOT_TENANT_ID must be a GUID');
  });
});

describe('turn errors', () => {
  it('logs the failed turn and sends the user an apology without details', async () => {
    const log = createLogger({ silent: true });
    const adapter = new TestAdapter(async () => {
      throw new Error('boom: secret detail');
    });
    adapter.onTurnError = turnErrorHandler(log);
    await adapter.send({ type: 'message', text: 'hi', id: 'in-1' }).assertReply((reply) => {
      expect(reply.text).toBe(APOLOGY_EN);
      expect(reply.text).not.toContain('boom');
    });
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'turn failed', activityId: 'in-1', type: 'message', error: 'boom: secret detail' }),
    );
    expect(log.entries.find((e) => e.msg === 'turn failed')?.stack).toContain('boom');
  });

  it('sends nothing for a failed invoke (the bot answers invokes itself)', async () => {
    const log = createLogger({ silent: true });
    const adapter = new TestAdapter(async () => {
      throw new Error('boom');
    });
    adapter.onTurnError = turnErrorHandler(log);
    await adapter.processActivity({ type: 'invoke', name: 'adaptiveCard/action', id: 'inv-1' });
    expect(adapter.activeQueue).toHaveLength(0);
    expect(log.entries).toContainEqual(expect.objectContaining({ msg: 'turn failed', activityId: 'inv-1', type: 'invoke', name: 'adaptiveCard/action' }));
  });
});

describe('the app in local mode', () => {
  let connector: FakeConnector;
  let app: RunningApp;
  let log: MemoryLogger;
  let dataDir: string;

  beforeAll(async () => {
    connector = await startFakeConnector();
    setServiceUrl(connector.url);
    dataDir = await tempDir();
    log = createLogger({ silent: true });
    app = await startApp(testConfig({ DATA_DIR: dataDir }), { log });
  });

  afterAll(async () => {
    await app?.close();
    await connector?.close();
    setServiceUrl(undefined);
  });

  it('listens on the port the OS chose and logs it', () => {
    expect(app.port).toBeGreaterThan(0);
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'listening', url: app.url }));
  });

  it('warns once that authentication is off', () => {
    const warnings = log.entries.filter((e) => e.level === 'warn' && e.msg.includes('Bot Framework authentication is OFF'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain('MicrosoftAppId/BOT_ID');
  });

  it('seeds the directory with the demo organizations', async () => {
    expect(await app.directory.organization('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBeDefined();
    expect((await app.directory.organizations()).map((o) => o.name)).toContain('Fabrikam Consulting');
  });

  it('listens on loopback only, and says so: no other address of this machine reaches it', async () => {
    expect((app.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(log.entries).toContainEqual(expect.objectContaining({ msg: 'listening', on: expect.stringMatching(/^loopback only .*no authentication/) }));
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && i.family === 'IPv4')
      .map((i) => i!.address);
    for (const address of elsewhere) await expect(fetch(`http://${address}:${app.port}/healthz`)).rejects.toThrow();
    // localhost may be ::1 (the Agents Playground's address): where this machine has IPv6, it answers there too.
    if (String(log.entries.find((e) => e.msg === 'listening')?.on).includes('::1')) expect((await fetch(`http://[::1]:${app.port}/healthz`)).status).toBe(200);
  });

  it('answers GET /healthz', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', version: '0.1.0', localMode: true });
    expect(body.uptimeSeconds).toEqual(expect.any(Number));
  });

  it('replies to a message through the connector', async () => {
    connector.clear();
    const activity = message(alice, 'hello');
    const res = await postActivity(app.url, activity);
    expect(res.status).toBe(200);
    const conversationId = personalConversationId(alice);
    const replies = await connector.waitFor((c) => {
      const sent = c.activities(conversationId).filter((a) => a.type === 'message');
      return sent.length > 0 ? sent : undefined;
    });
    expect(replies[0]?.conversation?.id).toBe(conversationId);
    expect(replies.every((a) => !JSON.stringify(a).includes(APOLOGY_EN))).toBe(true);
    expect(log.entries.filter((e) => e.msg === 'turn failed')).toEqual([]);
  });

  it('rejects a body that is not an activity with 400', async () => {
    const noType = await postActivity(app.url, { text: 'no type' });
    expect(noType.status).toBe(400);
    expect(noType.body).toEqual({ error: { code: 'BadRequest', message: 'The request body is not a Bot Framework activity.' } });
    const notJson = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${app.url}/api/messages`)).status).toBe(405);
  });

  it('has its turn error handler on the adapter', async () => {
    const context = { activity: { id: 'wired-1', type: 'event', name: 'probe' } } as unknown as TurnContext;
    await app.adapter.onTurnError(context, new Error('probe failure'));
    expect(log.entries).toContainEqual(expect.objectContaining({ msg: 'turn failed', activityId: 'wired-1', type: 'event' }));
  });

  it('refuses a second app on the same data directory', async () => {
    await expect(startApp(testConfig({ DATA_DIR: dataDir }), { log: createLogger({ silent: true }) })).rejects.toBeInstanceOf(
      StoreLockedError,
    );
    // The refused attempt must not have released the running app's lock.
    expect(existsSync(path.join(dataDir, 'LOCK'))).toBe(true);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

describe('start-up failures', () => {
  it('rejects when the port is taken and releases the data directory', async () => {
    const dataDir = await tempDir();
    const first = await startApp(testConfig({ DATA_DIR: await tempDir() }), { log: createLogger({ silent: true }) });
    try {
      const taken = { ...testConfig({ DATA_DIR: dataDir }), PORT: first.port };
      await expect(startApp(taken, { log: createLogger({ silent: true }) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
      const again = await startApp(testConfig({ DATA_DIR: dataDir }), { log: createLogger({ silent: true }) });
      await again.close();
    } finally {
      await first.close();
    }
  });
});

describe('the app with an app id', () => {
  it('answers an unsigned or forged POST /api/messages with 401, logs JSON only, and sends nothing', async () => {
    const connector = await startFakeConnector();
    // The SDK's own handler printed a stack trace for every rejected request; none may reach the console now.
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = createLogger({ silent: true });
    const app = await startApp(testConfig({ DATA_DIR: await tempDir(), MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'secret' }), {
      log,
    });
    try {
      expect(log.entries.some((e) => e.msg.includes('authentication is OFF'))).toBe(false);
      const res = await postActivity(app.url, message(alice, 'hello', { serviceUrl: connector.url }));
      expect(res.status).toBe(401);
      const b64 = (o: object | string) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
      const claims = b64({ iss: 'https://api.botframework.com', aud: APP_ID, exp: Math.floor(Date.now() / 1000) + 600 });
      // Garbage, and three JWTs the SDK could not even check (no key metadata reachable here): it answered those 500.
      const forged = ['not-a-token', `${b64({ alg: 'none', typ: 'JWT' })}.${claims}.`, `${b64({ alg: 'RS256', kid: 'nokid' })}.${claims}.${b64('sig')}`, `${b64({ alg: 'HS256' })}.${claims}.${b64('sig')}`];
      for (const token of forged) {
        const answer = await postActivity(app.url, message(alice, 'hello', { serviceUrl: connector.url }), { Authorization: `Bearer ${token}` });
        expect(answer.status, token.slice(0, 30)).toBe(401);
        expect(answer.body).toEqual({ error: { code: 'Unauthorized', message: 'The request is not authenticated.' } });
      }
      expect(printed).not.toHaveBeenCalled();
      expect(log.entries.filter((e) => e.msg.includes('not authenticated'))).toHaveLength(5);
      await new Promise((r) => setTimeout(r, 100));
      expect(connector.sent).toEqual([]);
      const health = (await (await fetch(`${app.url}/healthz`)).json()) as { localMode: boolean };
      expect(health.localMode).toBe(false);
      // A deployment starts with an empty directory: Microsoft only, no demo partners.
      expect((await app.directory.organizations()).map((o) => o.name)).toEqual(['Microsoft']);
    } finally {
      printed.mockRestore();
      await app.close();
      await connector.close();
    }
  });
});

// ---- npm start (bot/index.ts) in a child process ----

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without any bot settings from the developer's shell. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(Microsoft|BOT_|PORT$|DATA_DIR$|MICROSOFT_TENANT_ID$)/.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}

function startIndex(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], { cwd: ROOT, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout };
}

/** Stack frames look like "    at fn (file:line:col)". */
const STACK = /^\s+at .+/m;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('npm start', () => {
  it('refuses to start in production without an app id, naming the variable', async () => {
    const run = await startIndex({ NODE_ENV: 'production', DATA_DIR: await tempDir() }).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MicrosoftAppId (or BOT_ID) is required when NODE_ENV is production');
    expect(run.stderr).not.toMatch(STACK);
  }, 30_000);

  it('exits 1 naming PORT when PORT is invalid, without a stack trace', async () => {
    const run = await startIndex({ PORT: 'abc', DATA_DIR: await tempDir() }).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Invalid configuration: PORT must be a whole number between 1 and 65535 (got "abc")');
    expect(run.stderr).not.toMatch(STACK);
  }, 30_000);

  it('exits 1 with the store message when another process holds the data directory', async () => {
    const dataDir = await tempDir();
    const holder = await startApp(testConfig({ DATA_DIR: dataDir }), { log: createLogger({ silent: true }) });
    try {
      const run = await startIndex({ PORT: String(await freePort()), DATA_DIR: dataDir }).done;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`in use by another Co-sell Bot process (pid ${process.pid})`);
      expect(run.stderr).not.toMatch(STACK);
    } finally {
      await holder.close();
    }
  }, 30_000);

  it('starts, serves /healthz and stops cleanly on SIGTERM', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const proc = startIndex({ PORT: String(port), DATA_DIR: dataDir });
    const deadline = Date.now() + 20_000;
    while (!proc.output().includes('"msg":"listening"')) {
      if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`did not start: ${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const line = proc.output().split('\n').find((l) => l.includes('"msg":"listening"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'info', url: `http://127.0.0.1:${port}`, localMode: true });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(existsSync(path.join(dataDir, 'LOCK'))).toBe(true);
    proc.child.kill('SIGTERM');
    const run = await proc.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"msg":"closed"');
    expect(existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
  }, 30_000);
});
