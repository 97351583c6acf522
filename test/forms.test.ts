// Forms and cards a seller can trust, over the real protocol: emptied fields are cleared, all
// errors come at once and early, the partner step keeps work, pickers tell the truth, text from
// people stays text, money is exact, and every card and message fits Teams.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ana, button, cardText, fay, inputValues, OUR_TENANT, sam, startHarness, actions, type Card, type Harness } from './helpers/bot-harness.js';
import { cardProblems, MAX_CARD_BYTES } from './helpers/card-check.js';
import { personalConversationId, postActivity, type TeamsUser } from './helpers/teams.js';
import { FABRIKAM, TAILSPIN } from './helpers/world.js';
import { fixture } from './helpers/fixtures.js';


let h: Harness;
const seen: Card[] = [];
beforeEach(async () => {
  h = await startHarness();
  seen.length = 0;
  await h.say(ana, 'help');
});
afterEach(async () => {
  for (const card of [...h.connector.cardsSent(), ...seen]) expect(cardProblems(card)).toEqual([]);
  await h.close();
});

/** Presses a button as Teams would (inputs only when the button takes them); `omit` leaves inputs out as Teams does for emptied ones. */
async function press(user: TeamsUser, card: Card, title: string, inputs: Record<string, unknown> = {}, omit: string[] = []): Promise<Card> {
  const b = button(card, title);
  const values = b.sendsInputs ? Object.fromEntries(Object.entries({ ...inputValues(card), ...inputs }).filter(([k]) => !omit.includes(k))) : {};
  const next = await h.clickCard(user, b.verb, { ...values, ...b.data });
  seen.push(next);
  return next;
}

/** The accept form of a Received referral (the card's own Accept takes it as it came, in one click). */
async function acceptForm(user: TeamsUser, card: Card): Promise<Card> {
  const { referralId, version } = button(card, 'Accept').data;
  const form = await h.clickCard(user, 'showForm', { referralId, version, form: 'accept' });
  seen.push(form);
  return form;
}

async function webhook(body: object) {
  const res = await h.postReferral(body);
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

/** The alert messages (they carry a summary) that reached a user's personal chat. */
async function alertsTo(user: TeamsUser, count = 1) {
  return h.connector.waitFor(() => {
    const sent = h.connector.sent.filter((r) => r.method === 'POST' && r.status === 200 && r.conversationId === personalConversationId(user) && (r.body as { summary?: string }).summary);
    return sent.length >= count ? sent : undefined;
  }, 5_000);
}
const cardOf = (body: unknown) => (body as { attachments: { content: Card }[] }).attachments[0]!.content;

/** Every string a Teams client renders as markdown: TextBlock text, fact titles and values, the fallback text. */
function markdownStrings(card: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      if (o.type === 'FactSet') for (const f of (o.facts ?? []) as { title: string; value: string }[]) out.push(f.title, f.value);
      if (typeof o.fallbackText === 'string') out.push(o.fallbackText);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}

const size = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
/** The buttons of a deal card that open a form. */
const formButtons = (card: Card) => actions(card).filter((a) => a.verb === 'showForm').map((a) => a.title);

describe('every input is honored', () => {
  it('an optional field emptied in Edit is cleared (Teams leaves emptied inputs out of the data)', async () => {
    const caller = { tenantId: OUR_TENANT, userId: ana.aadObjectId };
    const { referral } = await h.app.lifecycle.createDeal(caller, {
      customer: { name: 'Litware Inc', address: { country: 'AU' } }, name: 'Litware rollout', dealValue: 1000, currency: 'USD', closingDateTime: '2027-01-31',
      externalReferenceId: 'CRM-1', campaignId: 'CMP-1', team: [{ firstName: 'Ana', phoneNumber: '555 0100', email: 'ana@partner.example' }], solutionIds: ['sol-ms-azure'],
    });
    const card = await h.clickCard(ana, 'open', { referralId: referral.id });
    expect(cardText(card)).toContain('CRM-1');
    const form = await press(ana, card, 'Edit');
    const saved = await press(ana, form, 'Save', {}, ['externalReferenceId']);
    expect(cardText(saved)).toContain('Saved by Ana Admin.');
    expect(cardText(saved)).not.toContain('CRM-1');
    expect(cardText(saved)).toContain('CMP-1');
    const stored = await h.app.store.get('referral', referral.id);
    expect(stored!.externalReferenceId).toBe('');
    expect(stored!.history.at(-1)!.changes.externalReferenceId).toEqual({ from: 'CRM-1', to: '' });
  });

  it('a wrong optional D-U-N-S that is emptied lets the seller go on', async () => {
    let card = await h.clickCard(ana, 'newDeal');
    const first = { newCustomerName: 'Ñandú Logística', newCustomerCity: 'Sevilla', newCustomerCountry: 'es', name: 'Sevilla hub', dealValue: '100', currency: 'EUR', closingDateTime: '2027-05-31' };
    card = await press(ana, card, 'Next', { ...first, newCustomerDuns: '12345' });
    expect(cardText(card)).toContain('New deal · Customer and deal');
    expect(cardText(card)).toContain('A D-U-N-S number has 9 digits.');
    card = await press(ana, card, 'Next', first, ['newCustomerDuns']);
    expect(cardText(card)).toContain('New deal · Team and solutions');
    card = await press(ana, card, 'Back');
    expect(JSON.stringify(card)).not.toContain('"value":"12345"');
  });
});

describe('all errors at once, each next to its field', () => {
  it('accept with a wrong value, a past date and a wrong email reports the three together', async () => {
    await webhook({ ...fixture, id: 'pc-errors', details: { ...fixture.details, closingDateTime: '2027-06-30T00:00:00Z' } });
    const [alert] = await alertsTo(ana);
    const form = await acceptForm(ana, cardOf(alert!.body));
    const refused = await press(ana, form, 'Accept', { dealValue: 'lots', closingDateTime: '2020-01-01', firstName: 'Al', phoneNumber: '555 0100', email: 'al-at-partner' });
    const text = cardText(refused);
    expect(text).toContain('Enter the estimated value as a number.');
    expect(text).toContain('The close date can’t be in the past.');
    expect(text).toContain('Use an email address such as ana@contoso.com.');
    // Each error sits right under its own input.
    const body = JSON.stringify(refused);
    expect(body.indexOf('Use an email address such as ana@contoso.com.')).toBeGreaterThan(body.indexOf('"id":"email"'));
    expect((await h.app.store.list('referral', OUR_TENANT))[0]!.substatus).toBe('Received');
  });

  it('required inputs on the deal forms carry isRequired and an errorMessage so Teams checks them before sending', async () => {
    await webhook({ ...fixture, id: 'pc-required', details: { ...fixture.details, closingDateTime: '2027-06-30T00:00:00Z' } });
    const [alert] = await alertsTo(ana);
    const form = await acceptForm(ana, cardOf(alert!.body));
    const inputs = JSON.stringify(form).match(/"id":"(name|dealValue|currency|closingDateTime)","label":"[^"]*","isRequired":true,"errorMessage":"[^"]+"/g);
    expect(inputs).toHaveLength(4);
    expect(JSON.stringify(form)).toContain('"regex"');
    // On the alert itself, the decline reason is required before Teams sends the Decline.
    expect(JSON.stringify(cardOf(alert!.body))).toMatch(/"id":"reason","label":"Reason","isRequired":true,"errorMessage":"Pick a reason from the list."/);
  });
});

describe('the partner step keeps work', () => {
  async function toPartners(): Promise<Card> {
    let card = await h.clickCard(ana, 'newDeal');
    card = await press(ana, card, 'Next', { customerId: 'cust-litware', name: 'Litware analytics', dealValue: '9000', currency: 'USD', closingDateTime: '2027-04-30' });
    card = await press(ana, card, 'Next', { m0FirstName: 'Ana', m0Phone: '555 0100', m0Email: 'ana@partner.example', m1FirstName: 'Bo', m1Phone: '555 0101', m1Email: 'bo@partner.example', solutionIds: 'sol-ms-azure' });
    card = await press(ana, card, 'Invite partners', { helpType: 'None' });
    expect(cardText(card)).toContain('New deal · Partner invitations');
    return card;
  }

  it('prefills the partner’s close date and team, adds a partner filled but not added, and invites only the people picked', async () => {
    await h.say(fay, 'help');
    const card = await toPartners();
    expect(inputValues(card).partnerClosingDateTime).toBe('2027-04-30');
    expect(inputValues(card).partnerTeam).toBe('ana@partner.example,bo@partner.example');
    const review = await press(ana, card, 'Review', { partnerOrgId: FABRIKAM, partnerDealValue: '3000', partnerSolutionIds: 'sol-fab-migrate', partnerTeam: 'bo@partner.example' });
    expect(cardText(review)).toContain('Review and create');
    expect(cardText(review)).toContain('Fabrikam Consulting');
    const created = await press(ana, review, 'Create deal');
    expect(cardText(created)).toContain('Fabrikam Consulting: Received');
    const theirs = (await h.app.store.list('referral', FABRIKAM))[0]!;
    expect(theirs.inviteContext!.contacts.map((m) => m.email)).toEqual(['bo@partner.example']);
    expect(theirs.team).toEqual([]); // their own people come when they accept
    expect(theirs.details.closingDateTime.slice(0, 10)).toBe('2027-04-30');
    // Create again, even after a restart (a redelivery Teams makes, or a second press): the same deal, never a second.
    await h.restart();
    const again = await h.clickCard(ana, 'createDeal', button(review, 'Create deal').data);
    expect(button(again, 'Edit').data.referralId).toBe(button(created, 'Edit').data.referralId);
    expect(await h.app.store.list('referral', FABRIKAM)).toHaveLength(1);
    expect((await h.app.store.list('referral', OUR_TENANT)).filter((r) => r.name === 'Litware analytics')).toHaveLength(1);
    // Its steps can't be changed any more: the card says where the deal is.
    const stale = await h.click(ana, 'newDeal', { ...button(review, 'Back').data });
    expect(stale.value.message).toMatch(/already created/);
  });

  it('a partner that can’t be added stops on the partner step, shown by name, with the reason next to the field', async () => {
    const card = await toPartners();
    const refused = await press(ana, card, 'Review', { partnerOrgId: FABRIKAM, partnerDealValue: '3000', partnerSolutionIds: 'sol-ts-landing' });
    expect(cardText(refused)).toContain('New deal · Partner invitations');
    expect(cardText(refused)).toContain('Fabrikam Consulting can bring only its own solutions; Tailspin Azure Landing Zone is not.');
    expect(JSON.stringify(refused)).toContain('{"title":"Fabrikam Consulting","value":"' + FABRIKAM + '"}');
    // Once the partner is known, only its own solutions are offered.
    const offered = (JSON.stringify(refused).match(/"id":"partnerSolutionIds".*?"choices":(\[.*?\])/) ?? [])[1]!;
    expect(offered).toContain('sol-fab-migrate');
    expect(offered).not.toContain('sol-ts-landing');
    expect(await h.app.store.list('referral')).toEqual([]);
  });
});

describe('pickers tell the truth', () => {
  it('customers are found by any word of name, city, country or D-U-N-S, ignoring case and accents, in the typeahead and the Search button', async () => {
    await h.app.store.commit([{ kind: 'customer', put: { id: 'cust-nandu', name: 'Ñandú Logística', address: { city: 'Sevilla', country: 'ES' } } }]);
    const titles = async (query: string) => (await h.search(ana, 'customers', query)).value.results!.map((r) => r.title);
    expect(await titles('madrid')).toEqual(['Contoso Iberia S.L. · Madrid, ES · D-U-N-S 461234567']);
    expect(await titles('080912399')).toEqual(['Contoso Ltd · Redmond, US · D-U-N-S 080912399']);
    expect(await titles('contoso ltd')).toEqual(['Contoso Ltd · Redmond, US · D-U-N-S 080912345', 'Contoso Ltd · Redmond, US · D-U-N-S 080912399']);
    expect(await titles('nandu')).toEqual(['Ñandú Logística · Sevilla, ES']);
    expect(await titles('spain')).toHaveLength(2);
    const start = await h.clickCard(ana, 'newDeal');
    const found = await press(ana, start, 'Search', { customerSearch: 'NANDU sevilla' });
    expect(JSON.stringify(found)).toContain('{"title":"Ñandú Logística · Sevilla, ES","value":"cust-nandu"}');
    expect(JSON.stringify(found)).not.toContain('cust-litware');
  });

  it('solutions are grouped by owner; a solution that can’t be attached is not offered', async () => {
    const start = await h.clickCard(ana, 'newDeal');
    const card = await press(ana, start, 'Next', { customerId: 'cust-litware', name: 'Grouped', dealValue: '10', currency: 'USD', closingDateTime: '2027-01-31' });
    const titles = JSON.parse(JSON.stringify(card)).body.flatMap((b: any) => b.items ?? []).find((i: any) => i.id === 'solutionIds').choices.map((c: any) => c.title);
    expect(titles.slice(0, 3)).toEqual(['Microsoft · Dynamics 365', 'Microsoft · Microsoft 365', 'Microsoft · Microsoft Azure']);
    expect(titles).toContain('Adatum Security · Adatum Managed Sentinel (Co-sell ready)');
    expect(titles.join('\n')).not.toContain('Not co-sell ready');
    expect(titles).not.toContain('Adatum Security · Adatum Pen Testing (Not co-sell ready)');
  });
});

describe('text from people is text', () => {
  const HOSTILE = '[URGENT: re-verify your Partner Center login](https://evil.example) **now** <a href="https://evil.example">x</a>';
  const SHORT = '[Click](https://evil.example)';

  it('a hostile referral and deal pass through every card without one link the bot did not make', async () => {
    await h.say(fay, 'help');
    const person = (first: string, email: string) => ({ firstName: first, lastName: '# Heading', phoneNumber: '555 0100', email });
    await webhook({
      ...fixture,
      id: 'pc-hostile',
      name: HOSTILE,
      customerProfile: { ...fixture.customerProfile, name: `# ${HOSTILE}`, team: [person(SHORT, 'sue@contoso.example')] },
      details: { ...fixture.details, notes: `_${HOSTILE}_`, closingDateTime: '2027-06-30T00:00:00Z', dealValue: 125000.5, currency: 'EUR' },
      team: [person(SHORT, 'ms@microsoft.example')],
      inviteContext: { notes: HOSTILE, invitedBy: { organizationId: 'msft', name: 'Microsoft' } },
    });
    const cards: Card[] = [];
    const [alert] = await alertsTo(ana);
    cards.push(cardOf(alert!.body));
    const list = await h.say(ana, 'inbound');
    cards.push(list);
    const open = (await h.press(ana, list, 'Open')).posted[0]!;
    // A decline refused (no reason) shows the decline form with the hostile text around it.
    cards.push(open, await acceptForm(ana, open), await press(ana, open, 'Decline'));
    const accepted = await press(ana, await acceptForm(ana, open), 'Accept', { notes: HOSTILE, firstName: SHORT, phoneNumber: '555 0102', email: 'al@partner.example' });
    cards.push(accepted);
    for (const title of formButtons(accepted)) cards.push(await press(ana, accepted, title));
    const id = String(button(accepted, 'Edit').data.referralId);
    cards.push(await h.clickCard(ana, 'open', { referralId: id, view: 'notes' }), await h.clickCard(ana, 'open', { referralId: id, view: 'team' }));
    cards.push(await h.say(ana, `find ${SHORT}`));
    // A seller's own deal with the same text, through the new-deal cards to the partner's alert.
    let step = await h.clickCard(ana, 'newDeal');
    step = await press(ana, step, 'Next', { newCustomerName: HOSTILE.slice(0, 200), newCustomerCountry: 'US', name: HOSTILE, dealValue: '10', currency: 'USD', closingDateTime: '2027-01-31', notes: HOSTILE });
    step = await press(ana, step, 'Next', { m0FirstName: SHORT, m0Phone: '555 0100', m0Email: 'ana@partner.example', solutionIds: 'sol-ms-azure' });
    step = await press(ana, step, 'Invite partners', { helpType: 'None' });
    const review = await press(ana, step, 'Review', { partnerOrgId: FABRIKAM, partnerDealValue: '5', partnerSolutionIds: 'sol-fab-migrate', partnerNotes: HOSTILE });
    const created = await press(ana, review, 'Create deal');
    cards.push(step, review, created);
    for (const title of formButtons(created)) cards.push(await press(ana, created, title));
    expect(formButtons(created)).toContain('Invite');
    const [toFay] = await alertsTo(fay);
    cards.push(cardOf(toFay!.body));
    // The message extension: previews and cards.
    const me = await postActivity(h.app.url, { ...messageExtensionQuery(ana, 'evil') });
    const attachments = (me.body as { composeExtension: { attachments: { content: Card; preview: { content: Record<string, string> } }[] } }).composeExtension.attachments;
    expect(attachments.length).toBeGreaterThan(0);
    for (const a of attachments) {
      cards.push(a.content);
      expect(a.preview.content.text ?? '').not.toContain('evil.example');
    }

    for (const card of cards) {
      expect(markdownStrings(card).filter((s) => s.includes('evil.example') || s.includes('**now**'))).toEqual([]);
      expect(cardProblems(card)).toEqual([]);
    }
    // The text is there, as typed: in runs that render no markdown.
    expect(cardText(open)).toContain(HOSTILE);
    expect(cardText(open)).toContain(`# ${HOSTILE}`);
    expect(cardText(accepted)).toContain(HOSTILE);
  });
});

describe('numbers are exact', () => {
  it('125000.5 EUR reads €125,000.50 on the alert, the list and the message-extension preview; no private label on an inbound referral', async () => {
    await webhook({ ...fixture, id: 'pc-money', details: { ...fixture.details, dealValue: 125000.5, currency: 'EUR', closingDateTime: '2027-06-30T00:00:00Z' } });
    const [alert] = await alertsTo(ana);
    expect(cardText(cardOf(alert!.body))).toContain('€125,000.50');
    expect(cardText(cardOf(alert!.body))).not.toContain('keep the deal private');
    expect(cardText(await h.say(ana, 'inbound'))).toContain('€125,000.50');
    const me = await postActivity(h.app.url, messageExtensionQuery(ana, ''));
    const previews = (me.body as { composeExtension: { attachments: { preview: { content: { subtitle: string } } }[] } }).composeExtension.attachments.map((a) => a.preview.content.subtitle);
    expect(previews).toEqual(['Contoso Customer Inc · Received · €125,000.50']);
  });
});

describe('cards fit Teams', () => {
  it('the largest referral the webhook accepts: the alert message, the deal card with every form and the logs stay under 40 KB', async () => {
    const long = (n: number, unit = 'ñ') => unit.repeat(n);
    const contact = (i: number) => ({ firstName: `${i}${long(98)}`, lastName: long(100), phoneNumber: `+${String(i).padStart(2, '0')} ${'5'.repeat(36)}`, email: `m${i}.${'x'.repeat(150)}@partner.example` });
    await webhook({
      ...fixture,
      id: 'pc-huge',
      name: long(200, '€'),
      customerProfile: { ...fixture.customerProfile, name: long(200, '€'), team: Array.from({ length: 50 }, (_, i) => contact(i)) },
      details: { ...fixture.details, notes: long(4000, '€'), closingDateTime: '2027-06-30T00:00:00Z' },
      team: Array.from({ length: 50 }, (_, i) => contact(i + 50)),
      target: Array.from({ length: 50 }, (_, i) => ({ type: 'SolutionProfile', id: `SOL-${i}-${'x'.repeat(180)}` })),
      inviteContext: { notes: long(4000, '€'), invitedBy: { organizationId: 'msft', name: 'Microsoft' } },
    });
    const [alert] = await alertsTo(ana);
    expect(size(alert!.body)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    const open = cardOf(alert!.body);
    expect(cardText(open)).toContain('and 42 more');
    const cards: Card[] = [open, await acceptForm(ana, open), await press(ana, open, 'Decline')];
    const accepted = await press(ana, await acceptForm(ana, open), 'Accept', { notes: long(4000, '€') });
    const id = String(button(accepted, 'Edit').data.referralId);
    const caller = { tenantId: OUR_TENANT, userId: ana.aadObjectId };
    for (let i = 0; i < 12; i++) {
      const { referral } = await h.app.lifecycle.get(caller, id);
      await h.app.lifecycle.addNote(caller, id, referral.version, { text: `${i} ${long(3990, '€')}` });
    }
    const full = await h.clickCard(ana, 'open', { referralId: id });
    expect(actions(full).map((a) => a.title)).toEqual(expect.arrayContaining(['All notes (14)', 'Whole team (50)']));
    cards.push(full);
    for (const title of formButtons(full)) cards.push(await press(ana, full, title));
    for (let page = 0; page < 8; page++) cards.push(await h.clickCard(ana, 'open', { referralId: id, view: 'notes', page }));
    cards.push(await h.clickCard(ana, 'open', { referralId: id, view: 'team', page: 1 }));
    for (const card of cards) expect(size(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    // Every message the bot sent (the alert, the card updates) fits too.
    await h.app.cardUpdates.drain();
    for (const r of h.connector.sent.filter((s) => s.method === 'POST' || s.method === 'PUT')) expect(size(r.body)).toBeLessThanOrEqual(MAX_CARD_BYTES);
  });
});

describe('one verb table', () => {
  it('a form the viewer may not use is not opened: the card says why', async () => {
    await h.say(sam, 'help');
    await webhook({ ...fixture, id: 'pc-verbs', details: { ...fixture.details, closingDateTime: '2027-06-30T00:00:00Z' } });
    const referral = (await h.app.store.list('referral', OUR_TENANT))[0]!;
    const card = await h.clickCard(sam, 'showForm', { referralId: referral.id, version: referral.version, form: 'accept' });
    expect(cardText(card)).toContain('Only people on this deal’s team and your referrals admins can do that now.');
    expect(JSON.stringify(card)).not.toContain('"id":"dealValue"');
    const acted = await h.clickCard(sam, 'accept', { referralId: referral.id, version: referral.version, name: 'x', dealValue: '1', currency: 'USD', closingDateTime: '2027-01-01' });
    expect(cardText(acted)).toContain('Only people on this deal’s team and your referrals admins can change it.');
    expect((await h.app.store.get('referral', referral.id))!.substatus).toBe('Received');
  });
});

function messageExtensionQuery(user: TeamsUser, query: string) {
  return {
    type: 'invoke',
    name: 'composeExtension/query',
    id: `me-${Math.random()}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: h.connector.url,
    from: { id: `29:${user.aadObjectId}`, aadObjectId: user.aadObjectId, name: user.name },
    recipient: { id: '28:bot', name: 'Co-sell Bot' },
    conversation: { id: personalConversationId(user), conversationType: 'personal', tenantId: user.tenantId },
    channelData: { tenant: { id: user.tenantId } },
    locale: 'en-US',
    value: { commandId: 'searchDeals', parameters: [{ name: 'query', value: query }], queryOptions: { skip: 0, count: 25 } },
  };
}

void TAILSPIN;
