// PostgreSQL for tests: each test file gets schemas of its own in the run's database, dropped after.
// CI (.ci/run) creates a fresh database per run and names it in TEST_DATABASE_URL; elsewhere the
// machine's `test` database is used. No server: the PostgreSQL tests are skipped, and say so.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPgStore, type PgStore } from '../../services/pg-store.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let checked: Promise<string | undefined> | undefined;

/** Why PostgreSQL cannot be used here, or undefined when it can. A run told to use it (TEST_DATABASE_URL) never skips. */
export function postgresProblem(): Promise<string | undefined> {
  checked ??= (async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (e) {
      if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL is set but PostgreSQL cannot be reached: ${(e as Error).message}`);
      const problem = `PostgreSQL at ${testDatabaseUrl} cannot be reached (${(e as Error).message}): the PostgreSQL tests are SKIPPED`;
      console.warn(`\n!!! ${problem}\n`);
      return problem;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return checked;
}

/** A new, empty schema name; drop it with dropSchema. */
export const newSchema = () => `t_${randomBytes(6).toString('hex')}`;

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A store on a fresh schema, and how to close it and drop the schema. */
export async function freshPgStore(): Promise<{ store: PgStore; schema: string; dispose(): Promise<void> }> {
  const schema = newSchema();
  const store = await openPgStore(testDatabaseUrl, { schema });
  return {
    store,
    schema,
    dispose: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}
