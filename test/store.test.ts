import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLowdbStore, recordFile } from '../services/lowdb-store.js';
import { outboxMessage } from '../services/alerts.js';
import type { OutboxMessage, Referral } from '../services/model.js';
import { StoreLockedError, type Store } from '../services/store.js';
import { makeCustomer, makeEngagement, makeFavorites, makeOrganization, makePerson, makeReferral, makeSolution, nextVersion } from './helpers/records.js';

const dirs: string[] = [];
const stores: Store[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'store-test-'));
  dirs.push(dir);
  return dir;
}

async function open(dir: string): Promise<Store> {
  const store = await openLowdbStore(dir);
  stores.push(store);
  return store;
}

/** Closes a store opened with open(), as a restart would. */
async function close(store: Store): Promise<void> {
  stores.splice(stores.indexOf(store), 1);
  await store.close();
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as { records: Record<string, unknown> };
const fileOf = (dir: string, referral: Referral) => path.join(dir, recordFile({ kind: 'referral', put: referral }));

/** Every file under dir with its content, to show that nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && entry.name !== 'LOCK') out[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return out;
}

describe('lowdb store', () => {
  it('puts, gets, lists and deletes every kind, across a reopen', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const org = makeOrganization();
    const person = makePerson({ orgId: org.id });
    const customer = makeCustomer();
    const solution = makeSolution({ orgId: org.id });
    const referral = makeReferral({ orgId: org.id, solutionIds: [solution.id] });
    const engagement = makeEngagement({ id: referral.engagementId, createdByOrgId: org.id, participants: [{ orgId: org.id, referralId: referral.id }] });
    const favorites = makeFavorites({ id: person.id, orgId: org.id, referralIds: [referral.id] });
    await store.commit([
      { kind: 'organization', put: org },
      { kind: 'person', put: person },
      { kind: 'customer', put: customer },
      { kind: 'solution', put: solution },
      { kind: 'referral', put: referral },
      { kind: 'engagement', put: engagement },
      { kind: 'favorites', put: favorites },
    ]);
    expect(await store.get('referral', referral.id)).toEqual(referral);
    expect(await store.get('referral', 'missing')).toBeUndefined();

    await close(store);
    store = await open(dir);
    expect(await store.get('organization', org.id)).toEqual(org);
    expect(await store.get('person', person.id)).toEqual(person);
    expect(await store.get('customer', customer.id)).toEqual(customer);
    expect(await store.get('solution', solution.id)).toEqual(solution);
    expect(await store.get('referral', referral.id)).toEqual(referral);
    expect(await store.get('engagement', engagement.id)).toEqual(engagement);
    expect(await store.get('favorites', favorites.id)).toEqual(favorites);
    expect(await store.list('referral')).toEqual([referral]);

    const updated = nextVersion(referral, { substatus: 'Accepted' });
    await store.commit([{ kind: 'referral', put: updated }, { kind: 'customer', delete: customer.id }]);
    expect(await store.get('referral', referral.id)).toEqual(updated);
    expect(await store.get('customer', customer.id)).toBeUndefined();

    await close(store);
    store = await open(dir);
    expect(await store.get('referral', referral.id)).toEqual(updated);
    expect(await store.get('customer', customer.id)).toBeUndefined();
    expect(await store.list('customer')).toEqual([]);
  });

  it('stores records as their schema parses them', async () => {
    const store = await open(await tempDir());
    const referral = makeReferral();
    await store.commit([{ kind: 'referral', put: { ...referral, details: { ...referral.details, currency: 'eur' } } }]);
    expect((await store.get('referral', referral.id))?.details.currency).toBe('EUR');
  });

  it('applies writes to the same record in order within a commit', async () => {
    const store = await open(await tempDir());
    const kept = makeReferral();
    const gone = makeReferral({ orgId: kept.orgId });
    const won = nextVersion(kept, { substatus: 'Won' });
    await store.commit([
      { kind: 'referral', put: kept },
      { kind: 'referral', put: gone },
      { kind: 'referral', put: won },
      { kind: 'referral', delete: gone.id },
    ]);
    expect(await store.list('referral')).toEqual([won]);
  });

  it('lists only the given organization for records with an orgId', async () => {
    const store = await open(await tempDir());
    const [a, b] = [makeOrganization(), makeOrganization()];
    const referrals = [makeReferral({ orgId: a.id }), makeReferral({ orgId: a.id, substatus: 'Lost' }), makeReferral({ orgId: b.id })];
    const people = [makePerson({ orgId: a.id }), makePerson({ orgId: b.id })];
    const solutions = [makeSolution({ orgId: a.id }), makeSolution({ orgId: b.id })];
    await store.commit([
      ...referrals.map((put) => ({ kind: 'referral' as const, put })),
      ...people.map((put) => ({ kind: 'person' as const, put })),
      ...solutions.map((put) => ({ kind: 'solution' as const, put })),
    ]);
    const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();
    expect(ids(await store.list('referral', a.id))).toEqual(ids(referrals.slice(0, 2)));
    expect(ids(await store.list('referral', b.id))).toEqual(ids(referrals.slice(2)));
    expect(ids(await store.list('referral'))).toEqual(ids(referrals));
    expect(ids(await store.list('person', a.id))).toEqual([people[0]!.id]);
    expect(ids(await store.list('solution', b.id))).toEqual([solutions[1]!.id]);
    expect(await store.list('referral', 'another-org')).toEqual([]);
  });

  it('moves a closed referral to the archive file, leaving no copy in the active file', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const referral = makeReferral();
    await store.commit([{ kind: 'referral', put: referral }]);
    const activeFile = fileOf(dir, referral);
    expect(path.basename(activeFile)).toMatch(/^active-\d+\.json$/);
    expect(Object.keys((await readJson(activeFile)).records)).toEqual([referral.id]);

    const won = nextVersion(referral, { substatus: 'Won' });
    await store.commit([{ kind: 'referral', put: won }]);
    const archiveFile = fileOf(dir, won);
    expect(path.basename(archiveFile)).toBe(path.basename(activeFile).replace('active', 'archive'));
    expect((await readJson(activeFile)).records).toEqual({});
    expect((await readJson(archiveFile)).records).toEqual({ [won.id]: won });

    await close(store);
    store = await open(dir);
    expect(await store.list('referral')).toEqual([won]);
  });

  it('reads a referral from a file of an older bucket layout, and moves it to its own bucket on the next write', async () => {
    const dir = await tempDir();
    const referral = makeReferral();
    const own = fileOf(dir, referral);
    // A data directory written when referrals were hashed into fewer buckets: same directory, another file.
    const old = path.join(path.dirname(own), path.basename(own) === 'active-0.json' ? 'active-1.json' : 'active-0.json');
    await mkdir(path.dirname(own), { recursive: true });
    await writeFile(old, JSON.stringify({ records: { [referral.id]: referral } }));
    let store = await open(dir);
    expect(await store.get('referral', referral.id)).toEqual(referral);
    const updated = nextVersion(referral, { name: 'Moved' });
    await store.commit([{ kind: 'referral', put: updated }]);
    expect((await readJson(old)).records).toEqual({});
    expect((await readJson(own)).records).toEqual({ [updated.id]: updated });
    await close(store);
    store = await open(dir);
    expect(await store.list('referral')).toEqual([updated]);
  });

  it('lists only open records, or one referral\'s outbox messages, and moves a message of the old flat outbox file on its next write', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const open1 = makeReferral();
    const closed = nextVersion(makeReferral(), { substatus: 'Won' });
    const orgId = open1.orgId;
    const message = (referralId: string, status: OutboxMessage['status']): OutboxMessage => ({
      ...outboxMessage({ orgId, conversationId: 'c-1', referralId, kind: 'received', headline: 'h' }, new Date()),
      status,
    });
    const pending = message(open1.id, 'pending');
    const sent = message(open1.id, 'sent');
    const other = message(closed.id, 'sent');
    await store.commit([open1, closed].map((put) => ({ kind: 'referral' as const, put })));
    await store.commit([pending, sent, other].map((put) => ({ kind: 'outbox' as const, put })));
    expect(await store.list('referral', orgId, { open: true })).toEqual([open1]);
    expect(await store.list('outbox', undefined, { open: true })).toEqual([pending]);
    expect((await store.list('outbox', orgId, { referralId: open1.id })).map((m) => m.id).sort()).toEqual([pending.id, sent.id].sort());
    await close(store);

    // A message in the flat file of the older layout is found by every filter, then moves.
    const flat = path.join(dir, 'outbox', `${encodeURIComponent(orgId)}.json`);
    const old = message(open1.id, 'pending');
    await writeFile(flat, JSON.stringify({ records: { [old.id]: old } }));
    store = await open(dir);
    expect((await store.list('outbox', undefined, { open: true })).map((m) => m.id).sort()).toEqual([pending.id, old.id].sort());
    expect(await store.list('outbox', orgId, { referralId: open1.id })).toHaveLength(3);
    await store.commit([{ kind: 'outbox', put: { ...old, status: 'sent' } }]);
    expect((await readJson(flat)).records).toEqual({});
    expect(await store.list('outbox', undefined, { open: true })).toEqual([pending]);
  });

  it('keeps odd organization ids inside their own directory', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const person = makePerson({ orgId: '../..' });
    const referral = makeReferral({ orgId: 'a/b' });
    await store.commit([{ kind: 'person', put: person }, { kind: 'referral', put: referral }]);
    expect(await readdir(path.join(dir, 'person'))).toEqual(['%2E%2E%2F%2E%2E.json']);
    expect(await readdir(path.join(dir, 'referrals'))).toEqual(['a%2Fb']);
    await close(store);
    expect(await (await open(dir)).list('referral', 'a/b')).toEqual([referral]);
  });

  it('finishes a multi-file commit from its journal after a crash, and deletes temp files', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const referral = makeReferral();
    await store.commit([{ kind: 'referral', put: referral }]);
    await close(store);

    // The crash: the journal is on disk and one of the two files was already rewritten, so
    // the referral is in both its active and its archive file. The engagement file is missing.
    const won = nextVersion(referral, { substatus: 'Won' });
    const engagement = makeEngagement({ id: referral.engagementId });
    await writeFile(path.join(dir, 'journal.json'), JSON.stringify({ writes: [{ kind: 'referral', put: won }, { kind: 'engagement', put: engagement }] }));
    await mkdir(path.dirname(fileOf(dir, won)), { recursive: true });
    await writeFile(fileOf(dir, won), JSON.stringify({ records: { [won.id]: won } }));
    await writeFile(`${fileOf(dir, referral)}.tmp`, '{"records": {"half-writ');

    store = await open(dir);
    expect(await store.list('referral')).toEqual([won]);
    expect(await store.get('engagement', engagement.id)).toEqual(engagement);
    expect((await readJson(fileOf(dir, referral))).records).toEqual({});
    expect((await readJson(fileOf(dir, won))).records).toEqual({ [won.id]: won });
    const files = Object.keys(await snapshot(dir));
    expect(files).not.toContain('journal.json');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects a commit with an invalid record and changes nothing', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const referral = makeReferral();
    await store.commit([{ kind: 'referral', put: referral }]);
    const before = await snapshot(dir);

    const bad = makeReferral({ orgId: referral.orgId, details: { ...referral.details, dealValue: -5 } });
    const commit = store.commit([
      { kind: 'referral', put: nextVersion(referral, { substatus: 'Won' }) },
      { kind: 'referral', put: bad },
      { kind: 'engagement', put: makeEngagement() },
    ]);
    await expect(commit).rejects.toThrow(/Invalid referral .*details\.dealValue: The estimated value must be more than 0/);

    expect(await store.list('referral')).toEqual([referral]);
    expect(await store.list('engagement')).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
    await close(store);
    store = await open(dir);
    expect(await store.list('referral')).toEqual([referral]);
    expect(await store.list('engagement')).toEqual([]);
  });

  it('keeps memory as it was when a disk write fails, and the next write after the disk recovers succeeds, without a restart', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const referral = makeReferral();
    await store.commit([{ kind: 'referral', put: referral }]);
    const won = nextVersion(referral, { substatus: 'Won' });
    // A directory where the archive file's temp file goes makes that one write fail.
    const blocker = `${fileOf(dir, won)}.tmp`;
    await mkdir(blocker, { recursive: true });

    await expect(store.commit([{ kind: 'referral', put: won }])).rejects.toThrow(/could not be written.*may not have been saved/);
    expect(await store.get('referral', referral.id)).toEqual(referral);
    expect(store.writeProblem()).toBeDefined();
    // While the disk still fails, other writes fail too, with the same clear answer, and change nothing.
    await expect(store.commit([{ kind: 'customer', put: makeCustomer() }])).rejects.toThrow(/could not be written/);
    expect(await store.list('customer')).toEqual([]);

    // The disk recovers: the next write succeeds, and the failed change stays undone.
    await rm(blocker, { recursive: true });
    const customer = makeCustomer();
    await store.commit([{ kind: 'customer', put: customer }]);
    expect(store.writeProblem()).toBeUndefined();
    expect(await store.list('referral')).toEqual([referral]);
    await close(store);
    store = await open(dir);
    expect(await store.list('referral')).toEqual([referral]);
    expect(await store.list('customer')).toEqual([customer]);
  });

  it('refuses a second open of an open directory in this process', async () => {
    const dir = await tempDir();
    await open(dir);
    await expect(openLowdbStore(dir)).rejects.toThrow(StoreLockedError);
    await expect(openLowdbStore(dir)).rejects.toThrow(/already open in this process/);
  });

  it('refuses a directory locked by a live process, with a message saying what to do', async () => {
    const dir = await tempDir();
    const livePid = process.ppid;
    await writeFile(path.join(dir, 'LOCK'), String(livePid));
    const error = await openLowdbStore(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as Error).message).toBe(
      `The data directory ${dir} is in use by another Co-sell Bot process (pid ${livePid}). Stop it or set DATA_DIR to another directory.`,
    );
    expect(await readFile(path.join(dir, 'LOCK'), 'utf8')).toBe(String(livePid));
  });

  it('takes over a stale lock whose process is gone, and removes the lock on close', async () => {
    const dir = await tempDir();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(path.join(dir, 'LOCK'), String(deadPid));
    const store = await open(dir);
    expect(await readFile(path.join(dir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await close(store);
    expect(await readdir(dir)).not.toContain('LOCK');
  });

  it('fails to open on a corrupt data file, naming the file, and releases the lock', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const referral = makeReferral();
    await store.commit([{ kind: 'referral', put: referral }]);
    await close(store);
    const file = fileOf(dir, referral);
    const good = await readFile(file, 'utf8');

    await writeFile(file, good.slice(0, 100));
    await expect(openLowdbStore(dir)).rejects.toThrow(`Cannot load ${file}: `);

    await writeFile(file, JSON.stringify({ records: { [referral.id]: { ...referral, substatus: 'Maybe' } } }));
    await expect(openLowdbStore(dir)).rejects.toThrow(new RegExp(`Cannot load ${file}: records\\.${referral.id}\\.substatus`));

    await writeFile(file, good);
    store = await open(dir);
    expect(await store.list('referral')).toEqual([referral]);
  });

  it('runs exclusive sections one at a time, and commit works inside them', async () => {
    const store = await open(await tempDir());
    const org = makeOrganization({ name: '0' });
    await store.commit([{ kind: 'organization', put: org }]);
    const increment = () =>
      store.exclusive(async (commit) => {
        const current = (await store.get('organization', org.id))!;
        await new Promise((resolve) => setTimeout(resolve, 1));
        await commit([{ kind: 'organization', put: { ...current, name: String(Number(current.name) + 1) } }]);
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    expect((await store.get('organization', org.id))?.name).toBe('10');
  });

  it('ends a section at its commit: the next section reads the change while the disk is still writing it, and 50 writers share a few batches', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const org = makeOrganization({ name: '0' });
    await store.commit([{ kind: 'organization', put: org }]);
    const durable: number[] = [];
    let readBeforeDurable = 0;
    const increment = (i: number) =>
      store.exclusive(async (commit) => {
        const current = Number((await store.get('organization', org.id))!.name);
        if (current > durable.length) readBeforeDurable++;
        await commit([{ kind: 'organization', put: { ...org, name: String(current + 1) } }]);
        durable.push(i);
      });
    await Promise.all(Array.from({ length: 50 }, (_, i) => increment(i)));
    expect((await store.get('organization', org.id))?.name).toBe('50');
    expect(readBeforeDurable).toBeGreaterThan(25);
    await close(store);
    expect((await (await open(dir)).get('organization', org.id))?.name).toBe('50');
  });

  it('undoes a failed batch and every commit that read it, and a section that only read it answers with the failure', async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const referral = makeReferral();
    const org = makeOrganization({ name: 'before' });
    await store.commit([{ kind: 'referral', put: referral }, { kind: 'organization', put: org }]);
    const won = nextVersion(referral, { substatus: 'Won' });
    await mkdir(`${fileOf(dir, won)}.tmp`, { recursive: true });

    const first = store.exclusive(async (commit) => commit([{ kind: 'referral', put: won }]));
    // Read while the failing batch is in memory only: these rest on it.
    const second = store.exclusive(async (commit) => {
      const seen = (await store.get('referral', referral.id))!.substatus;
      await commit([{ kind: 'organization', put: { ...org, name: `after ${seen}` } }]);
    });
    const reader = store.exclusive(async () => (await store.get('organization', org.id))!.name);
    const outcomes = await Promise.allSettled([first, second, reader]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/could not be written/);
    expect((await store.get('referral', referral.id))?.substatus).toBe(referral.substatus);
    expect((await store.get('organization', org.id))?.name).toBe('before');
    expect(await store.list('referral')).toEqual([referral]);

    await rm(`${fileOf(dir, won)}.tmp`, { recursive: true });
    await close(store);
    store = await open(dir);
    expect(await store.list('referral')).toEqual([referral]);
    expect((await store.get('organization', org.id))?.name).toBe('before');
  });

  it('finishes pending commits on close', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const referrals = Array.from({ length: 5 }, () => makeReferral());
    const commits = referrals.map((put) => store.commit([{ kind: 'referral', put }]));
    await close(store);
    await Promise.all(commits);
    await expect(store.commit([{ kind: 'referral', put: makeReferral() }])).rejects.toThrow(/closed/);
    expect(await (await open(dir)).list('referral')).toHaveLength(5);
  });
});
