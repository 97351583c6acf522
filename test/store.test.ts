import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLowdbStore, recordFile } from '../services/lowdb-store.js';
import { outboxMessage } from '../services/alerts.js';
import type { ConversationRef, DeadlineMark, Draft, OutboxMessage, Referral } from '../services/model.js';
import { matchesReferral, StaleWriteError, StoreLockedError, type ReferralFilter, type ReferralSummary, type Store, type Write } from '../services/store.js';
import { makeCustomer, makeEngagement, makeFavorites, makeOrganization, makePerson, makeReferral, makeSolution, nextVersion } from './helpers/records.js';
import { disposeAll, storeFactories, type TestStore } from './helpers/stores.js';

const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();
const message = (orgId: string, referralId: string, status: OutboxMessage['status']): OutboxMessage => ({
  ...outboxMessage({ orgId, conversationId: 'c-1', referralId, kind: 'received', headline: 'h' }, new Date()),
  status,
});

// What every store must do alike: the services run on either.
afterAll(disposeAll);
for (const factory of storeFactories) {
  describe.skipIf(factory.problem !== undefined)(`${factory.name} store`, () => {
    let data: TestStore;
    beforeEach(() => {
      data = factory.create();
    });
    afterEach(() => data.dispose());

    it('puts, gets, lists and deletes every kind, across a reopen', async () => {
      let store = await data.open();
      const org = makeOrganization();
      const person = makePerson({ orgId: org.id });
      const customer = makeCustomer();
      const solution = makeSolution({ orgId: org.id });
      const referral = makeReferral({ orgId: org.id, solutionIds: [solution.id] });
      const engagement = makeEngagement({ id: referral.engagementId, createdByOrgId: org.id, participants: [{ orgId: org.id, referralId: referral.id }] });
      const favorites = makeFavorites({ id: person.id, orgId: org.id, referralIds: [referral.id] });
      const at = new Date().toISOString();
      const conversation: ConversationRef = { id: 'a:conversation', orgId: org.id, userId: person.userId, channelUserId: '', kind: 'personal', serviceUrl: 'https://smba.example/', teamId: '', updatedDateTime: at };
      const outbox = message(org.id, referral.id, 'pending');
      const mark: DeadlineMark = { id: `${referral.id}:reminder`, orgId: org.id, at };
      const draft: Draft = { id: 'draft-1', orgId: org.id, userId: person.userId, values: { name: 'Deal' }, partners: [], createdReferralId: '', updatedDateTime: at };
      await store.commit([
        { kind: 'organization', put: org },
        { kind: 'person', put: person },
        { kind: 'customer', put: customer },
        { kind: 'solution', put: solution },
        { kind: 'referral', put: referral },
        { kind: 'engagement', put: engagement },
        { kind: 'favorites', put: favorites },
        { kind: 'conversation', put: conversation },
        { kind: 'outbox', put: outbox },
        { kind: 'mark', put: mark },
        { kind: 'draft', put: draft },
      ]);
      expect(await store.get('referral', referral.id)).toEqual(referral);
      expect(await store.get('referral', 'missing')).toBeUndefined();
      // Ids are per kind: the referral's id names no engagement.
      expect(await store.get('engagement', referral.id)).toBeUndefined();

      store = await data.reopen();
      expect(await store.get('organization', org.id)).toEqual(org);
      expect(await store.get('person', person.id)).toEqual(person);
      expect(await store.get('customer', customer.id)).toEqual(customer);
      expect(await store.get('solution', solution.id)).toEqual(solution);
      expect(await store.get('referral', referral.id)).toEqual(referral);
      expect(await store.get('engagement', engagement.id)).toEqual(engagement);
      expect(await store.get('favorites', favorites.id)).toEqual(favorites);
      expect(await store.get('conversation', conversation.id)).toEqual(conversation);
      expect(await store.get('outbox', outbox.id)).toEqual(outbox);
      expect(await store.get('mark', mark.id)).toEqual(mark);
      expect(await store.get('draft', draft.id)).toEqual(draft);
      expect(await store.list('referral')).toEqual([referral]);

      const updated = nextVersion(referral, { substatus: 'Accepted' });
      await store.commit([{ kind: 'referral', put: updated }, { kind: 'customer', delete: customer.id }, { kind: 'draft', delete: 'never-written' }]);
      expect(await store.get('referral', referral.id)).toEqual(updated);
      expect(await store.get('customer', customer.id)).toBeUndefined();

      store = await data.reopen();
      expect(await store.get('referral', referral.id)).toEqual(updated);
      expect(await store.get('customer', customer.id)).toBeUndefined();
      expect(await store.list('customer')).toEqual([]);
    });

    it('stores records as their schema parses them', async () => {
      const store = await data.open();
      const referral = makeReferral();
      await store.commit([{ kind: 'referral', put: { ...referral, details: { ...referral.details, currency: 'eur' } } }]);
      expect((await store.get('referral', referral.id))?.details.currency).toBe('EUR');
    });

    it('applies writes to the same record in order within a commit', async () => {
      const store = await data.open();
      const kept = makeReferral();
      const gone = makeReferral({ orgId: kept.orgId });
      const won = nextVersion(kept, { substatus: 'Won' });
      const back = makeReferral({ orgId: kept.orgId });
      await store.commit([
        { kind: 'referral', put: kept },
        { kind: 'referral', put: gone },
        { kind: 'referral', put: won },
        { kind: 'referral', delete: gone.id },
        { kind: 'referral', delete: back.id },
        { kind: 'referral', put: back },
      ]);
      expect(ids(await store.list('referral'))).toEqual(ids([won, back]));
      expect(await store.get('referral', kept.id)).toEqual(won);
    });

    it('lists only the given organization for kinds with an orgId, and ignores it for the others', async () => {
      const store = await data.open();
      const [a, b] = [makeOrganization(), makeOrganization()];
      const referrals = [makeReferral({ orgId: a.id }), makeReferral({ orgId: a.id, substatus: 'Lost' }), makeReferral({ orgId: b.id })];
      const people = [makePerson({ orgId: a.id }), makePerson({ orgId: b.id })];
      const solutions = [makeSolution({ orgId: a.id }), makeSolution({ orgId: b.id })];
      // The demo directory's customers belong to no organization ('').
      const customers = [makeCustomer(), makeCustomer({ orgId: a.id })];
      const engagement = makeEngagement({ createdByOrgId: a.id });
      await store.commit([
        ...[a, b].map((put) => ({ kind: 'organization' as const, put })),
        ...referrals.map((put) => ({ kind: 'referral' as const, put })),
        ...people.map((put) => ({ kind: 'person' as const, put })),
        ...solutions.map((put) => ({ kind: 'solution' as const, put })),
        ...customers.map((put) => ({ kind: 'customer' as const, put })),
        { kind: 'engagement', put: engagement },
      ]);
      expect(ids(await store.list('referral', a.id))).toEqual(ids(referrals.slice(0, 2)));
      expect(ids(await store.list('referral', b.id))).toEqual(ids(referrals.slice(2)));
      expect(ids(await store.list('referral'))).toEqual(ids(referrals));
      expect(ids(await store.list('person', a.id))).toEqual([people[0]!.id]);
      expect(ids(await store.list('solution', b.id))).toEqual([solutions[1]!.id]);
      expect(ids(await store.list('customer', a.id))).toEqual([customers[1]!.id]);
      expect(ids(await store.list('customer'))).toEqual(ids(customers));
      expect(await store.list('referral', 'another-org')).toEqual([]);
      expect(ids(await store.list('organization', 'another-org'))).toEqual(ids([a, b]));
      expect(ids(await store.list('engagement', b.id))).toEqual([engagement.id]);
    });

    it("lists only open records, or one referral's outbox messages", async () => {
      const store = await data.open();
      const open1 = makeReferral();
      const closing = makeReferral({ orgId: open1.orgId });
      const orgId = open1.orgId;
      const pending = message(orgId, open1.id, 'pending');
      const sent = message(orgId, open1.id, 'sent');
      const dropped = message(orgId, closing.id, 'dropped');
      await store.commit([open1, closing].map((put) => ({ kind: 'referral' as const, put })));
      await store.commit([pending, sent, dropped].map((put) => ({ kind: 'outbox' as const, put })));
      expect(ids(await store.list('referral', orgId, { open: true }))).toEqual(ids([open1, closing]));
      // Closing a deal takes it out of the open list; a message sent takes it out of the pending one.
      await store.commit([{ kind: 'referral', put: nextVersion(closing, { substatus: 'Won' }) }, { kind: 'outbox', put: { ...pending, status: 'sent' } }]);
      expect(ids(await store.list('referral', orgId, { open: true }))).toEqual([open1.id]);
      expect(await store.list('outbox', undefined, { open: true })).toEqual([]);
      expect(ids(await store.list('outbox', orgId, { referralId: open1.id }))).toEqual(ids([pending, sent]));
      expect(ids(await store.list('outbox', undefined, { referralId: closing.id }))).toEqual([dropped.id]);
      // Kinds with no referral have no messages of one; kinds with no open state are all open.
      expect(await store.list('referral', undefined, { referralId: open1.id })).toEqual([]);
      expect(ids(await store.list('referral', orgId))).toEqual(ids([open1, closing]));
    });

    it('keeps ids and organization ids as given, however odd', async () => {
      let store = await data.open();
      // Not "__proto__": the embedded store loses a record of that id on reload (zod drops the key).
      const odd = ['constructor', "o'brien/../x", 'a%_\\b', 'ünïcødé 🚀'];
      const people = odd.map((orgId) => makePerson({ orgId }));
      const referrals = odd.map((id) => makeReferral({ id, orgId: '../..' }));
      await store.commit([...people.map((put) => ({ kind: 'person' as const, put })), ...referrals.map((put) => ({ kind: 'referral' as const, put }))]);
      store = await data.reopen();
      for (const person of people) expect(await store.list('person', person.orgId)).toEqual([person]);
      for (const referral of referrals) expect(await store.get('referral', referral.id)).toEqual(referral);
      expect(ids(await store.list('referral', '../..'))).toEqual([...odd].sort());
      expect(ids(await store.findReferrals({ orgId: '../..', ids: ['constructor', 'a%_\\b'] }))).toEqual(['a%_\\b', 'constructor']);
    });

    it('rejects a commit with an invalid record and changes nothing', async () => {
      let store = await data.open();
      const referral = makeReferral();
      await store.commit([{ kind: 'referral', put: referral }]);
      const before = await data.contents();

      const bad = makeReferral({ orgId: referral.orgId, details: { ...referral.details, dealValue: -5 } });
      const commit = store.commit([
        { kind: 'referral', put: nextVersion(referral, { substatus: 'Won' }) },
        { kind: 'referral', put: bad },
        { kind: 'engagement', put: makeEngagement() },
      ]);
      await expect(commit).rejects.toThrow(/Invalid referral .*details\.dealValue: The estimated value must be more than 0/);
      // A record the app got wrong is no sign the storage fails.
      expect(store.writeProblem()).toBeUndefined();

      expect(await store.list('referral')).toEqual([referral]);
      expect(await store.list('engagement')).toEqual([]);
      expect(await data.contents()).toEqual(before);
      store = await data.reopen();
      expect(await store.list('referral')).toEqual([referral]);
      expect(await store.list('engagement')).toEqual([]);
    });

    it('refuses a put made from another version, writing nothing of its commit, and takes one made from the stored version', async () => {
      const store = await data.open();
      const heard: (readonly Write[])[] = [];
      store.onCommit((writes) => heard.push(writes));
      const referral = makeReferral();
      const org = makeOrganization();
      await store.commit([{ kind: 'referral', put: referral, ifVersion: 0 }, { kind: 'organization', put: org }]);
      const before = await data.contents();
      const v2 = nextVersion(referral, { substatus: 'Accepted' });
      const other = makeReferral({ orgId: referral.orgId });

      const refusals: [string, Write[]][] = [
        // Made from a version that was never stored.
        ['stale version', [{ kind: 'referral', put: other }, { kind: 'referral', put: nextVersion(v2), ifVersion: v2.version }]],
        // The other write comes first and the refused one last: the store checks before it writes anything.
        ['stale, after a delete', [{ kind: 'organization', delete: org.id }, { kind: 'referral', put: v2, ifVersion: referral.version + 1 }]],
        ['new, but it exists', [{ kind: 'referral', put: other }, { kind: 'referral', put: v2, ifVersion: 0 }]],
        ['new, but it exists (a kind without versions)', [{ kind: 'referral', put: other }, { kind: 'organization', put: { ...org, name: 'Renamed' }, ifVersion: 0 }]],
        ['updated, but it does not exist', [{ kind: 'referral', put: { ...other, version: 2 }, ifVersion: 1 }]],
      ];
      for (const [why, writes] of refusals) {
        const error = await store.commit(writes).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, why).toBeInstanceOf(StaleWriteError);
        expect(store.writeProblem(), why).toBeUndefined();
        expect(await store.get('referral', other.id), why).toBeUndefined();
        expect(await store.get('organization', org.id), why).toEqual(org);
        expect(await data.contents(), why).toEqual(before);
      }
      expect(((await store.commit(refusals[0]![1]).catch((e: unknown) => e)) as StaleWriteError).id).toBe(referral.id);
      // Listeners hear of commits that happened only.
      expect(heard).toHaveLength(1);

      await store.commit([{ kind: 'referral', put: v2, ifVersion: referral.version }, { kind: 'referral', put: other, ifVersion: 0 }]);
      expect(await store.get('referral', referral.id)).toEqual(v2);
      expect(await store.get('referral', other.id)).toEqual(other);
      expect(heard).toHaveLength(2);
      // The same change again is now made from a version that is gone.
      await expect(store.commit([{ kind: 'referral', put: v2, ifVersion: referral.version }])).rejects.toThrow(StaleWriteError);
      expect(await store.get('referral', referral.id)).toEqual(v2);
    });

    it('ends a section whose versioned write is refused, and runs the next one', async () => {
      const store = await data.open();
      const referral = makeReferral();
      await store.commit([{ kind: 'referral', put: referral }]);
      const stale = store.exclusive(async (commit) => {
        await commit([{ kind: 'referral', put: nextVersion(referral), ifVersion: referral.version + 5 }]);
        return 'written';
      });
      const next = store.exclusive(async (commit) => {
        const current = (await store.get('referral', referral.id))!;
        await commit([{ kind: 'referral', put: nextVersion(current, { name: 'Next' }), ifVersion: current.version }]);
        return 'next';
      });
      await expect(stale).rejects.toThrow(StaleWriteError);
      expect(await next).toBe('next');
      expect(await store.get('referral', referral.id)).toMatchObject({ name: 'Next', version: referral.version + 1 });
    });

    it('runs exclusive sections one at a time: 20 concurrent increments count 20, across a reopen', async () => {
      let store = await data.open();
      const org = makeOrganization({ name: '0' });
      await store.commit([{ kind: 'organization', put: org }]);
      const increment = () =>
        store.exclusive(async (commit) => {
          const current = (await store.get('organization', org.id))!;
          // Another turn of the event loop between read and write: sections left to overlap would lose updates.
          await new Promise(setImmediate);
          await commit([{ kind: 'organization', put: { ...current, name: String(Number(current.name) + 1) } }]);
          return Number(current.name);
        });
      const seen = await Promise.all(Array.from({ length: 20 }, increment));
      expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect((await store.get('organization', org.id))?.name).toBe('20');
      store = await data.reopen();
      expect((await store.get('organization', org.id))?.name).toBe('20');
    });

    it('answers a section that only reads, and one that fails, without blocking the next', async () => {
      const store = await data.open();
      const org = makeOrganization();
      await store.commit([{ kind: 'organization', put: org }]);
      const reader = store.exclusive(async () => (await store.get('organization', org.id))?.name);
      const failing = store.exclusive(async () => {
        throw new Error('refused by the rules');
      });
      const writer = store.exclusive((commit) => commit([{ kind: 'organization', put: { ...org, name: 'After' } }]));
      expect(await reader).toBe(org.name);
      await expect(failing).rejects.toThrow('refused by the rules');
      await writer;
      expect((await store.get('organization', org.id))?.name).toBe('After');
      expect(store.writeProblem()).toBeUndefined();
    });

    it('has a commit the section did not wait for stored by the time the section answers', async () => {
      const store = await data.open();
      const org = makeOrganization();
      let commit!: Promise<void>;
      expect(
        await store.exclusive(async (c) => {
          commit = c([{ kind: 'organization', put: org }]);
          return 'answered';
        }),
      ).toBe('answered');
      expect(await store.get('organization', org.id)).toEqual(org);
      await commit;
    });

    it('tells listeners each commit as checked, and settles once every commit is stored', async () => {
      const store = await data.open();
      const heard: (readonly Write[])[] = [];
      store.onCommit((writes) => heard.push(writes));
      const referral = makeReferral();
      const commits = [store.commit([{ kind: 'referral', put: { ...referral, details: { ...referral.details, currency: 'eur' } } }]), store.commit([{ kind: 'customer', delete: 'x' }])];
      await store.settled();
      await Promise.all(commits);
      expect(heard).toHaveLength(2);
      expect(heard.flat()).toContainEqual({ kind: 'referral', put: { ...referral, details: { ...referral.details, currency: 'EUR' } } });
      expect(heard.flat()).toContainEqual({ kind: 'customer', delete: 'x' });
    });

    it('runs a job alone and answers what it does; a failed job leaves it free', async () => {
      const store = await data.open();
      expect(await store.alone('deadlines', async () => 42)).toBe(42);
      await expect(store.alone('deadlines', async () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
      expect(await store.alone('deadlines', async () => 'again')).toBe('again');
    });

    it('finds the referrals whose last change waits for Partner Center', async () => {
      const store = await data.open();
      const sync = (state: 'pending' | 'synced') => ({ state, version: 1, attempts: 0, problem: '', at: '2026-12-01T00:00:00.000Z' });
      const queued = makeReferral({ orgId: 'org-pc', partnerCenterSync: sync('pending') });
      const synced = makeReferral({ orgId: 'org-pc', partnerCenterSync: sync('synced') });
      const never = makeReferral({ orgId: 'org-pc' });
      const elsewhere = makeReferral({ orgId: 'org-other', partnerCenterSync: sync('pending') });
      await store.commit([queued, synced, never, elsewhere].map((put) => ({ kind: 'referral' as const, put })));
      const ids = async (filter: ReferralFilter) => (await store.findReferrals(filter)).map((r) => r.id).sort();
      expect(await ids({ orgId: 'org-pc', partnerCenterPending: true })).toEqual([queued.id]);
      expect(await ids({ orgId: 'org-pc', partnerCenterPending: false })).toEqual([synced.id, never.id].sort());
      expect(await ids({ partnerCenterPending: true })).toEqual([queued.id, elsewhere.id].sort());
    });

    it('finds referrals by every filter, as the one rule says', async () => {
      let store = await data.open();
      const [a, b] = ['org-a', 'org-b'];
      const customer = (name: string) => ({ ...makeReferral().customerProfile, name });
      const seeded = {
        growth: makeReferral({ orgId: a, name: 'Alpha 100% growth', expirationDateTime: '2026-12-01T00:00:00.000Z' }),
        percent: makeReferral({ orgId: a, name: 'Beta 100 percent', direction: 'Incoming', substatus: 'Accepted', customerProfile: customer('Woodgrove Bank') }),
        snake: makeReferral({ orgId: a, name: 'snake_case deal', direction: 'Incoming', substatus: 'Won', externalReferenceId: 'CRM-7' }),
        // `_` and `%` taken as LIKE patterns would find this one too.
        notSnake: makeReferral({ orgId: a, name: 'snakeXcase deal', expirationDateTime: '2026-12-02T10:00:00+02:00' }),
        alpha: makeReferral({ orgId: b, name: 'ALPHA', direction: 'Incoming', expirationDateTime: '2026-12-03T00:00:00Z' }),
        slash: makeReferral({ orgId: b, name: 'Lost one', substatus: 'Lost', customerProfile: customer('Back\\slash Co') }),
      };
      await store.commit(Object.values(seeded).map((put) => ({ kind: 'referral' as const, put })));
      store = await data.reopen();
      const cases: [ReferralFilter, (keyof typeof seeded)[]][] = [
        [{}, ['growth', 'percent', 'snake', 'notSnake', 'alpha', 'slash']],
        [{ orgId: a }, ['growth', 'percent', 'snake', 'notSnake']],
        [{ orgId: 'org-c' }, []],
        [{ direction: 'Incoming' }, ['percent', 'snake', 'alpha']],
        [{ orgId: a, direction: 'Outgoing' }, ['growth', 'notSnake']],
        [{ archived: true }, ['snake', 'slash']],
        [{ orgId: b, archived: false }, ['alpha']],
        [{ substatus: 'Received' }, ['growth', 'notSnake', 'alpha']],
        [{ ids: [seeded.growth.id, seeded.slash.id, 'missing'] }, ['growth', 'slash']],
        [{ ids: [] }, []],
        [{ text: '100%' }, ['growth']],
        [{ text: '%' }, ['growth']],
        [{ text: 'e_c' }, ['snake']],
        [{ text: 'alpha' }, ['growth', 'alpha']],
        [{ text: 'WOODGROVE' }, ['percent']],
        [{ text: 'crm-7' }, ['snake']],
        [{ text: 'back\\slash' }, ['slash']],
        [{ text: 'k\\s' }, ['slash']],
        // The bound is inclusive, and an offset is an instant like any other: 10:00+02:00 is 08:00Z.
        [{ expiresBy: '2026-12-02T08:00:00.000Z' }, ['growth', 'notSnake']],
        [{ expiresBy: '2026-12-02T09:59:59.999+02:00' }, ['growth']],
        [{ orgId: a, archived: false, substatus: 'Received', expiresBy: '2027-01-01T00:00:00Z' }, ['growth', 'notSnake']],
      ];
      // A summary's fields (a store may answer with more); stores may write an instant their own way, what it is must not change.
      const instant = (s: ReferralSummary) => ({
        id: s.id,
        orgId: s.orgId,
        substatus: s.substatus,
        updatedDateTime: s.updatedDateTime,
        expirationDateTime: s.expirationDateTime && new Date(s.expirationDateTime).toISOString(),
      });
      const sorted = (summaries: ReferralSummary[]) => summaries.map(instant).sort((x, y) => x.id.localeCompare(y.id));
      for (const [filter, names] of cases) {
        const found = await store.findReferrals(filter);
        const expected = names.map((n) => seeded[n]);
        expect(ids(found), JSON.stringify(filter)).toEqual(ids(expected));
        // The test's expectations are the rule's.
        expect(ids(Object.values(seeded).filter((r) => matchesReferral(r, filter))), JSON.stringify(filter)).toEqual(ids(expected));
        expect(sorted(found), JSON.stringify(filter)).toEqual(sorted(expected));
      }
    });

    it('finishes pending commits on close', async () => {
      let store = await data.open();
      const referrals = Array.from({ length: 5 }, () => makeReferral());
      const commits = referrals.map((put) => store.commit([{ kind: 'referral', put }]));
      await store.close();
      await Promise.all(commits);
      await expect(store.commit([{ kind: 'referral', put: makeReferral() }])).rejects.toThrow(/closed/);
      store = await data.reopen();
      expect(await store.list('referral')).toHaveLength(5);
    });
  });
}

// The embedded store's own files and locking.
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

describe('lowdb store files', () => {
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
});
