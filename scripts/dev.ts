// `npm run dev`: the bot in local mode plus the Microsoft 365 Agents Playground pointed at it, so
// you can chat with Co-sell Bot in a browser without a tenant, a tunnel or an Azure account.
//
//   PORT             the bot's port (default: the first free one from 3978 up)
//   PLAYGROUND_PORT  the playground's web UI port (default: the first free one from 56150 up)
//   DATA_DIR         as for `npm start` (default ./data)
//
// Ctrl+C (or SIGTERM) stops both. The bot runs WITHOUT Bot Framework authentication: any
// MicrosoftAppId/BOT_ID in the environment is left out of the bot's environment here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LOCAL_WEBHOOK_SECRET } from './local-demo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BOT_PORT_FROM = 3978;
const PLAYGROUND_PORT_FROM = 56150;
const START_TIMEOUT_MS = 60_000;
/** After SIGINT, how long the children get to stop by themselves (the bot lets requests finish for 5 s). */
const SIGINT_WAIT_MS = 7_000;
/** After SIGTERM, how long before SIGKILL. */
const STOP_GRACE_MS = 7_000;
/** Bot Framework credentials: with any of them the bot would demand signed requests the playground does not send. */
const CREDENTIALS = ['MicrosoftAppId', 'BOT_ID', 'MicrosoftAppPassword', 'BOT_PASSWORD', 'SECRET_BOT_PASSWORD', 'MicrosoftAppType', 'BOT_TYPE', 'MicrosoftAppTenantId', 'BOT_TENANT_ID'];

/** True when nothing listens on the port (checked the way the bot listens: all interfaces). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port }, () => probe.close(() => resolve(true)));
  });
}

export async function firstFreePort(from: number, tries = 100): Promise<number> {
  for (let port = from; port < from + tries; port++) if (await portIsFree(port)) return port;
  throw new Error(`no free port between ${from} and ${from + tries - 1}`);
}

function parsePort(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a whole number between 1 and 65535 (got ${JSON.stringify(raw)})`);
  return n;
}

/** Forwards a child's output line by line with a prefix, so the two logs stay readable together. */
function pipe(child: ChildProcess, prefix: string, onLine?: (line: string) => void): void {
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      onLine?.(line);
      out.write(`${prefix} ${line}\n`);
    });
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) throw new Error(`${what} stopped before it was ready (${gone})`);
    if (await check().catch(() => false)) return;
    await delay(200);
  }
  throw new Error(`${what} was not ready after ${START_TIMEOUT_MS / 1000} s`);
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const exitOf = new Map<ChildProcess, string>();
  let stopping = false;

  const alive = () => children.filter((c) => !exitOf.has(c));
  const allExited = () => Promise.all(alive().map((c) => new Promise((r) => c.once('exit', r))));
  /**
   * Stops both children, then exits. Ctrl+C in a terminal reaches the children too (one process
   * group), so after SIGINT they get time to stop on their own first: a second signal would make
   * the bot exit at once instead of closing its store.
   */
  const stop = async (code: number, signal?: NodeJS.Signals) => {
    if (stopping) {
      if (signal) {
        process.stderr.write(`[dev] ${signal} again: killing what is left.\n`);
        for (const c of alive()) c.kill('SIGKILL');
        process.exit(1);
      }
      return;
    }
    stopping = true;
    const done = allExited();
    if (signal === 'SIGINT') await Promise.race([done, delay(SIGINT_WAIT_MS)]);
    for (const c of alive()) c.kill('SIGTERM');
    await Promise.race([done, delay(STOP_GRACE_MS)]);
    for (const c of alive()) c.kill('SIGKILL');
    await done;
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(0, signal));

  const track = (child: ChildProcess, name: string) => {
    children.push(child);
    child.on('exit', (code, signal) => {
      exitOf.set(child, signal ? `signal ${signal}` : `exit code ${code}`);
      if (!stopping) {
        process.stderr.write(`[dev] ${name} stopped (${exitOf.get(child)}); stopping the rest.\n`);
        void stop(1);
      }
    });
  };

  try {
    const botPort = parsePort('PORT', process.env.PORT) ?? (await firstFreePort(BOT_PORT_FROM));
    const wantedPlaygroundPort = parsePort('PLAYGROUND_PORT', process.env.PLAYGROUND_PORT) ?? (await firstFreePort(PLAYGROUND_PORT_FROM));

    // The intake webhook is on, so that `npm run referral:demo` can post a referral to this bot.
    const botEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(botPort), REFERRALS_WEBHOOK_SECRET: process.env.REFERRALS_WEBHOOK_SECRET ?? LOCAL_WEBHOOK_SECRET };
    const dropped = CREDENTIALS.filter((k) => botEnv[k]);
    for (const k of CREDENTIALS) delete botEnv[k];
    if (dropped.length > 0) process.stderr.write(`[dev] left ${dropped.join(', ')} out of the bot's environment: the playground talks to the bot without authentication.\n`);

    const bot = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], { cwd: ROOT, env: botEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    track(bot, 'the bot');
    pipe(bot, '[bot]');
    const botUrl = `http://127.0.0.1:${botPort}`;
    await waitFor('the bot', async () => (await fetch(`${botUrl}/healthz`)).ok, () => exitOf.get(bot));

    const cli = createRequire(import.meta.url).resolve('@microsoft/m365agentsplayground/cli.js');
    const endpoint = `${botUrl}/api/messages`;
    let playgroundPort: number | undefined;
    const playground = spawn(process.execPath, [cli, '--app-endpoint', endpoint, '--channel-id', 'msteams', '--port', String(wantedPlaygroundPort), '--disable-telemetry'], {
      cwd: ROOT,
      env: {
        ...process.env,
        // We print the address; set TEAMSAPPTESTER_BROWSER to something else to have it opened for you.
        TEAMSAPPTESTER_BROWSER: process.env.TEAMSAPPTESTER_BROWSER ?? 'none',
        // Its default is ./devTools/m365agentsplayground.log in the repository.
        M365_AGENTS_PLAYGROUND_LOGFILE: process.env.M365_AGENTS_PLAYGROUND_LOGFILE ?? join(tmpdir(), `co-sell-playground-${process.pid}.log`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(playground, 'the playground');
    // It falls back to another port when the wanted one is taken, and says which.
    pipe(playground, '[playground]', (line) => {
      const m = /Listening on (\d+)/.exec(line);
      if (m) playgroundPort = Number(m[1]);
    });
    await waitFor('the playground', async () => playgroundPort !== undefined && (await fetch(`http://127.0.0.1:${playgroundPort}/`)).ok, () => exitOf.get(playground));

    process.stdout.write(
      [
        '',
        `Co-sell Bot (local mode): ${endpoint}`,
        `Agents Playground: http://localhost:${playgroundPort}`,
        'Open the playground and say "help". Ctrl+C stops both.',
        `To receive a referral: PORT=${botPort} npm run referral:demo`,
        '',
      ].join('\n'),
    );
  } catch (e) {
    process.stderr.write(`[dev] ${(e as Error).message}\n`);
    await stop(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
