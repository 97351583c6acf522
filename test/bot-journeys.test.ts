// A seller's journeys over the real protocol: activities posted to /api/messages, replies and
// updates captured by the fake Bot Connector. Every card the bot sends is checked for validity.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { DAY_MS } from '../services/clock.js';
import { ana, button, cardText, fay, mia, sam, startHarness, actions, type Card, type Harness, OUR_TENANT } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import { installationUpdate, membersAdded, message, postActivity, invokeAction, type TeamsUser } from './helpers/teams.js';
import { FABRIKAM, MICROSOFT } from './helpers/world.js';

let h: Harness;
const seen: Card[] = [];
beforeEach(async () => {
  h = await startHarness();
  seen.length = 0;
});
afterEach(async () => {
  // Every card that reached a user, by message or by invoke response, must be valid.
  for (const card of [...h.connector.cardsSent(), ...seen]) expect(cardProblems(card)).toEqual([]);
  await h.close();
});

async function press(user: TeamsUser, card: Card, title: string, inputs: Record<string, unknown> = {}, replyToId?: string): Promise<Card> {
  const { card: next, posted } = await h.press(user, card, title, inputs, replyToId ? { replyToId } : {});
  seen.push(next, ...posted);
  return next;
}

/** Opens a list's first row the way a seller does: the deal arrives as a new card and the list stays. */
async function openRow(user: TeamsUser, list: Card): Promise<Card> {
  const { card, posted } = await h.press(user, list, 'Open');
  expect(cardText(card)).toBe(cardText(list));
  expect(posted).toHaveLength(1);
  seen.push(...posted);
  return posted[0]!;
}

const contact = { contactFirstName: 'Sue', contactLastName: 'Smith', contactPhone: '1234567890', contactEmail: 'sue@contoso.com', consentToShare: 'true' };
const member = { m0FirstName: 'Ana', m0LastName: 'Admin', m0Phone: '+1 425 555 0100', m0Email: 'ana@partner.example' };

const details = (name = 'Contoso labs rollout') => ({ customerId: 'cust-contoso-redmond-labs', name, dealValue: '75,000', currency: 'USD', closingDateTime: '2027-03-31', notes: 'Kick-off next week' });

/** Walks the new-deal cards from the first step to the review, with the given answers, and creates the deal. */
async function newDeal(user: TeamsUser, answers: { help?: string; contact?: boolean; partners?: Record<string, string>[]; name?: string }): Promise<Card> {
  let card = await h.clickCard(user, 'newDeal');
  card = await press(user, card, 'Next', details(answers.name));
  card = await press(user, card, 'Next', { ...member, solutionIds: 'sol-ms-azure,sol-ad-sentinel' });
  const help = { helpType: answers.help ?? 'None', ...(answers.contact ? contact : {}) };
  if (answers.partners?.length) {
    card = await press(user, card, 'Invite partners', help);
    for (const p of answers.partners) card = await press(user, card, 'Add this partner', p);
    card = await press(user, card, 'Review');
  } else card = await press(user, card, 'Review', help);
  expect(cardText(card)).toContain('Review and create');
  return press(user, card, 'Create deal');
}

const fabrikamInvite = { partnerOrgId: FABRIKAM, partnerDealValue: '12000', partnerCurrency: 'USD', partnerClosingDateTime: '2027-02-28', partnerSolutionIds: 'sol-fab-migrate', partnerHelpType: 'ProofOfConceptOrDemo', partnerNotes: 'Can you run the PoC?' };

describe('install, welcome and commands', () => {
  it('introduces itself once on install (Teams also says the bot joined), and registers the first user as admin', async () => {
    await postActivity(h.app.url, installationUpdate(ana, 'add'));
    await postActivity(h.app.url, membersAdded(ana));
    const cards = h.connector.cardsSent();
    expect(cards).toHaveLength(1);
    // The first user is the admin of a new organization: set-up comes first.
    expect(cardText(cards[0])).toContain('Set up your organization');
    expect(cardText(await h.say(ana, 'help'))).toContain('your role: Admin');
    const roster = h.connector.sent.filter((r) => r.method === 'GET' && r.path.includes('/members/'));
    expect(roster).toHaveLength(1);
    expect((await h.app.directory.person(OUR_TENANT, ana.aadObjectId))!.email).toBe('ana@partner.example');
    expect(cardText(await h.say(sam, 'help'))).toContain('your role: Seller');
  });

  it('answers every command, and unknown text with the help card', async () => {
    expect(cardText(await h.say(ana, 'help'))).toContain('new deal');
    expect(cardText(await h.say(ana, 'new deal'))).toContain('New deal · Customer and deal');
    expect(cardText(await h.say(ana, 'inbound'))).toContain('Inbound referrals');
    expect(cardText(await h.say(ana, 'outbound'))).toContain('Outbound deals');
    expect(cardText(await h.say(ana, 'favorites'))).toContain('Your favorites');
    expect(cardText(await h.say(ana, 'archive'))).toContain('Archive');
    expect(cardText(await h.say(ana, 'find contoso'))).toContain('Search results for “contoso”');
    expect(cardText(await h.say(ana, 'deal nope'))).toContain('does not exist');
    const unknown = await h.say(ana, 'what is the weather');
    expect(cardText(unknown)).toContain('I didn’t catch that');
    // Buttons on the help card reach the same places as the text.
    const help = await h.say(ana, 'help');
    expect(cardText(await press(ana, help, 'Outbound'))).toContain('Outbound deals');
    expect(cardText(await press(ana, help, 'Find', { query: 'labs' }))).toContain('Search results for “labs”');
  });
});

describe('new deal', () => {
  it('creates a private deal through the guided cards', async () => {
    await h.say(ana, 'help');
    const card = await newDeal(ana, {});
    const text = cardText(card);
    expect(text).toContain('Deal “Contoso labs rollout” created.');
    expect(text).toContain('Private · Outbound');
    expect(text).toContain('$75,000');
    expect(text).toContain('080912399'); // the D-U-N-S of the customer picked
    expect(actions(card).map((a) => a.title)).toEqual(['Edit', 'Add team member', 'Solutions', 'Add note', 'Assign', 'Invite', 'Mark won', 'Mark lost', '♡ Add to favorites', 'Whole team (1)', 'History (1)']);
    expect((await h.app.lifecycle.list({ tenantId: MICROSOFT, userId: mia.aadObjectId }, 'inbound').catch(() => undefined))).toBeUndefined();
  });

  it('a co-sell deal asks for the customer contact and consent on the help step, and refuses both there at once', async () => {
    await h.say(ana, 'help');
    await h.say(mia, 'help');
    let card = await h.clickCard(ana, 'newDeal');
    card = await press(ana, card, 'Next', details());
    card = await press(ana, card, 'Next', { ...member, solutionIds: 'sol-ms-azure' });
    expect(cardText(card)).toContain('New deal · Help from Microsoft');
    const refused = await press(ana, card, 'Review', { helpType: 'ProofOfConceptOrDemo' });
    expect(cardText(refused)).toContain('New deal · Help from Microsoft');
    expect(cardText(refused)).toContain('Microsoft’s help needs the customer’s contact');
    expect(cardText(refused)).toContain('Confirm that the customer agreed to share their contact with Microsoft.');
    // A wrong phone and a wrong email are told together, each next to its field.
    const both = await press(ana, refused, 'Review', { helpType: 'ProofOfConceptOrDemo', contactFirstName: 'Sue', contactPhone: 'call me', contactEmail: 'sue-at-contoso', consentToShare: 'true' });
    expect(cardText(both)).toContain('Use digits, spaces, +, -, ( or ).');
    expect(cardText(both)).toContain('Use an email address such as ana@contoso.com.');
    expect(await h.app.store.list('referral')).toEqual([]);
    card = await press(ana, both, 'Review', { helpType: 'ProofOfConceptOrDemo', ...contact });
    expect(cardText(card)).toContain('Review and create');
    const created = await press(ana, card, 'Create deal');
    expect(cardText(created)).toContain('Co-sell · Outbound');
    expect(cardText(created)).toContain('Microsoft: Received');
    expect(cardText(await h.say(mia, 'inbound'))).toContain('Contoso labs rollout');
  });

  it('a P2P deal invites partners, who get a Received referral with their own value', async () => {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    const card = await newDeal(ana, { partners: [fabrikamInvite] });
    expect(cardText(card)).toContain('Partner to partner · Outbound');
    expect(cardText(card)).toContain('Fabrikam Consulting: Received');
    const inbound = await h.say(fay, 'inbound');
    expect(cardText(inbound)).toContain('Contoso labs rollout');
    expect(cardText(inbound)).toContain('$12,000');
    expect(cardText(inbound)).toContain('14 days left to respond');
  });

  it('keeps the typed values and shows the error next to the field when a step is wrong', async () => {
    await h.say(ana, 'help');
    let card = await h.clickCard(ana, 'newDeal');
    card = await press(ana, card, 'Next', { customerId: 'cust-litware', name: 'Litware', dealValue: '-3', currency: 'USD', closingDateTime: '2027-01-01' });
    expect(cardText(card)).toContain('New deal · Customer and deal');
    expect(cardText(card)).toContain('The estimated value must be more than 0.');
    expect(JSON.stringify(card)).toContain('"value":"Litware"');
    card = await press(ana, card, 'Next', { dealValue: '5' });
    expect(cardText(card)).toContain('New deal · Team and solutions');
    // Back carries what was typed on the step it leaves, even half done: nothing is lost.
    card = await press(ana, card, 'Back', { m0FirstName: 'Half', solutionIds: 'sol-ms-azure' });
    expect(cardText(card)).toContain('New deal · Customer and deal');
    card = await press(ana, card, 'Next');
    expect(JSON.stringify(card)).toContain('"value":"Half"');
    expect(JSON.stringify(card)).toContain('"value":"sol-ms-azure"');
  });
});

/** Twelve outbound deals of Ana's, a second apart: two pages of a list. */
async function twelveDeals(): Promise<void> {
  await h.say(ana, 'help');
  for (let i = 0; i < 12; i++) {
    h.clock.advance(1000);
    await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Woodgrove Bank', address: { country: 'US' } }, name: `Deal ${i}`, dealValue: 10, currency: 'USD', closingDateTime: '2027-01-01',
      team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-ms-azure'],
    });
  }
}

describe('one-click actions on the deal card', () => {
  async function receivedByFay(): Promise<{ card: Card; id: string }> {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    await newDeal(ana, { partners: [fabrikamInvite] });
    const card = await openRow(fay, await h.say(fay, 'inbound'));
    return { card, id: String(button(card, 'Accept').data.referralId) };
  }

  it('Accept accepts the referral as it came, in one click, and offers Edit right there', async () => {
    const { card, id } = await receivedByFay();
    expect(cardText(card)).toContain('14 days left to respond');
    expect(actions(card).map((a) => a.title)).toEqual(['Accept', 'Assign', '♡ Add to favorites', 'History (1)', 'Decline']);
    const accepted = await press(fay, card, 'Accept', {}, 'msg-card-1');
    expect(cardText(accepted)).toContain('Accepted by Fay Fabrikam.');
    expect(actions(accepted).map((a) => a.title)).toContain('Edit');
    const stored = (await h.app.store.get('referral', id))!;
    expect([stored.substatus, stored.name, stored.details.dealValue, stored.details.currency, stored.details.closingDateTime.slice(0, 10)]).toEqual(['Accepted', 'Contoso labs rollout', 12000, 'USD', '2027-02-28']);
    expect(stored.history.map((x) => say(x.action))).toEqual(['received', 'accepted']);
    // The message is updated for everyone, with per-user views by refresh.
    await h.app.cardUpdates.drain();
    const update = h.connector.sent.find((r) => r.method === 'PUT' && r.activityId === 'msg-card-1');
    const updated = (update!.body as { attachments: { content: Card }[] }).attachments[0]!.content as { refresh: { userIds: string[] } };
    expect(updated.refresh.userIds).toContain(`29:${fay.aadObjectId}`);
    // The sender sees the new stage.
    expect(cardText(await openRow(ana, await h.say(ana, 'outbound')))).toContain('Fabrikam Consulting: Accepted');
  });

  it('a referral that can’t be accepted as it came opens the accept form with the problem shown', async () => {
    const { card, id } = await receivedByFay();
    // 100 days on, the referral's close date (28 Feb 2027) has passed; its time to answer is stretched to match.
    h.clock.advance(100 * DAY_MS);
    const stored = (await h.app.store.get('referral', id))!;
    await h.app.store.commit([{ kind: 'referral', put: { ...stored, expirationDateTime: new Date(h.clock.now().getTime() + DAY_MS).toISOString() } }]);
    const form = await press(fay, card, 'Accept');
    expect(cardText(form)).toContain('Accept this referral');
    expect(cardText(form)).toContain('The close date can’t be in the past.');
    expect(JSON.stringify(form)).toContain('"value":"Contoso labs rollout"');
    expect((await h.app.store.get('referral', id))!.substatus).toBe('Received');
    const accepted = await press(fay, form, 'Accept', { closingDateTime: '2027-12-31' });
    expect(cardText(accepted)).toContain('Accepted by Fay Fabrikam.');
  });

  it('Decline is one click once a reason is picked, right on the card; the reason is required by Teams', async () => {
    const { card } = await receivedByFay();
    expect(cardText(card)).toContain('Not a good fit for our solutions');
    const reason = JSON.parse(JSON.stringify(card)).body.flatMap((b: { items?: unknown[] }) => b.items ?? []).find((i: { id?: string }) => i.id === 'reason');
    expect(reason).toMatchObject({ type: 'Input.ChoiceSet', isRequired: true, errorMessage: 'Pick a reason from the list.' });
    const declined = await press(fay, card, 'Decline', { reason: 'NoCapacity', notes: 'Busy until March' }, 'msg-card-2');
    expect(cardText(declined)).toContain('Declined by Fay Fabrikam.');
    expect(cardText(declined)).toContain('Archived: Declined');
    expect(cardText(declined)).toContain('We have no capacity right now');
    expect(actions(declined).map((a) => a.title)).toEqual(['♡ Add to favorites', 'History (2)']);
    expect(cardText(await h.say(fay, 'archive'))).toContain('Contoso labs rollout');
  });

  it('a decline that reaches the bot without a reason (a client that skips the check) keeps the note and asks for the reason', async () => {
    const { card } = await receivedByFay();
    const missing = await press(fay, card, 'Decline', { notes: 'Busy' });
    expect(cardText(missing)).toContain('Pick a reason from the list.');
    expect(JSON.stringify(missing)).toContain('"value":"Busy"');
  });

  it('a stale click does not apply: the user gets the current card and one line saying what happened', async () => {
    const { card } = await receivedByFay();
    // Someone else declines from another copy of the card first.
    await press(fay, card, 'Decline', { reason: 'NotAGoodFit' });
    const stale = await press(fay, card, 'Accept');
    expect(cardText(stale)).toContain('This deal changed since the card was drawn (declined by Fay Fabrikam); here it is as it is now.');
    expect(cardText(stale)).toContain('Archived: Declined');
    const stored = (await h.app.store.list('referral', FABRIKAM))[0]!;
    expect(stored.substatus).toBe('Declined');
    expect(stored.version).toBe(2);
  });

  it('a redelivered action (same activity id) is applied once', async () => {
    const { card } = await receivedByFay();
    const b = button(card, 'Decline');
    const activity = invokeAction(fay, b.verb, { ...b.data, reason: 'Duplicate' }, { replyToId: 'msg-9' });
    const first = await postActivity(h.app.url, activity);
    const second = await postActivity(h.app.url, activity);
    expect(second.body).toEqual(first.body);
    const stored = (await h.app.store.list('referral', FABRIKAM))[0]!;
    expect(stored.history.map((x) => say(x.action))).toEqual(['received', 'declined']);
    await h.app.cardUpdates.drain();
    expect(h.connector.sent.filter((r) => r.method === 'PUT' && r.activityId === 'msg-9')).toHaveLength(1);
  });

  it('the same activity id in another tenant’s conversation is another activity, answered on its own', async () => {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    const mine = await postActivity(h.app.url, invokeAction(ana, 'list', { box: 'outbound' }, { id: 'same-id' }));
    const theirs = await postActivity(h.app.url, invokeAction(fay, 'list', { box: 'inbound' }, { id: 'same-id' }));
    expect(cardText((mine.body as { value: Card }).value)).toContain('Outbound deals');
    expect(cardText((theirs.body as { value: Card }).value)).toContain('Inbound referrals');
  });

  it('edit, team, solutions, note, invite (allowed and refused), won and lost', async () => {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    let card = await newDeal(ana, {});
    card = await press(ana, await press(ana, card, 'Edit'), 'Save', { name: 'Contoso labs phase 1', dealValue: '80000' });
    expect(cardText(card)).toContain('Saved by Ana Admin.');
    expect(cardText(card)).toContain('$80,000');
    card = await press(ana, await press(ana, card, 'Add team member'), 'Add to team', { firstName: 'Bo', lastName: 'B', phoneNumber: '555 0102', email: 'bo@partner.example' });
    expect(cardText(card)).toContain('Bo B · 555 0102 · bo@partner.example');
    const refusedSolution = await press(ana, await press(ana, card, 'Solutions'), 'Save solutions', { solutionIds: 'sol-ad-pentest' });
    expect(cardText(refusedSolution)).toContain('Adatum Pen Testing is not co-sell ready');
    card = await press(ana, refusedSolution, 'Save solutions', { solutionIds: 'sol-fab-migrate' });
    expect(cardText(card)).toContain('Fabrikam Cloud Migration Factory (Azure IP co-sell incentivized)');
    card = await press(ana, await press(ana, card, 'Add note'), 'Add note', { text: 'Budget approved' });
    expect(cardText(card)).toContain('Budget approved');

    // Invite Microsoft without the customer's contact: refused next to the field.
    const inviteForm = await press(ana, card, 'Invite');
    const noContact = await press(ana, inviteForm, 'Send invitation', { inviteMicrosoft: 'true', helpType: 'QuotesOrLicensing', partnerOrgId: '' });
    expect(cardText(noContact)).toContain('Microsoft’s help needs the customer’s contact');
    card = await press(ana, noContact, 'Send invitation', { inviteMicrosoft: 'true', helpType: 'QuotesOrLicensing', contactFirstName: 'Sue', contactPhone: '123456', contactEmail: 'sue@contoso.com', consentToShare: 'true', partnerOrgId: '' });
    expect(cardText(card)).toContain('Invitation sent by Ana Admin.');
    expect(cardText(card)).toContain('Co-sell · Outbound');
    // Now Microsoft takes part: inviting it again is explained, not silently hidden.
    expect(cardText(await press(ana, card, 'Invite'))).toContain('Microsoft already takes part in this deal.');

    const wonForm = await press(ana, card, 'Mark won');
    expect(cardText(wonForm)).toContain('can then be registered');
    const won = await press(ana, wonForm, 'Mark won', { notes: 'Signed today' });
    expect(cardText(won)).toContain('Marked won by Ana Admin.');
    // Fabrikam's solution is not ours to register: the won card offers no registration.
    expect(actions(won).map((a) => a.title)).not.toContain('Register the win');

    const other = await newDeal(ana, { name: 'Second deal' });
    const lost = await press(ana, await press(ana, other, 'Mark lost'), 'Mark lost', { reason: 'NoBudget', notes: 'Frozen' });
    expect(cardText(lost)).toContain('The customer has no budget');
    expect(cardText(await h.say(ana, 'archive'))).toMatch(/Contoso labs phase 1[\s\S]*|Second deal/);
  });

  it('an invited partner can never invite partners from its inbound referral: the card says why', async () => {
    const { card } = await receivedByFay();
    const accepted = await press(fay, card, 'Accept');
    const invite = await press(fay, accepted, 'Invite');
    expect(cardText(invite)).toContain('Partners can’t be invited from a deal you received.');
  });

  it('favorites are per user and shown with a heart', async () => {
    await h.say(ana, 'help');
    await h.say(sam, 'help');
    const card = await newDeal(ana, {});
    const hearted = await press(ana, card, '♡ Add to favorites');
    expect(cardText(hearted)).toContain('Added to your favorites.');
    expect(actions(hearted).map((a) => a.title)).toContain('♥ Remove from favorites');
    const favorites = await h.say(ana, 'favorites');
    expect(cardText(favorites)).toContain('Contoso labs rollout');
    expect(cardText(await h.say(sam, 'favorites'))).toContain('No favorites yet');
    await press(ana, hearted, '♥ Remove from favorites');
    expect(cardText(await h.say(ana, 'favorites'))).toContain('No favorites yet');
  });

  it('each list row has its own heart: toggled from the list, which answers with itself, in place', async () => {
    await h.say(ana, 'help');
    await newDeal(ana, {});
    await newDeal(ana, { name: 'Second deal' });
    const list = await h.say(ana, 'outbound');
    expect(actions(list).filter((a) => a.verb === 'favorite').map((a) => a.title)).toEqual(['♡ Add to favorites', '♡ Add to favorites']);
    const hearted = await press(ana, list, '♡ Add to favorites');
    expect(cardText(hearted)).toContain('Outbound deals');
    expect(cardText(hearted)).toContain('“Contoso labs rollout” added to your favorites.');
    expect(actions(hearted).filter((a) => a.verb === 'favorite').map((a) => a.title)).toEqual(['♥ Remove from favorites', '♡ Add to favorites']);
    expect(cardText(await h.say(ana, 'favorites'))).toContain('1 deal · page 1 of 1');
    const removed = await press(ana, hearted, '♥ Remove from favorites');
    expect(cardText(removed)).toContain('“Contoso labs rollout” removed from your favorites.');
    expect(cardText(await h.say(ana, 'favorites'))).toContain('No favorites yet');
  });

  it('a deal opened from a list comes as a new card; the list stays on its page', async () => {
    await twelveDeals();
    const second = await press(ana, await h.say(ana, 'outbound'), 'Next');
    const { card, posted } = await h.press(ana, second, 'Open');
    expect(cardText(card)).toContain('page 2 of 2');
    expect(cardText(card)).toContain('Deal 1');
    expect(posted.map(cardText)[0]).toContain('Deal 1');
    expect(actions(posted[0]).map((a) => a.title)).toContain('Edit');
  });

  it('lists page with Next and Previous', async () => {
    await twelveDeals();
    const first = await h.say(ana, 'outbound');
    expect(cardText(first)).toContain('12 deals · page 1 of 2');
    expect(actions(first).map((a) => a.title)).not.toContain('Previous');
    const second = await press(ana, first, 'Next');
    expect(cardText(second)).toContain('page 2 of 2');
    expect(cardText(second)).toContain('Deal 0');
    expect(cardText(await press(ana, second, 'Previous'))).toContain('Deal 11');
  });
});

describe('refusals', () => {
  it('another tenant’s deal: reading or acting is refused', async () => {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    const card = await newDeal(ana, {});
    const id = String(button(card, 'Edit').data.referralId);
    const read = await h.click(fay, 'open', { referralId: id });
    expect(read).toMatchObject({ statusCode: 404, type: 'application/vnd.microsoft.error', value: { code: 'not_found' } });
    const act = await h.click(fay, 'won', { referralId: id, version: 1 });
    expect(act.statusCode).toBe(404);
    expect((await h.app.store.get('referral', id))!.version).toBe(1);
  });

  it('malformed invoke payloads get a clear error and store nothing', async () => {
    await h.say(ana, 'help');
    const before = JSON.stringify(await h.app.store.list('referral'));
    const cases: [string, Record<string, unknown>][] = [
      ['accept', {}],
      ['accept', { referralId: 'x', version: 'abc' }],
      ['showForm', { referralId: 'x', version: 1, form: 'hack' }],
      ['createDeal', { draft: '{not json' }],
      ['newDeal', { draftId: 'x', step: 'nowhere', go: 'next' }],
      ['list', { box: 'secret' }],
      ['favorite', { favorite: 'maybe' }],
      ['favorite', { list: 'mine', favorite: true }],
      ['launchMissiles', {}],
    ];
    for (const [verb, data] of cases) {
      const body = await h.click(ana, verb, data);
      expect(body.type, verb).toBe('application/vnd.microsoft.error');
      expect(body.statusCode, verb).toBe(400);
      expect(body.value.message, verb).toMatch(/card|Unknown action/);
    }
    const noVerb = await postActivity(h.app.url, { ...invokeAction(ana, 'x'), value: { action: { type: 'Action.Execute', data: 'nope' } } });
    expect(noVerb.status).toBe(200);
    expect((noVerb.body as { statusCode: number }).statusCode).toBe(400);
    expect(JSON.stringify(await h.app.store.list('referral'))).toBe(before);
  });
});

describe('typeahead', () => {
  it('answers customers and partners with at most 15 results, an empty query too', async () => {
    await h.say(ana, 'help');
    const customers = await h.search(ana, 'customers', 'contoso');
    expect(customers.type).toBe('application/vnd.microsoft.search.searchResponse');
    expect(customers.value.results!.map((r) => r.title)).toEqual([
      'Contoso Iberia S.L. · Madrid, ES · D-U-N-S 461234567',
      'Contoso Ltd · Redmond, US · D-U-N-S 080912345',
      'Contoso Ltd · Redmond, US · D-U-N-S 080912399',
    ]);
    const partners = await h.search(ana, 'partners', '');
    expect(partners.value.results!.map((r) => r.title)).toEqual(['Adatum Security', 'Fabrikam Consulting', 'Northwind Analytics', 'Tailspin Cloud Services']);
    expect((await h.search(fay, 'partners', 'fab')).value.results).toEqual([]);
    expect((await h.search(ana, 'secrets', 'x')).statusCode).toBe(400);
  });
});

describe('deadlines on the card', () => {
  it('shows the days left and, once expired, the archived card', async () => {
    await h.say(ana, 'help');
    await h.say(fay, 'help');
    await newDeal(ana, { partners: [fabrikamInvite] });
    h.clock.advance(11 * DAY_MS);
    expect(cardText(await h.say(fay, 'inbound'))).toContain('3 days left to respond');
    h.clock.advance(3 * DAY_MS);
    await h.app.lifecycle.expireDue();
    expect(cardText(await h.say(fay, 'archive'))).toContain('Expired');
  });
});

describe('new deal close date', () => {
  it('a close date in the past is refused on the first step, not only at the end', async () => {
    await h.say(ana, 'help');
    let card = await h.clickCard(ana, 'newDeal');
    card = await press(ana, card, 'Next', { customerId: 'cust-litware', name: 'Litware', dealValue: '5', currency: 'USD', closingDateTime: '2020-01-01' });
    expect(cardText(card)).toContain('New deal · Customer and deal');
    expect(cardText(card)).toContain('The close date can’t be in the past.');
  });
});

describe('clients without Universal Actions', () => {
  it('an Action.Submit-style message with a verb reaches the same route and gets the card as a reply', async () => {
    await h.say(ana, 'help');
    const activity = { ...message(ana, ''), value: { verb: 'list', box: 'archive', page: 0 } };
    const res = await postActivity(h.app.url, activity);
    expect(res.status).toBe(200);
    const reply = h.connector.sent.find((r) => r.method === 'POST' && r.activityId === activity.id);
    expect(cardText((reply!.body as { attachments: { content: Card }[] }).attachments[0]!.content)).toContain('Archive');
  });
});
