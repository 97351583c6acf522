// The benchmark's child processes (the echo bot and the co-sell bot) and the driver talk over
// Node's IPC channel, not over HTTP, so that asking for memory or a profile adds no request to
// the servers being measured. Both sides live here so the message shapes cannot drift apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';

export interface Ready {
  ready: true;
  port: number;
  /** From the first line of the script to listening (for the co-sell bot: store load included). */
  startupMs: number;
}

interface Request {
  id: number;
  cmd: string;
  arg?: unknown;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export type Handlers = Record<string, (arg: unknown) => unknown>;

// ---------------------------------------------------------------------------------------------
// Child side.

/**
 * Answers the driver's requests: `memory`, `profile-start`, `profile-stop` (returns the V8 CPU
 * profile), `exit`, plus the script's own handlers. Exits when the driver goes away, so that a
 * crashed or killed driver never leaves a server behind.
 */
export function serveDriver(handlers: Handlers, close: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('This script is a benchmark child: start it from bench/cards.ts (it needs an IPC channel).');
  let session: Session | undefined;
  const builtins: Handlers = {
    /** With 'gc': after a full collection, so heapUsed is what is live rather than what awaits collection. */
    memory: (arg) => {
      if (arg === 'gc') (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage();
    },
    'profile-start': async (interval) => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: typeof interval === 'number' ? interval : 500 });
      await session.post('Profiler.start');
      return true;
    },
    'profile-stop': async () => {
      if (!session) throw new Error('no profile running');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      return profile;
    },
    exit: async () => {
      await close();
      // After the reply is on its way.
      setImmediate(() => process.exit(0));
      return true;
    },
  };
  const all: Handlers = { ...builtins, ...handlers };
  process.on('message', (message: Request) => {
    void (async (): Promise<Reply> => {
      try {
        const handler = all[message.cmd];
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        return { id: message.id, ok: true, result: await handler(message.arg) };
      } catch (e) {
        return { id: message.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
      }
    })().then((reply) => send(reply));
  });
  process.on('disconnect', () => process.exit(0));
}

export function announceReady(port: number, startupMs: number): void {
  const ready: Ready = { ready: true, port, startupMs };
  process.send?.(ready);
}

// ---------------------------------------------------------------------------------------------
// Driver side.

export interface Child {
  name: string;
  pid: number;
  url: string;
  startupMs: number;
  ask<T = unknown>(cmd: string, arg?: unknown): Promise<T>;
  /** Resident set size now and its peak, in kB, from /proc (no request to the child). */
  rss(): Promise<{ rssKb: number; peakKb: number }>;
  /** Asks the child to close and exit; kills it if it has not after graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** Last resort (process 'exit' handler): synchronous. */
  killNow(): void;
}

const STARTUP_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 60_000;

/** Starts a TypeScript child with the same loader (tsx) for every child, so their baselines compare. */
export async function startChild(name: string, script: URL, env: Record<string, string> = {}): Promise<Child> {
  // --expose-gc for the live-heap figure; restify's process.binding warning is noise here.
  const flags = ['--expose-gc', '--disable-warning=DEP0111', '--import', 'tsx'];
  const proc: ChildProcess = spawn(process.execPath, [...flags, fileURLToPath(script)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${name}: could not start`);
  let exited = false;
  proc.once('exit', () => (exited = true));

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  proc.on('message', (message: Reply | Ready) => {
    if ('ready' in message) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${name}: ${message.error}`));
  });
  proc.once('exit', (code, signal) => {
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${name} exited (${signal ?? code}) before answering`));
    }
    pending.clear();
  });

  const killNow = () => {
    if (!exited) proc.kill('SIGKILL');
  };

  let ready: Ready;
  try {
    ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)), STARTUP_TIMEOUT_MS);
      proc.on('message', (message: Reply | Ready) => {
        if ('ready' in message) {
          clearTimeout(timer);
          resolve(message);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${signal ?? code}) during start-up`));
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } catch (e) {
    killNow();
    throw e;
  }

  const ask = <T>(cmd: string, arg?: unknown) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`${name} is not running`));
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: no answer to ${cmd} within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      proc.send({ id, cmd, arg } satisfies Request);
    });

  return {
    name,
    pid,
    url: `http://127.0.0.1:${ready.port}`,
    startupMs: ready.startupMs,
    ask,
    async rss() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
    },
    async stop(graceMs = 5_000) {
      if (exited) return;
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      const timer = setTimeout(killNow, graceMs);
      ask('exit').catch(() => killNow());
      await gone;
      clearTimeout(timer);
    },
    killNow,
  };
}

/** The driver's children and temporary directories, killed and removed when it exits, fails or is interrupted. */
export function cleanUpOnExit(): { children: Child[]; dirs: string[] } {
  const children: Child[] = [];
  const dirs: string[] = [];
  process.on('exit', () => {
    for (const child of children) child.killNow();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  return { children, dirs };
}
