// Failures are contained: a data folder that cannot be written fails only the operations that
// write, says so (the click, the webhook, /healthz), keeps the process alive, and the next write
// after the disk recovers succeeds without a restart.
import { mkdir, rm } from 'node:fs/promises';
import { say } from '../services/i18n.js';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../bot/config.js';
import { recordFile } from '../services/lowdb-store.js';
import { ana, button, cardText, fay, OUR_TENANT, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { invokeAction, message, personalConversationId, postActivity } from './helpers/teams.js';
import { FABRIKAM } from './helpers/world.js';
import { fixture, future } from './helpers/fixtures.js';


let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.say(ana, 'help');
});
afterEach(() => h.close());

/** A directory where a data file's temp file goes: that file can no longer be written, as on a failing disk. */
async function block(relative: string): Promise<() => Promise<void>> {
  const blocker = path.join(h.dataDir, `${relative}.tmp`);
  await mkdir(blocker, { recursive: true });
  return () => rm(blocker, { recursive: true });
}

const health = async () => {
  const res = await fetch(`${h.app.url}/healthz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string; outbox: { pending: number; oldestPendingSeconds: number } } };
};

describe('a data folder that cannot be written', () => {
  it('a click fails with a try-again answer, /healthz says 503 and why, the bot goes on, and the next click after recovery works', async () => {
    const created = await h.postReferral({ ...future, id: 'pc-disk' });
    expect(created.status).toBe(201);
    const referral = (await h.app.store.get('referral', created.body.id))!;
    const card = await h.clickCard(ana, 'open', { referralId: referral.id });
    const unblock = await block(recordFile({ kind: 'referral', put: referral }));

    const failed = await h.click(ana, 'accept', button(card, 'Accept').data);
    expect(failed).toMatchObject({ statusCode: 500, value: { message: expect.stringMatching(/try again/i) } });
    expect((await h.app.store.get('referral', referral.id))!.substatus).toBe('Received');
    const failing = await health();
    expect(failing.status).toBe(503);
    expect(failing.body.reason).toMatch(/cannot be written/);
    // The webhook answers 503: the sender will send it again.
    const refused = await h.postReferral({ ...future, id: 'pc-disk-2' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/Send it again/);
    // Reads go on.
    expect(cardText(await h.say(ana, 'inbound'))).toContain(fixture.name);

    await unblock();
    // A background write already under way when the disk recovers may still fail, and with it what is batched behind it.
    await h.app.store.settled().catch(() => undefined);
    const accepted = await h.clickCard(ana, 'accept', button(card, 'Accept').data);
    expect(cardText(accepted)).toContain('Accepted by Ana Admin.');
    expect((await health()).status).toBe(200);
    expect((await h.postReferral({ ...future, id: 'pc-disk-2' })).status).toBe(201);
  });

  it('a delivery whose bookkeeping fails does not end the process; the alert goes out once the disk recovers', async () => {
    // Teams asks to wait, so the alert's retry must be written down: that write fails.
    let throttled = true;
    h.connector.fault = (r) => (throttled && r.method === 'POST' && r.path.includes('/activities') ? { status: 429, retryAfterSeconds: 0 } : undefined);
    const created = await h.postReferral({ ...future, id: 'pc-outbox' });
    expect(created.status).toBe(201);
    const [alert] = await h.app.store.list('outbox', OUR_TENANT, { referralId: created.body.id });
    const unblock = await block(recordFile({ kind: 'outbox', put: alert! }));
    await h.connector.waitFor((c) => c.sent.some((r) => r.status === 429), 5_000);
    // Give the delivery loop time to fail its bookkeeping (an unhandled rejection would fail this test run).
    await new Promise((r) => setTimeout(r, 500));
    expect(h.log.entries.some((e) => e.level === 'error' && e.msg.includes('outbox'))).toBe(true);
    const failing = await health();
    expect(failing.status).toBe(503);
    expect(failing.body.outbox.pending).toBe(1);

    throttled = false;
    await unblock();
    const sent = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'POST' && r.status === 200 && r.conversationId === personalConversationId(ana) && (r.body as { summary?: string }).summary), 10_000);
    expect((sent.body as { attachments: { content: Card }[] }).attachments[0]!.content).toBeDefined();
    // Marked sent once written down: /healthz is well again.
    for (let i = 0; i < 50 && (await health()).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await health()).body).toMatchObject({ status: 'ok', outbox: { pending: 0 } });
  });
});

describe('the outbox stays small', () => {
  it('sent and dropped messages past their retention are removed; pending ones and recent ones stay', async () => {
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    const message = (id: string, status: 'pending' | 'sent' | 'dropped', daysAgo: number) => ({
      id, orgId: OUR_TENANT, conversationId: personalConversationId(ana), kind: 'received' as const, referralId: 'r-1', headline: 'x',
      status, attempts: 1, createdDateTime: at(daysAgo), ...(status === 'sent' ? { sentDateTime: at(daysAgo) } : {}),
    });
    await h.app.store.commit([
      { kind: 'outbox', put: message('old-sent', 'sent', 10) },
      { kind: 'outbox', put: message('old-dropped', 'dropped', 8) },
      { kind: 'outbox', put: message('recent-sent', 'sent', 2) },
    ]);
    const removed = await h.app.dispatcher.prune(Date.now() - 7 * day);
    expect(removed).toBe(2);
    expect((await h.app.store.list('outbox')).map((m) => m.id).sort()).toEqual(['recent-sent']);
  });

  it('the retention is configuration, checked at start-up', () => {
    expect(loadConfig({}).OUTBOX_RETENTION_DAYS).toBe(7);
    expect(loadConfig({ OUTBOX_RETENTION_DAYS: '30' }).OUTBOX_RETENTION_DAYS).toBe(30);
    expect(() => loadConfig({ OUTBOX_RETENTION_DAYS: 'a week' })).toThrow(/OUTBOX_RETENTION_DAYS must be a whole number of days/);
  });
});

describe('a throttled conversation', () => {
  it('a 429 with a long Retry-After holds only its own conversation, is written down at once, and stopping does not wait for it', async () => {
    await h.say(fay, 'help');
    h.connector.fault = (r) => (r.conversationId === personalConversationId(ana) && r.method === 'POST' && r.path.includes('/activities') ? { status: 429, retryAfterSeconds: 120 } : undefined);
    expect((await h.postReferral({ ...future, id: 'pc-slow' })).status).toBe(201);
    await h.connector.waitFor((c) => c.sent.find((r) => r.status === 429), 5_000);
    // Fay's alert, another tenant's conversation, goes out meanwhile.
    await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Litware Inc', address: { country: 'AU' } }, name: 'For Fay', dealValue: 1, currency: 'USD', closingDateTime: '2027-01-31',
      team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-ms-azure'],
      partners: [{ orgId: FABRIKAM, closingDateTime: '2027-01-15', dealValue: 1, currency: 'USD', team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-fab-migrate'] }],
    });
    await h.connector.waitFor((c) => c.sent.find((r) => r.conversationId === personalConversationId(fay) && r.status === 200 && (r.body as { summary?: string } | undefined)?.summary), 5_000);
    // The throttled alert is not held in the client: its retry is written down for two minutes on.
    for (let i = 0; i < 50 && !(await h.app.store.list('outbox', OUR_TENANT)).some((m) => m.attempts > 0); i++) await new Promise((r) => setTimeout(r, 100));
    const [throttled] = await h.app.store.list('outbox', OUR_TENANT);
    expect(throttled).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Date.parse(throttled!.retryAt!) - Date.now()).toBeGreaterThan(100_000);
    expect(h.connector.sent.filter((r) => r.status === 429)).toHaveLength(1);
    const stopping = Date.now();
    await h.app.close();
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });
});

describe('each activity acts once, across restarts', () => {
  it('an Accept redelivered after a restart answers with the accepted deal and accepts it once', async () => {
    const created = await h.postReferral({ ...future, id: 'pc-twice' });
    const card = await h.clickCard(ana, 'open', { referralId: created.body.id });
    const accept = button(card, 'Accept');
    const activity = invokeAction(ana, accept.verb, accept.data, { id: 'teams-activity-1' });
    const first = await postActivity(h.app.url, activity);
    expect(cardText((first.body as { value: Card }).value)).toContain('Accepted by Ana Admin.');

    // The answer was lost on the way and the bot restarted: Teams sends the same activity again.
    await h.restart();
    const again = await postActivity(h.app.url, activity);
    expect(again.body).toMatchObject({ statusCode: 200 });
    const text = cardText((again.body as { value: Card }).value);
    expect(text).toContain('Accepted by Ana Admin.');
    expect(text).not.toContain('changed since the card was drawn');
    const stored = (await h.app.store.get('referral', created.body.id))!;
    expect(stored.history.map((x) => say(x.action))).toEqual(['received from Partner Center', 'accepted']);
    expect(stored.version).toBe(2);

    // The same activity id in another conversation is another request: it meets the version check.
    const other = await postActivity(h.app.url, invokeAction(ana, accept.verb, accept.data, { id: 'teams-activity-1', conversationId: 'a:another-chat', conversationType: 'groupChat' }));
    expect(cardText((other.body as { value: Card }).value)).toContain('changed since the card was drawn');
  });

  it('an Action.Submit-style message sent twice declines once', async () => {
    const created = await h.postReferral({ ...future, id: 'pc-submit' });
    const card = await h.clickCard(ana, 'open', { referralId: created.body.id });
    const decline = button(card, 'Decline');
    const submit = { ...message(ana, '', { id: 'teams-message-7' }), value: { ...decline.data, verb: decline.verb, reason: 'NotAGoodFit' } };
    await postActivity(h.app.url, submit);
    await postActivity(h.app.url, submit);
    // Each delivery gets a reply; the second shows the declined deal, not a conflict.
    const replies = h.connector.sent
      .filter((r) => r.method === 'POST' && r.activityId === submit.id)
      .map((r) => cardText((r.body as { attachments: { content: Card }[] }).attachments[0]!.content));
    expect(replies).toHaveLength(2);
    for (const reply of replies) {
      expect(reply).toContain('Declined');
      expect(reply).not.toContain('changed since the card was drawn');
    }
    const stored = (await h.app.store.get('referral', created.body.id))!;
    expect(stored.substatus).toBe('Declined');
    expect(stored.history.map((x) => say(x.action))).toEqual(['received from Partner Center', 'declined']);
  });
});
