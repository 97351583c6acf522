// An organization's first day, over HTTP as Teams talks to the bot: the first person sets it up,
// adds a solution, makes a colleague referrals admin and imports the customers; a referral arrives,
// the referrals admin hands it to a seller, and the seller accepts it.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { cardText, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import { future } from './helpers/fixtures.js';
import { installationUpdate, personalConversationId, postActivity, type TeamsUser } from './helpers/teams.js';

const TENANT = 'bbbbbbbb-0000-4000-8000-00000000d1a1';
const person = (n: string, name: string, email: string): TeamsUser => ({ tenantId: TENANT, aadObjectId: `00000000-0000-4000-8000-0000000d1a${n}`, name, email });
const nia = person('01', 'Nia Founder', 'nia@nimbus.example');
const raj = person('02', 'Raj Referrals', 'raj@nimbus.example');
const sol = person('03', 'Sol Seller', 'sol@nimbus.example');

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  for (const u of [nia, raj, sol]) h.connector.members.set(`29:${u.aadObjectId}`, { id: `29:${u.aadObjectId}`, name: u.name, aadObjectId: u.aadObjectId, email: u.email, tenantId: TENANT });
});
afterEach(() => h.close());

const summaryIn = (user: TeamsUser, prefix: string) =>
  h.connector.waitFor((c) => c.sent.find((r) => r.method === 'POST' && r.conversationId === personalConversationId(user) && (r.body as { summary?: string } | undefined)?.summary?.startsWith(prefix)));

it('a new tenant goes from its first message to a seller accepting an assigned referral', async () => {
  // 1. Nia installs the app: she is the first person, so the admin, and gets the set-up card.
  await postActivity(h.app.url, installationUpdate(nia, 'add'));
  let admin: Card = h.connector.cardsSent(personalConversationId(nia))[0]!;
  expect(cardText(admin)).toContain('Set up your organization');
  admin = (await h.press(nia, admin, 'Save', { name: 'Nimbus Partners', partnerId: '7654321', inEcosystem: 'true' })).card;
  expect(cardText(admin)).toContain('Saved.');

  // 2. A solution of their own, co-sell ready.
  admin = (await h.press(nia, admin, 'Save solution', { solutionName: 'Nimbus Landing Zone', coSellStatus: 'CoSellReady' })).card;
  expect(cardText(admin)).toContain('Solution saved: Nimbus Landing Zone.');

  // 3. Raj and Sol say hello; Nia makes Raj a referrals admin.
  await h.say(raj, 'hello');
  await h.say(sol, 'hello');
  admin = await h.say(nia, 'admin');
  admin = (await h.press(nia, admin, 'Save roles', { [`role:${raj.aadObjectId}`]: 'referrals-admin' })).card;
  expect(cardText(admin)).toContain('Roles saved: Raj Referrals.');

  // 4. The customer directory, from a CSV file sent in the personal chat.
  const report = await h.sendFile(nia, 'nimbus-customers.csv', 'Name,City,Country,D-U-N-S\r\nIberia Foods,Madrid,ES,111111111\r\nNordic Retail,Stockholm,SE,\r\n');
  expect(cardProblems(report)).toEqual([]);
  expect(cardText(report)).toContain('Your customer directory now has 2 customers.');
  expect(cardText(await h.say(nia, 'admin'))).toContain('Customers · 2');

  // 5. A referral arrives: Raj, the referrals admin, is alerted; Sol, a seller, is not.
  const created = await h.postReferral({ ...future, id: 'pc-first-day' }, { tenant: TENANT });
  expect(created.status).toBe(201);
  const referralId = created.body.id as string;
  await summaryIn(raj, 'New referral from ');
  // The alerts are planned in the referral's own commit: none of them is for Sol.
  const planned = await h.app.store.list('outbox', TENANT, { referralId });
  expect(planned.map((m) => m.userId)).toEqual([raj.aadObjectId]);

  // 6. Raj hands it to Sol from its card; Sol is alerted.
  const form = (await h.press(raj, await h.clickCard(raj, 'open', { referralId }), 'Assign')).card;
  const assigned = (await h.press(raj, form, 'Assign', { userId: sol.aadObjectId })).card;
  expect(cardText(assigned)).toContain('Assigned by Raj Referrals.');
  await summaryIn(sol, 'Assigned to you');

  // 7. Sol accepts it in one click.
  const accepted = (await h.press(sol, await h.clickCard(sol, 'open', { referralId }), 'Accept')).card;
  expect(cardText(accepted)).toContain('Accepted by Sol Seller.');
  const stored = (await h.app.store.get('referral', referralId))!;
  expect(stored).toMatchObject({ orgId: TENANT, status: 'Active', substatus: 'Accepted', assignedTo: { userId: sol.aadObjectId } });
  expect(stored.history.map((e) => [say(e.action), e.byName])).toEqual([
    ['received from Partner Center', 'Microsoft'],
    ['assigned to Sol Seller', 'Raj Referrals'],
    ['accepted', 'Sol Seller'],
  ]);
  expect(await h.app.directory.organization(TENANT)).toMatchObject({ name: 'Nimbus Partners', partnerId: '7654321', inEcosystem: true });
});
