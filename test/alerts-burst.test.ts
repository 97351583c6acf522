// A burst of 200 alerts to 20 users while the channel answers 429 (Retry-After), 502 and 403:
// every alert to a reachable user arrives exactly once, within Teams' rate limits, even when
// the bot restarts in the middle; the user who uninstalled the bot loses their reference.
import { afterEach, expect, it } from 'vitest';
import { OUR_TENANT, startHarness, type Harness } from './helpers/bot-harness.js';
import { peak, type SentRequest } from './helpers/fake-connector.js';
import { message, personalConversationId, postActivity, type TeamsUser } from './helpers/teams.js';
import { fixture } from './helpers/fixtures.js';

const USERS = 20;
const REFERRALS = 10;

let h: Harness;
afterEach(() => h.close());

const users: TeamsUser[] = Array.from({ length: USERS }, (_, i) => ({
  tenantId: OUR_TENANT,
  aadObjectId: `10000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
  name: `Admin ${i + 1}`,
  email: `admin${i + 1}@partner.example`,
}));
const gone = users[USERS - 1]!;

const isAlert = (r: SentRequest) => r.method === 'POST' && typeof (r.body as { summary?: unknown } | undefined)?.summary === 'string' && !isReport(r);
/** The admins' one report that the bot cannot reach the uninstalled user. */
const isReport = (r: SentRequest) => r.method === 'POST' && String((r.body as { summary?: unknown } | undefined)?.summary).startsWith('Co-sell Bot cannot reach');
const referralOf = (r: SentRequest) => {
  const card = JSON.stringify((r.body as { attachments: { content: unknown }[] }).attachments[0]!.content);
  return /"referralId":"([^"]+)"/.exec(card)![1]!;
};

it('delivers a burst exactly once, within the rate limits, across a restart', { timeout: 120_000 }, async () => {
  h = await startHarness();
  for (const u of users) {
    h.connector.members.set(`29:${u.aadObjectId}`, { id: `29:${u.aadObjectId}`, name: u.name, aadObjectId: u.aadObjectId, email: u.email });
    await postActivity(h.app.url, message(u, 'help'));
  }
  await h.app.directory.setRoles(
    { tenantId: OUR_TENANT, userId: users[0]!.aadObjectId },
    Object.fromEntries(users.map((u, i) => [u.aadObjectId, i === 0 ? ['admin', 'referrals-admin'] : ['referrals-admin']])),
    new Date(),
  );

  // The channel misbehaves: the uninstalled user's chat answers 403; others get 429 and 502 now and then.
  const attempts = new Map<string, number>();
  h.connector.fault = (r) => {
    // Nor may the bot open a new chat with them: it is in no team of theirs.
    if (r.method === 'POST' && r.path === '/v3/conversations') return { status: 403, code: 'Forbidden' };
    if (!isAlert(r)) return undefined;
    if (r.conversationId === personalConversationId(gone)) return { status: 403, code: 'BotNotInConversationRoster' };
    const n = (attempts.get(r.conversationId!) ?? 0) + 1;
    attempts.set(r.conversationId!, n);
    if (n % 5 === 2) return { status: 429, code: 'Throttled', retryAfterSeconds: 1 };
    if (n % 7 === 3) return { status: 502, code: 'BadGateway' };
    return undefined;
  };

  for (let i = 0; i < REFERRALS; i++) {
    const res = await h.postReferral({ ...fixture, id: `burst-${i}`, name: `Burst referral ${i}` });
    expect(res.status).toBe(201);
  }
  // One alert per user and referral (the admins' report of the unreachable user may already be there too).
  expect((await h.app.store.list('outbox', OUR_TENANT)).filter((m) => m.kind === 'received')).toHaveLength(USERS * REFERRALS);

  const delivered = () => h.connector.sent.filter((r) => isAlert(r) && r.status === 200);
  const reachable = (USERS - 1) * REFERRALS;
  await h.connector.waitFor(() => delivered().length >= reachable / 3, 60_000);
  await h.restart();
  await h.connector.waitFor(() => delivered().length >= reachable, 90_000);
  await new Promise((r) => setTimeout(r, 1_500));

  // Exactly once: every reachable user got each referral once.
  const sent = delivered();
  expect(sent).toHaveLength(reachable);
  for (const u of users.slice(0, -1)) {
    const mine = sent.filter((r) => r.conversationId === personalConversationId(u)).map(referralOf);
    expect(new Set(mine).size).toBe(REFERRALS);
    expect(mine).toHaveLength(REFERRALS);
  }
  // Within the limits, counting every attempt the bot made.
  const alertsTried = h.connector.sent.filter(isAlert);
  for (const u of users) {
    const times = alertsTried.filter((r) => r.conversationId === personalConversationId(u)).map((r) => r.at);
    expect(peak(times, 1_000)).toBeLessThanOrEqual(7);
    expect(peak(times, 2_000)).toBeLessThanOrEqual(8);
    expect(peak(times, 30_000)).toBeLessThanOrEqual(60);
  }
  expect(peak(h.connector.sent.filter((r) => isAlert(r) || isReport(r)).map((r) => r.at), 1_000)).toBeLessThanOrEqual(50);
  // The uninstalled user: reference removed, their alerts dropped, not retried.
  expect(await h.app.store.get('conversation', personalConversationId(gone))).toBeUndefined();
  expect(alertsTried.filter((r) => r.conversationId === personalConversationId(gone))).toHaveLength(1);
  const outbox = await h.app.store.list('outbox', OUR_TENANT);
  expect(outbox.filter((m) => m.status === 'pending')).toEqual([]);
  expect(outbox.filter((m) => m.status === 'dropped').every((m) => m.userId === gone.aadObjectId)).toBe(true);
  // The admins heard once that the bot cannot reach them, not once per alert.
  expect(h.connector.sent.filter((r) => isReport(r) && r.status === 200).map((r) => r.conversationId)).toEqual([personalConversationId(users[0]!)]);
});
