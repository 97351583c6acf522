// Every card template, expanded by its builder with representative and extreme data, must be a
// valid Adaptive Card 1.5 (cardProblems), carry the deal's version on every action that changes a
// deal, and show exactly the buttons the viewer may use. Views come from the real lifecycle
// service; only the extreme sizes (50 team members, 50 solutions, 50 notes) are synthetic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dealCard, dealFieldNames, dealForms, type DealCardOptions, type DealField, type DealForm } from '../cards/deal.js';
import { listCard, type ListKind } from '../cards/list.js';
import { newDealCard, newDealFieldNames, newDealSteps, type NewDealCardData, type NewDealField, type NewDealStep } from '../cards/new-deal.js';
import { banner, expand, type Banner, type Card } from '../cards/render.js';
import { welcomeCard } from '../cards/welcome.js';
import welcomeTemplate from '../cards/welcome.json' with { type: 'json' };
import { DAY_MS } from '../services/clock.js';
import type { Caller } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import type { ListItem, Page, ReferralView } from '../services/lifecycle.js';
import type { Contact, Customer, Organization, Referral, Solution } from '../services/model.js';
import { cardProblems, MAX_CARD_BYTES } from './helpers/card-check.js';
import { ADATUM, CONTOSO_PARTNER, FABRIKAM, NORTHWIND, customerContact, dealInput, makeWorld, member, partnerInvitation, type World } from './helpers/world.js';
import { formOf } from '../bot/deal-actions.js';

// ---------------------------------------------------------------------------------------------
// Reading cards
// ---------------------------------------------------------------------------------------------

type Node = Record<string, unknown>;
interface Execute extends Node {
  type: 'Action.Execute';
  title?: string;
  verb?: string;
  data?: unknown;
  style?: string;
}

/** Every object in a card, depth first. */
function nodes(root: unknown): Node[] {
  const out: Node[] = [];
  const visit = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      out.push(n as Node);
      Object.values(n).forEach(visit);
    }
  };
  visit(root);
  return out;
}

const isExecute = (n: Node): n is Execute => n.type === 'Action.Execute';
/** The buttons the user sees (the body's actions, select actions included; not the refresh action). */
const buttons = (card: Card): Execute[] => nodes(card.body).filter(isExecute);
const dataOf = (a: Execute): Node => (a.data && typeof a.data === 'object' ? (a.data as Node) : {});
const inputs = (card: Card): Node[] => nodes(card.body).filter((n) => typeof n.type === 'string' && n.type.startsWith('Input.'));
const inputIds = (card: Card): string[] => inputs(card).map((n) => String(n.id));
const input = (card: Card, id: string): Node | undefined => inputs(card).find((n) => n.id === id);
const textBlocks = (card: Card): Node[] => nodes(card.body).filter((n) => n.type === 'TextBlock');
const facts = (card: Card): { title: string; value: string }[] =>
  nodes(card.body).filter((n) => n.type === 'FactSet').flatMap((n) => n.facts as { title: string; value: string }[]);
/** Everything a reader sees as text. */
const cardText = (card: Card): string =>
  [...textBlocks(card).map((t) => String(t.text)), ...facts(card).map((f) => `${f.title}: ${f.value}`), ...buttons(card).map((b) => String(b.title))].join('\n');
const bytes = (card: Card) => Buffer.byteLength(JSON.stringify(card));

/** Verbs that change a deal (or open a form to change it): their data must name the version the user saw. */
const versionedVerbs = ['accept', 'decline', 'edit', 'addTeam', 'solutions', 'addNote', 'invite', 'won', 'lost', 'showForm'];

/** Problems with the optimistic-concurrency data of a card's actions (the refresh action included). */
function versionProblems(card: Card, expected?: number): string[] {
  const problems: string[] = [];
  for (const a of nodes(card).filter(isExecute)) {
    const data = dataOf(a);
    const changes = versionedVerbs.includes(String(a.verb));
    if (changes && (typeof data.referralId !== 'string' || data.referralId === '')) problems.push(`"${a.title}" (${a.verb}) names no referralId`);
    if (!changes || !('referralId' in data)) continue;
    if (typeof data.version !== 'number' || !Number.isInteger(data.version) || data.version < 1) {
      problems.push(`"${a.title}" (${a.verb}) carries version ${JSON.stringify(data.version)}, not a positive integer`);
    } else if (expected !== undefined && data.version !== expected) {
      problems.push(`"${a.title}" (${a.verb}) carries version ${data.version}, the deal is at ${expected}`);
    }
  }
  return problems;
}

/** The form each allowed action opens: the bot's own map. */
const formOfAction = formOf;

/** The verb each form's submit button sends. */
const submitVerb: Record<DealForm, string> = {
  accept: 'accept',
  decline: 'decline',
  edit: 'edit',
  team: 'addTeam',
  solutions: 'solutions',
  note: 'addNote',
  invite: 'invite',
  won: 'won',
  lost: 'lost',
};

/** Differences between a deal card without a form and what view.allowed permits. */
function buttonProblems(card: Card, view: ReferralView): string[] {
  const problems: string[] = [];
  const all = buttons(card);
  const expected = Object.entries(formOfAction)
    .filter(([action]) => view.allowed[action as keyof typeof formOfAction])
    .map(([, form]) => form)
    .sort();
  const shown = all.filter((b) => b.verb === 'showForm').map((b) => String(dataOf(b).form)).sort();
  if (JSON.stringify(shown) !== JSON.stringify(expected)) problems.push(`form buttons [${shown.join(', ')}], allowed [${expected.join(', ')}]`);
  const hearts = all.filter((b) => b.verb === 'favorite');
  if (hearts.length !== (view.allowed.favorite ? 1 : 0)) problems.push(`${hearts.length} favorite buttons`);
  for (const heart of hearts) {
    if (dataOf(heart).favorite !== !view.favorite) problems.push(`the heart sends favorite=${String(dataOf(heart).favorite)} on a deal whose favorite is ${view.favorite}`);
  }
  const other = all.filter((b) => b.verb !== 'showForm' && b.verb !== 'favorite');
  if (other.length > 0) problems.push(`unexpected buttons: ${other.map((b) => `${b.title} (${b.verb})`).join(', ')}`);
  return problems;
}

/** The checks every deal card passes. */
function expectValidDeal(card: Card, view: ReferralView): void {
  expect(cardProblems(card)).toEqual([]);
  expect(versionProblems(card, view.referral.version)).toEqual([]);
  expect(bytes(card)).toBeLessThan(MAX_CARD_BYTES);
}

/** The checks every card passes. */
function expectValid(card: Card): void {
  expect(cardProblems(card)).toEqual([]);
  expect(versionProblems(card)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

/** Text of exactly n characters made of words, not ending in a space (inputs are trimmed). */
function filler(prefix: string, n: number): string {
  const words = 'global supply chain modernisation with analytics, security and data migration across every region';
  let s = prefix;
  while (s.length < n) s += ` ${words}`;
  s = s.slice(0, n);
  return s.endsWith(' ') ? `${s.slice(0, -1)}x` : s;
}

const pad = (i: number) => String(i).padStart(2, '0');
const acceptInput = (name: string) => ({ name, dealValue: 15000, currency: 'EUR', closingDateTime: '2027-01-15', team: [member('Fay', 'fay@fabrikam.example')] });
const registration = { contractSignedDate: '2026-12-01', wonValue: 48000, currency: 'USD', contractId: 'INV-2026-1001', azureSubscriptionId: '0f8fad5b-d9cb-469f-a165-70867728950e', notes: 'Signed by the CFO.' };

const viewNames = [
  'received', // Fabrikam: a Received co-sell referral from Microsoft (inbound)
  'p2pReceived', // Fabrikam: a Received P2P referral from us (inbound)
  'msReceived', // Microsoft: the Received co-sell referral from our deal (inbound)
  'privateOut', // us: a private deal with CRM id, campaign id, note and customer contact (Accepted, outbound)
  'coSellOut', // us: a co-sell deal (Accepted, outbound)
  'p2pOut', // us: a P2P deal, Fabrikam accepted and Northwind declined (Accepted, outbound)
  'p2pIn', // Fabrikam: the P2P deal accepted (Accepted, inbound)
  'coSellIn', // Fabrikam: Microsoft's referral accepted (Accepted, inbound)
  'incentivized', // us: Accepted, with an incentivized solution (won needs registration)
  'won', // us: Won with registration
  'lost', // us: Lost to a competitor
  'declined', // Northwind: the P2P referral declined
  'expired', // Adatum: a P2P referral nobody answered
  'favorite', // us: privateOut with the heart on
  'readOnly', // our seller, not on privateOut's team: may look, not act
  'long', // us: 200-character deal and customer names, 2000-character notes, 100-character team names
  'sparse', // us: no CRM id, no campaign id, no notes, no customer contact, no D-U-N-S, no city
] as const;
type ViewName = (typeof viewNames)[number];

let w: World;
let now: Date;
const views = {} as Record<ViewName, ReferralView>;
let attachable: Solution[];
let partners: Organization[];
let recentContacts: Contact[];
let adatum: Caller;

/** The options the bot passes with a form (deal-actions.ts card()). */
const formOptions = (extra: Partial<DealCardOptions> = {}): DealCardOptions => ({ now, attachable, partners, recentContacts, ...extra });

const inboxItem = async (caller: Caller, name: string): Promise<Referral> => {
  const found = [...(await w.service.list(caller, 'inbound', 0, 50)).items, ...(await w.service.list(caller, 'archive', 0, 50)).items].find((i) => i.referral.name === name);
  if (!found) throw new Error(`no referral "${name}" for ${caller.tenantId}`);
  return found.referral;
};

beforeAll(async () => {
  w = await makeWorld();
  adatum = { tenantId: ADATUM, userId: 'u-ada' };
  await w.directory.ensurePerson(adatum, { name: 'Ada Adatum', email: 'ada@adatum.example' });

  // Expired first: the clock moves 15 days, every other deal is created after that.
  await w.service.createDeal(w.admin, dealInput({ name: 'Adatum security review', partners: [partnerInvitation(ADATUM)] }));
  w.clock.advance(15 * DAY_MS);
  await w.service.expireDue();
  views.expired = await w.service.get(adatum, (await inboxItem(adatum, 'Adatum security review')).id);
  now = w.clock.now();

  const woodgrove = { name: 'Woodgrove Bank', duns: '987654321', address: { city: 'New York', country: 'US' } };
  await w.service.createDeal(
    w.microsoft,
    dealInput({
      name: 'Woodgrove data platform',
      customer: woodgrove,
      dealValue: 250000,
      customerContact,
      consentToShare: true,
      team: [member('Mia', 'mia@microsoft.example')],
      partners: [partnerInvitation(FABRIKAM, { dealValue: 80000, notes: 'The customer asked for an EU migration partner. Can you take the data migration?' })],
    }),
  );
  views.received = await w.service.get(w.fabrikam, (await inboxItem(w.fabrikam, 'Woodgrove data platform')).id);
  views.coSellIn = await w.service.accept(w.fabrikam, views.received.referral.id, views.received.referral.version, acceptInput('Woodgrove data platform'));

  views.privateOut = await w.service.createDeal(
    w.admin,
    dealInput({ externalReferenceId: 'CRM-1001', campaignId: 'CMP-2026-Q4', notes: 'Kick-off call went well.', customerContact, consentToShare: true }),
  );
  views.favorite = await w.service.setFavorite(w.admin, views.privateOut.referral.id, true);
  views.readOnly = await w.service.get(w.seller, views.privateOut.referral.id);

  views.coSellOut = await w.service.createDeal(
    w.admin,
    dealInput({ name: 'Contoso AI pilot', helpType: 'ProofOfConceptOrDemo', customerContact, consentToShare: true, notes: 'The customer wants a proof of concept in January.' }),
  );
  views.msReceived = await w.service.get(w.microsoft, (await inboxItem(w.microsoft, 'Contoso AI pilot')).id);

  const litware = { name: 'Litware Inc', duns: '123456789', address: { city: 'Sydney', country: 'AU' } };
  const p2p = await w.service.createDeal(
    w.admin,
    dealInput({ name: 'Litware supply chain', customer: litware, customerContact, consentToShare: true, partners: [partnerInvitation(FABRIKAM), partnerInvitation(NORTHWIND)] }),
  );
  views.p2pReceived = await w.service.get(w.fabrikam, (await inboxItem(w.fabrikam, 'Litware supply chain')).id);
  views.p2pIn = await w.service.accept(w.fabrikam, views.p2pReceived.referral.id, 1, acceptInput('Litware supply chain'));
  const northwinds = await inboxItem(w.northwind, 'Litware supply chain');
  views.declined = await w.service.decline(w.northwind, northwinds.id, northwinds.version, { reason: 'NoCapacity', notes: 'Fully booked until March.' });
  views.p2pOut = await w.service.get(w.admin, p2p.referral.id);

  views.incentivized = await w.service.createDeal(w.admin, dealInput({ name: 'Contoso landing zone', solutionIds: ['sol-fab-migrate', 'sol-ms-azure'] }));
  const toWin = await w.service.createDeal(w.admin, dealInput({ name: 'Contoso migration factory', solutionIds: ['sol-fab-migrate'] }));
  views.won = await w.service.markWon(w.admin, toWin.referral.id, toWin.referral.version, { registration });
  const toLose = await w.service.createDeal(w.admin, dealInput({ name: 'Contoso warehouse robots' }));
  views.lost = await w.service.markLost(w.admin, toLose.referral.id, toLose.referral.version, { reason: 'LostToCompetitor', notes: 'They went with a cheaper offer.' });

  const long = await w.service.createDeal(
    w.admin,
    dealInput({
      name: filler('LONGDEAL', 200),
      customer: { name: filler('LONGCUSTOMER', 200), duns: '080912345', address: { city: filler('City', 100), country: 'US' } },
      notes: filler('LONGNOTE-1', 2000),
      team: [{ firstName: filler('First', 100), lastName: filler('Last', 100), phoneNumber: '+1 (425) 555-0100 12345', email: 'ana.maria.de.los.angeles.long-surname@partner-subsidiary.example' }],
      customerContact: { ...customerContact, firstName: filler('Sue', 100), lastName: filler('Smith', 100) },
      consentToShare: true,
      externalReferenceId: filler('CRM', 100),
      campaignId: filler('CMP', 100),
    }),
  );
  views.long = await w.service.addNote(w.admin, long.referral.id, long.referral.version, { text: `${filler('LONGNOTE-2', 1000)}\n\n${filler('second paragraph', 998)}` });

  views.sparse = await w.service.createDeal(w.admin, dealInput({ name: 'Relecloud pilot', customer: { name: 'Relecloud', address: { country: 'FR' } } }));

  attachable = await w.directory.attachableSolutions(CONTOSO_PARTNER);
  partners = await w.directory.searchPartners('', CONTOSO_PARTNER);
  recentContacts = await w.service.recentContacts(w.admin);
}, 30_000);

afterAll(() => w?.close());

// Synthetic extremes: a real view with 50 team members, 50 solutions and 50 notes.
function hugeView(noteLength = 300): ReferralView {
  const base = views.p2pOut;
  const solutions: Solution[] = Array.from({ length: 50 }, (_, i) => ({
    ...attachable[0]!,
    id: `sol-synthetic-${pad(i)}`,
    name: `Synthetic solution ${pad(i)} for data, AI and security`,
    coSellStatus: (['CoSellReady', 'AzureIpCoSellIncentivized', 'BizAppsCoSellIncentivizedStandard', 'BizAppsCoSellIncentivizedPremium'] as const)[i % 4]!,
  }));
  const team: Contact[] = Array.from({ length: 50 }, (_, i) => ({ firstName: `Member${pad(i)}`, lastName: 'Of-the-deal-team', phoneNumber: '+1 425 555 0100', email: `member${pad(i)}@partner.example` }));
  const notes = Array.from({ length: 50 }, (_, i) => ({
    at: new Date(now.getTime() - (50 - i) * 3_600_000).toISOString(),
    byOrgId: CONTOSO_PARTNER,
    byName: 'Ana Admin',
    text: filler(`[note-${pad(i)}]`, noteLength),
  }));
  return { ...base, referral: { ...base.referral, team, solutionIds: solutions.map((s) => s.id), notes }, solutions, needsRegistration: true };
}

// ---------------------------------------------------------------------------------------------
// The checks themselves can fail
// ---------------------------------------------------------------------------------------------

describe('the card checks report broken cards', () => {
  const welcome = () => welcomeCard({ userName: 'Ana Admin', orgName: 'Contoso Partner', role: 'admin' });

  it('a valid card passes', () => {
    expect(cardProblems(welcome())).toEqual([]);
  });

  it('reports an unexpanded ${x}, from a template expanded without its data and from a hand-made card', () => {
    const card = expand(welcomeTemplate, {});
    expect(cardProblems(card).join('\n')).toMatch(/unexpanded template expression/);
    const hand = welcome();
    (hand.body as Node[]).push({ type: 'TextBlock', text: 'Hello ${x}' });
    expect(cardProblems(hand).join('\n')).toMatch(/unexpanded template expression.*\$\{x\}/);
  });

  it('reports an Action.Execute without a verb, and an Action.Submit', () => {
    const card = welcome();
    const execute = buttons(card).find((b) => b.title === 'Archive')!;
    delete execute.verb;
    (card.body as Node[]).push({ type: 'ActionSet', actions: [{ type: 'Action.Submit', title: 'Old style' }] });
    const problems = cardProblems(card).join('\n');
    expect(problems).toMatch(/Action.Execute "Archive" has no verb/);
    expect(problems).toMatch(/Action.Submit "Old style"/);
  });

  it('reports cards over 80 KB, of another version, with an input without id, an unknown element or an empty choice set', () => {
    const card = welcome();
    (card.body as Node[]).push({ type: 'TextBlock', text: 'x'.repeat(MAX_CARD_BYTES) });
    expect(cardProblems(card).join('\n')).toMatch(/over 81920/);
    expect(cardProblems({ ...welcome(), version: '1.6' }).join('\n')).toMatch(/not an AdaptiveCard 1.5/);
    const broken = welcome();
    (broken.body as Node[]).push({ type: 'Input.Text', label: 'No id' }, { type: 'Bogus' }, { type: 'Input.ChoiceSet', id: 'c', choices: [] });
    const problems = cardProblems(broken).join('\n');
    expect(problems).toMatch(/unique Id/);
    expect(problems).toMatch(/Unknown element type "Bogus"/);
    expect(problems).toMatch(/at least one choice/);
  });

  it('versionProblems reports a missing, textual, stale or absent referralId/version on a changing verb', () => {
    const view = views.privateOut;
    const card = dealCard(view, { now });
    expect(versionProblems(card, view.referral.version)).toEqual([]);
    const [first, second, third] = buttons(card).filter((b) => b.verb === 'showForm');
    delete dataOf(first!).version;
    dataOf(second!).version = String(view.referral.version);
    delete dataOf(third!).referralId;
    const problems = versionProblems(card, view.referral.version);
    expect(problems).toHaveLength(3);
    expect(versionProblems(dealCard(view, { now }), view.referral.version + 1)).not.toEqual([]);
  });

  it('buttonProblems reports buttons the viewer may not use, and missing ones', () => {
    const card = dealCard(views.won, { now });
    expect(buttonProblems(card, views.won)).toEqual([]);
    expect(buttonProblems(dealCard(views.privateOut, { now }), views.won)).not.toEqual([]);
    expect(buttonProblems(card, { ...views.won, allowed: { ...views.won.allowed, lost: true } })).toEqual(['form buttons [], allowed [lost]']);
    expect(buttonProblems(card, { ...views.won, favorite: !views.won.favorite })[0]).toMatch(/the heart sends/);
  });
});

// ---------------------------------------------------------------------------------------------
// The deal card
// ---------------------------------------------------------------------------------------------

describe('deal card', () => {
  const expectations: Record<ViewName, { stage: string; subtitle: string }> = {
    received: { stage: 'Received', subtitle: 'Co-sell · Inbound' },
    p2pReceived: { stage: 'Received', subtitle: 'Partner to partner · Inbound' },
    msReceived: { stage: 'Received', subtitle: 'Co-sell · Inbound' },
    privateOut: { stage: 'Accepted', subtitle: 'Private · Outbound' },
    coSellOut: { stage: 'Accepted', subtitle: 'Co-sell · Outbound' },
    p2pOut: { stage: 'Accepted', subtitle: 'Partner to partner · Outbound' },
    p2pIn: { stage: 'Accepted', subtitle: 'Partner to partner · Inbound' },
    coSellIn: { stage: 'Accepted', subtitle: 'Co-sell · Inbound' },
    incentivized: { stage: 'Accepted', subtitle: 'Private · Outbound' },
    won: { stage: 'Won', subtitle: 'Private · Outbound' },
    lost: { stage: 'Lost', subtitle: 'Private · Outbound' },
    declined: { stage: 'Declined', subtitle: 'Partner to partner · Inbound' },
    expired: { stage: 'Expired', subtitle: 'Partner to partner · Inbound' },
    favorite: { stage: 'Accepted', subtitle: 'Private · Outbound' },
    readOnly: { stage: 'Accepted', subtitle: 'Private · Outbound' },
    long: { stage: 'Accepted', subtitle: 'Private · Outbound' },
    sparse: { stage: 'Accepted', subtitle: 'Private · Outbound' },
  };

  describe.each(viewNames)('%s', (name) => {
    it('is valid, names its stage, type and direction, and shows exactly the allowed buttons', () => {
      const view = views[name];
      expect(view.referral.substatus).toBe(expectations[name].stage);
      const card = dealCard(view, { now });
      expectValidDeal(card, view);
      expect(buttonProblems(card, view)).toEqual([]);
      const text = cardText(card);
      expect(textBlocks(card).map((t) => t.text)).toContain(expectations[name].subtitle);
      expect(textBlocks(card).map((t) => t.text)).toContain(expectations[name].stage);
      expect(text).toContain(view.referral.name);
      expect(facts(card)).toContainEqual({ title: 'Deal id', value: view.referral.id });
    });

    it('is valid with every banner style', () => {
      for (const style of ['good', 'attention', 'warning', 'accent'] as const) {
        const card = dealCard(views[name], { now, banner: banner(style, `A ${style} banner: the deal was updated by Ana Admin.`) });
        expectValidDeal(card, views[name]);
        const box = nodes(card.body).find((n) => n.type === 'Container' && n.style === style);
        expect(cardText({ body: [box] })).toContain(`A ${style} banner`);
      }
    });
  });

  it('shows no banner container without a banner', () => {
    const card = dealCard(views.privateOut, { now });
    expect(cardText(card)).not.toMatch(/banner/);
    expect(nodes(card.body).filter((n) => n.type === 'Container' && typeof n.style === 'string')).toEqual([]);
  });

  it('a terminal deal (won, lost, declined, expired) has only the favorite button and says it is archived', () => {
    for (const name of ['won', 'lost', 'declined', 'expired'] as const) {
      const card = dealCard(views[name], { now });
      expect(buttons(card).map((b) => b.verb)).toEqual(['favorite']);
      expect(cardText(card)).toMatch(new RegExp(`Archived: ${views[name].referral.substatus} on .* Nothing can change any more`));
    }
  });

  it('a Received referral shows the days left, who sent it and their note, and only Accept, Decline and the heart', () => {
    const card = dealCard(views.received, { now });
    const text = cardText(card);
    expect(text).toContain('14 days left to respond');
    expect(text).toContain('From Microsoft (Mia Microsoft): “The customer asked for an EU migration partner.');
    expect(buttons(card).map((b) => b.title)).toEqual(['Accept', 'Decline', '♡ Favorite']);
  });

  it('shows the registration of a won deal, the reason of a lost, declined and expired one', () => {
    expect(facts(dealCard(views.won, { now }))).toContainEqual({ title: 'Registered', value: 'INV-2026-1001, $48,000' });
    expect(facts(dealCard(views.lost, { now }))).toContainEqual({ title: 'Reason', value: 'Lost to a competitor' });
    expect(facts(dealCard(views.declined, { now }))).toContainEqual({ title: 'Reason', value: 'We have no capacity right now' });
    expect(facts(dealCard(views.expired, { now }))).toContainEqual({ title: 'Reason', value: 'No answer within 14 days' });
  });

  it('shows the other participants and their stages', () => {
    const text = cardText(dealCard(views.p2pOut, { now }));
    expect(text).toContain('Fabrikam Consulting: Accepted');
    expect(text).toContain('Northwind Analytics: Declined');
  });

  it('the heart says whether the deal is a favorite and sends the opposite', () => {
    const off = buttons(dealCard(views.privateOut, { now })).find((b) => b.verb === 'favorite')!;
    const on = buttons(dealCard(views.favorite, { now })).find((b) => b.verb === 'favorite')!;
    expect([off.title, dataOf(off).favorite]).toEqual(['♡ Favorite', true]);
    expect([on.title, dataOf(on).favorite]).toEqual(['♥ Favorite', false]);
    expect(views.favorite.referral.version).toBe(views.privateOut.referral.version);
  });

  it('someone who may not act on the deal sees only the heart', () => {
    expect(Object.entries(views.readOnly.allowed).filter(([, v]) => v).map(([k]) => k)).toEqual(['favorite']);
    expect(buttons(dealCard(views.readOnly, { now })).map((b) => b.verb)).toEqual(['favorite']);
  });

  it('refresh names at most 60 users and the deal, without a version', () => {
    const ids = Array.from({ length: 70 }, (_, i) => `29:user-${pad(i)}`);
    const card = dealCard(views.received, { now, refreshUserIds: ids });
    expectValidDeal(card, views.received);
    const refresh = card.refresh as { userIds: string[]; action: Execute };
    expect(refresh.userIds).toHaveLength(60);
    expect(refresh.userIds).toEqual(ids.slice(0, 60));
    expect(refresh.action).toMatchObject({ verb: 'refresh', data: { referralId: views.received.referral.id } });
    expect(dealCard(views.received, { now }).refresh).toMatchObject({ userIds: [] });
  });

  it('long names and notes are kept whole and the card stays valid', () => {
    const view = views.long;
    expect(view.referral.name).toHaveLength(200);
    expect(view.referral.customerProfile.name).toHaveLength(200);
    expect(view.referral.notes.map((n) => n.text.length)).toEqual([2000, 2000]);
    for (const form of [undefined, ...dealForms]) {
      const card = dealCard(view, formOptions({ form }));
      expectValidDeal(card, view);
      const text = cardText(card);
      expect(text).toContain(view.referral.name);
      expect(text).toContain(view.referral.customerProfile.name);
      if (!form) for (const n of view.referral.notes) expect(text).toContain(n.text);
    }
  });

  it('empty optional fields leave no empty facts or headings', () => {
    const card = dealCard(views.sparse, { now });
    expectValidDeal(card, views.sparse);
    const titles = facts(card).map((f) => f.title);
    for (const absent of ['CRM id', 'Campaign id', 'Customer contact', 'D-U-N-S', 'Reason', 'Registered']) expect(titles).not.toContain(absent);
    expect(facts(card)).toContainEqual({ title: 'Customer', value: 'Relecloud · FR' });
    const headings = textBlocks(card).map((t) => t.text);
    expect(headings).not.toContain('Notes');
    expect(headings).not.toContain('Other participants');
    expect(facts(card).every((f) => f.value.trim() !== '')).toBe(true);
  });

  it('a deal with 50 team members, 50 solutions and 50 notes shows everyone, every solution and the last 10 notes, under 80 KB', () => {
    const view = hugeView();
    const card = dealCard(view, { now, refreshUserIds: Array.from({ length: 70 }, (_, i) => `29:user-${pad(i)}`) });
    expectValidDeal(card, view);
    const text = cardText(card);
    for (let i = 0; i < 50; i++) {
      expect(text).toContain(`member${pad(i)}@partner.example`);
      expect(text).toContain(`Synthetic solution ${pad(i)}`);
    }
    const shown = Array.from({ length: 50 }, (_, i) => i).filter((i) => text.includes(`[note-${pad(i)}]`));
    expect(shown).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(bytes(card)).toBeLessThan(MAX_CARD_BYTES);
  });

  it('the 50/50/50 deal stays under 80 KB with each form open (50 attachable solutions, the partner list)', () => {
    const view = hugeView();
    for (const form of dealForms) {
      const card = dealCard(view, formOptions({ form, attachable: view.solutions, refreshUserIds: Array.from({ length: 60 }, (_, i) => `29:user-${pad(i)}`) }));
      expectValidDeal(card, view);
      if (form === 'solutions') expect((input(card, 'solutionIds')!.choices as unknown[]).length).toBe(50);
    }
  });

  it('the 50/50/50 deal with notes at the longest allowed (4000 characters) stays under 80 KB, with or without a form', () => {
    const view = hugeView(4000);
    for (const form of [undefined, ...dealForms]) {
      // The invite form is the largest: about 71 KB here.
      const card = dealCard(view, formOptions({ form, attachable: view.solutions, refreshUserIds: Array.from({ length: 60 }, (_, i) => `29:user-${pad(i)}`) }));
      expectValidDeal(card, view);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The deal card's forms
// ---------------------------------------------------------------------------------------------

describe('deal card forms', () => {
  /** The views each form is drawn on: the stage it belongs to, in every deal type and direction. */
  const formViews: Record<DealForm, ViewName[]> = {
    accept: ['received', 'p2pReceived', 'msReceived'],
    decline: ['received', 'p2pReceived', 'msReceived'],
    edit: ['privateOut', 'coSellOut', 'p2pOut', 'p2pIn', 'coSellIn', 'long', 'sparse'],
    team: ['privateOut', 'coSellOut', 'p2pOut', 'p2pIn', 'coSellIn', 'sparse'],
    solutions: ['privateOut', 'coSellOut', 'p2pOut', 'p2pIn', 'coSellIn', 'sparse'],
    note: ['privateOut', 'coSellOut', 'p2pOut', 'p2pIn', 'coSellIn', 'sparse'],
    invite: ['privateOut', 'coSellOut', 'p2pOut', 'p2pIn', 'coSellIn', 'sparse'],
    won: ['privateOut', 'incentivized', 'coSellOut', 'p2pIn'],
    lost: ['privateOut', 'coSellOut', 'p2pOut', 'p2pIn', 'coSellIn'],
  };

  /** The inputs the bot reads for each verb (bot/deal-actions.ts apply()). */
  const formInputs: Record<Exclude<DealForm, 'invite' | 'won'>, DealField[]> = {
    accept: ['name', 'dealValue', 'currency', 'closingDateTime', 'notes', 'externalReferenceId', 'campaignId', 'firstName', 'lastName', 'phoneNumber', 'email'],
    decline: ['reason', 'notes'],
    edit: ['name', 'dealValue', 'currency', 'closingDateTime', 'externalReferenceId', 'campaignId', 'notes'],
    team: ['firstName', 'lastName', 'phoneNumber', 'email'],
    solutions: ['solutionIds'],
    note: ['text'],
    lost: ['reason', 'notes'],
  };

  const cases = dealForms.flatMap((form) => formViews[form].map((name) => [form, name] as const));

  it.each(cases)('%s form on %s: valid, the form submit and Cancel are the only buttons, both carry the version', (form, name) => {
    const view = views[name];
    const card = dealCard(view, formOptions({ form }));
    expectValidDeal(card, view);
    expect(buttons(card).map((b) => b.verb)).toEqual([submitVerb[form], 'open']);
    for (const b of buttons(card)) expect(dataOf(b)).toMatchObject({ referralId: view.referral.id, version: view.referral.version });
    expect(new Set(inputIds(card)).size).toBe(inputIds(card).length);
    if (form !== 'invite' && form !== 'won') expect(inputIds(card).sort()).toEqual([...formInputs[form]].sort());
  });

  it('the accept and edit forms start from the deal’s values', () => {
    const r = views.received.referral;
    const card = dealCard(views.received, formOptions({ form: 'accept' }));
    expect(input(card, 'name')!.value).toBe(r.name);
    expect(input(card, 'dealValue')!.value).toBe(String(r.details.dealValue));
    expect(input(card, 'currency')!.value).toBe(r.details.currency);
    expect(input(card, 'closingDateTime')!.value).toBe(r.details.closingDateTime.slice(0, 10));
    const edit = dealCard(views.privateOut, formOptions({ form: 'edit' }));
    expect(input(edit, 'externalReferenceId')!.value).toBe('CRM-1001');
    expect(input(edit, 'campaignId')!.value).toBe('CMP-2026-Q4');
  });

  it('the decline form tells who will be told, the solutions form preselects the deal’s solutions', () => {
    expect(cardText(dealCard(views.received, formOptions({ form: 'decline' })))).toContain('Microsoft will be told you declined.');
    const solutions = dealCard(views.privateOut, formOptions({ form: 'solutions' }));
    expect(input(solutions, 'solutionIds')!.value).toBe(views.privateOut.referral.solutionIds.join(','));
    expect((input(solutions, 'solutionIds')!.choices as { value: string }[]).map((c) => c.value)).toEqual(attachable.map((s) => s.id));
  });

  it('the team form lists recent contacts', () => {
    const card = dealCard(views.privateOut, formOptions({ form: 'team' }));
    expect(cardText(card)).toContain('Recent contacts: Ana Tester');
  });

  it('the invite form offers what the invitation rules allow and says why not otherwise', () => {
    const both = dealCard(views.privateOut, formOptions({ form: 'invite' }));
    expect(inputIds(both)).toEqual(expect.arrayContaining(['inviteMicrosoft', 'helpType', 'consentToShare', 'partnerOrgId', 'partnerSolutionIds']));
    expect(inputIds(both)).not.toContain('contactFirstName'); // the deal has a customer contact

    const partnersOnly = dealCard(views.coSellOut, formOptions({ form: 'invite' }));
    expect(inputIds(partnersOnly)).not.toContain('inviteMicrosoft');
    expect(inputIds(partnersOnly)).toContain('partnerOrgId');
    expect(cardText(partnersOnly)).toContain('Microsoft already takes part in this deal.');

    const microsoftOnly = dealCard(views.p2pIn, formOptions({ form: 'invite' }));
    expect(inputIds(microsoftOnly)).toContain('inviteMicrosoft');
    expect(inputIds(microsoftOnly)).not.toContain('partnerOrgId');
    expect(cardText(microsoftOnly)).toContain('Only the organization that created the deal can invite partners.');

    const needsContact = dealCard(views.sparse, formOptions({ form: 'invite' }));
    expect(inputIds(needsContact)).toEqual(expect.arrayContaining(['contactFirstName', 'contactLastName', 'contactPhone', 'contactEmail']));
  });

  it('the invite form offers the partners given, or a placeholder choice when there are none', () => {
    const some = dealCard(views.privateOut, formOptions({ form: 'invite' }));
    expect((input(some, 'partnerOrgId')!.choices as { title: string }[]).map((c) => c.title)).toEqual(partners.map((p) => p.name));
    const none = dealCard(views.privateOut, formOptions({ form: 'invite', partners: [] }));
    expect(input(none, 'partnerOrgId')!.choices).toEqual([{ title: 'Type to search partners', value: 'none' }]);
    expectValidDeal(none, views.privateOut);
  });

  it('the won form asks for the registration only when an incentivized solution is on the deal', () => {
    const reg = ['contractSignedDate', 'wonValue', 'regCurrency', 'contractId', 'azureSubscriptionId', 'regNotes'];
    expect(views.incentivized.needsRegistration).toBe(true);
    expect(inputIds(dealCard(views.incentivized, formOptions({ form: 'won' }))).sort()).toEqual([...reg].sort());
    expect(views.privateOut.needsRegistration).toBe(false);
    expect(inputIds(dealCard(views.privateOut, formOptions({ form: 'won' })))).toEqual([]);
  });

  it('a form shown again keeps what the user typed and shows the service’s errors next to the fields', async () => {
    const view = views.received;
    const typed = { name: '', dealValue: 'about 12k', currency: 'EUR', closingDateTime: '2026-12-01', notes: 'Typed before the error', externalReferenceId: 'CRM-77', firstName: 'Fay', email: 'not-an-email' };
    const refusal = await w.service.accept(w.fabrikam, view.referral.id, view.referral.version, { ...typed, team: [] } as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(CoSellError);
    const errors = (refusal as CoSellError).fields as Partial<Record<DealField, string>>;
    expect(Object.keys(errors).sort()).toEqual(['dealValue', 'name']);
    const card = dealCard(view, formOptions({ form: 'accept', values: typed, errors: { ...errors, email: 'Use an email address such as ana@contoso.com.' }, banner: banner('attention', 'Please fix the fields marked below.') }));
    expectValidDeal(card, view);
    for (const [id, value] of Object.entries(typed)) expect(input(card, id)!.value).toBe(value);
    const red = textBlocks(card).filter((t) => t.color === 'Attention').map((t) => t.text);
    expect(red).toEqual(expect.arrayContaining([errors.name, errors.dealValue, 'Use an email address such as ana@contoso.com.']));
    expect(cardText(card)).toContain('Please fix the fields marked below.');
  });

  it.each(cases)('%s form on %s with an error on every field and kept values: valid, every shown input has its error', (form, name) => {
    const values = Object.fromEntries(dealFieldNames.map((f) => [f, f === 'inviteMicrosoft' || f === 'consentToShare' ? 'false' : `kept ${f}`])) as Partial<Record<DealField, unknown>>;
    values.currency = values.partnerCurrency = values.regCurrency = 'GBP';
    values.reason = form === 'lost' ? 'NoBudget' : 'Duplicate';
    values.helpType = values.partnerHelpType = 'QuotesOrLicensing';
    const errors = Object.fromEntries(dealFieldNames.map((f) => [f, `Error for ${f}.`])) as Partial<Record<DealField, string>>;
    const card = dealCard(views[name], formOptions({ form, values, errors, banner: banner('attention', 'Please fix the fields marked below.') }));
    expectValidDeal(card, views[name]);
    const red = textBlocks(card).filter((t) => t.color === 'Attention').map((t) => String(t.text));
    for (const id of inputIds(card)) {
      expect(red).toContain(`Error for ${id}.`);
      expect(input(card, id)!.value).toBe(values[id as DealField]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The list card
// ---------------------------------------------------------------------------------------------

describe('list card', () => {
  let lw: World;
  const kinds: ListKind[] = ['inbound', 'outbound', 'favorites', 'archive', 'find'];
  /** Who sees 60 deals in each kind. */
  let full: Record<ListKind, Caller>;
  /** Who sees nothing in each kind. */
  let empty: Record<ListKind, Caller>;

  beforeAll(async () => {
    lw = await makeWorld();
    // 60 P2P deals: 60 outbound for us, 60 inbound for Fabrikam (favorites of Fabrikam), 60 archived for Northwind.
    for (let i = 0; i < 60; i++) {
      await lw.service.createDeal(
        lw.admin,
        dealInput({ name: `Contoso wave ${pad(i)}`, dealValue: 10000 + i * 1000, partners: [partnerInvitation(FABRIKAM), partnerInvitation(NORTHWIND)] }),
      );
      lw.clock.advance(60_000);
    }
    for (const { referral } of (await lw.service.list(lw.fabrikam, 'inbound', 0, 50)).items.concat((await lw.service.list(lw.fabrikam, 'inbound', 1, 50)).items)) {
      await lw.service.setFavorite(lw.fabrikam, referral.id, true);
    }
    for (;;) {
      const inbound = await lw.service.list(lw.northwind, 'inbound', 0, 50);
      if (inbound.items.length === 0) break;
      for (const { referral } of inbound.items) await lw.service.decline(lw.northwind, referral.id, referral.version, { reason: 'NotAGoodFit' });
    }
    // Exactly 10 deals: Fabrikam's own outbound, found by "batch".
    for (let i = 0; i < 10; i++) await lw.service.createDeal(lw.fabrikam, dealInput({ name: `Fabrikam batch ${pad(i)}`, team: [member('Fay', 'fay@fabrikam.example')] }));
    full = { inbound: lw.fabrikam, outbound: lw.admin, favorites: lw.fabrikam, archive: lw.northwind, find: lw.admin };
    empty = { inbound: lw.microsoft, outbound: lw.microsoft, favorites: lw.seller, archive: lw.microsoft, find: lw.microsoft };
  }, 60_000); // about 250 durable writes
  afterAll(() => lw?.close());

  const query = 'wave';
  const fetch = (kind: ListKind, who: Caller, page: number, pageSize: number, q = query): Promise<Page<ListItem>> =>
    kind === 'find' ? lw.service.find(who, q, page, pageSize) : lw.service.list(who, kind, page, pageSize);
  const render = (kind: ListKind, page: Page<ListItem>, extra: { banner?: Banner; q?: string } = {}) =>
    listCard({ kind, page, now: lw.clock.now(), query: kind === 'find' ? (extra.q ?? query) : undefined, banner: extra.banner });

  /** Valid; each row opens its own deal; Previous only after page 0, Next only before the last page. */
  function expectListCard(kind: ListKind, page: Page<ListItem>, card: Card) {
    expectValid(card);
    expect(bytes(card)).toBeLessThan(MAX_CARD_BYTES);
    const opens = buttons(card).filter((b) => b.verb === 'open' && b.title === 'Open');
    // The whole row opens its deal (a select action); no extra button per row.
    expect(opens.map((b) => dataOf(b).referralId)).toEqual(page.items.map((i) => i.referral.id));
    const titles = buttons(card).filter((b) => b.verb !== 'open').map((b) => b.title);
    expect(titles).toEqual([...(page.page > 0 ? ['Previous'] : []), ...(page.hasMore ? ['Next'] : []), 'New deal', 'Help']);
    const at = (n: number) => ({ box: kind, page: n, ...(kind === 'find' ? { query } : {}) });
    const prev = buttons(card).find((b) => b.title === 'Previous');
    const next = buttons(card).find((b) => b.title === 'Next');
    if (prev) expect(prev.data).toEqual(at(page.page - 1));
    if (next) expect(next.data).toEqual(at(page.page + 1));
    const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
    expect(cardText(card)).toContain(`${page.total} ${page.total === 1 ? 'deal' : 'deals'} · page ${page.page + 1} of ${pages}`);
  }

  describe.each(kinds)('%s', (kind) => {
    it('empty: the empty text, no rows, no paging', async () => {
      const page = await fetch(kind, empty[kind], 0, 10);
      expect(page.total).toBe(0);
      const card = render(kind, page);
      expectListCard(kind, page, card);
      const emptyText: Record<ListKind, string> = {
        inbound: 'No open referrals have been sent to your organization.',
        outbound: 'Your organization has no open deals. Start one with New deal.',
        favorites: 'No favorites yet: open a deal and tap the heart.',
        archive: 'Nothing archived yet: won, lost, declined and expired deals land here.',
        find: 'No deal matches that name, customer or CRM id.',
      };
      expect(textBlocks(card).map((t) => t.text)).toContain(emptyText[kind]);
    });

    it('one page of 10 out of 60: Next, no Previous', async () => {
      const page = await fetch(kind, full[kind], 0, 10);
      expect([page.items.length, page.total, page.hasMore]).toEqual([10, 60, true]);
      expectListCard(kind, page, render(kind, page));
    });

    it('the last page of 10: Previous, no Next', async () => {
      const page = await fetch(kind, full[kind], 5, 10);
      expect([page.items.length, page.page, page.hasMore]).toEqual([10, 5, false]);
      expectListCard(kind, page, render(kind, page));
    });

    it('a page of 50 (the largest page), then the last 10', async () => {
      const first = await fetch(kind, full[kind], 0, 50);
      expect([first.items.length, first.hasMore]).toEqual([50, true]);
      expectListCard(kind, first, render(kind, first));
      const second = await fetch(kind, full[kind], 1, 50);
      expect([second.items.length, second.hasMore]).toEqual([10, false]);
      expectListCard(kind, second, render(kind, second));
    });

    it('a page of 50 with 200-character deal and customer names stays valid and under 80 KB', async () => {
      const page = await fetch(kind, full[kind], 0, 50);
      const long: Page<ListItem> = {
        ...page,
        items: page.items.map(({ referral, favorite }, i) => ({
          favorite,
          referral: { ...referral, name: filler(`Deal ${pad(i)}`, 200), customerProfile: { ...referral.customerProfile, name: filler(`Customer ${pad(i)}`, 200) } },
        })),
      };
      const card = render(kind, long, { banner: banner('warning', filler('A long banner', 500)) });
      expectListCard(kind, long, card);
      expect(cardText(card)).toContain(filler('Deal 49', 200));
    });

    it('with a banner', async () => {
      const page = await fetch(kind, full[kind], 0, 10);
      const card = render(kind, page, { banner: banner('good', 'Deal “Contoso wave 01” created.') });
      expectListCard(kind, page, card);
      expect(cardText(card)).toContain('Deal “Contoso wave 01” created.');
    });
  });

  it('exactly 10 deals on one page: no paging buttons at all', async () => {
    for (const [kind, page] of [
      ['outbound', await lw.service.list(lw.fabrikam, 'outbound', 0, 10)],
      ['find', await lw.service.find(lw.fabrikam, 'batch', 0, 10)],
    ] as const) {
      expect([page.items.length, page.total, page.hasMore]).toEqual([10, 10, false]);
      const card = render(kind, page, { q: 'batch' });
      expectValid(card);
      expect(buttons(card).map((b) => b.title)).not.toContain('Previous');
      expect(buttons(card).map((b) => b.title)).not.toContain('Next');
    }
  });

  it('rows show the heart, stage, value and days left; the find title quotes the query', async () => {
    const inbound = render('inbound', await fetch('inbound', lw.fabrikam, 0, 10));
    expect(cardText(inbound)).toMatch(/♥ Contoso wave \d\d/);
    expect(cardText(inbound)).toContain('14 days left to respond');
    expect(cardText(inbound)).toContain('Received');
    const archive = render('archive', await fetch('archive', lw.northwind, 0, 10));
    expect(cardText(archive)).toContain('Declined');
    expect(cardText(render('find', await fetch('find', lw.admin, 0, 10)))).toContain('Search results for “wave”');
    expect(cardText(render('outbound', await fetch('outbound', lw.admin, 0, 10)))).toMatch(/Contoso Ltd · \$\d\d,000 · closes 31 Mar 2027/);
  });
});

// ---------------------------------------------------------------------------------------------
// The welcome card
// ---------------------------------------------------------------------------------------------

describe('welcome card', () => {
  const d = { userName: 'Ana Admin', orgName: 'Contoso Partner', role: 'admin' };

  it('without a banner: valid, every command, and buttons to every list and new deal', () => {
    const card = welcomeCard(d);
    expectValid(card);
    const text = cardText(card);
    expect(text).toContain('Hi Ana Admin.');
    expect(text).toContain('Contoso Partner · your role: admin');
    for (const command of ['new deal', 'inbound', 'outbound', 'favorites', 'archive', 'find <text>', 'deal <id>', 'help']) expect(facts(card).map((f) => f.title)).toContain(command);
    expect(buttons(card).map((b) => b.verb)).toEqual(['newDeal', 'list', 'list', 'list', 'list', 'find']);
    expect(nodes(card.body).filter((n) => n.type === 'Container')).toEqual([]);
  });

  it('with a banner of each style, and with long names', () => {
    for (const style of ['good', 'attention', 'warning', 'accent'] as const) {
      const card = welcomeCard({ ...d, banner: banner(style, 'I didn’t catch that. Here is what I can do:') });
      expectValid(card);
      expect(nodes(card.body).find((n) => n.type === 'Container')).toMatchObject({ style });
      expect(cardText(card)).toContain('I didn’t catch that.');
    }
    expectValid(welcomeCard({ userName: filler('Name', 200), orgName: filler('Org', 200), role: 'admin, referrals-admin, seller' }));
  });
});

// ---------------------------------------------------------------------------------------------
// The new-deal cards
// ---------------------------------------------------------------------------------------------

describe('new-deal card', () => {
  let customers: Customer[];
  let solutions: Solution[];
  let manyCustomers: Customer[];
  let manySolutions: Solution[];
  let recent: Contact[];

  beforeAll(async () => {
    customers = await w.directory.searchCustomers('', 15);
    solutions = await w.directory.attachableSolutions(CONTOSO_PARTNER);
    recent = await w.service.recentContacts(w.admin);
    manyCustomers = Array.from({ length: 15 }, (_, i) => {
      const c = customers[i % customers.length]!;
      return i < customers.length ? c : { ...c, id: `cust-synthetic-${pad(i)}`, name: `${c.name} subsidiary ${pad(i)}`, duns: `5550${pad(i)}999` };
    });
    manySolutions = Array.from({ length: 50 }, (_, i) => {
      const s = solutions[i % solutions.length]!;
      return i < solutions.length ? s : { ...s, id: `sol-synthetic-${pad(i)}`, name: `${s.name} edition ${pad(i)}` };
    });
  });

  const fullValues: Record<NewDealField, string> = {
    customerId: 'cust-contoso-redmond-labs',
    newCustomerName: 'Contoso Labs',
    newCustomerCity: 'Redmond',
    newCustomerCountry: 'US',
    newCustomerDuns: '080912399',
    contactFirstName: 'Sue',
    contactLastName: 'Smith',
    contactPhone: '1234567890',
    contactEmail: 'sue.smith@contoso.com',
    consentToShare: 'true',
    name: 'Contoso labs rollout',
    dealValue: '75,000',
    currency: 'USD',
    closingDateTime: '2027-03-31',
    externalReferenceId: 'CRM-42',
    campaignId: 'CMP-7',
    notes: 'Kick-off next week',
    recent: 'ana@partner.example',
    m0FirstName: 'Ana',
    m0LastName: 'Admin',
    m0Phone: '+1 425 555 0100',
    m0Email: 'ana@partner.example',
    m1FirstName: 'Sam',
    m1LastName: 'Seller',
    m1Phone: '+1 425 555 0101',
    m1Email: 'sam@partner.example',
    team: '',
    solutionIds: 'sol-ms-azure,sol-ad-sentinel',
    helpType: 'ProofOfConceptOrDemo',
    partnerOrgId: FABRIKAM,
    partnerDealValue: '12000',
    partnerCurrency: 'EUR',
    partnerClosingDateTime: '2027-02-28',
    partnerSolutionIds: 'sol-ts-landing',
    partnerHelpType: 'CustomerTechnicalArchitecture',
    partnerNotes: 'Can you run the data migration?',
  };
  const partnerNames = ['Fabrikam Consulting', 'Northwind Analytics', 'Adatum Security', 'Tailspin Cloud Services', 'Litware Partners'];
  const addedPartners = partnerNames.map((_, i) => ({ partnerOrgId: `org-${i}`, partnerDealValue: '12000', partnerCurrency: 'USD', partnerClosingDateTime: '2027-02-28', partnerSolutionIds: 'sol-ts-landing', partnerHelpType: 'GeneralOrOther', partnerNotes: `Partner ${i}` }));
  const summary = [
    { title: 'Customer', value: 'Contoso Ltd · Redmond, US · D-U-N-S 080912399' },
    { title: 'Contact', value: 'Sue Smith · sue.smith@contoso.com' },
    { title: 'Deal', value: 'Contoso labs rollout' },
    { title: 'Value', value: '$75,000' },
    { title: 'Close date', value: '31 Mar 2027' },
    { title: 'Team', value: 'Ana Admin, Sam Seller' },
    { title: 'Solutions', value: 'Microsoft Azure, Adatum Managed Sentinel' },
    { title: 'Microsoft help', value: 'Proof of concept or demo' },
    { title: 'Partners', value: partnerNames.join(', ') },
  ];

  const emptyData = (step: NewDealStep): NewDealCardData => ({
    step,
    draft: JSON.stringify({ values: {}, partners: [] }),
    values: {},
    customers,
    solutions,
    partners,
    recent,
    partnersAdded: [],
    summary: step === 'review' ? summary.map((f) => ({ ...f, value: '' })) : [],
  });
  const fullData = (step: NewDealStep): NewDealCardData => ({
    step,
    draft: JSON.stringify({ values: fullValues, partners: addedPartners }),
    values: fullValues,
    customers: manyCustomers,
    solutions: manySolutions,
    partners,
    recent,
    partnersAdded: partnerNames,
    summary: step === 'review' ? summary : [],
  });

  /** Valid; title and progress; every action goes through the new-deal verbs with the draft and the step. */
  function expectNewDeal(card: Card, d: NewDealCardData) {
    expectValid(card);
    expect(bytes(card)).toBeLessThan(MAX_CARD_BYTES);
    const index = newDealSteps.indexOf(d.step);
    expect(cardText(card)).toContain(`Step ${index + 1} of ${newDealSteps.length}`);
    expect(new Set(inputIds(card)).size).toBe(inputIds(card).length);
    const verbs = buttons(card).map((b) => b.verb);
    expect(verbs.length).toBeGreaterThanOrEqual(2);
    for (const b of buttons(card)) {
      if (b.verb === 'newDeal') expect(dataOf(b)).toMatchObject({ draft: d.draft, step: d.step });
      else if (b.verb === 'createDeal') expect(dataOf(b)).toEqual({ draft: d.draft });
      else expect([b.verb, b.title]).toEqual(['help', 'Cancel']);
    }
    expect(verbs.includes('createDeal')).toBe(d.step === 'review');
    expect(verbs.includes('help')).toBe(d.step === 'customer');
  }

  describe.each(newDealSteps)('%s', (step) => {
    it('empty', () => {
      const d = emptyData(step);
      expectNewDeal(newDealCard(d), d);
    });

    it('with values (15 customers, 50 solutions, 5 partners added): inputs keep them', () => {
      const d = fullData(step);
      const card = newDealCard(d);
      expectNewDeal(card, d);
      for (const i of inputs(card)) expect(i.value).toBe(fullValues[i.id as NewDealField]);
    });

    it('with an error on every field and a banner: every input shows its error', () => {
      const errors = Object.fromEntries(newDealFieldNames.map((f) => [f, `Error for ${f}.`]));
      const d = { ...fullData(step), errors, banner: banner('attention', 'Please fix the fields marked below.') };
      const card = newDealCard(d);
      expectNewDeal(card, d);
      const red = textBlocks(card).filter((t) => t.color === 'Attention').map((t) => String(t.text));
      for (const id of inputIds(card)) expect(red).toContain(`Error for ${id}.`);
      if (step === 'team') expect(red).toContain('Error for team.');
      expect(cardText(card)).toContain('Please fix the fields marked below.');
    });

    it('with each banner style', () => {
      for (const style of ['good', 'attention', 'warning', 'accent'] as const) {
        const d = { ...emptyData(step), banner: banner(style, 'Partner added. Add another or review the deal.') };
        const card = newDealCard(d);
        expectNewDeal(card, d);
        expect(nodes(card.body).find((n) => n.type === 'Container' && n.style === style)).toBeDefined();
      }
    });
  });

  it('the customer step offers 15 customers, each told apart by city and D-U-N-S', () => {
    const card = newDealCard(fullData('customer'));
    const choices = input(card, 'customerId')!.choices as { title: string; value: string }[];
    expect(choices).toHaveLength(15);
    expect(choices[0]!.title).toMatch(/ · .+, [A-Z]{2} · D-U-N-S \d{9}$/);
  });

  it('the solutions step offers 50 solutions with their co-sell status', () => {
    const choices = input(newDealCard(fullData('solutions')), 'solutionIds')!.choices as { title: string }[];
    expect(choices).toHaveLength(50);
    expect(choices[0]!.title).toMatch(/\((Co-sell ready|.*incentivized.*)\)$/);
  });

  it('with no partners, customers or solutions to offer, the choice sets keep one placeholder (a valid card)', () => {
    const d = { ...emptyData('partners'), partners: [], customers: [], solutions: [] };
    const card = newDealCard(d);
    expectNewDeal(card, d);
    expect(input(card, 'partnerOrgId')!.choices).toEqual([{ title: 'Type to search partners', value: 'none' }]);
    expect(input(card, 'partnerSolutionIds')!.choices).toEqual([{ title: 'No co-sell ready solution in the directory', value: 'none' }]);
    expect(cardText(card)).toContain('Invited: nobody yet');
    const customer = newDealCard({ ...emptyData('customer'), customers: [] });
    expectValid(customer);
    expect(input(customer, 'customerId')!.choices).toEqual([{ title: 'Type to search customers', value: 'none' }]);
    const solutionsStep = newDealCard({ ...emptyData('solutions'), solutions: [] });
    expectValid(solutionsStep);
  });

  it('the partners step names the 5 partners added and offers Back, Add this partner and Review', () => {
    const card = newDealCard(fullData('partners'));
    expect(cardText(card)).toContain(`Invited: ${partnerNames.join(', ')}`);
    expect(buttons(card).map((b) => [b.title, dataOf(b).go])).toEqual([
      ['Back', 'back'],
      ['Add this partner', 'addPartner'],
      ['Review', 'next'],
    ]);
  });

  it('the review step shows the summary and Create deal', () => {
    const card = newDealCard(fullData('review'));
    expect(facts(card)).toEqual(summary);
    expect(buttons(card).map((b) => b.title)).toEqual(['Back', 'Create deal']);
    expect(inputs(card)).toEqual([]);
  });

  it('the team step offers recent contacts only when there are some', () => {
    expect(inputIds(newDealCard(fullData('team')))).toContain('recent');
    const none = newDealCard({ ...fullData('team'), recent: [] });
    expectValid(none);
    expect(inputIds(none)).not.toContain('recent');
  });
});
