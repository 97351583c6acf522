// The stores the shared store tests run against: the embedded one and, when a server is there, the
// PostgreSQL one. Each test gets empty data of its own (a temp directory, the file's schema emptied),
// which it can open again as a restart would; dispose() and disposeAll() delete it.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLowdbStore } from '../../services/lowdb-store.js';
import { openPgStore, type PgStore } from '../../services/pg-store.js';
import type { Store } from '../../services/store.js';
import { dropSchema, newSchema, postgresProblem, testDatabaseUrl } from './postgres.js';

export interface TestStore {
  /** Opens a store on this test's data (fresh and empty at first); call once, then reopen(). */
  open(): Promise<Store>;
  /** Closes the store open now and opens its data again, as a restart does. */
  reopen(): Promise<Store>;
  /** Everything stored, as the store keeps it: equal before and after means nothing was written. */
  contents(): Promise<unknown>;
  /** Closes the store and deletes its data. */
  dispose(): Promise<void>;
}

export interface StoreFactory {
  name: 'lowdb' | 'postgres';
  /** Why this store cannot be tested on this machine (no PostgreSQL server), or undefined. */
  problem: string | undefined;
  create(): TestStore;
}

/** What a test file has not disposed of yet, for disposeAll. */
const live = new Set<TestStore>();

/** Keeps a store's data deleted however its test ends: dispose() may be called more than once. */
function tracked(store: Omit<TestStore, 'dispose'> & { remove(): Promise<void> }, close: () => Promise<void>): TestStore {
  let disposing: Promise<void> | undefined;
  const self: TestStore = {
    open: store.open,
    reopen: store.reopen,
    contents: store.contents,
    dispose: () =>
      (disposing ??= (async () => {
        // A test that broke the store (or closed it) must not keep its data from being deleted.
        await close().catch(() => undefined);
        await store.remove();
        live.delete(self);
      })()),
  };
  live.add(self);
  return self;
}

function lowdbStore(): TestStore {
  let dir: string | undefined;
  let current: Store | undefined;
  const openDir = async () => (current = await openLowdbStore(dir!));
  return tracked(
    {
      open: async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'store-test-'));
        return openDir();
      },
      reopen: async () => {
        await current?.close();
        return openDir();
      },
      contents: async () => {
        const out: Record<string, string> = {};
        for (const entry of await readdir(dir!, { recursive: true, withFileTypes: true })) {
          if (entry.isFile() && entry.name !== 'LOCK') out[path.relative(dir!, path.join(entry.parentPath, entry.name))] = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
        }
        return out;
      },
      remove: async () => {
        if (dir) await rm(dir, { recursive: true, force: true });
      },
    },
    async () => current?.close(),
  );
}

/**
 * One schema for the test file, emptied for each test: a new schema costs its migrations, some
 * hundreds of milliseconds a test. Tests of a file run one at a time, so they never share data.
 */
let fileSchema: string | undefined;

function pgStore(): TestStore {
  let current: PgStore | undefined;
  const openSchema = async () => (current = await openPgStore(testDatabaseUrl, { schema: (fileSchema ??= newSchema()) }));
  return tracked(
    {
      open: async () => {
        const store = await openSchema();
        await store.pool.query('DELETE FROM records');
        return store;
      },
      reopen: async () => {
        await current?.close();
        return openSchema();
      },
      contents: async () => (await current!.pool.query('SELECT kind, id, version, data FROM records ORDER BY kind, id')).rows,
      remove: async () => undefined,
    },
    async () => current?.close(),
  );
}

export const storeFactories: StoreFactory[] = [
  { name: 'lowdb', problem: undefined, create: lowdbStore },
  // Skipped, loudly (the helper warns), only when no server is there and none was asked for.
  { name: 'postgres', problem: await postgresProblem(), create: pgStore },
];

/** For afterAll: deletes what the test file's stores left behind, and the file's schema. */
export async function disposeAll(): Promise<void> {
  await Promise.all([...live].map((s) => s.dispose()));
  if (fileSchema) await dropSchema(fileSchema);
  fileSchema = undefined;
}
