// Delivery at volume: Co-sell Bot in its own process, posting to a stub Bot Connector in this
// process that notes the time of every message, as Teams would count them.
//   1. fan-out: 5 referrals posted to the webhook, each alerting the 200 referrals admins of one
//      tenant: 1,000 alerts. The rate they leave at against Teams' 50 per second per tenant, lost
//      and doubled alerts, and the busiest second of the tenant and of any conversation.
//   2. crashes: the same 1,000 alerts with the bot killed (SIGKILL) three times on the way and
//      started again on its data: lost and doubled alerts;
//   3. backlog: the same bot and data twice, one with 100,000 past alerts in its outbox and one
//      with none, both running; accepts and alerts alternate between them, and the figures are
//      ratios (the machines are shared and noisy).
// Run: npm run bench, or npx tsx bench/delivery.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { signedHeaders } from '../bot/referral-intake.js';
import { MAX_IN_FLIGHT } from '../bot/outbox-dispatcher.js';
import { conversationWindows } from '../bot/rate-limiter.js';
import { DAY_MS } from '../services/clock.js';
import { outboxMessage } from '../services/alerts.js';
import { recordFile } from '../services/lowdb-store.js';
import type { Store, Write } from '../services/store.js';
import { future } from '../test/helpers/fixtures.js';
import { invokeAction, personalConversationId, postActivity, setServiceUrl, type TeamsUser } from '../test/helpers/teams.js';
import { cleanUpOnExit, startChild, type Child } from './child-ipc.js';
import { acceptForm, fill, loadUsers, MICROSOFT_TENANT_ID, ORG_ID } from './fixture.js';

const SECRET = 'bench-webhook-secret-0123456789';
const FANOUT_REFERRALS = 5;
const TENANT_LIMIT = 50;
const PAST_ALERTS = 100_000;
const BACKLOG_ACCEPTS = 100;
const BACKLOG_ALERTS = 40;
/** In the backlog phase only these people have a chat with the bot, so an alert is two messages. */
const BACKLOG_RECIPIENTS = loadUsers.slice(0, 2);
const NOW = Date.now();

const { children, dirs } = cleanUpOnExit();

// ---------------------------------------------------------------------------------------------
// The stub Bot Connector: every bot posts under its own path prefix (its conversations' serviceUrl).

interface Sent {
  at: number;
  bot: string;
  conversationId: string;
  body: string;
}

async function startConnector() {
  const sent: Sent[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const match = /^\/(\w+)\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?$/.exec(req.url ?? '');
      if (req.method === 'POST' && match) {
        sent.push({ at, bot: match[1]!, conversationId: decodeURIComponent(match[2]!), body: Buffer.concat(chunks).toString('utf8') });
        for (const wake of waiters) wake();
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    /** Resolves when the check holds, checking on every message; rejects after timeoutMs. */
    until(check: () => boolean, timeoutMs: number): Promise<void> {
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (!check()) return;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
        wake();
      });
    },
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
type Connector = Awaited<ReturnType<typeof startConnector>>;

// ---------------------------------------------------------------------------------------------
// Data and bots.

async function prepare(people: TeamsUser[], serviceUrl: string, received: number, pastAlerts = 0): Promise<{ dataDir: string; receivedIds: string[] }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'delivery-bench-'));
  dirs.push(dataDir);
  const { store, fixture } = await fill(dataDir, 1_000, received, NOW);
  try {
    await store.commit(
      people.map((u) => ({
        kind: 'conversation' as const,
        put: { id: personalConversationId(u), orgId: ORG_ID, userId: u.aadObjectId, channelUserId: `29:${u.aadObjectId}`, kind: 'personal' as const, serviceUrl, updatedDateTime: new Date(NOW).toISOString() },
      })),
    );
    // Only the people with a chat answer referrals: the bot would open a chat for any other referrals admin, and the phase measures given recipients.
    const chatting = new Set(people.map((u) => u.aadObjectId));
    const others = (await store.list('person', ORG_ID)).filter((p) => !chatting.has(p.userId) && p.roles.includes('referrals-admin'));
    if (others.length > 0) await store.commit(others.map((p) => ({ kind: 'person' as const, put: { ...p, roles: ['seller' as const] } })));
    await addPastAlerts(store, pastAlerts);
  } finally {
    await store.close();
  }
  return { dataDir, receivedIds: fixture.receivedIds };
}

/** Sent alerts of past referrals, over the last six days (inside the outbox's retention), one commit per file. */
async function addPastAlerts(store: Store, n: number): Promise<void> {
  const byFile = new Map<string, Write[]>();
  let referralId = randomUUID();
  for (let i = 0; i < n; i++) {
    if (i % 5 === 0) referralId = randomUUID();
    const at = new Date(NOW - DAY_MS - ((i * 7919) % (5 * DAY_MS)));
    const user = loadUsers[i % loadUsers.length]!;
    const message = outboxMessage({ orgId: ORG_ID, conversationId: `a:past-${user.aadObjectId}`, referralId, kind: 'received', headline: `New referral from Fabrikam Consulting: past deal ${i}` }, at);
    const write: Write = { kind: 'outbox', put: { ...message, status: 'sent', attempts: 1, sentDateTime: at.toISOString(), activityId: `1:${randomUUID()}`, referralVersion: 1 } };
    const file = recordFile(write);
    byFile.set(file, [...(byFile.get(file) ?? []), write]);
  }
  for (const writes of byFile.values()) await store.commit(writes);
}

async function startBot(name: string, dataDir: string): Promise<Child> {
  const child = await startChild(name, new URL('./cosell-bot.ts', import.meta.url), {
    BENCH_DATA_DIR: dataDir,
    BENCH_MICROSOFT_TENANT_ID: MICROSOFT_TENANT_ID,
    BENCH_ORG_ID: ORG_ID,
    BENCH_WEBHOOK_SECRET: SECRET,
  });
  children.push(child);
  return child;
}

async function postReferral(bot: Child, n: string): Promise<string> {
  const body = JSON.stringify({ ...future, id: `bench-${n}`, name: `Bench referral ${n}` });
  const res = await fetch(`${bot.url}/api/tenants/${ORG_ID}/referrals`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...signedHeaders(SECRET, ORG_ID, body, new Date()) },
    body,
  });
  const answer = (await res.json()) as { id?: string };
  if (res.status !== 201 || !answer.id) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  return answer.id;
}

async function acceptOnce(bot: Child, referralId: string, user: TeamsUser): Promise<number> {
  const started = performance.now();
  const res = await postActivity(bot.url, invokeAction(user, 'accept', { referralId, version: 1, ...acceptForm(NOW) }, { replyToId: `msg-${referralId}` }));
  const ms = performance.now() - started;
  const body = res.body as { statusCode?: number; value?: unknown } | undefined;
  if (res.status !== 200 || body?.statusCode !== 200 || !JSON.stringify(body.value).includes('Accepted')) throw new Error(`accept answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Figures.

/** The most sends within any window of `ms` milliseconds. */
function busiest(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= ms) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
const p = (times: number[], q: number) => [...times].sort((a, b) => a - b)[Math.min(times.length - 1, Math.ceil((q / 100) * times.length) - 1)]!;
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);

/** Distinct (conversation, referral) pairs delivered, and deliveries beyond the first of each. */
function tally(sent: Sent[], referralIds: string[]): { delivered: number; doubled: number } {
  const perPair = new Map<string, number>();
  for (const s of sent) {
    const id = referralIds.find((referralId) => s.body.includes(referralId));
    if (id) perPair.set(`${s.conversationId} ${id}`, (perPair.get(`${s.conversationId} ${id}`) ?? 0) + 1);
  }
  return { delivered: perPair.size, doubled: [...perPair.values()].reduce((sum, n) => sum + n - 1, 0) };
}

/** SIGKILL, as a crash or an out-of-memory kill would: nothing runs after it. Waits until the process is gone. */
async function crash(bot: Child): Promise<void> {
  bot.killNow();
  for (;;) {
    try {
      process.kill(bot.pid, 0);
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  children.splice(children.indexOf(bot), 1);
}

async function fanOut(connector: Connector): Promise<void> {
  console.error(`fan-out: ${FANOUT_REFERRALS} referrals to ${loadUsers.length} people ...`);
  const { dataDir } = await prepare(loadUsers, `${connector.url}/fan/`, 10);
  const bot = await startBot('co-sell bot (fan-out)', dataDir);
  const expected = FANOUT_REFERRALS * loadUsers.length;
  const mine = () => connector.sent.filter((s) => s.bot === 'fan');
  const posted = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < FANOUT_REFERRALS; i++) ids.push(await postReferral(bot, `fan-${i}`));
  await connector.until(() => mine().length >= expected, 120_000).catch((e: Error) => console.error(`! fan-out: ${e.message}`));
  // Anything after the last expected alert would be a double: give it a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const sent = mine();
  await bot.stop();

  const times = sent.map((s) => s.at);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const { delivered, doubled } = tally(sent, ids);
  const rate = (sent.length - 1) / ((last - first) / 1000);
  const byConversation = new Map<string, number[]>();
  for (const s of sent) byConversation.set(s.conversationId, [...(byConversation.get(s.conversationId) ?? []), s.at]);
  const conversationPeaks = conversationWindows.filter((w) => w.ms <= 30_000).map((w) => `${Math.max(...[...byConversation.values()].map((t) => busiest(t, w.ms)))}/${w.ms / 1000} s (limit ${w.max})`);
  const tenantPeak = busiest(times, 1_000);
  const ok = delivered === expected && doubled === 0 && rate >= 0.9 * TENANT_LIMIT && tenantPeak <= TENANT_LIMIT;
  console.log(`\nFan-out: ${expected} alerts (${FANOUT_REFERRALS} referrals to ${loadUsers.length} people of one tenant).`);
  console.log(`  delivered ${delivered} of ${expected}, lost ${expected - delivered}, doubled ${doubled}; first alert ${ms(first - posted)} ms after the first webhook post, last after ${((last - posted) / 1000).toFixed(1)} s`);
  console.log(`  rate ${rate.toFixed(1)} alerts/s = ${((100 * rate) / TENANT_LIMIT).toFixed(0)}% of Teams' ${TENANT_LIMIT}/s per tenant (target ≥ 90%); busiest second of the tenant ${tenantPeak} (limit ${TENANT_LIMIT})`);
  console.log(`  busiest conversation: ${conversationPeaks.join(', ')}: ${ok ? 'met' : 'MISSED'}`);
  if (!ok) process.exitCode = 1;
}

async function crashes(connector: Connector): Promise<void> {
  const killAt = [200, 500, 800];
  console.error(`crashes: ${FANOUT_REFERRALS * loadUsers.length} alerts, the bot killed with SIGKILL after ${killAt.join(', ')} and started again ...`);
  const { dataDir } = await prepare(loadUsers, `${connector.url}/crash/`, 10);
  let bot = await startBot('co-sell bot (crashes)', dataDir);
  const ids: string[] = [];
  for (let i = 0; i < FANOUT_REFERRALS; i++) ids.push(await postReferral(bot, `crash-${i}`));
  const mine = () => connector.sent.filter((s) => s.bot === 'crash');
  for (const at of killAt) {
    await connector.until(() => mine().length >= at, 120_000);
    await crash(bot);
    bot = await startBot('co-sell bot (crashes)', dataDir);
  }
  const expected = FANOUT_REFERRALS * loadUsers.length;
  await connector.until(() => tally(mine(), ids).delivered >= expected, 120_000).catch((e: Error) => console.error(`! crashes: ${e.message}`));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await bot.stop();
  const { delivered, doubled } = tally(mine(), ids);
  console.log(`\nCrashes: ${expected} alerts, the bot killed (SIGKILL) ${killAt.length} times while sending them and started again.`);
  console.log(`  delivered ${delivered} of ${expected}, lost ${expected - delivered}, doubled ${doubled} (a message Teams took whose "sent" had not reached the disk: at most the ${MAX_IN_FLIGHT} in flight per kill)`);
  if (delivered !== expected) process.exitCode = 1;
}

async function backlog(connector: Connector): Promise<void> {
  console.error(`backlog: preparing two data directories, one with ${PAST_ALERTS.toLocaleString('en-US')} past alerts ...`);
  const received = BACKLOG_ACCEPTS + BACKLOG_ALERTS + 10;
  const empty = await prepare(BACKLOG_RECIPIENTS, `${connector.url}/empty/`, received);
  const full = await prepare(BACKLOG_RECIPIENTS, `${connector.url}/full/`, received, PAST_ALERTS);
  const bots = { empty: await startBot('co-sell bot (no past alerts)', empty.dataDir), full: await startBot('co-sell bot (100,000 past alerts)', full.dataDir) };
  const ids = { empty: [...empty.receivedIds], full: [...full.receivedIds] };
  const accepts = { empty: [] as number[], full: [] as number[] };
  const alerts = { empty: [] as number[], full: [] as number[] };
  const order = (i: number) => (i % 2 === 0 ? (['empty', 'full'] as const) : (['full', 'empty'] as const));
  console.error(`backlog: ${BACKLOG_ACCEPTS} accepts and ${BACKLOG_ALERTS} alerts on each, alternating ...`);
  for (let i = 0; i < 10; i++) for (const which of order(i)) await acceptOnce(bots[which], ids[which].shift()!, BACKLOG_RECIPIENTS[0]!); // warm-up
  for (let i = 0; i < BACKLOG_ACCEPTS; i++) for (const which of order(i)) accepts[which].push(await acceptOnce(bots[which], ids[which].shift()!, BACKLOG_RECIPIENTS[0]!));
  for (let i = 0; i < BACKLOG_ALERTS + 3; i++) {
    for (const which of order(i)) {
      const before = connector.sent.length;
      const started = performance.now();
      await postReferral(bots[which], `${which}-${i}`);
      await connector.until(() => connector.sent.slice(before).some((s) => s.bot === which), 30_000);
      const first = connector.sent.slice(before).find((s) => s.bot === which)!;
      if (i >= 3) alerts[which].push(first.at - started);
      // Teams allows 8 messages per 2 s in one conversation: spaced out, no alert waits for the rate limits.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  await Promise.all([bots.empty.stop(), bots.full.stop()]);

  const rows = [
    ['backlog', 'n', 'p50 ms, none', 'p50 ms, 100,000', 'ratio', 'p99 ms, none', 'p99 ms, 100,000', 'target'],
    ...(
      [
        ['accept invoke', accepts],
        ['alert: webhook to first message', alerts],
      ] as const
    ).map(([label, t]) => {
      const ratio = p(t.full, 50) / p(t.empty, 50);
      if (ratio > 1.1) process.exitCode = 1;
      return [label, String(t.full.length), ms(p(t.empty, 50)), ms(p(t.full, 50)), `${ratio.toFixed(2)}x`, ms(p(t.empty, 99)), ms(p(t.full, 99)), `≤ 1.10x: ${ratio <= 1.1 ? 'met' : 'MISSED'}`];
    }),
  ];
  console.log(`\nBacklog: the same bot with no past alerts and with ${PAST_ALERTS.toLocaleString('en-US')} (sent in the last six days), requests alternating.`);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(`  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')}`);
}

const loadBefore = loadavg()[0]!;
const runStarted = performance.now();
const connector = await startConnector();
// Where the bots answer invokes that change a card for everyone (a PUT, not counted here).
setServiceUrl(`${connector.url}/invokes/`);
try {
  console.log(`\nDelivery benchmark. Node ${process.version}, ${cpus().length} cores, load ${loadBefore.toFixed(2)} at start.`);
  await fanOut(connector);
  await crashes(connector);
  await backlog(connector);
  console.log(`\nLoad average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}; the run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s.`);
} finally {
  await Promise.all(children.map((c) => c.stop()));
  children.length = 0;
  await connector.close();
}
