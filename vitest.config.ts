// Two test projects: every test on the embedded store, and those where the store matters
// (concurrency, outbox, clock, whole journeys over HTTP) again on PostgreSQL.
import pg from 'pg';
import { defineConfig } from 'vitest/config';

const onPostgres = [
  'test/lifecycle-*.test.ts',
  'test/alerts.test.ts',
  'test/alerts-burst.test.ts',
  'test/one-click.test.ts',
  'test/shared-deal-http.test.ts',
  'test/first-day.test.ts',
  'test/bot-journeys.test.ts',
  'test/organization.test.ts',
];

/** Without a server the PostgreSQL project is left out, loudly; a run given TEST_DATABASE_URL (CI) never leaves it out. */
async function postgresReachable(): Promise<boolean> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch (e) {
    if (process.env.TEST_DATABASE_URL) return true; // the tests fail and say why
    console.warn(`\n!!! PostgreSQL at ${url} cannot be reached (${(e as Error).message}): the PostgreSQL test project is SKIPPED\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const postgres = await postgresReachable();

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'] } },
      ...(postgres ? [{ extends: true as const, test: { name: 'postgres', include: onPostgres, env: { TEST_STORE: 'postgres' } } }] : []),
    ],
  },
});
