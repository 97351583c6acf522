// One click means one click, over the real protocol: a referral answered from its alert with one
// invoke, a new deal in few cards, deals found by the short id people see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { ana, actions, button, cardText, fay, OUR_TENANT, sam, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import type { SentRequest } from './helpers/fake-connector.js';
import { personalConversationId, type TeamsUser } from './helpers/teams.js';
import { FABRIKAM } from './helpers/world.js';
import { makeEngagement, makeReferral } from './helpers/records.js';
import { fixture, future } from './helpers/fixtures.js';


let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.say(ana, 'help');
  await h.say(sam, 'help');
  await h.app.directory.setRoles({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, { [sam.aadObjectId]: ['referrals-admin'], [ana.aadObjectId]: ['admin', 'referrals-admin'] }, new Date());
});
afterEach(async () => {
  for (const card of h.connector.cardsSent()) expect(cardProblems(card)).toEqual([]);
  await h.close();
});

async function webhook(body: object): Promise<string> {
  const res = await h.postReferral(body);
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

/** The alert that reached a user's personal chat: its card and the id Teams gave the message. */
async function alertOf(user: TeamsUser): Promise<{ card: Card; messageId: string }> {
  const sent = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'POST' && r.status === 200 && r.conversationId === personalConversationId(user) && (r.body as { summary?: string }).summary), 5_000);
  const messageId = String(h.connector.activities(personalConversationId(user)).find((a) => a.summary)!.id);
  return { card: cardOf(sent), messageId };
}
const cardOf = (r: SentRequest) => (r.body as { attachments: { content: Card }[] }).attachments[0]!.content;

describe('answer a referral from the alert', () => {
  it('Accept on the alert is one invoke: the referral is Accepted as it came, and every copy of the alert shows it', async () => {
    const id = await webhook({ ...future, id: 'pc-accept' });
    const [mine, sams] = [await alertOf(ana), await alertOf(sam)];
    // One invoke, with the button's own data (it sends no inputs): nothing to fill in first.
    expect(button(mine.card, 'Accept').sendsInputs).toBe(false);
    const accepted = await h.clickCard(ana, 'accept', button(mine.card, 'Accept').data, { replyToId: mine.messageId });
    expect(cardText(accepted)).toContain('Accepted by Ana Admin.');
    expect(actions(accepted).map((a) => a.title)).toContain('Edit');
    const stored = (await h.app.store.get('referral', id))!;
    expect([stored.substatus, stored.name, stored.details.dealValue, stored.details.currency]).toEqual(['Accepted', fixture.name, 50000, 'USD']);
    // Ana's message is replaced at once; Sam's copy of the alert follows through the outbox.
    await h.app.cardUpdates.drain();
    expect(h.connector.sent.some((r) => r.method === 'PUT' && r.activityId === mine.messageId)).toBe(true);
    const update = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'PUT' && r.activityId === sams.messageId), 5_000);
    expect(cardText(cardOf(update))).toContain('Accepted by Ana Admin');
  });

  it('Decline on the alert is one invoke that carries the reason picked on the card', async () => {
    const id = await webhook({ ...future, id: 'pc-decline' });
    const { card, messageId } = await alertOf(ana);
    const decline = button(card, 'Decline');
    expect(decline.sendsInputs).toBe(true);
    // What Teams sends: the button's data merged with the card's inputs, the reason picked.
    const declined = await h.clickCard(ana, decline.verb, { ...decline.data, reason: 'OutsideOurRegion', notes: 'We do not serve Redmond' }, { replyToId: messageId });
    expect(cardText(declined)).toContain('Declined by Ana Admin.');
    const stored = (await h.app.store.get('referral', id))!;
    expect([stored.substatus, stored.statusReason]).toEqual(['Declined', 'OutsideOurRegion']);
    expect(stored.notes.at(-1)!.text).toContain('We do not serve Redmond');
    expect(stored.history.map((x) => say(x.action))).toEqual(['received from Partner Center', 'declined']);
  });

  it('a referral whose close date has passed opens the accept form with the problem, and nothing changes', async () => {
    const id = await webhook({ ...fixture, id: 'pc-past' }); // closes 14 Nov 2018
    const { card } = await alertOf(ana);
    const form = await h.clickCard(ana, 'accept', button(card, 'Accept').data);
    expect(cardText(form)).toContain('Accept this referral');
    expect(cardText(form)).toContain('The close date can’t be in the past.');
    expect(JSON.stringify(form)).toContain('"id":"closingDateTime"');
    expect((await h.app.store.get('referral', id))!.substatus).toBe('Received');
  });
});

describe('a new deal in few cards', () => {
  const first = { customerId: 'cust-litware', name: 'Counted', dealValue: '1000', currency: 'USD', closingDateTime: '2027-03-31' };
  const second = { m0FirstName: 'Ana', m0Phone: '555 0100', m0Email: 'ana@partner.example', solutionIds: 'sol-ms-azure' };
  const contact = { contactFirstName: 'Sue', contactPhone: '555 0123', contactEmail: 'sue@litware.example', consentToShare: 'true' };

  /** Walks the cards as a seller does, counting every card shown until the review, which must be the last. */
  async function count(help: Record<string, string>, partner?: Record<string, string>): Promise<{ cards: string[]; created: Card }> {
    const cards: string[] = [];
    const seen = (card: Card) => {
      cards.push(cardText(card).split('\n')[0]!);
      return card;
    };
    let card = seen(await h.say(ana, 'new deal'));
    card = seen((await h.press(ana, card, 'Next', first)).card);
    card = seen((await h.press(ana, card, 'Next', second)).card);
    if (partner) {
      card = seen((await h.press(ana, card, 'Invite partners', help)).card);
      card = seen((await h.press(ana, card, 'Review', partner)).card);
    } else card = seen((await h.press(ana, card, 'Review', help)).card);
    expect(cards.at(-1)).toBe('New deal · Review and create');
    return { cards, created: (await h.press(ana, card, 'Create deal')).card };
  }

  it('a private deal takes four cards, a co-sell deal four, a P2P deal five; the review is the last', async () => {
    await h.say(fay, 'help');
    const privateDeal = await count({ helpType: 'None' });
    expect(privateDeal.cards).toEqual(['New deal · Customer and deal', 'New deal · Team and solutions', 'New deal · Help from Microsoft', 'New deal · Review and create']);
    expect(cardText(privateDeal.created)).toContain('Private · Outbound');
    const coSell = await count({ helpType: 'ProofOfConceptOrDemo', ...contact });
    expect(coSell.cards).toHaveLength(4);
    expect(cardText(coSell.created)).toContain('Co-sell · Outbound');
    const p2p = await count({ helpType: 'None' }, { partnerOrgId: FABRIKAM, partnerDealValue: '300', partnerSolutionIds: 'sol-fab-migrate' });
    expect(p2p.cards).toHaveLength(5);
    expect(cardText(p2p.created)).toContain('Partner to partner · Outbound');
  });

  it('an eleventh partner is refused on the card, with the ten already added kept', async () => {
    let card = await h.say(ana, 'new deal');
    card = (await h.press(ana, card, 'Next', first)).card;
    card = (await h.press(ana, card, 'Next', second)).card;
    card = (await h.press(ana, card, 'Invite partners', { helpType: 'None' })).card;
    const [draft] = await h.app.store.list('draft');
    const invitation = { partnerOrgId: FABRIKAM, partnerDealValue: '300', partnerSolutionIds: 'sol-fab-migrate' };
    await h.app.store.commit([{ kind: 'draft', put: { ...draft!, partners: Array.from({ length: 10 }, () => invitation) } }]);
    const after = (await h.press(ana, card, 'Add this partner', invitation)).card;
    expect(cardText(after)).toContain('A deal invites at most 10 partners at a time');
    expect((await h.app.store.get('draft', draft!.id))!.partners).toHaveLength(10);
  });
});

describe('short ids', () => {
  it('`deal <short id>` opens the deal the card names; an ambiguous prefix is explained; a short one is not guessed', async () => {
    const { referral } = await h.app.lifecycle.createDeal({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, {
      customer: { name: 'Litware Inc', address: { country: 'AU' } }, name: 'Short id deal', dealValue: 10, currency: 'USD', closingDateTime: '2027-01-31',
      team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-ms-azure'],
    });
    const opened = await h.say(ana, `deal ${referral.id.slice(0, 8)}`);
    expect(cardText(opened)).toContain('Short id deal');
    expect(cardText(opened)).toContain(referral.id.slice(0, 8));
    expect(cardText(opened)).not.toContain(referral.id);
    // Two deals whose ids start alike.
    const twins = ['abcdef12-0000-4000-8000-000000000001', 'abcdef12-0000-4000-8000-000000000002'].map((id, i) => {
      const engagement = makeEngagement({ createdByOrgId: OUR_TENANT, participants: [{ orgId: OUR_TENANT, referralId: id }] });
      return [makeReferral({ id, orgId: OUR_TENANT, engagementId: engagement.id, name: `Twin ${i + 1}` }), engagement] as const;
    });
    await h.app.store.commit(twins.flatMap(([referral, engagement]) => [{ kind: 'referral' as const, put: referral }, { kind: 'engagement' as const, put: engagement }]));
    const ambiguous = cardText(await h.say(ana, 'deal abcdef12'));
    expect(ambiguous).toContain('2 deals have an id starting with abcdef12');
    expect(ambiguous).toContain('“Twin 1”');
    expect(ambiguous).toContain('Type more of the id.');
    expect(cardText(await h.say(ana, 'deal abcdef12-0000-4000-8000-000000000002'))).toContain('Twin 2');
    expect(cardText(await h.say(ana, 'deal abcdef1'))).toContain('does not exist');
    // Another organization's deal is not found by its prefix either.
    await h.say(fay, 'help');
    expect(cardText(await h.say(fay, `deal ${referral.id.slice(0, 8)}`))).toContain('does not exist');
  });
});
