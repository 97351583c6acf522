// Structured logging: one JSON object per line (level, time, msg, then the meta fields).
// info goes to stdout, warn and error to stderr. A silent logger writes nothing and keeps
// the entries in memory so that tests can assert on them.

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

export interface LogEntry {
  level: LogLevel;
  time: string;
  msg: string;
  [key: string]: unknown;
}

/** A logger that also keeps what it logged (the silent test logger). */
export interface MemoryLogger extends Logger {
  readonly entries: LogEntry[];
}

export interface LoggerOptions {
  /** Write nothing; keep every entry in `entries` instead. */
  silent?: boolean;
}

const RESERVED = new Set(['level', 'time', 'msg']);

/** Builds the entry; meta keys that would overwrite level/time/msg are kept under a `meta.` prefix. */
function toEntry(level: LogLevel, msg: string, meta: object | undefined): LogEntry {
  const entry: LogEntry = { level, time: new Date().toISOString(), msg };
  if (meta) {
    for (const [key, value] of Object.entries(meta)) {
      entry[RESERVED.has(key) ? `meta.${key}` : key] = value;
    }
  }
  return entry;
}

/** JSON.stringify that never throws: Errors keep name/message/stack, bigints become strings, cycles are cut. */
export function toJsonLine(entry: LogEntry): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      return { name: value.name, message: value.message, stack: value.stack };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  });
}

export function createLogger(options: LoggerOptions & { silent: true }): MemoryLogger;
export function createLogger(options?: LoggerOptions): Logger;
export function createLogger(options: LoggerOptions = {}): Logger | MemoryLogger {
  if (options.silent) {
    const entries: LogEntry[] = [];
    const keep = (level: LogLevel) => (msg: string, meta?: object) => {
      entries.push(toEntry(level, msg, meta));
    };
    return { entries, info: keep('info'), warn: keep('warn'), error: keep('error') };
  }
  const write = (level: LogLevel) => (msg: string, meta?: object) => {
    const line = toJsonLine(toEntry(level, msg, meta)) + '\n';
    (level === 'info' ? process.stdout : process.stderr).write(line);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
