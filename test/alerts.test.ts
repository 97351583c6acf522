// Referral alerts end to end: webhook or invitation -> durable outbox -> proactive card through
// the fake Bot Connector; one-click answers from the alert; the sender told; the 14-day clock.
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../services/clock.js';
import { ana, button, cardText, fay, inputValues, OUR_TENANT, sam, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import type { SentRequest } from './helpers/fake-connector.js';
import { installationUpdate, message, personalConversationId, postActivity, type TeamsUser } from './helpers/teams.js';
import { FABRIKAM } from './helpers/world.js';
import { fixture } from './helpers/fixtures.js';


let h: Harness;
afterEach(async () => {
  for (const card of h.connector.cardsSent()) expect(cardProblems(card)).toEqual([]);
  await h.close();
});

async function webhook(body: object, tenant = OUR_TENANT) {
  const res = await h.postReferral(body, { tenant });
  expect(res.status).toBeLessThan(300);
  return res.body as { id: string };
}

/** Alerts (proactive messages carry a notification summary) accepted in one user's personal chat. */
const alertsTo = (user: TeamsUser) =>
  h.connector.sent.filter((r) => r.method === 'POST' && r.status === 200 && r.conversationId === personalConversationId(user) && summaryOf(r) !== '');
const cardOf = (r: SentRequest) => ((r.body as { attachments: { content: Card }[] }).attachments[0]!.content);
const summaryOf = (r: SentRequest) => String((r.body as { summary?: string }).summary ?? '');

async function waitForAlerts(user: TeamsUser, count: number, timeoutMs = 5_000): Promise<SentRequest[]> {
  return h.connector.waitFor(() => {
    const sent = alertsTo(user);
    return sent.length >= count ? sent : undefined;
  }, timeoutMs);
}

async function pressOn(user: TeamsUser, card: Card, title: string, inputs: Record<string, unknown>, replyToId: string): Promise<Card> {
  const b = button(card, title);
  return h.clickCard(user, b.verb, { ...inputValues(card), ...b.data, ...inputs }, { replyToId });
}

describe('a new inbound referral', () => {
  it('reaches the referrals admins within seconds, with Accept and Decline; an answer updates every alert', async () => {
    h = await startHarness();
    await h.say(ana, 'help');
    await h.say(sam, 'help');
    await h.app.directory.setRoles({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, { [sam.aadObjectId]: ['referrals-admin'] }, new Date());
    // Ana also routes alerts to a team channel.
    await postActivity(h.app.url, message(ana, 'alerts here', { conversationId: '19:channel@thread.tacv2', conversationType: 'channel' }));

    const started = Date.now();
    const { id } = await webhook({ ...fixture, id: 'pc-1' });
    const [alert] = await waitForAlerts(sam, 1);
    expect(Date.now() - started).toBeLessThan(5_000);
    const channelAlert = await h.connector.waitFor((c) => c.sent.find((r) => r.conversationId === '19:channel@thread.tacv2' && summaryOf(r) !== ''));
    // Referrals admins replace the admins as recipients.
    expect(alertsTo(ana)).toEqual([]);

    const card = cardOf(alert!);
    const text = cardText(card);
    expect(summaryOf(alert!)).toBe('New referral from Microsoft: Test Cosell Invite_20');
    for (const expected of ['From Microsoft', 'Contoso Customer Inc', '$50,000', '14 days left to respond', 'Hi ABC Partner']) expect(text).toContain(expected);
    // The referral names no help type: nothing claims it is a private deal.
    expect(text).not.toContain('keep the deal private');
    expect(button(card, 'Accept').data.referralId).toBe(id);

    // Decline straight from the alert: the reason is on the card, one click sends it.
    const alertId = String((h.connector.activities(personalConversationId(sam)).find((a) => a.summary)!).id);
    const declined = await pressOn(sam, card, 'Decline', { reason: 'OutsideOurRegion', notes: 'Not our region' }, alertId);
    expect(cardText(declined)).toContain('Declined by Sam Seller.');
    // Sam's own alert message is replaced at once; the channel's alert follows through the outbox.
    await h.app.cardUpdates.drain();
    expect(h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === alertId)).toBe(true);
    const channelMessageId = h.connector.activities('19:channel@thread.tacv2').find((a) => a.summary)!.id;
    const update = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'PUT' && r.activityId === channelMessageId));
    expect(cardText(cardOf(update))).toMatch(/Declined by Sam Seller on 21 Nov 2026, \d\d:\d\d UTC/);
    expect(cardText(cardOf(update))).toContain('Archived: Declined');
    expect(channelAlert).toBeDefined();
  });

  it('leaves when it is committed, not at the delivery loop\'s next look: with that look an hour away, the alert still goes', async () => {
    h = await startHarness({ outboxIdleMs: 3_600_000 });
    await h.say(ana, 'help');
    await webhook({ ...fixture, id: 'pc-woken' });
    const [alert] = await waitForAlerts(ana, 1);
    expect(summaryOf(alert!)).toBe('New referral from Microsoft: Test Cosell Invite_20');
  });

  it('a P2P invitation goes through the same alert path, and the sender is told the answer', async () => {
    h = await startHarness();
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    const deal = await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Litware Inc', address: { country: 'AU' } }, name: 'Litware migration', dealValue: 90000, currency: 'USD', closingDateTime: '2027-02-01',
      team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-ms-azure'],
      partners: [{ orgId: FABRIKAM, closingDateTime: '2027-01-15', dealValue: 20000, currency: 'USD', team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-fab-migrate'], helpType: 'CustomerTechnicalArchitecture' }],
    });
    const [alert] = await waitForAlerts(fay, 1);
    expect(summaryOf(alert!)).toBe('New referral from Organization aaaaaaaa: Litware migration');
    const card = cardOf(alert!);
    const alertId = String(h.connector.activities(personalConversationId(fay)).find((a) => a.summary)!.id);
    await pressOn(fay, card, 'Decline', { reason: 'NoCapacity' }, alertId);
    const [told] = await waitForAlerts(ana, 1);
    expect(summaryOf(told!)).toBe('Fabrikam Consulting declined (We have no capacity right now): Litware migration');
    expect(button(cardOf(told!), 'Edit').data.referralId).toBe(deal.referral.id);
    expect(cardText(cardOf(told!))).toContain('Fabrikam Consulting: Declined');
  });
});

describe('the 14-day clock', () => {
  async function invitedFay() {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Relecloud', address: { country: 'FR' } }, name: 'Relecloud data', dealValue: 5000, currency: 'EUR', closingDateTime: '2027-02-01',
      team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-ms-azure'],
      partners: [{ orgId: FABRIKAM, closingDateTime: '2027-01-15', dealValue: 1000, currency: 'EUR', team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-fab-migrate'] }],
    });
    await waitForAlerts(fay, 1);
  }

  it('reminds 3 days and 1 day before expiry, once each; expiry tells the sender', { timeout: 20_000 }, async () => {
    h = await startHarness();
    await invitedFay();
    h.clock.advance(11 * DAY_MS);
    await h.app.runDeadlines();
    await h.app.runDeadlines();
    let sent = await waitForAlerts(fay, 2);
    expect(summaryOf(sent[1]!)).toBe('Reminder: 3 days left to answer Organization aaaaaaaa’s referral Relecloud data');
    h.clock.advance(2 * DAY_MS + 60_000);
    await h.app.runDeadlines();
    sent = await waitForAlerts(fay, 3);
    expect(summaryOf(sent[2]!)).toBe('Reminder: 1 day left to answer Organization aaaaaaaa’s referral Relecloud data');
    h.clock.advance(DAY_MS);
    await h.app.runDeadlines();
    const [told] = await waitForAlerts(ana, 1);
    expect(summaryOf(told!)).toBe('Fabrikam Consulting did not answer in 14 days: it expired: Relecloud data');
    await h.app.runDeadlines();
    await new Promise((r) => setTimeout(r, 500));
    expect(alertsTo(fay)).toHaveLength(3);
    expect(alertsTo(ana)).toHaveLength(1);
  });

  it('after a restart, overdue reminders and expiries are caught up once, not duplicated', async () => {
    h = await startHarness();
    await invitedFay();
    await h.app.close();
    // The bot was down through both reminder dates.
    h.clock.advance(13 * DAY_MS + 3_600_000);
    await h.restart();
    await h.app.runDeadlines();
    const sent = await waitForAlerts(fay, 2);
    expect(summaryOf(sent[1]!)).toBe('Reminder: 1 day left to answer Organization aaaaaaaa’s referral Relecloud data');
    await h.restart();
    await h.app.runDeadlines();
    h.clock.advance(DAY_MS);
    await h.restart();
    await h.connector.waitFor(() => alertsTo(ana)[0]);
    await h.restart();
    await new Promise((r) => setTimeout(r, 500));
    expect(alertsTo(fay)).toHaveLength(2);
    expect(alertsTo(ana)).toHaveLength(1);
  });
});

describe('the conversation registry', () => {
  it('remembers a chat when the bot is installed or spoken to, and forgets it on uninstall', async () => {
    h = await startHarness();
    await postActivity(h.app.url, installationUpdate(fay, 'add'));
    expect(await h.app.store.get('conversation', personalConversationId(fay))).toMatchObject({ orgId: FABRIKAM, kind: 'personal', userId: fay.aadObjectId, serviceUrl: h.connector.url });
    await postActivity(h.app.url, installationUpdate(fay, 'remove'));
    expect(await h.app.store.get('conversation', personalConversationId(fay))).toBeUndefined();
  });
});
