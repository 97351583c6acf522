// The weekly digest: an admin turns it on for Monday 09:00 in Madrid; over two weeks and a
// restart the referrals admins get the insights card once each Monday, never twice, none skipped.
import { afterEach, describe, expect, it } from 'vitest';
import { lastSlot } from '../services/digest.js';
import { ana, cardText, OUR_TENANT, sam, startHarness, type Harness } from './helpers/bot-harness.js';
import type { SentRequest } from './helpers/fake-connector.js';
import { personalConversationId } from './helpers/teams.js';

const HOUR = 3_600_000;

describe('the slot of a week', () => {
  it('is the latest chosen weekday and hour on the zone’s clocks, across a daylight-saving change and a half-hour zone', () => {
    const madridMonday9 = { day: 1, hour: 9, timeZone: 'Europe/Madrid' };
    // Summer time ended on Sunday 25 October 2026: 09:00 was 07:00Z the Monday before, 08:00Z after.
    expect(lastSlot(madridMonday9, new Date('2026-10-26T08:00:00Z')).toISOString()).toBe('2026-10-26T08:00:00.000Z');
    expect(lastSlot(madridMonday9, new Date('2026-10-26T07:59:59Z')).toISOString()).toBe('2026-10-19T07:00:00.000Z');
    expect(lastSlot(madridMonday9, new Date('2026-12-02T12:00:00Z')).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    // India is 5:30 ahead: Wednesday 18:00 there is 12:30Z.
    expect(lastSlot({ day: 3, hour: 18, timeZone: 'Asia/Kolkata' }, new Date('2026-12-02T13:00:00Z')).toISOString()).toBe('2026-12-02T12:30:00.000Z');
    expect(lastSlot({ day: 7, hour: 0, timeZone: 'UTC' }, new Date('2026-12-06T00:00:00Z')).toISOString()).toBe('2026-12-06T00:00:00.000Z');
  });
});

let h: Harness;
let started: Harness | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const isDigest = (r: SentRequest) => r.method === 'POST' && (r.body as { summary?: string } | undefined)?.summary === 'Your weekly co-sell insights';

describe('the weekly digest', () => {
  it('goes to the referrals admins once a week at the chosen hour, through a restart, and stops when turned off', { timeout: 60_000 }, async () => {
    h = started = await startHarness();
    await h.say(ana, 'help');
    await h.say(sam, 'help');
    await h.app.directory.setRoles({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, { [sam.aadObjectId]: ['seller', 'referrals-admin'] }, h.clock.now());

    // Only an admin may turn it on; the zone is the admin's own Teams zone.
    const refused = await h.click(sam, 'setDigest', { digestDay: '1', digestHour: '9' }, { localTimezone: 'Europe/Madrid' });
    expect(refused.statusCode).toBe(403);
    const bad = await h.clickCard(ana, 'setDigest', { digestDay: '8', digestHour: '9' }, { localTimezone: 'Europe/Madrid' });
    expect(cardText(bad)).toContain('Choose a day of the week.');
    const on = await h.clickCard(ana, 'setDigest', { digestDay: '1', digestHour: '9' }, { localTimezone: 'Europe/Madrid' });
    expect(cardText(on)).toContain('The weekly digest goes out every Monday at 09:00 (Europe/Madrid).');
    expect(cardText(on)).toContain('Every Monday at 09:00 (Europe/Madrid), to Sam Seller.');

    // From Saturday 21 November 09:00Z, hour by hour. The bot is down from Monday 30 November
    // 07:30Z to 10:00Z, over the second digest's hour: it catches up once when it starts.
    const end = Date.parse('2026-12-06T09:00:00Z');
    let restarted = false;
    while (h.clock.now().getTime() < end) {
      h.clock.advance(HOUR / 2);
      if (!restarted && h.clock.now().toISOString() === '2026-11-30T07:30:00.000Z') {
        restarted = true;
        await h.app.close();
        h.clock.set('2026-11-30T10:00:00Z');
        await h.restart();
      }
      await h.app.runDeadlines();
    }
    await h.restart();
    await h.app.runDeadlines();

    const planned = (await h.app.store.list('outbox', OUR_TENANT)).filter((m) => m.kind === 'digest');
    expect(planned.map((m) => [m.userId, m.createdDateTime])).toEqual([
      [sam.aadObjectId, '2026-11-23T08:00:00.000Z'],
      [sam.aadObjectId, '2026-11-30T10:00:00.000Z'],
    ]);
    await h.connector.waitFor(() => h.connector.sent.filter((r) => isDigest(r) && r.status === 200).length >= 2, 10_000);
    const sent = h.connector.sent.filter((r) => isDigest(r) && r.status === 200);
    expect(sent.map((r) => r.conversationId)).toEqual([personalConversationId(sam), personalConversationId(sam)]);
    // The card is the insights card, worded for its reader.
    expect(cardText((sent[0]!.body as { attachments: { content: unknown }[] }).attachments[0]!.content)).toContain('Co-sell insights');

    // Turned off: no third one the Monday after.
    await h.clickCard(ana, 'setDigest', { off: true });
    h.clock.set('2026-12-07T09:00:00Z');
    await h.app.runDeadlines();
    expect((await h.app.store.list('outbox', OUR_TENANT)).filter((m) => m.kind === 'digest')).toHaveLength(2);
  });
});
