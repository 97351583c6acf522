// Two instances of the bot, real processes (bot/index.ts), on one PostgreSQL database and one Bot
// Connector: a click answered by either applies once; alerts are delivered once between them, within
// Teams' rate windows counted over both; one killed mid-burst loses nothing, and doubles at most what
// it had in flight.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IN_FLIGHT } from '../bot/outbox-dispatcher.js';
import { signedHeaders } from '../bot/referral-intake.js';
import { conversationWindows } from '../bot/rate-limiter.js';
import { outboxMessage } from '../services/alerts.js';
import { Directory } from '../services/directory.js';
import { say } from '../services/i18n.js';
import { openPgStore, type PgStore } from '../services/pg-store.js';
import type { ConversationRef } from '../services/model.js';
import type { Write } from '../services/store.js';
import { ana, cardText, OUR_TENANT, sam, WEBHOOK_SECRET } from './helpers/bot-harness.js';
import { localPortsOf, startBotProcess, stopAll, type BotProcess } from './helpers/bot-process.js';
import { peak, startFakeConnector, type FakeConnector, type SentRequest } from './helpers/fake-connector.js';
import { fixture, future } from './helpers/fixtures.js';
import { dropSchema, newSchema, postgresProblem, testDatabaseUrl } from './helpers/postgres.js';
import { makeEngagement, makeOrganization, makePerson, makeReferral } from './helpers/records.js';
import { invokeAction, message, postActivity, setServiceUrl } from './helpers/teams.js';
import { MICROSOFT } from './helpers/world.js';

const problem = await postgresProblem();


/** Polls until the check holds (every `everyMs`), or fails after timeoutMs saying what it waited for. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A batch of alerts seeded straight into the outbox: each has a tag of its own, shown as its headline. */
interface Batch {
  prefix: string;
  tenants: string[];
  /** Conversation id -> its tenant. */
  tenantOf: Map<string, string>;
  tags: string[];
}

const TAG = /\b(mi\d-\d{5})\b/;
/** The batch's alert a request delivered (its tag), or undefined for any other request. */
const tagOf = (r: SentRequest, batch: Batch): string | undefined => {
  if (r.method !== 'POST' || r.status !== 200 || !r.conversationId || !batch.tenantOf.has(r.conversationId)) return undefined;
  // Read once per request: the waits below look at every request many times, and cards are large.
  if (!tags.has(r)) tags.set(r, TAG.exec(JSON.stringify(r.body))?.[1]);
  const tag = tags.get(r);
  return tag?.startsWith(batch.prefix) ? tag : undefined;
};
const tags = new WeakMap<SentRequest, string | undefined>();
/** The requests to the batch's chats, whatever they were. */
const requestsOf = (connector: FakeConnector, batch: Batch) => connector.sent.filter((r) => r.conversationId !== undefined && batch.tenantOf.has(r.conversationId));

describe.skipIf(problem !== undefined)('two bot processes on one PostgreSQL database', () => {
  let schema: string | undefined;
  let store: PgStore | undefined;
  let connector: FakeConnector | undefined;
  let dataDir: string | undefined;
  let a: BotProcess;
  let b: BotProcess;

  beforeAll(async () => {
    schema = newSchema();
    // The schema and its tables first, so the two instances start on a migrated database.
    store = await openPgStore(testDatabaseUrl, { schema });
    connector = await startFakeConnector();
    setServiceUrl(connector.url);
    for (const u of [ana, sam]) connector.members.set(`29:${u.aadObjectId}`, { id: `29:${u.aadObjectId}`, name: u.name, aadObjectId: u.aadObjectId, email: u.email, tenantId: u.tenantId });
    dataDir = await mkdtemp(path.join(tmpdir(), 'multi-instance-'));
    const env = (name: string) => ({
      DATABASE_URL: testDatabaseUrl,
      DATABASE_SCHEMA: schema!,
      DATA_DIR: path.join(dataDir!, name), // unused on PostgreSQL; each its own all the same
      MICROSOFT_TENANT_ID: MICROSOFT,
      REFERRALS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    [a, b] = await Promise.all([startBotProcess('bot-a', env('a')), startBotProcess('bot-b', env('b'))]);
  }, 120_000);

  afterAll(async () => {
    // Children first (they use the schema), whatever the tests did.
    await stopAll();
    await store?.close();
    await connector?.close();
    setServiceUrl(undefined);
    if (schema) await dropSchema(schema);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** The children's output, printed when a test fails. */
  const dump = () => {
    for (const bot of [a, b]) {
      if (!bot) continue;
      const out = bot.output();
      console.error(`----- ${bot.name} (pid ${bot.pid}, ${bot.alive() ? 'running' : 'exited'}), last 30,000 characters of its output -----\n${out.slice(-30_000)}`);
    }
  };

  /** The PostgreSQL backends serving a (running) bot process: its pool's connections and its delivery lease. */
  async function backendsOf(bot: BotProcess): Promise<Set<number>> {
    const ports = [...(await localPortsOf(bot.pid))];
    const { rows } = await store!.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [ports]);
    return new Set(rows.map((r) => r.pid));
  }

  /** Sent messages of the batch by the backend whose claim they went out under (claimed_by). */
  async function sentByClaim(batch: Batch): Promise<Map<number | null, number>> {
    const { rows } = await store!.pool.query<{ claimed_by: number | null; n: string }>(
      "SELECT claimed_by, count(*) AS n FROM records WHERE kind = 'outbox' AND org_id = ANY($1) AND data->>'status' = 'sent' GROUP BY claimed_by",
      [batch.tenants],
    );
    return new Map(rows.map((r) => [r.claimed_by, Number(r.n)]));
  }

  const openCount = async (batch: Batch) =>
    Number((await store!.pool.query<{ n: string }>("SELECT count(*) AS n FROM records WHERE kind = 'outbox' AND open AND org_id = ANY($1)", [batch.tenants])).rows[0]!.n);
  const takenCount = async (batch: Batch) => Number((await store!.pool.query<{ n: string }>('SELECT count(*) AS n FROM sends WHERE tenant = ANY($1)', [batch.tenants])).rows[0]!.n);

  interface Shape {
    tenants: number;
    /** People per tenant, each with a personal chat with the bot. */
    people: number;
    /** Alerts for every one of those chats. */
    perChat: number;
    /** Busy chats besides (the first tenants' extra people), with this many alerts each, older than all the others. */
    busy?: { chats: number; perChat: number };
  }

  /**
   * Organizations with people who each have a personal chat with the bot and one referral to be
   * alerted about; then the alerts, committed at once: the busy chats' first (so both instances keep
   * finding them and their windows bind), then the others interleaved chat after chat, tenant after
   * tenant, as many referrals' fan-outs would be.
   */
  async function seedAlerts(prefix: string, shape: Shape): Promise<Batch> {
    const { tenants, people, perChat } = shape;
    const busy = shape.busy ?? { chats: 0, perChat: 0 };
    const batch: Batch = { prefix, tenants: [], tenantOf: new Map(), tags: [] };
    const now = new Date();
    const setup: Write[] = [];
    type Chat = { orgId: string; conversationId: string; userId: string; referralId: string };
    const chats: Chat[][] = [];
    const busyChats: Chat[] = [];
    for (let t = 0; t < tenants; t++) {
      const orgId = `${prefix}00000-0000-4000-8000-${String(t + 1).padStart(12, '0')}`;
      batch.tenants.push(orgId);
      setup.push({ kind: 'organization', put: makeOrganization({ id: orgId, name: `Tenant ${prefix} ${t + 1}` }) });
      const engagement = makeEngagement({ createdByOrgId: orgId });
      const referral = makeReferral({ orgId, engagementId: engagement.id, name: `Alerted deal ${prefix} ${t + 1}`, details: { ...makeReferral().details, closingDateTime: '2027-12-31T00:00:00.000Z' } });
      engagement.participants = [{ orgId, referralId: referral.id }];
      setup.push({ kind: 'engagement', put: engagement }, { kind: 'referral', put: referral });
      const mine: Chat[] = [];
      const extra = Math.floor(busy.chats / tenants) + (t < busy.chats % tenants ? 1 : 0);
      for (let p = 0; p < people + extra; p++) {
        const userId = randomUUID();
        const conversationId = `a:${prefix}-t${t}-p${p}`;
        const roles = p === 0 ? (['admin', 'referrals-admin'] as const) : (['referrals-admin'] as const);
        setup.push({ kind: 'person', put: makePerson({ orgId, userId, name: `Person ${p + 1}`, email: `p${p + 1}@${prefix}-t${t}.example`, channelUserId: `29:${userId}`, roles: [...roles] }) });
        const chat: ConversationRef = { id: conversationId, orgId, userId, channelUserId: `29:${userId}`, kind: 'personal', serviceUrl: connector!.url, teamId: '', updatedDateTime: now.toISOString() };
        setup.push({ kind: 'conversation', put: chat });
        batch.tenantOf.set(conversationId, orgId);
        (p < people ? mine : busyChats).push({ orgId, conversationId, userId, referralId: referral.id });
      }
      chats.push(mine);
    }
    await store!.commit(setup);
    const alerts: Write[] = [];
    const add = (chat: Chat) => {
      const tag = `${prefix}-${String(batch.tags.length).padStart(5, '0')}`;
      batch.tags.push(tag);
      // Created a millisecond apart, in this order: the outbox goes oldest first.
      const put = outboxMessage({ ...chat, kind: 'received', headline: `New referral ${tag}` }, new Date(now.getTime() + batch.tags.length));
      alerts.push({ kind: 'outbox', put });
    };
    for (let k = 0; k < busy.perChat; k++) for (const chat of busyChats) add(chat);
    for (let k = 0; k < perChat; k++) for (let p = 0; p < people; p++) for (let t = 0; t < tenants; t++) add(chats[t]![p]!);
    await store!.commit(alerts);
    return batch;
  }

  /**
   * Waits until every alert of the batch was delivered and nothing of it can be on its way: none is
   * pending, and every send slot taken for its tenants (a row in `sends`) was used by a request the
   * connector saw. Slots taken and never used (an instance killed between the two, or a delivery that
   * failed before sending) leave that count above: then a second without any request will do.
   */
  async function settled(batch: Batch, timeoutMs: number): Promise<void> {
    let seen = -1;
    let quietSince = Date.now();
    await until(
      `every alert of batch ${batch.prefix} to be sent, and nothing more on its way`,
      async () => {
        const requests = requestsOf(connector!, batch).length;
        if (requests !== seen) [seen, quietSince] = [requests, Date.now()];
        if ((await openCount(batch)) > 0 || deliveries(batch).size < batch.tags.length) return false;
        return (await takenCount(batch)) === requests || Date.now() - quietSince >= 1_000;
      },
      timeoutMs,
    );
  }

  /** How many times each alert of the batch reached the connector. */
  const deliveries = (batch: Batch): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const r of connector!.sent) {
      const tag = tagOf(r, batch);
      if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return counts;
  };

  /** Teams' windows over every attempt the connector saw for the batch's chats and tenants. */
  function windowPeaks(batch: Batch) {
    const byChat = new Map<string, number[]>();
    const byTenant = new Map<string, number[]>();
    const add = (map: Map<string, number[]>, key: string, at: number) => (map.get(key) ?? map.set(key, []).get(key)!).push(at);
    for (const r of requestsOf(connector!, batch)) {
      if (r.method !== 'POST' && r.method !== 'PUT') continue;
      add(byChat, r.conversationId!, r.at);
      add(byTenant, batch.tenantOf.get(r.conversationId!)!, r.at);
    }
    const chatPeak = (ms: number) => Math.max(0, ...[...byChat.values()].map((t) => peak(t, ms)));
    return {
      chat: Object.fromEntries(conversationWindows.filter((w) => w.ms <= 30_000).map((w) => [w.ms, chatPeak(w.ms)])) as Record<number, number>,
      tenant1s: Math.max(0, ...[...byTenant.values()].map((t) => peak(t, 1_000))),
    };
  }

  function expectWithinWindows(batch: Batch) {
    const peaks = windowPeaks(batch);
    // As test/alerts-burst.test.ts checks them: each conversation's windows exactly, the tenant's
    // 47 per second (the limiter's) with the slack Teams' 50 leaves for varying delays.
    expect(peaks.chat[1_000]).toBeLessThanOrEqual(7);
    expect(peaks.chat[2_000]).toBeLessThanOrEqual(8);
    expect(peaks.chat[30_000]).toBeLessThanOrEqual(60);
    expect(peaks.tenant1s).toBeLessThanOrEqual(50);
    return peaks;
  }

  it('50 concurrent Accept/Decline clicks on one referral, split across the instances: exactly one applies', async ({ onTestFailed }) => {
    onTestFailed(dump);
    // The organization and its people: Ana (the first, so its admin) on one instance, Sam on the other.
    expect((await postActivity(a.url, message(ana, 'help'))).status).toBe(200);
    expect((await postActivity(b.url, message(sam, 'help'))).status).toBe(200);
    await new Directory(store!, MICROSOFT).setRoles({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, { [sam.aadObjectId]: ['referrals-admin'], [ana.aadObjectId]: ['admin', 'referrals-admin'] }, new Date());

    // One Received referral, through the signed webhook.
    const raw = JSON.stringify({ ...future, id: 'pc-multi-race' });
    const res = await fetch(`${a.url}/api/tenants/${OUR_TENANT}/referrals`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...signedHeaders(WEBHOOK_SECRET, OUR_TENANT, raw, new Date()) }, body: raw });
    expect(res.status).toBe(201);
    const referralId = ((await res.json()) as { id: string }).id;
    const before = (await store!.get('referral', referralId))!;
    expect([before.substatus, before.version]).toEqual(['Received', 1]);

    // 50 clicks at once, each its own activity: Ana and Sam, Accept and Decline, half on each instance.
    const clicks = Array.from({ length: 50 }, (_, i) => {
      const user = i % 4 < 2 ? ana : sam;
      const verb = i % 3 === 0 ? 'decline' : 'accept';
      const data =
        verb === 'accept'
          ? { referralId, version: 1, name: String(fixture.name), dealValue: '50000', currency: 'USD', closingDateTime: '2027-06-30' }
          : { referralId, version: 1, reason: 'NotAGoodFit' };
      return { user, verb, bot: i % 2 === 0 ? a : b, activity: invokeAction(user, verb, data, { id: `race-${i}-${randomUUID()}` }) };
    });
    const started = performance.now();
    const answers = await Promise.all(clicks.map(async (c) => ({ ...c, res: await postActivity(c.bot.url, c.activity) })));
    const raceMs = performance.now() - started;

    // None failed; each is an answered invoke with the deal card.
    for (const { res } of answers) {
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
      expect((res.body as { statusCode?: number }).statusCode, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    }
    const lines = (body: unknown) => cardText((body as { value: unknown }).value).split('\n');
    const done = /^(Accepted|Declined) by (Ana Admin|Sam Seller)\.$/;
    const refused = /^(This deal was changed by .* since you opened it|This deal changed since the card was drawn )/;
    const kinds = answers.map(({ res }) => {
      const text = lines(res.body);
      if (text.some((l) => done.test(l))) return 'applied';
      if (text.some((l) => refused.test(l))) return text.some((l) => l.startsWith('This deal was changed by')) ? 'conflict' : 'stale';
      return `other: ${text.join(' | ').slice(0, 300)}`;
    });
    const winners = answers.filter((_, i) => kinds[i] === 'applied');
    expect(kinds.filter((k) => k.startsWith('other')), 'answers neither applied nor refused').toEqual([]);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;

    // The referral ended as the one applied click said, once.
    const after = (await store!.get('referral', referralId))!;
    expect(after.substatus).toBe(winner.verb === 'accept' ? 'Accepted' : 'Declined');
    expect(after.version).toBe(2);
    const outcomes = after.history.filter((h) => ['accepted', 'declined'].includes(say(h.action)));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.byName).toBe(winner.user.name);
    expect(after.history).toHaveLength(2);

    const tally = (k: string) => kinds.filter((x) => x === k).length;
    const perBot = (bot: BotProcess) => answers.filter((x) => x.bot === bot).length;
    console.log(
      `[multi-instance] race: 50 clicks (${perBot(a)} on ${a.name}, ${perBot(b)} on ${b.name}) answered in ${raceMs.toFixed(0)} ms: ` +
        `1 applied (${winner.verb} by ${winner.user.name} on ${winner.bot.name}), ${tally('conflict')} refused as a conflict, ${tally('stale')} refused as stale; referral ${after.substatus}`,
    );
  }, 60_000);

  it('1,000 pending alerts: both instances deliver, each alert exactly once, within Teams’ windows over both', async ({ onTestFailed }) => {
    onTestFailed(dump);
    // 20 tenants x 8 chats x 6 alerts, and 2 busy chats with 20 each, first in line: both instances keep
    // finding those, so their 1 s and 2 s windows bind, counted over both. Many tenants: an instance
    // starts one send per tenant per look (TENANT_SPACING_MS), so few tenants would take minutes.
    const started = performance.now();
    const batch = await seedAlerts('mi2', { tenants: 20, people: 8, perChat: 6, busy: { chats: 2, perChat: 20 } });
    expect(batch.tags).toHaveLength(1_000);

    await settled(batch, 90_000);
    const tookMs = performance.now() - started;
    const counts = deliveries(batch);
    const lost = batch.tags.filter((t) => !counts.has(t));
    const doubled = [...counts].filter(([, n]) => n > 1);
    expect(lost).toEqual([]);
    expect(doubled).toEqual([]);
    // Every attempt succeeded: no retries in this batch.
    expect(requestsOf(connector!, batch).filter((r) => r.status !== 200)).toEqual([]);

    // Both instances sent some: each message carries the claim (backend pid of the sender's lease) it went out under.
    const [backendsA, backendsB] = await Promise.all([backendsOf(a), backendsOf(b)]);
    expect(backendsA.size * backendsB.size, 'each instance’s PostgreSQL connections, found through /proc').toBeGreaterThan(0);
    const byClaim = await sentByClaim(batch);
    const share = (backends: Set<number>) => [...byClaim].filter(([pid]) => pid !== null && backends.has(pid)).reduce((sum, [, n]) => sum + n, 0);
    const [shareA, shareB] = [share(backendsA), share(backendsB)];
    expect(shareA + shareB, `claims ${JSON.stringify([...byClaim])} vs backends a ${[...backendsA]} b ${[...backendsB]}`).toBe(1_000);
    expect(shareA).toBeGreaterThan(0);
    expect(shareB).toBeGreaterThan(0);

    const peaks = expectWithinWindows(batch);
    const times = connector!.sent.filter((r) => tagOf(r, batch)).map((r) => r.at);
    const spanS = (Math.max(...times) - Math.min(...times)) / 1000;
    console.log(
      `[multi-instance] 1,000 alerts (20 tenants x 8 chats x 6, 2 busy chats x 20) delivered in ${(tookMs / 1000).toFixed(1)} s from seeding (${spanS.toFixed(1)} s first to last, ${(999 / spanS).toFixed(0)}/s): ` +
        `${a.name} ${shareA}, ${b.name} ${shareB}; lost 0, doubled 0; busiest chat ${peaks.chat[1_000]}/1 s ${peaks.chat[2_000]}/2 s ${peaks.chat[30_000]}/30 s, busiest tenant second ${peaks.tenant1s}`,
    );
  }, 120_000);

  it('one instance killed (SIGKILL) mid-burst: the other delivers the rest, nothing lost, doubles at most what was in flight', async ({ onTestFailed }) => {
    onTestFailed(dump);
    // 20 tenants x 6 chats x 5 alerts.
    const started = performance.now();
    const batch = await seedAlerts('mi3', { tenants: 20, people: 6, perChat: 5 });
    expect(batch.tags).toHaveLength(600);
    const [victim, survivor] = [b, a];
    const victimBackends = await backendsOf(victim);
    const survivorBackends = await backendsOf(survivor);
    const sentBy = async (backends: Set<number>) => [...(await sentByClaim(batch))].filter(([pid]) => pid !== null && backends.has(pid)).reduce((sum, [, n]) => sum + n, 0);

    // A third delivered, and the victim among the senders.
    await until('a third of the batch delivered, some by the instance to kill', async () => deliveries(batch).size >= 200 && (await sentBy(victimBackends)) >= 10, 60_000, 20);
    const atKill = { delivered: deliveries(batch).size, byVictim: await sentBy(victimBackends) };
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const diedAt = Date.now();

    // Its claims are free once its connections are gone: the survivor sends everything.
    await settled(batch, 60_000);
    const tookMs = performance.now() - started;

    const counts = deliveries(batch);
    const lost = batch.tags.filter((t) => !counts.has(t));
    const doubled = [...counts].filter(([, n]) => n > 1);
    expect(lost).toEqual([]);
    expect(doubled.every(([, n]) => n === 2), JSON.stringify(doubled)).toBe(true);
    expect(doubled.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    // A doubled alert is one the victim had sent without marking it: the survivor sent it again, under its own claim.
    if (doubled.length > 0) {
      const { rows } = await store!.pool.query<{ claimed_by: number; headline: string }>(
        "SELECT claimed_by, data->>'headline' AS headline FROM records WHERE kind = 'outbox' AND org_id = ANY($1)",
        [batch.tenants],
      );
      const claimOf = new Map(rows.map((r) => [TAG.exec(r.headline)![1]!, r.claimed_by]));
      for (const [tag] of doubled) expect(survivorBackends.has(claimOf.get(tag)!), `${tag} claimed by ${claimOf.get(tag)}`).toBe(true);
      // And its first copy came from the victim: it arrived by the time the victim was gone (give or take
      // the connector reading a request the victim wrote just before it died).
      for (const [tag] of doubled) {
        const first = Math.min(...connector!.sent.filter((r) => tagOf(r, batch) === tag).map((r) => r.at));
        expect(first).toBeLessThanOrEqual(diedAt + 1_000);
      }
    }
    const peaks = expectWithinWindows(batch);
    const finalVictim = await sentBy(victimBackends);
    const finalSurvivor = await sentBy(survivorBackends);
    expect(finalVictim + finalSurvivor).toBe(600);
    console.log(
      `[multi-instance] kill: 600 alerts (20 tenants x 6 chats x 5), ${victim.name} SIGKILLed after ${atKill.delivered} delivered (${atKill.byVictim} marked sent by it; exit took ${diedAt - killedAt} ms); ` +
        `all delivered in ${(tookMs / 1000).toFixed(1)} s; marked sent by ${victim.name} ${finalVictim}, by ${survivor.name} ${finalSurvivor}; lost 0, doubled ${doubled.length} (bound ${MAX_IN_FLIGHT}); ` +
        `busiest chat ${peaks.chat[1_000]}/1 s ${peaks.chat[2_000]}/2 s, busiest tenant second ${peaks.tenant1s}`,
    );
  }, 120_000);
});
