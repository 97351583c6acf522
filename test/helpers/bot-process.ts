// Co-sell Bot as it runs in production: `bot/index.ts` in a child process of its own (tsx), started
// from the environment, on a free loopback port. Its output is kept in memory (printed when a test
// fails); stop() ends it cleanly (SIGTERM, then SIGKILL), kill() as a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BotProcess {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  /** Everything it wrote so far, stdout and stderr interleaved as they arrived, each line tagged with the stream. */
  output(): string;
  /** Whether it is still running. */
  alive(): boolean;
  /** Resolves when it has exited (and its streams are closed). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and waits for the exit; SIGKILL is a crash: nothing of the bot runs after it. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (the bot closes cleanly), SIGKILL after graceMs. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Every child started here, so that a test file can stop them whatever happened (stopAll). */
const running = new Set<BotProcess>();

// A worker that exits without running afterAll (crash, timeout) must not leave bots behind.
process.once('exit', () => {
  for (const bot of running) if (bot.alive()) process.kill(bot.pid, 'SIGKILL');
});

/** A port free on loopback now (the bot's PORT must be 1..65535, so 0 cannot be passed). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The environment without any bot settings from the developer's shell (local mode: no app id). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(Microsoft|BOT_|PORT$|DATA_DIR$|DATABASE_|MICROSOFT_TENANT_ID$|REFERRALS_WEBHOOK_SECRET$|PARTNER_CENTER_|DEMO_DATA$|NODE_ENV$)/.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}

/**
 * Starts `bot/index.ts` with this environment (PORT is chosen here) and resolves once it logged
 * "listening". A port taken meanwhile by someone else is retried on another.
 */
export async function startBotProcess(name: string, env: Record<string, string>, options: { startupMs?: number } = {}): Promise<BotProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOnce(name, port, env, options.startupMs ?? 60_000);
    } catch (e) {
      if (attempt < 3 && (e as Error).message.includes('already in use')) continue;
      throw e;
    }
  }
}

async function startOnce(name: string, port: number, env: Record<string, string>, startupMs: number): Promise<BotProcess> {
  const proc: ChildProcess = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', 'bot/index.ts'], {
    cwd: ROOT,
    env: cleanEnv({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${name}: could not start`);
  let out = '';
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  proc.once('exit', () => (exited = true));
  const tag = (stream: string) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) out += `[${name} ${stream}] ${line}\n`;
    };
  };
  proc.stdout!.on('data', tag('out'));
  proc.stderr!.on('data', tag('err'));

  const bot: BotProcess = {
    name,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    alive: () => !exited,
    exited: exit,
    async kill(signal = 'SIGKILL') {
      if (!exited) proc.kill(signal);
      await exit;
      running.delete(bot);
    },
    async stop(graceMs = 10_000) {
      if (!exited) proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) proc.kill('SIGKILL');
      }, graceMs);
      await exit;
      clearTimeout(timer);
      running.delete(bot);
    },
  };
  running.add(bot);

  // Up when it says so on stdout: {"level":"info",...,"msg":"listening",...,"port":N}.
  const deadline = Date.now() + startupMs;
  for (;;) {
    const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
    if (line) {
      const said = JSON.parse(line.slice(line.indexOf('{'))) as { port?: number };
      if (said.port !== port) {
        await bot.kill();
        throw new Error(`${name}: listening on ${said.port}, not the port it was given (${port})`);
      }
      return bot;
    }
    if (exited || Date.now() > deadline) {
      await bot.kill();
      const why = out.includes('already in use') ? `Port ${port} is already in use` : exited ? 'exited during start-up' : `not listening within ${startupMs} ms`;
      throw new Error(`${name}: ${why}\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Stops every bot started here that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((bot) => bot.stop()));
}

/**
 * The local TCP ports of the sockets a process has open (Linux: /proc), e.g. to tell which process
 * a PostgreSQL backend serves (pg_stat_activity.client_port). Empty where /proc cannot tell.
 */
export async function localPortsOf(pid: number): Promise<Set<number>> {
  const inodes = new Set<string>();
  try {
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) inodes.add(m[1]!);
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const local = cols[1];
      const inode = cols[9];
      if (local && inode && inodes.has(inode)) ports.add(parseInt(local.split(':')[1]!, 16));
    }
  }
  return ports;
}
