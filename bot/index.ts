// `npm start`: read the configuration, start the bot, stop cleanly on SIGINT/SIGTERM.
import { StoreLockedError } from '../services/store.js';
import { startApp, type RunningApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { tuneHeap } from './heap.js';
import { createLogger } from './log.js';

/** Prints a start-up problem the operator can fix, without a stack trace, and exits 1. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  throw e;
}

tuneHeap();
const log = createLogger();
let app: RunningApp;
try {
  app = await startApp(config, { log });
} catch (e) {
  if (e instanceof StoreLockedError) fail(e.message);
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    fail(`Port ${config.PORT} is already in use. Stop the other process or set PORT to another port.`);
  }
  log.error('start-up failed', { error: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  process.exit(1);
}

// A promise someone forgot to handle is a bug to log, not a reason to stop serving everyone.
process.on('unhandledRejection', (reason) => {
  log.error('unhandled rejection', { error: reason instanceof Error ? reason.message : String(reason), stack: reason instanceof Error ? reason.stack : undefined });
});

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) {
    log.warn('second signal while stopping: exiting now', { signal });
    process.exit(1);
  }
  stopping = true;
  log.info('stopping', { signal });
  app.close().then(
    () => process.exit(0),
    (e: unknown) => {
      log.error('stopping failed', { error: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
