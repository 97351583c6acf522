// One deal, two tenants, over HTTP as Teams talks to the bot: what one organization does on the
// deal, the other sees on its card and hears in its chat.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../services/clock.js';
import { actions, ana, cardText, fay, mia, OUR_TENANT, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { personalConversationId } from './helpers/teams.js';
import { FABRIKAM } from './helpers/world.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  for (const u of [ana, fay, mia]) await h.say(u, 'help');
});
afterEach(() => h.close());

const anaTeam = [{ firstName: 'Ana', lastName: 'Admin', phoneNumber: '555 0100', email: 'ana@partner.example' }];
const deal = (partners: boolean, closingDateTime = '2027-02-01') =>
  h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
    customer: { name: 'Litware Inc', address: { country: 'AU' } },
    name: 'Litware migration',
    dealValue: 90000,
    currency: 'USD',
    closingDateTime,
    team: anaTeam,
    solutionIds: ['sol-ms-azure'],
    partners: partners ? [{ orgId: FABRIKAM, closingDateTime: '2027-01-15', dealValue: 20000, currency: 'USD', team: anaTeam, solutionIds: ['sol-fab-migrate'], helpType: 'CustomerTechnicalArchitecture' }] : [],
  });
const open = (u: typeof ana, referralId: string) => h.clickCard(u, 'open', { referralId });
const fabrikamsReferral = async () => (await h.app.store.list('referral', FABRIKAM)).find((r) => r.name === 'Litware migration')!;
const alertsTo = (u: typeof ana, prefix: string) =>
  h.connector.sent.filter((r) => r.method === 'POST' && r.conversationId === personalConversationId(u) && String((r.body as { summary?: string } | undefined)?.summary).startsWith(prefix));

it('a shared note and the partner’s people reach the other organization; an internal note does not; Won is told to the partner', async () => {
  const ours = (await deal(true)).referral;
  const theirs = await fabrikamsReferral();
  // Fay accepts in one click and puts herself on Fabrikam's team.
  await h.press(fay, await open(fay, theirs.id), 'Accept');
  let card = await open(fay, theirs.id);
  card = (await h.press(fay, card, 'Add team member')).card;
  card = (await h.press(fay, card, 'Add to team', { firstName: 'Fay', lastName: 'Fabrikam', phoneNumber: '555 0200', email: 'fay@fabrikam.example' })).card;

  // Ana sees Fabrikam's person under Fabrikam's name, and writes one shared and one internal note.
  let mine = await open(ana, ours.id);
  expect(cardText(mine)).toMatch(/Fabrikam Consulting\nFay Fabrikam · 555 0200 · fay@fabrikam\.example/);
  mine = (await h.press(ana, mine, 'Add note')).card;
  mine = (await h.press(ana, mine, 'Add note', { text: 'Kick-off Monday 10:00 with both teams' })).card;
  mine = (await h.press(ana, mine, 'Add note')).card;
  mine = (await h.press(ana, mine, 'Add note', { text: 'Our margin is thin', internal: 'true' })).card;
  expect(cardText(mine)).toContain('internal, only your organization reads it');

  const faySees = cardText(await open(fay, theirs.id));
  expect(faySees).toContain('Kick-off Monday 10:00 with both teams');
  expect(faySees).toMatch(/Ana Admin, Organization aaaaaaaa/);
  expect(faySees).not.toContain('Our margin is thin');

  // Ana marks the deal Won: Fay hears it.
  const wonForm = (await h.press(ana, await open(ana, ours.id), 'Mark won')).card;
  expect(cardText((await h.press(ana, wonForm, 'Mark won')).card)).toContain('Marked won by Ana Admin.');
  await h.connector.waitFor(() => alertsTo(fay, 'Organization aaaaaaaa marked the deal Won').length === 1);
});

it('Microsoft is asked again after it declined; a late decline is refused; a deal whose close date passed is renamed; the history card reads the changes', async () => {
  const ours = (
    await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Litware Inc', address: { country: 'AU' } },
      customerContact: { firstName: 'Sue', lastName: 'Smith', phoneNumber: '555 0300', email: 'sue@litware.example' },
      consentToShare: true,
      name: 'Litware migration',
      dealValue: 90000,
      currency: 'USD',
      closingDateTime: '2026-12-01',
      team: anaTeam,
      solutionIds: ['sol-ms-azure'],
      helpType: 'QuotesOrLicensing',
    })
  ).referral;
  const asked = (await h.app.store.list('referral')).find((r) => r.orgId !== OUR_TENANT && r.engagementId === ours.engagementId)!;
  const declined = await h.press(mia, await open(mia, asked.id), 'Decline', { reason: 'NoCapacity' });
  expect(cardText(declined.card)).toContain('Declined by Mia Microsoft.');

  // The deal is private again and may ask Microsoft once more.
  let mine = await open(ana, ours.id);
  expect(cardText(mine)).toContain('Private · Outbound');
  mine = (await h.press(ana, mine, 'Invite')).card;
  mine = (await h.press(ana, mine, 'Send invitation', { inviteMicrosoft: 'true', helpType: 'GeneralOrOther' })).card;
  expect(cardText(mine)).toContain('Invitation sent by Ana Admin.');
  expect(cardText(mine)).toContain('Co-sell · Outbound');
  const again = (await h.app.store.list('referral')).filter((r) => r.orgId !== OUR_TENANT && r.engagementId === ours.engagementId && r.substatus === 'Received');
  expect(again).toHaveLength(1);

  // Fifteen days on: Microsoft's second invitation has lapsed (decline refused), and our close date has passed.
  h.clock.advance(15 * DAY_MS);
  const late = await h.click(mia, 'decline', { referralId: again[0]!.id, version: again[0]!.version, reason: 'NoCapacity' });
  expect(cardText(late.value as Card)).toMatch(/ran out on .*: it has expired/);
  expect((await h.app.store.get('referral', again[0]!.id))!.substatus).toBe('Received');

  mine = await open(ana, ours.id);
  expect(cardText(mine)).toContain('The estimated close date, 1 Dec 2026, has passed: set a new one with Edit.');
  mine = (await h.press(ana, mine, 'Edit')).card;
  mine = (await h.press(ana, mine, 'Save', { name: 'Litware migration, phase 1' })).card;
  expect(cardText(mine)).toContain('Saved by Ana Admin.');

  const history = await h.press(ana, mine, `History (${(await h.app.store.get('referral', ours.id))!.history.length})`);
  const text = cardText(history.card);
  expect(text).toContain('Deal name: Litware migration → Litware migration, phase 1');
  expect(text).toMatch(/Ana Admin · invited Microsoft \(deal type Private → Co-sell\)/);
  expect(actions(history.card).map((a) => a.title)).toContain('Back to the deal');
});

it('a private win is not registered; a partner-led one is, from its archived card, and shows where its review stands', async () => {
  const ours = await h.app.directory.saveSolution({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, { name: 'Contoso Landing Zone', coSellStatus: 'AzureIpCoSellIncentivized' });
  const make = async (share: boolean) => {
    const created = await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Litware Inc', address: { country: 'AU' } },
      name: share ? 'Partner-led win' : 'Private win',
      dealValue: 90000,
      currency: 'USD',
      closingDateTime: '2027-02-01',
      team: anaTeam,
      solutionIds: [ours.id],
      shareWithMicrosoftSellers: share,
    });
    return (await h.app.lifecycle.markWon({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, created.referral.id, created.referral.version, {})).referral;
  };
  const [priv, led] = [await make(false), await make(true)];
  h.clock.advance(3 * DAY_MS);

  const privateCard = await open(ana, priv.id);
  expect(actions(privateCard).map((a) => a.title)).not.toContain('Register the win');
  const refused = await h.click(ana, 'register', { referralId: priv.id, version: priv.version, contractValue: '90000', regCurrency: 'USD', signDate: '2026-11-25', startDate: '2026-12-01', endDate: '2027-11-30', termMonths: '12' });
  expect(cardText(refused.value as Card)).toMatch(/co-sell and partner-led deals only/);
  expect((await h.app.store.get('referral', priv.id))!.registration).toBeUndefined();

  let card = await open(ana, led.id);
  expect(cardText(card)).toContain('Partner-led · Outbound');
  card = (await h.press(ana, card, 'Register the win')).card;
  card = (await h.press(ana, card, 'Register', { signDate: '2026-11-25', startDate: '2026-12-01', endDate: '2027-11-30', azureSolutionIds: ours.id })).card;
  expect(cardText(card)).toContain('Registered by Ana Admin.');
  expect(cardText(card)).toMatch(/Registration\nReview pending/);
  card = (await h.press(ana, card, 'Registration status')).card;
  card = (await h.press(ana, card, 'Save status', { status: 'Approved' })).card;
  expect(cardText(card)).toMatch(/Registration\nApproved/);
});
