// The move-over from the embedded store to PostgreSQL: copyStore, and the command around it.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { outboxMessage } from '../services/alerts.js';
import { openLowdbStore } from '../services/lowdb-store.js';
import { openPgStore, type PgStore } from '../services/pg-store.js';
import { canonicalJson, copyStore, kinds } from '../services/store-copy.js';
import type { Kind, Records, Store, Write } from '../services/store.js';
import { dropSchema, newSchema, postgresProblem, testDatabaseUrl } from './helpers/postgres.js';
import { makeCustomer, makeEngagement, makeFavorites, makeOrganization, makePerson, makeReferral, makeSolution, nextVersion } from './helpers/records.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const problem = await postgresProblem();

const dirs: string[] = [];
const schemas: string[] = [];
const stores: Store[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(schemas.splice(0).map(dropSchema));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'copy-to-pg-'));
  dirs.push(dir);
  return dir;
}

async function lowdb(dir: string): Promise<Store> {
  const store = await openLowdbStore(dir);
  stores.push(store);
  return store;
}

async function pgStore(schema = newSchema()): Promise<PgStore> {
  schemas.push(schema);
  const store = await openPgStore(testDatabaseUrl, { schema });
  stores.push(store);
  return store;
}

async function close(store: Store): Promise<void> {
  stores.splice(stores.indexOf(store), 1);
  await store.close();
}

/** Records of every kind, two organizations' worth: what a small deployment holds. */
function seedWrites(): Write[] {
  const now = new Date();
  const writes: Write[] = [];
  for (const name of ['Contoso', 'Fabrikam']) {
    const org = makeOrganization({ name });
    const ana = makePerson({ orgId: org.id, name: `Ana of ${name}` });
    const solution = makeSolution({ orgId: org.id });
    const open = makeReferral({ orgId: org.id, solutionIds: [solution.id] });
    const won = makeReferral({ orgId: org.id, substatus: 'Won', expirationDateTime: '2026-01-31T00:00:00.000Z' });
    const engagement = makeEngagement({ id: open.engagementId, createdByOrgId: org.id, participants: [{ orgId: org.id, referralId: open.id }] });
    const conversation: Records['conversation'] = {
      id: `a:${org.id}`,
      orgId: org.id,
      userId: ana.userId,
      channelUserId: '29:ana',
      kind: 'personal',
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
      teamId: '',
      updatedDateTime: now.toISOString(),
    };
    const draft: Records['draft'] = { id: `draft-${org.id}`, orgId: org.id, userId: ana.userId, values: { name: 'Half a deal', b: 'x', a: 'y' }, partners: [], createdReferralId: '', updatedDateTime: now.toISOString() };
    writes.push(
      { kind: 'organization', put: org },
      { kind: 'person', put: ana },
      { kind: 'customer', put: makeCustomer({ orgId: org.id }) },
      { kind: 'solution', put: solution },
      { kind: 'referral', put: open },
      { kind: 'referral', put: won },
      { kind: 'engagement', put: engagement },
      { kind: 'favorites', put: makeFavorites({ orgId: org.id, referralIds: [open.id] }) },
      { kind: 'conversation', put: conversation },
      { kind: 'outbox', put: outboxMessage({ orgId: org.id, conversationId: conversation.id, referralId: open.id, kind: 'received', headline: 'New deal' }, now) },
      { kind: 'mark', put: { id: `mark-${open.id}`, orgId: org.id, at: now.toISOString() } },
      { kind: 'draft', put: draft },
    );
  }
  // A demo-directory customer (no organization): the embedded store's top-level file.
  writes.push({ kind: 'customer', put: makeCustomer() });
  return writes;
}

/** A data directory holding the seed, closed again (as a stopped bot leaves it). */
async function seededDir(): Promise<{ dir: string; writes: Write[] }> {
  const dir = await tempDir();
  const store = await lowdb(dir);
  const writes = seedWrites();
  await store.commit(writes);
  await close(store);
  return { dir, writes };
}

const countOf = (writes: Write[], kind: Kind) => writes.filter((w) => w.kind === kind).length;

/** Every file under dir with its content, to show the copy changed nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile()) out[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return out;
}

function runCopy(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Only what the test gives: a DATABASE_URL or DATA_DIR of the machine's must not leak in.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'DATABASE_SCHEMA', 'DATA_DIR'].includes(k)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/copy-to-postgres.ts', ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('canonicalJson', () => {
  it('ignores the order of keys, at every depth, but not of array items', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 1, b: 2 }));
  });
});

// Generous timeouts: some tests start the command as a child process (tsx compiles it first).
describe.skipIf(problem)('copying the embedded store to PostgreSQL', { timeout: 30_000 }, () => {
  it('copies every record of every kind; a second run copies nothing; a changed record is updated', async () => {
    const { dir, writes } = await seededDir();
    const from = await lowdb(dir);
    const to = await pgStore();

    const first = await copyStore(from, to, { batchSize: 5 }); // several batches for the kinds with many records
    for (const kind of kinds) {
      expect(first.kinds[kind], kind).toEqual({ copied: countOf(writes, kind), alreadyThere: 0, updated: 0, onlyInTarget: 0, refused: 0 });
    }
    expect(first.total.copied).toBe(writes.length);
    expect(first.refusals).toEqual([]);
    for (const kind of kinds) {
      const source = await from.list(kind);
      // The same records, in the same order (PostgreSQL lists by first write).
      expect(await to.list(kind)).toEqual(source);
      for (const record of source) expect(await to.get(kind, record.id)).toEqual(record);
    }
    // Summaries compared by their fields: the embedded store answers with whole records.
    const summaries = async (store: Store) => (await store.findReferrals({})).map((r) => [r.id, r.orgId, r.substatus, r.updatedDateTime]).sort();
    expect(await summaries(to)).toEqual(await summaries(from));

    const second = await copyStore(from, to);
    expect(second.total).toEqual({ copied: 0, alreadyThere: writes.length, updated: 0, onlyInTarget: 0, refused: 0 });

    const referral = (await from.list('referral'))[0]!;
    await from.commit([{ kind: 'referral', put: nextVersion(referral, { name: 'Renamed in the embedded store' }) }]);
    const newPerson = makePerson({ name: 'Joined since' });
    await from.commit([{ kind: 'person', put: newPerson }]);
    const onlyInPg = makeSolution();
    await to.commit([{ kind: 'solution', put: onlyInPg }]);
    const third = await copyStore(from, to);
    expect(third.kinds.referral).toMatchObject({ updated: 1, copied: 0, alreadyThere: countOf(writes, 'referral') - 1 });
    expect(third.kinds.person).toMatchObject({ updated: 0, copied: 1 });
    expect(third.kinds.solution).toMatchObject({ onlyInTarget: 1, copied: 0, updated: 0 });
    expect(third.total).toMatchObject({ copied: 1, updated: 1, alreadyThere: writes.length - 1 });
    expect((await to.get('referral', referral.id))?.name).toBe('Renamed in the embedded store');
    expect(await to.get('solution', onlyInPg.id)).toEqual(onlyInPg); // left as it was
  });

  it('copies a NUL character or an unpaired surrogate as U+FFFD, and finds them there the next time; names a record PostgreSQL refuses', async () => {
    const dir = await tempDir();
    const from = await lowdb(dir);
    const fine = Array.from({ length: 6 }, () => makePerson());
    const nul = makePerson({ name: 'Ana\u0000Silva' });
    const surrogate = makeReferral({ name: 'Deal \ud800' });
    // A version past PostgreSQL's integer: the one record it refuses.
    const huge = makeReferral({ version: 2 ** 31 });
    await from.commit([...fine.slice(0, 3), nul, ...fine.slice(3)].map((put) => ({ kind: 'person', put }) as Write));
    await from.commit([{ kind: 'referral', put: surrogate }, { kind: 'referral', put: huge }, { kind: 'referral', put: makeReferral() }]);
    const to = await pgStore();

    const result = await copyStore(from, to, { batchSize: 4 });
    expect(result.refusals.map((r) => [r.kind, r.id])).toEqual([['referral', huge.id]]);
    expect(result.refusals[0]!.reason).toMatch(/out of range/);
    expect(result.kinds.person).toMatchObject({ copied: 7, refused: 0 });
    expect(result.kinds.referral).toMatchObject({ copied: 2, refused: 1 });
    for (const person of fine) expect(await to.get('person', person.id)).toEqual(person);
    expect((await to.get('person', nul.id))?.name).toBe('Ana\uFFFDSilva');
    expect((await to.get('referral', surrogate.id))?.name).toBe('Deal \uFFFD');

    const again = await copyStore(from, to, { batchSize: 4 });
    expect(again.kinds.person).toMatchObject({ copied: 0, alreadyThere: 7, updated: 0 });
    expect(again.kinds.referral).toMatchObject({ copied: 0, alreadyThere: 2, updated: 0, refused: 1 });
  });

  it('the command copies a data directory, says what it did, and leaves the directory as it was', async () => {
    const { dir, writes } = await seededDir();
    const before = await snapshot(dir);
    const schema = newSchema();
    schemas.push(schema);
    const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema };

    const run = await runCopy([dir], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Copying ${dir} to `);
    expect(run.stdout).toContain(`(schema ${schema})`);
    expect(run.stdout).toMatch(new RegExp(`^referral +${countOf(writes, 'referral')} copied +0 already there +0 updated$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^total +${writes.length} copied +0 already there +0 updated$`, 'm'));
    expect(await snapshot(dir)).toEqual(before);

    const again = await runCopy([dir], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^total +0 copied +${writes.length} already there +0 updated$`, 'm'));

    const to = await openPgStore(testDatabaseUrl, { schema });
    stores.push(to);
    expect((await to.list('organization')).map((o) => o.name)).toEqual(['Contoso', 'Fabrikam']);
  });

  it('the command stops a copy while the bot runs on the directory', async () => {
    const { dir } = await seededDir();
    await lowdb(dir); // this test process plays the running bot: it holds the LOCK
    const schema = newSchema();
    schemas.push(schema); // dropped even if the command wrongly went on to open it
    const run = await runCopy([dir], { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${dir} is in use by a running Co-sell Bot (pid ${process.pid}): stop the bot first`);
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
  });
});

/** A port nothing listens on: connections are refused at once, and a refusal test can never write to a real database. */
const NOWHERE = 'postgres://postgres:secret@127.0.0.1:1/test';

describe('the command refuses', { timeout: 30_000 }, () => {
  it('without DATABASE_URL', async () => {
    const { dir } = await seededDirWithoutPg();
    const run = await runCopy([dir], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL is not set');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('a directory that does not exist, without creating it', async () => {
    const missing = path.join(await tempDir(), 'no-such-data');
    const run = await runCopy([missing], { DATABASE_URL: NOWHERE });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The data directory ${missing} does not exist`);
    await expect(readdir(missing)).rejects.toThrow(/ENOENT/);
  });

  it('a directory with no data', async () => {
    const empty = await tempDir();
    const run = await runCopy([empty], { DATABASE_URL: NOWHERE });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('holds no Co-sell Bot data');
    expect(await readdir(empty)).toEqual([]);
  });

  it('a directory with a write left unfinished, leaving it to the bot to finish', async () => {
    const { dir } = await seededDirWithoutPg();
    await writeFile(path.join(dir, 'organization.json.tmp'), '{"records":');
    const before = await snapshot(dir);
    const run = await runCopy([dir], { DATABASE_URL: NOWHERE });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('did not finish (organization.json.tmp)');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a database it cannot reach', async () => {
    const { dir } = await seededDirWithoutPg();
    const run = await runCopy([dir], { DATABASE_URL: NOWHERE });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot be used');
    expect(run.stderr).not.toContain('secret');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    await expect(readdir(dir)).resolves.not.toContain('LOCK'); // released on the way out
  });
});

/** A seeded data directory for tests that never reach PostgreSQL. */
async function seededDirWithoutPg(): Promise<{ dir: string }> {
  const dir = await tempDir();
  const store = await lowdb(dir);
  await store.commit([{ kind: 'organization', put: makeOrganization() }]);
  await close(store);
  return { dir };
}
