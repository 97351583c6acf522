// Moves a deployment from the embedded store to PostgreSQL: copies every record of a data
// directory to the database in DATABASE_URL (schema DATABASE_SCHEMA). Run it with the bot stopped;
// running it again copies only what changed. The data directory is only read.
//
// Usage: DATABASE_URL=postgres://user:password@host:5432/db [DATABASE_SCHEMA=name] npm run copy-to-postgres -- [data directory]
// The directory defaults to DATA_DIR, else ./data.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig, storeLabel } from '../bot/config.js';
import { openLowdbStore } from '../services/lowdb-store.js';
import { openPgStore } from '../services/pg-store.js';
import { copyStore, type KindCounts } from '../services/store-copy.js';
import { StoreLockedError, type Store } from '../services/store.js';

/** An error the user can fix: its message is all they need, no stack. */
class Refusal extends Error {}

const USAGE = 'Usage: DATABASE_URL=postgres://user:password@host:5432/database [DATABASE_SCHEMA=name] npm run copy-to-postgres -- [data directory]';

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in the store's LOCK file, if any. */
const lockHolder = async (dir: string) => Number.parseInt(await readFile(path.join(dir, 'LOCK'), 'utf8').catch(() => ''), 10);

const stopTheBot = (dir: string, pid: number) =>
  new Refusal(`The data directory ${dir} is in use by a running Co-sell Bot${Number.isNaN(pid) ? '' : ` (pid ${pid})`}: stop the bot first, then run the copy again.`);

/**
 * Refuses a directory that is missing or holds no data, before the store opens it: opening creates
 * a missing directory, and finishes an interrupted write (deletes its .tmp files, replays its
 * journal) — changes that are the bot's to make, not a copy's.
 */
async function checkDataDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new Refusal(`The data directory ${dir} does not exist. Give the bot's data directory: npm run copy-to-postgres -- <data directory>`);
  if (!info.isDirectory()) throw new Refusal(`${dir} is not a directory. Give the bot's data directory: npm run copy-to-postgres -- <data directory>`);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  if (!files.some((f) => f.endsWith('.json') && f !== 'journal.json')) throw new Refusal(`The data directory ${dir} holds no Co-sell Bot data (no .json files): is it the bot's DATA_DIR?`);
  const unfinished = files.find((f) => f === 'journal.json' || f.endsWith('.tmp'));
  if (!unfinished) return;
  const pid = await lockHolder(dir);
  if (isAlive(pid)) throw stopTheBot(dir, pid);
  throw new Refusal(
    `The data directory ${dir} holds a write the bot did not finish (${unfinished}): it stopped in the middle of one. Start the bot on it once and stop it (starting finishes the write), then run the copy again.`,
  );
}

function line(label: string, c: KindCounts): string {
  const extra = [c.onlyInTarget ? `${c.onlyInTarget} only in PostgreSQL (left as they are)` : '', c.refused ? `${c.refused} REFUSED` : ''].filter(Boolean);
  return `${label.padEnd(14)}${String(c.copied).padStart(8)} copied ${String(c.alreadyThere).padStart(8)} already there ${String(c.updated).padStart(8)} updated${extra.map((e) => `, ${e}`).join('')}`;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.length > 1) throw new Refusal(`One data directory, please (got ${args.length} arguments).\n${USAGE}`);
  // The bot's own rules for these variables, without the rest of its configuration (which a copy does not need).
  let config;
  try {
    config = loadConfig({ DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: process.env.DATABASE_SCHEMA });
  } catch (e) {
    if (e instanceof ConfigError) throw new Refusal(e.message);
    throw e;
  }
  if (!config.DATABASE_URL) throw new Refusal(`DATABASE_URL is not set: it names the PostgreSQL database to copy to.\n${USAGE}`);
  const dir = path.resolve(args[0] ?? config.DATA_DIR);
  await checkDataDir(dir);

  let from: Store;
  try {
    from = await openLowdbStore(dir);
  } catch (e) {
    if (e instanceof StoreLockedError) throw stopTheBot(dir, await lockHolder(dir));
    throw new Refusal(`The data directory ${dir} cannot be read: ${(e as Error).message}`);
  }
  try {
    const schema = config.DATABASE_SCHEMA || undefined;
    const where = `${storeLabel(config)}${schema ? ` (schema ${schema})` : ''}`;
    let to: Store;
    try {
      to = await openPgStore(config.DATABASE_URL, { schema });
    } catch (e) {
      throw new Refusal((e as Error).message);
    }
    try {
      console.log(`Copying ${dir} to ${where}`);
      const progress = process.stderr.isTTY;
      const result = await copyStore(from, to, {
        report: (kind, counts, { done, total, finished }) => {
          if (finished) {
            if (progress) process.stderr.write('\r\x1b[K');
            console.log(line(kind, counts));
          } else if (progress) process.stderr.write(`\r${kind}: ${done} of ${total}…`);
        },
      });
      console.log(line('total', result.total));
      if (result.refusals.length > 0) {
        console.error(`\nPostgreSQL refused ${result.refusals.length} record(s); they were not copied:`);
        for (const r of result.refusals) console.error(`  ${r.kind} ${JSON.stringify(r.id)}: ${r.reason}`);
        console.error('They are still in the data directory: once they are fixed there, run the copy again.');
        return 1;
      }
      return 0;
    } finally {
      await to.close();
    }
  } finally {
    // Reads only: nothing was committed to it, so closing only removes the LOCK it took.
    await from.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Expected problems get their message; anything else its stack, to be reported.
  console.error(e instanceof Refusal ? e.message : e);
  process.exitCode = 1;
}
