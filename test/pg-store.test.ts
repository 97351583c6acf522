// What only the PostgreSQL store has: migrations, several instances on one schema, and a server
// that can go away. What both stores must do alike is in store.test.ts.
import { readdir } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlertPlanner } from '../services/alerts.js';
import { ManualClock } from '../services/clock.js';
import { Directory, type Caller } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import { LifecycleService } from '../services/lifecycle.js';
import { openPgStore, type PgStore } from '../services/pg-store.js';
import { dropSchema, newSchema, postgresProblem, testDatabaseUrl } from './helpers/postgres.js';
import { makeOrganization, makeReferral } from './helpers/records.js';
import { CONTOSO_PARTNER, dealInput, FABRIKAM, member, MICROSOFT, partnerInvitation, START } from './helpers/world.js';

const problem = await postgresProblem();

const schemas: string[] = [];
const stores: PgStore[] = [];

/** A schema name of this file's, dropped after it. */
function schema(): string {
  const name = newSchema();
  schemas.push(name);
  return name;
}

async function open(name: string, url = testDatabaseUrl): Promise<PgStore> {
  const store = await openPgStore(url, { schema: name });
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
});
afterAll(async () => {
  await Promise.all(schemas.splice(0).map(dropSchema));
});

/** Runs fn on a connection of its own, as an operator's psql would. */
async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The test database's URL with some parts changed: a password an error must not show, another port or database, a name for its connections. */
function urlWith(changes: { password?: string; port?: string; pathname?: string; application_name?: string }): string {
  const url = new URL(testDatabaseUrl);
  if (changes.password) url.password = changes.password;
  if (changes.port) url.port = changes.port;
  if (changes.pathname) url.pathname = changes.pathname;
  if (changes.application_name) url.searchParams.set('application_name', changes.application_name);
  return url.toString();
}

/** Ends every connection of the store opened as `application`, and waits until the server has let them go. */
async function terminate(application: string): Promise<number> {
  return admin(async (client) => {
    const { rows } = await client.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [application]);
    // pg_terminate_backend only signals: the next query could still reach a backend on its way out.
    for (const deadline = Date.now() + 3_000; (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [application])).rows[0]!.n > 0; ) {
      if (Date.now() > deadline) throw new Error(`The connections of ${application} were not ended.`);
    }
    return rows[0]!.n;
  });
}

describe.skipIf(problem !== undefined)('PostgreSQL store', () => {
  describe('migrations', () => {
    it('applies each migration once, however many instances open the schema at once, and a reopen keeps the data', async () => {
      const files = (await readdir(new URL('../services/migrations/', import.meta.url))).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
      const expected = files.map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4) }));
      expect(expected.length).toBeGreaterThan(0);
      const name = schema();
      // Three instances starting together on a schema that does not exist yet.
      const [a, b, c] = await Promise.all([open(name), open(name), open(name)]);
      const applied = async () => (await admin((client) => client.query(`SELECT version, name FROM ${name}.schema_migrations ORDER BY version`))).rows;
      expect(await applied()).toEqual(expected);

      const referral = makeReferral();
      await a.commit([{ kind: 'referral', put: referral }]);
      // The tables are the schema's own (not public's): another connection finds the row there by name.
      expect((await admin((client) => client.query(`SELECT id FROM ${name}.records`))).rows).toEqual([{ id: referral.id }]);
      expect(await c.get('referral', referral.id)).toEqual(referral);
      await Promise.all([a.close(), b.close(), c.close()]);

      const again = await open(name);
      expect(await again.get('referral', referral.id)).toEqual(referral);
      expect(await applied()).toEqual(expected);
    });

    it('keeps two schemas on one database apart', async () => {
      const [a, b] = await Promise.all([open(schema()), open(schema())]);
      const referral = makeReferral();
      await a.commit([{ kind: 'referral', put: referral }]);
      expect(await b.get('referral', referral.id)).toBeUndefined();
      expect(await b.findReferrals({})).toEqual([]);
    });
  });

  describe('two instances on one schema', () => {
    it('loses no update: 50 concurrent read-increment-commit sections split across both count 50', async () => {
      const name = schema();
      const [a, b] = [await open(name), await open(name)];
      const org = makeOrganization({ name: '0' });
      await a.commit([{ kind: 'organization', put: org }]);
      const increment = (store: PgStore) =>
        store.exclusive(async (commit) => {
          // Read outside the section's transaction: only the lock keeps the other instance from writing in between.
          const current = (await store.get('organization', org.id))!;
          await commit([{ kind: 'organization', put: { ...current, name: String(Number(current.name) + 1) } }]);
        });
      await Promise.all(Array.from({ length: 50 }, (_, i) => increment(i % 2 === 0 ? a : b)));
      expect((await a.get('organization', org.id))?.name).toBe('50');
      expect((await b.get('organization', org.id))?.name).toBe('50');
    });

    it('runs a job on one instance at a time: the other answers undefined, and runs it once it is free', async () => {
      const name = schema();
      const [a, b, elsewhere] = [await open(name), await open(name), await open(schema())];
      let runs = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let bothRan!: (why: string) => void;
      const twice = new Promise<string>((resolve) => (bothRan = resolve));
      const job = async () => {
        if (++runs === 2) bothRan('the job ran on both instances');
        await gate;
        return 'ran';
      };
      const both = [a.alone('deadlines', job), b.alone('deadlines', job)];
      try {
        // The instance that lost answers at once; the one that won waits at the gate.
        expect(await Promise.race([...both, twice])).toBeUndefined();
        // While it runs: on this instance too it is taken; another job, or another deployment's, is not.
        expect(await a.alone('deadlines', job)).toBeUndefined();
        expect(await b.alone('another job', async () => 'another')).toBe('another');
        expect(await elsewhere.alone('deadlines', async () => 'elsewhere')).toBe('elsewhere');
      } finally {
        // Also when the test fails: a job left waiting would keep its store from closing.
        release();
      }
      expect((await Promise.all(both)).sort()).toEqual(['ran', undefined]);
      expect(runs).toBe(1);

      // A job that fails frees it as well.
      await expect(a.alone('deadlines', async () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
      expect(await b.alone('deadlines', async () => 'free')).toBe('free');
      expect(await a.alone('deadlines', async () => 'free')).toBe('free');
    });

    it('lets one of 20 concurrent answers to a Received referral through, across two lifecycle services, and refuses the rest as conflicts', async () => {
      const name = schema();
      const instance = async () => {
        const store = await open(name);
        const directory = new Directory(store, MICROSOFT);
        const clock = new ManualClock(START);
        return { store, directory, service: new LifecycleService(store, directory, clock, new AlertPlanner(store, directory, clock)) };
      };
      const [one, two] = [await instance(), await instance()];
      await one.directory.seedIfEmpty();
      const admin: Caller = { tenantId: CONTOSO_PARTNER, userId: 'u-ana' };
      const fabrikam: Caller = { tenantId: FABRIKAM, userId: 'u-fay' };
      await one.directory.ensurePerson(admin, { name: 'Ana Admin', email: 'ana@partner.example' });
      await two.directory.ensurePerson(fabrikam, { name: 'Fay Fabrikam', email: 'fay@fabrikam.example' });
      await one.service.createDeal(admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }));
      const received = (await two.service.list(fabrikam, 'inbound')).items[0]!.referral;
      expect(received.substatus).toBe('Received');

      const accept = { name: 'Contoso migration', dealValue: 15000, currency: 'EUR', closingDateTime: '2027-01-15', team: [member('Fay', 'fay@fabrikam.example')] };
      // Every answer was made from the same version, each a request of its own (none a redelivery).
      const answers = Array.from({ length: 20 }, (_, i) => {
        const { service } = i % 2 === 0 ? one : two;
        const caller = { ...fabrikam, requestId: `answer-${i}` };
        return i % 4 < 2 ? service.accept(caller, received.id, received.version, accept) : service.decline(caller, received.id, received.version, { reason: 'NoCapacity' });
      });
      const outcomes = await Promise.allSettled(answers);
      const taken = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.referral] : []));
      expect(taken).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          expect(o.reason).toBeInstanceOf(CoSellError);
          expect((o.reason as CoSellError).code, (o.reason as Error).message).toBe('conflict');
        }
      }
      const stored = (await one.store.get('referral', received.id))!;
      expect(stored).toEqual(taken[0]);
      expect(stored.version).toBe(received.version + 1);
      expect(stored.history).toHaveLength(received.history.length + 1);
      expect(['Accepted', 'Declined']).toContain(stored.substatus);
    });
  });

  it('keeps a name with a NUL or half an emoji (as a cut at 200 characters leaves) as U+FFFD, and the store stays healthy', async () => {
    const store = await open(schema());
    const cut = '🤝'.slice(0, 1);
    await store.commit([{ kind: 'organization', put: makeOrganization({ id: 'org-odd', name: `Nul\u0000 and ${cut}` }) }]);
    const stored = await store.get('organization', 'org-odd');
    expect(stored?.name).toBe('Nul\uFFFD and \uFFFD');
    const referral = makeReferral({ orgId: 'org-odd', name: `Deal ${cut}x` });
    await store.commit([{ kind: 'referral', put: referral }]);
    expect((await store.findReferrals({ orgId: 'org-odd', text: 'deal \uFFFDx' })).map((r) => r.id)).toEqual([referral.id]);
    // A value PostgreSQL refuses for its own reasons is this write's problem, not the database's.
    await expect(store.commit([{ kind: 'referral', put: { ...referral, id: 'r-far', version: 2 ** 31 } }])).rejects.toMatchObject({ code: '22003' });
    expect(store.writeProblem()).toBeUndefined();
  });

  describe('when the database fails', () => {
    it('says which database cannot be opened, without its password', async () => {
      const password = 's3cret-Passw0rd';
      const cases = [
        // Nothing listens there.
        { url: urlWith({ password, port: '1' }), names: '127.0.0.1:1' },
        // The server is there, the database is not.
        { url: urlWith({ password, pathname: '/no_such_database_here' }), names: 'no_such_database_here' },
      ];
      for (const { url, names } of cases) {
        const error = await openPgStore(url, { schema: schema() }).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error, url).toBeInstanceOf(Error);
        expect(error!.message).toContain(names);
        expect(error!.message).toMatch(/cannot be used/);
        expect(`${error!.message} ${String(error!.cause)}`).not.toContain(password);
      }
    });

    it('fails a commit whose connection the server ended mid-section, sets writeProblem, and the next commit succeeds and clears it', async () => {
      const name = schema();
      const application = `cosell_${name}`;
      const store = await open(name, urlWith({ application_name: application }));
      const org = makeOrganization();
      await store.commit([{ kind: 'organization', put: org }]);

      // The server ends the section's connection (and the pool's idle ones) between its read and its commit.
      const referral = makeReferral();
      const lost = store.exclusive(async (commit) => {
        const current = (await store.get('organization', org.id))!;
        expect(await terminate(application)).toBeGreaterThan(0);
        await commit([{ kind: 'organization', put: { ...current, name: 'Lost' } }, { kind: 'referral', put: referral }]);
      });
      await expect(lost).rejects.toThrow();
      expect(store.writeProblem()).toBeDefined();

      // New connections: the next commit succeeds, and nothing of the failed one was written.
      await store.commit([{ kind: 'organization', put: { ...org, name: 'After' } }]);
      expect(store.writeProblem()).toBeUndefined();
      expect((await store.get('organization', org.id))?.name).toBe('After');
      expect(await store.get('referral', referral.id)).toBeUndefined();
    });

    it("fails a commit whose connection the server ends while it waits for another instance's section, and the next one succeeds", async () => {
      const name = schema();
      const application = `cosell_${name}`;
      const [waiting, holder] = [await open(name, urlWith({ application_name: application })), await open(name)];
      const org = makeOrganization({ name: 'Before' });
      await holder.commit([{ kind: 'organization', put: org }]);
      await holder.exclusive(async (commit) => {
        const pending = waiting.commit([{ kind: 'organization', put: { ...org, name: 'Lost' } }]);
        const outcome = pending.then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        // Ended only once its query is in flight, waiting for the lock this section holds.
        await admin(async (client) => {
          const sql = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'";
          for (const deadline = Date.now() + 3_000; (await client.query<{ n: number }>(sql, [application])).rows[0]!.n === 0; ) {
            if (Date.now() > deadline) throw new Error('The other commit never waited for the section: sections do not exclude one another.');
          }
        });
        await terminate(application);
        expect((await outcome)?.message).toMatch(/terminat/i);
        await commit([{ kind: 'organization', put: { ...org, name: 'Holder' } }]);
      });
      expect(waiting.writeProblem()).toMatch(/terminat/i);
      await waiting.commit([{ kind: 'organization', put: { ...org, name: 'After' } }]);
      expect(waiting.writeProblem()).toBeUndefined();
      expect((await holder.get('organization', org.id))?.name).toBe('After');
    });

    it('keeps running when a job loses its connection, and the job is free again', async () => {
      const name = schema();
      const application = `cosell_${name}`;
      const store = await open(name, urlWith({ application_name: application }));
      const other = await open(name);
      let ran = false;
      // The job's lock is on a connection the server ends while the job runs.
      const outcome = await store
        .alone('deadlines', async () => {
          await terminate(application);
          ran = true;
          return 'done';
        })
        .catch((e: unknown) => e);
      expect(ran).toBe(true);
      expect(outcome === 'done' || outcome instanceof Error).toBe(true);
      // A session that ended holds no lock.
      expect(await other.alone('deadlines', async () => 'free')).toBe('free');
      expect(await store.alone('deadlines', async () => 'free')).toBe('free');
    });
  });
});
