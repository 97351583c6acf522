// Every card builder, rendered directly with representative, hostile and extreme data: a valid
// Adaptive Card 1.5 (cardProblems), the deal's version on every action that changes it, exactly the
// buttons and inputs the viewer may use, people's text only in TextRuns, and within Teams' size.
// Views come from the real lifecycle service; only the extreme sizes are synthetic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changingVerbs } from '../bot/deal-actions.js';
import { dealForms, dealFormIds, type DealFormId } from '../cards/deal-forms.js';
import { dealCard, dealLogCard, type DealCardOptions } from '../cards/deal.js';
import { money, shortId, solutionChoices } from '../cards/format.js';
import { contactFields, placeErrors, submitted, type Choices, type FieldDef } from '../cards/forms.js';
import { listCard, MAX_QUERY } from '../cards/list.js';
import { draftInput, newDealCard, newDealSteps, stepOfError, stepOrder, type NewDealStep } from '../cards/new-deal.js';
import { banner, compile, MAX_CARD_BYTES as DEAL_MAX_BYTES, noBanner, type Card } from '../cards/render.js';
import { commandHelp, welcomeCard } from '../cards/welcome.js';
import { adminCard } from '../cards/admin.js';
import { importReportCard } from '../cards/customer-import.js';
import { makeOrganization, makePerson, makeSolution } from './helpers/records.js';
import dealTemplate from '../cards/deal.json' with { type: 'json' };
import welcomeTemplate from '../cards/welcome.json' with { type: 'json' };
import { DAY_MS } from '../services/clock.js';
import type { Caller } from '../services/directory.js';
import type { ListItem, Page, ReferralView } from '../services/lifecycle.js';
import { declineReasons, type Contact, type Organization, type Referral, type Solution } from '../services/model.js';
import { cardProblems, MAX_CARD_BYTES } from './helpers/card-check.js';
import { ADATUM, CONTOSO_PARTNER, FABRIKAM, MICROSOFT, NORTHWIND, customerContact, dealInput, makeWorld, member, partnerInvitation, type World } from './helpers/world.js';

// ---- Reading cards ----

type Node = Record<string, unknown>;
type Execute = Node & { type: 'Action.Execute'; title?: string; verb?: string; data?: unknown; associatedInputs?: string };

/** Every object in a card, depth first. */
const nodes = (n: unknown): Node[] => (Array.isArray(n) ? n.flatMap(nodes) : n && typeof n === 'object' ? [n as Node, ...Object.values(n).flatMap(nodes)] : []);

const isExecute = (n: Node): n is Execute => n.type === 'Action.Execute';
/** The buttons the user sees (select actions included; not the refresh action). */
const buttons = (card: Card): Execute[] => nodes(card.body).filter(isExecute);
const dataOf = (a: Execute): Node => (a.data && typeof a.data === 'object' ? (a.data as Node) : {});
const inputs = (card: Card): Node[] => nodes(card.body).filter((n) => typeof n.type === 'string' && n.type.startsWith('Input.'));
const inputIds = (card: Card): string[] => inputs(card).map((n) => String(n.id));
const input = (card: Card, id: string): Node | undefined => inputs(card).find((n) => n.id === id);
const choicesOf = (card: Card, id: string) => (input(card, id)?.choices ?? []) as { title: string; value: string }[];
const textBlocks = (card: Card): string[] => nodes(card.body).filter((n) => n.type === 'TextBlock').map((n) => String(n.text));
const runs = (card: Card): string[] => nodes(card.body).filter((n) => n.type === 'TextRun').map((n) => String(n.text));
const bytes = (card: unknown) => Buffer.byteLength(JSON.stringify(card));
/** Banner boxes: the only styled containers. */
/** Banner containers: a style behind a run of text (the stage badge holds a TextBlock instead). */
const containers = (card: Card) => nodes(card.body).filter((n) => n.type === 'Container' && typeof n.style === 'string' && (n.items as Node[])[0]?.type === 'RichTextBlock');

/** The deal card's and review step's facts: a bold TextBlock title beside a TextRun value. */
const facts = (card: Card) =>
  nodes(card.body)
    .filter((n) => n.type === 'ColumnSet' && (n.columns as Node[])[0]?.width === '110px')
    .map((n) => (n.columns as { items: Node[] }[]).map((c) => c.items[0]!))
    .map(([title, value]) => ({ title: String(title!.text), value: String((value!.inlines as Node[])[0]!.text) }));

/** The element right after an input in its container: where its error belongs. */
function afterInput(card: Card, id: string): Node | undefined {
  const lists = nodes(card.body).flatMap((n) => Object.values(n).filter(Array.isArray) as Node[][]);
  const list = lists.find((l) => l.some((x) => x?.id === id && String(x.type).startsWith('Input.')))!;
  return list[list.findIndex((x) => x?.id === id) + 1];
}

/** Verbs that change a deal (or open a form to change it): their data must name the version the user saw. */
const versionedVerbs: string[] = [...dealFormIds, 'showForm'];

/** Problems with the optimistic-concurrency data of a card's actions (the refresh action included). */
function versionProblems(card: Card, expected?: number): string[] {
  return nodes(card)
    .filter(isExecute)
    .filter((a) => versionedVerbs.includes(String(a.verb)))
    .flatMap((a) => {
      const { referralId, version } = dataOf(a);
      const named = typeof referralId === 'string' && referralId !== '' ? [] : [`"${a.title}" (${a.verb}) names no referralId`];
      if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return [...named, `"${a.title}" (${a.verb}) carries version ${JSON.stringify(version)}, not a positive integer`];
      return expected !== undefined && version !== expected ? [...named, `"${a.title}" (${a.verb}) carries version ${version}, the deal is at ${expected}`] : named;
    });
}

/** The forms a viewer may use, from the bot's own verb table. */
const allowedForms = (view: ReferralView): DealFormId[] => dealFormIds.filter((id) => view.allowed[changingVerbs[id].may]);
/** Verbs the card sends straight away (one-click Accept, the inline Decline): no showForm button opens their form. */
const directVerbs: readonly DealFormId[] = ['accept', 'decline'];
/** Forms reached from the whole team's card (a member's Edit and Remove), not from the deal card. */
const teamCardVerbs: readonly DealFormId[] = ['editMember', 'removeMember'];

/** Differences between a deal card without a form and what view.allowed permits. */
function buttonProblems(card: Card, view: ReferralView): string[] {
  const problems: string[] = [];
  const all = buttons(card);
  const shown = all.filter((b) => b.verb === 'showForm').map((b) => String(dataOf(b).form));
  const viaForm = allowedForms(view).filter((id) => !directVerbs.includes(id) && !teamCardVerbs.includes(id));
  if (shown.join() !== viaForm.join()) problems.push(`form buttons [${shown.join(', ')}], allowed [${viaForm.join(', ')}]`);
  for (const verb of directVerbs) {
    const [count, allowed] = [all.filter((b) => b.verb === verb).length, allowedForms(view).includes(verb)];
    if (count !== (allowed ? 1 : 0)) problems.push(`${count} ${verb} buttons, ${verb} ${allowed ? 'allowed' : 'not allowed'}`);
  }
  const hearts = all.filter((b) => b.verb === 'favorite');
  if (hearts.length !== 1) problems.push(`${hearts.length} favorite buttons`);
  for (const heart of hearts) if (dataOf(heart).favorite !== !view.favorite) problems.push(`the heart sends favorite=${String(dataOf(heart).favorite)} on a deal whose favorite is ${view.favorite}`);
  // Besides forms, Accept, Decline and the heart, only the buttons that open the whole notes log or team.
  const known = ['showForm', 'favorite', ...directVerbs];
  const other = all.filter((b) => !known.includes(String(b.verb)) && !(b.verb === 'open' && ['notes', 'team', 'history'].includes(String(dataOf(b).view))));
  if (other.length > 0) problems.push(`unexpected buttons: ${other.map((b) => `${b.title} (${b.verb})`).join(', ')}`);
  return problems;
}

function expectValidDeal(card: Card, view: ReferralView): void {
  expect(cardProblems(card)).toEqual([]);
  expect(versionProblems(card, view.referral.version)).toEqual([]);
  expect(bytes(card)).toBeLessThanOrEqual(DEAL_MAX_BYTES);
}

// ---- Data ----

const pad = (i: number) => String(i).padStart(2, '0');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Exactly n characters (not bytes: "€" and "日本" take 3 bytes each, "ñ" 2), not ending in a space. */
function text(prefix: string, n: number): string {
  let s = prefix;
  while (s.length < n) s += ' Señal € 日本 supply chain data';
  s = s.slice(0, n);
  return s.endsWith(' ') ? `${s.slice(0, -1)}x` : s;
}
const email = (local: string, n: number) => `${local}.${'x'.repeat(n - local.length - '.@partner.example'.length)}@partner.example`;
const phone = (n: number) => `+1 425 555 0100 ${'1'.repeat(n - 16)}`;

const HOSTILE_LINK = '[URGENT: re-verify your Partner Center login](https://evil.example)';
const HOSTILE = `${HOSTILE_LINK} **bold** # heading <a href="https://evil.example">x</a>`;
/** Fits 100-character fields (names, CRM id). */
const HOSTILE_SHORT = '[URGENT](https://evil.example) **bold** # heading';
const markers = ['evil.example', '[URGENT', '**bold**', '# heading', '<a href'];

/**
 * Places where people's text shows as markdown or HTML: anything but a TextRun's text, an input's
 * value, a choice's title, a button's title, or data sent back by a button.
 */
function leaks(card: Card): string[] {
  const out: string[] = [];
  const visit = (n: unknown, path: string, parentKey: string, inData: boolean): void => {
    if (Array.isArray(n)) return n.forEach((x, i) => visit(x, `${path}[${i}]`, parentKey, inData));
    if (!n || typeof n !== 'object') return;
    const type = String((n as Node).type ?? '');
    for (const [k, v] of Object.entries(n)) {
      if (typeof v !== 'string') {
        visit(v, `${path}.${k}`, k, inData || (type.startsWith('Action.') && k === 'data'));
        continue;
      }
      if (!markers.some((m) => v.includes(m))) continue;
      const literal =
        inData || (type === 'TextRun' && k === 'text') || (type.startsWith('Input.') && k === 'value') || (parentKey === 'choices' && k === 'title') || (type.startsWith('Action.') && k === 'title');
      if (!literal) out.push(`${path}.${k} (${type || 'object'}): ${v.slice(0, 50)}`);
    }
  };
  visit(card, '$', '', false);
  return out;
}

const acceptInput = (name: string) => ({ name, dealValue: 15000, currency: 'EUR', closingDateTime: '2027-01-15', team: [member('Fay', 'fay@fabrikam.example')] });
const registerInput = { contractValue: '48000', currency: 'USD', signDate: '2026-12-01', startDate: '2026-12-01', endDate: '2027-11-30', termMonths: '12' };

/**
 * Each view with its stage and subtitle, built in beforeAll. received: Fabrikam's from Microsoft, with a note;
 * p2pReceived / msReceived: Fabrikam's and Microsoft's from us; p2pOut: Fabrikam accepted, Northwind declined;
 * incentivized: Fabrikam's incentivized solution on a private deal; won: partner-led with our incentivized solution,
 * registered; registrable: the same, won and not registered yet; declined: Northwind's; expired: Adatum's; readOnly: our seller, not on
 * the team; sparse: no CRM id, campaign id, notes, contact, D-U-N-S or city.
 */
const [REC, ACC, PRIV_OUT, P2P_IN] = ['Received', 'Accepted', 'Private · Outbound', 'Partner to partner · Inbound'] as const;
const expectations = {
  received: [REC, 'Co-sell · Inbound'], p2pReceived: [REC, P2P_IN], msReceived: [REC, 'Co-sell · Inbound'],
  privateOut: [ACC, PRIV_OUT], coSellOut: [ACC, 'Co-sell · Outbound'], p2pOut: [ACC, 'Partner to partner · Outbound'], p2pIn: [ACC, P2P_IN], coSellIn: [ACC, 'Co-sell · Inbound'],
  incentivized: [ACC, PRIV_OUT], won: ['Won', 'Partner-led · Outbound'], registrable: ['Won', 'Partner-led · Outbound'], lost: ['Lost', PRIV_OUT], declined: ['Declined', P2P_IN], expired: ['Expired', P2P_IN],
  favorite: [ACC, PRIV_OUT], readOnly: [ACC, PRIV_OUT], sparse: [ACC, PRIV_OUT],
} as const;
type ViewName = keyof typeof expectations;
const viewNames = Object.keys(expectations) as ViewName[];

const EVIL_TENANT = 'eeeeeeee-0000-4000-8000-00000000e411';
const HOSTILE_PARTNER = 'eeeeeeee-0000-4000-8000-00000000bad0';

let w: World;
let now: Date;
const views = {} as Record<ViewName, ReferralView>;
const hostile = {} as Record<'out' | 'received' | 'accepted' | 'lost' | 'declined', ReferralView>;
let [attachable, organizations, partners, recentContacts] = [[] as Solution[], [] as Organization[], [] as Organization[], [] as Contact[]];
let evilOptions: Omit<DealCardOptions, 'now'>;

/** What the bot passes with a form (deal-actions.ts card()). */
/** Someone of an earlier deal who is on no team here, so the team form always has a recent contact to offer. */
const rita = { firstName: 'Rita', lastName: 'Recent', phoneNumber: '555 0199', email: 'rita@partner.example' };
const formOptions = (extra: Partial<DealCardOptions> = {}): DealCardOptions => ({ now, attachable, organizations, partners, recentContacts: [...recentContacts, rita], people: [{ userId: 'u-sam', name: 'Sam Seller' }, { userId: 'u-ana', name: 'Ana Admin' }], ...extra });

const inboxItem = async (caller: Caller, name: string): Promise<Referral> => {
  const found = [...(await w.service.list(caller, 'inbound', 0, 50)).items, ...(await w.service.list(caller, 'archive', 0, 50)).items].find((i) => i.referral.name === name);
  if (!found) throw new Error(`no referral "${name}" for ${caller.tenantId}`);
  return found.referral;
};

beforeAll(async () => {
  w = await makeWorld();
  const adatum = { tenantId: ADATUM, userId: 'u-ada' };
  await w.directory.ensurePerson(adatum, { name: 'Ada Adatum', email: 'ada@adatum.example' });
  // Our own solution (the pickers put it first) and a partner whose name and solution are hostile.
  await w.store.commit([
    { kind: 'solution', put: { id: 'sol-own-ai', orgId: CONTOSO_PARTNER, name: 'Contoso AI Accelerator', coSellStatus: 'CoSellReady' } },
    { kind: 'organization', put: { id: HOSTILE_PARTNER, name: HOSTILE, kind: 'partner', inEcosystem: true } },
    { kind: 'solution', put: { id: 'sol-evil', orgId: HOSTILE_PARTNER, name: HOSTILE, coSellStatus: 'CoSellReady' } },
  ]);

  // Expired first: the clock moves 15 days, every other deal is created after that.
  await w.service.createDeal(w.admin, dealInput({ name: 'Adatum security review', partners: [partnerInvitation(ADATUM)] }));
  w.clock.advance(15 * DAY_MS);
  await w.service.expireDue();
  views.expired = await w.service.get(adatum, (await inboxItem(adatum, 'Adatum security review')).id);
  now = w.clock.now();

  const note = 'The customer asked for an EU migration partner. Can you take the data migration?';
  const woodgrove = { name: 'Woodgrove Bank', duns: '987654321', address: { city: 'New York', country: 'US' } };
  await w.service.createDeal(w.microsoft, dealInput({ name: 'Woodgrove data platform', customer: woodgrove, customerContact, consentToShare: true, team: [member('Mia', 'mia@microsoft.example')], partners: [partnerInvitation(FABRIKAM, { notes: note })] }));
  views.received = await w.service.get(w.fabrikam, (await inboxItem(w.fabrikam, 'Woodgrove data platform')).id);
  views.coSellIn = await w.service.accept(w.fabrikam, views.received.referral.id, views.received.referral.version, acceptInput('Woodgrove data platform'));

  views.privateOut = await w.service.createDeal(w.admin, dealInput({ externalReferenceId: 'CRM-1001', campaignId: 'CMP-2026-Q4', notes: 'Kick-off call went well.', customerContact, consentToShare: true }));
  views.favorite = await w.service.setFavorite(w.admin, views.privateOut.referral.id, true);
  views.readOnly = await w.service.get(w.seller, views.privateOut.referral.id);

  views.coSellOut = await w.service.createDeal(w.admin, dealInput({ name: 'Contoso AI pilot', helpType: 'ProofOfConceptOrDemo', customerContact, consentToShare: true }));
  views.msReceived = await w.service.get(w.microsoft, (await inboxItem(w.microsoft, 'Contoso AI pilot')).id);

  const p2p = await w.service.createDeal(w.admin, dealInput({ name: 'Litware supply chain', customerContact, consentToShare: true, partners: [partnerInvitation(FABRIKAM), partnerInvitation(NORTHWIND)] }));
  views.p2pReceived = await w.service.get(w.fabrikam, (await inboxItem(w.fabrikam, 'Litware supply chain')).id);
  views.p2pIn = await w.service.accept(w.fabrikam, views.p2pReceived.referral.id, 1, acceptInput('Litware supply chain'));
  const northwinds = await inboxItem(w.northwind, 'Litware supply chain');
  views.declined = await w.service.decline(w.northwind, northwinds.id, northwinds.version, { reason: 'NoCapacity', notes: 'Fully booked until March.' });
  views.p2pOut = await w.service.get(w.admin, p2p.referral.id);

  views.incentivized = await w.service.createDeal(w.admin, dealInput({ name: 'Contoso landing zone', solutionIds: ['sol-fab-migrate', 'sol-ms-azure'] }));
  const ours = await w.directory.saveSolution(w.admin, { name: 'Contoso Landing Zone Accelerator', coSellStatus: 'AzureIpCoSellIncentivized' });
  const partnerLed = (name: string) => w.service.createDeal(w.admin, dealInput({ name, solutionIds: [ours.id], shareWithMicrosoftSellers: true }));
  const [toWin, toRegister] = [await partnerLed('Contoso migration factory'), await partnerLed('Contoso cloud factory')];
  const won = await w.service.markWon(w.admin, toWin.referral.id, toWin.referral.version, {});
  views.registrable = await w.service.markWon(w.admin, toRegister.referral.id, toRegister.referral.version, {});
  // Partner Center registers a deal 72 hours after it was created.
  w.clock.advance(3 * DAY_MS);
  views.won = await w.service.register(w.admin, won.referral.id, won.referral.version, { ...registerInput, azureSolutionIds: ours.id });
  views.registrable = await w.service.get(w.admin, toRegister.referral.id);
  const toLose = await w.service.createDeal(w.admin, dealInput({ name: 'Contoso warehouse robots' }));
  views.lost = await w.service.markLost(w.admin, toLose.referral.id, toLose.referral.version, { reason: 'LostToCompetitor', notes: 'They went with a cheaper offer.' });
  views.sparse = await w.service.createDeal(w.admin, dealInput({ name: 'Relecloud pilot', customer: { name: 'Relecloud', address: { country: 'FR' } } }));

  // A deal made of hostile text: its sender organization and user, names, notes, team, partner.
  const evil = { tenantId: EVIL_TENANT, userId: 'u-eve' };
  await w.directory.ensureOrganization(EVIL_TENANT, HOSTILE);
  await w.directory.ensurePerson(evil, { name: HOSTILE, email: 'eve@hostile.test' });
  const evilMember = { firstName: HOSTILE_SHORT, lastName: '<a href="https://evil.example">x</a>', phoneNumber: '+1 425 555 0199', email: 'eve@hostile.test' };
  const invitations = [partnerInvitation(FABRIKAM, { notes: HOSTILE, team: [evilMember] }), partnerInvitation(HOSTILE_PARTNER, { notes: HOSTILE, team: [evilMember], solutionIds: ['sol-evil'] })];
  const created = await w.service.createDeal(
    evil,
    dealInput({ name: HOSTILE, customer: { name: HOSTILE, address: { city: 'Madrid', country: 'ES' } }, customerContact: { ...evilMember, email: 'buyer@hostile.test' }, consentToShare: true, notes: HOSTILE, externalReferenceId: HOSTILE_SHORT, campaignId: HOSTILE_SHORT, team: [evilMember], solutionIds: ['sol-evil', 'sol-ms-azure'], partners: invitations }),
  );
  hostile.out = await w.service.addNote(evil, created.referral.id, created.referral.version, { text: HOSTILE });
  hostile.received = await w.service.get(w.fabrikam, (await inboxItem(w.fabrikam, HOSTILE)).id);
  hostile.accepted = await w.service.accept(w.fabrikam, hostile.received.referral.id, 1, { ...acceptInput(HOSTILE), notes: HOSTILE, team: [{ ...evilMember, email: 'fay2@fabrikam.example' }] });
  const toLoseEvil = await w.service.createDeal(w.fabrikam, dealInput({ name: HOSTILE, team: [evilMember] }));
  hostile.lost = await w.service.markLost(w.fabrikam, toLoseEvil.referral.id, 1, { reason: 'Other', notes: HOSTILE });
  const badPartner = { tenantId: HOSTILE_PARTNER, userId: 'u-bad' };
  await w.directory.ensurePerson(badPartner, { name: HOSTILE, email: 'bad@hostile.test' });
  const theirs = await w.service.decline(badPartner, (await inboxItem(badPartner, HOSTILE)).id, 1, { reason: 'Other', notes: HOSTILE });
  // A reason imported from Partner Center is free text, shown as is.
  hostile.declined = { ...theirs, referral: { ...theirs.referral, statusReason: HOSTILE } };

  attachable = await w.directory.attachableSolutions(CONTOSO_PARTNER);
  organizations = await w.directory.organizations();
  partners = await w.directory.searchPartners('', CONTOSO_PARTNER);
  recentContacts = await w.service.recentContacts(w.admin);
  const [evilAttachable, evilPartners] = [await w.directory.attachableSolutions(EVIL_TENANT), await w.directory.searchPartners('', EVIL_TENANT)];
  evilOptions = { attachable: evilAttachable, organizations, partners: evilPartners, recentContacts: [evilMember, { ...evilMember, email: 'other@hostile.test' }] };
}, 30_000);

afterAll(() => w?.close());

// ---- The checks themselves can fail ----

describe('the card checks report broken cards', () => {
  const welcome = () => welcomeCard({ userName: 'Ana Admin', orgName: 'Contoso Partner', role: 'admin' });

  it('passes a valid card; reports an unexpanded ${x}, from a template expanded without its data and from a hand-made card', () => {
    expect(cardProblems(welcome())).toEqual([]);
    expect(cardProblems(compile(welcomeTemplate)({})).join('\n')).toMatch(/unexpanded template expression/);
    const hand = welcome();
    (hand.body as Node[]).push({ type: 'TextBlock', text: 'Hello ${x}' });
    expect(cardProblems(hand).join('\n')).toMatch(/unexpanded template expression.*\$\{x\}/);
  });

  it('reports an Action.Execute without a verb, and an Action.Submit', () => {
    const card = welcome();
    delete buttons(card).find((b) => b.title === 'Archive')!.verb;
    (card.body as Node[]).push({ type: 'ActionSet', actions: [{ type: 'Action.Submit', title: 'Old style' }] });
    expect(cardProblems(card).join('\n')).toMatch(/Action.Execute "Archive" has no verb[^]*Action.Submit "Old style"/);
  });

  it('reports cards over 40 KB, of another version, with an input without id, an unknown element or an empty choice set', () => {
    expect(MAX_CARD_BYTES).toBe(40 * 1024);
    const card = welcome();
    (card.body as Node[]).push({ type: 'TextBlock', text: 'x'.repeat(MAX_CARD_BYTES) });
    expect(cardProblems(card).join('\n')).toMatch(/over 40960/);
    expect(cardProblems({ ...welcome(), version: '1.6' }).join('\n')).toMatch(/not an AdaptiveCard 1.5/);
    const broken = welcome();
    (broken.body as Node[]).push({ type: 'Input.Text', label: 'No id' }, { type: 'Bogus' }, { type: 'Input.ChoiceSet', id: 'c', choices: [] });
    expect(cardProblems(broken).join('\n')).toMatch(/Unknown element type "Bogus"[^]*unique Id[^]*at least one choice/);
  });

  it('versionProblems reports a missing, textual, stale or absent referralId/version on a changing verb', () => {
    const view = views.privateOut;
    const card = dealCard(view, { now });
    expect(versionProblems(card, view.referral.version)).toEqual([]);
    const [first, second, third] = buttons(card).filter((b) => b.verb === 'showForm');
    delete dataOf(first!).version;
    dataOf(second!).version = String(view.referral.version);
    delete dataOf(third!).referralId;
    expect(versionProblems(card, view.referral.version)).toHaveLength(3);
    expect(versionProblems(dealCard(view, { now }), view.referral.version + 1)).not.toEqual([]);
  });

  it('buttonProblems reports buttons the viewer may not use, and missing ones', () => {
    const card = dealCard(views.won, { now });
    expect(buttonProblems(card, views.won)).toEqual([]);
    expect(buttonProblems(dealCard(views.privateOut, { now }), views.won)).not.toEqual([]);
    expect(buttonProblems(card, { ...views.won, allowed: { ...views.won.allowed, lost: true } })).toEqual(['form buttons [registrationStatus], allowed [registrationStatus, lost]']);
    expect(buttonProblems(card, { ...views.won, favorite: !views.won.favorite })[0]).toMatch(/the heart sends/);
    // Accept and Decline are buttons of their own, counted against allowed.accept and allowed.decline.
    expect(buttonProblems(card, { ...views.won, allowed: { ...views.won.allowed, accept: true } })).toEqual(['0 accept buttons, accept allowed']);
    const received = dealCard(views.received, { now });
    expect(buttonProblems(received, views.received)).toEqual([]);
    expect(buttonProblems(received, { ...views.received, allowed: { ...views.received.allowed, accept: false, decline: false } })).toEqual(['1 accept buttons, accept not allowed', '1 decline buttons, decline not allowed']);
    const { id: referralId, version } = views.received.referral;
    (received.body as Node[]).push({ type: 'ActionSet', actions: [{ type: 'Action.Execute', title: 'Decline', verb: 'showForm', data: { referralId, version, form: 'decline' } }] });
    expect(buttonProblems(received, views.received)).toEqual(['form buttons [assign, decline], allowed [assign]']);
  });

  it('leaks reports people’s text outside TextRuns, inputs, choices and buttons', () => {
    const card = welcome();
    expect(leaks(card)).toEqual([]);
    (card.body as Node[]).push({ type: 'TextBlock', text: HOSTILE }, { type: 'FactSet', facts: [{ title: 'x', value: HOSTILE_SHORT }] });
    expect(leaks({ ...card, fallbackText: HOSTILE })).toHaveLength(3);
  });
});

// ---- The deal card ----

describe('deal card', () => {
  it.each(viewNames)('%s: valid, names its stage, type and direction, shows exactly the allowed buttons, every banner style', (name) => {
    const view = views[name];
    const [stage, subtitle] = expectations[name];
    expect(view.referral.substatus).toBe(stage);
    const card = dealCard(view, { now });
    expectValidDeal(card, view);
    expect(buttonProblems(card, view)).toEqual([]);
    expect(textBlocks(card)).toContain(subtitle);
    expect(textBlocks(card)).toContain(stage);
    expect(runs(card)).toContain(view.referral.name);
    // The short id people type (`deal 6e46aef7`), on the card and in the fallback text.
    expect(shortId(view.referral.id)).toBe(view.referral.id.slice(0, 8));
    expect(facts(card)).toContainEqual({ title: 'Deal id', value: shortId(view.referral.id) });
    expect(card.fallbackText).toBe(`A co-sell deal. Update Teams to act on it, or type: deal ${shortId(view.referral.id)}`);
    expect(containers(card)).toEqual([]);
    for (const style of ['good', 'attention', 'warning', 'accent'] as const) {
      const withBanner = dealCard(view, { now, banner: banner(style, `A ${style} banner.`) });
      expectValidDeal(withBanner, view);
      expect(containers(withBanner).map((c) => [c.style, runs({ body: [c] })])).toEqual([[style, [`A ${style} banner.`]]]);
    }
  });

  it('a terminal deal (won, lost, declined, expired) has only the heart, its history and the registration of a win, and says it is archived', () => {
    const registration = { registrable: 'register', won: 'registrationStatus' } as Partial<Record<ViewName, string>>;
    for (const name of ['won', 'registrable', 'lost', 'declined', 'expired'] as const) {
      const card = dealCard(views[name], { now });
      expect(buttons(card).map((b) => (b.verb === 'showForm' ? String(dataOf(b).form) : b.verb))).toEqual([...(registration[name] ? [registration[name]] : []), 'favorite', 'open']);
      expect(runs(card).join('\n')).toMatch(new RegExp(`Archived: ${views[name].referral.substatus} on .* Nothing can change any more`));
    }
  });

  it('a Received referral shows the days left, who sent it and their note, and only Accept, Assign (an admin views it), the heart and Decline, in that order', () => {
    const card = dealCard(views.received, { now });
    expect(textBlocks(card)).toContain('14 days left to respond (until 20 Dec 2026, 09:00 UTC)');
    expect(runs(card)).toContain('From Microsoft (Mia Microsoft): “The customer asked for an EU migration partner. Can you take the data migration?”');
    expect(buttons(card).map((b) => `${b.title}:${b.verb}`)).toEqual(['Accept:accept', 'Assign:showForm', '♡ Add to favorites:favorite', 'History (1):open', 'Decline:decline']);
    // The decline reason is required: a button that sends the card's inputs would have Teams ask for a reason first.
    expect(buttons(card).filter((b) => b.associatedInputs !== 'none').map((b) => `${b.title}:${b.verb}`), 'buttons that check the decline inputs').toEqual(['Decline:decline']);
    expect(textBlocks(dealCard(views.received, { now: new Date(now.getTime() + 13.5 * DAY_MS) })).join()).toContain('1 day left to respond');
  });

  // One click: the referral as it came, accepted; the accept form only comes back when the service refuses.
  it('the one-click Accept sends the referral’s own values, checks no input, and becomes an accept input that keeps them', () => {
    // A referral imported from Partner Center carries the sender's CRM id: accepting as is must not clear it.
    const r = { ...views.received.referral, externalReferenceId: 'PC-CRM-4711', campaignId: 'CMP-PC-9' };
    const view = { ...views.received, referral: r };
    const accept = buttons(dealCard(view, { now })).find((b) => b.verb === 'accept')!;
    expect(accept).toMatchObject({ title: 'Accept', style: 'positive', associatedInputs: 'none' });
    const asIs = { name: r.name, dealValue: String(r.details.dealValue), currency: r.details.currency, closingDateTime: r.details.closingDateTime.slice(0, 10), externalReferenceId: 'PC-CRM-4711', campaignId: 'CMP-PC-9' };
    expect(accept.data).toStrictEqual({ referralId: r.id, version: r.version, ...asIs });
    // What deal-actions.ts makes of the data: absent fields read as '', which the service takes as "clear it".
    expect(dealForms.accept.toInput(submitted(dealForms.accept.fields, dataOf(accept)), { view, recent: [], action: {} })).toEqual({ ...asIs, notes: '', team: [] });
  });

  it('a Received referral is declined on its card: a required reason, optional notes, who will be told, then Decline', () => {
    const r = views.received.referral;
    const card = dealCard(views.received, { now });
    const end = { body: [(card.body as Node[]).at(-1)] };
    // The decline form's inputs are the card's only inputs, all in the container at the end.
    expect([inputIds(card), inputIds(end)]).toEqual([['reason', 'notes'], dealForms.decline.fields.map((f: FieldDef) => f.id)]);
    expect(input(card, 'reason')).toMatchObject({ type: 'Input.ChoiceSet', isRequired: true, errorMessage: 'Pick a reason from the list.', value: '' });
    expect(choicesOf(card, 'reason').map((c) => c.value)).toEqual([...declineReasons]);
    expect(input(card, 'notes')).toMatchObject({ type: 'Input.Text', isMultiline: true, value: '' });
    expect(input(card, 'notes')!.isRequired).toBeUndefined();
    expect(runs(end)).toContain('Microsoft will be told.');
    const [decline, ...others] = buttons(end);
    expect(others).toEqual([]);
    expect(decline).toMatchObject({ title: 'Decline', verb: 'decline', style: 'destructive' });
    expect(decline!.data).toStrictEqual({ referralId: r.id, version: r.version });
    expect(decline!.associatedInputs).toBeUndefined(); // it sends the reason and notes
    // Nobody invited the organization: nobody to tell.
    const uninvited = dealCard({ ...views.received, referral: { ...r, inviteContext: undefined } }, { now });
    expect(runs(uninvited).filter((t) => t.endsWith('will be told.'))).toEqual([]);
    expect(inputIds(uninvited)).toEqual(['reason', 'notes']);
  });

  it('shows the registration of a won deal and the reason of a lost, declined and expired one', () => {
    expect(facts(dealCard(views.won, { now }))).toEqual(
      expect.arrayContaining([
        { title: 'Registration', value: 'Review pending' },
        { title: 'Contract', value: '$48,000, 12 months, 1 Dec 2026 to 30 Nov 2027, signed 1 Dec 2026' },
        { title: 'Registered', value: 'Contoso Landing Zone Accelerator, on Azure' },
      ]),
    );
    expect(facts(dealCard(views.lost, { now }))).toContainEqual({ title: 'Reason', value: 'Lost to a competitor' });
    expect(facts(dealCard(views.declined, { now }))).toContainEqual({ title: 'Reason', value: 'We have no capacity right now' });
    expect(facts(dealCard(views.expired, { now }))).toContainEqual({ title: 'Reason', value: 'No answer within 14 days' });
    for (const name of ['privateOut', 'sparse'] as const) expect(facts(dealCard(views[name], { now })).map((f) => f.title)).not.toContain('Reason');
  });

  it('shows the other participants and their stages, and leaves out empty facts', () => {
    expect(runs(dealCard(views.p2pOut, { now }))).toEqual(expect.arrayContaining(['Fabrikam Consulting: Accepted', 'Northwind Analytics: Declined']));
    const sparse = dealCard(views.sparse, { now });
    for (const absent of ['CRM id', 'Campaign id', 'Customer contact', 'D-U-N-S']) expect(facts(sparse).map((f) => f.title)).not.toContain(absent);
    expect(facts(sparse)).toContainEqual({ title: 'Customer', value: 'Relecloud · FR' });
    expect(textBlocks(sparse)).not.toContain('Other participants');
  });

  it('the heart says whether the deal is a favorite and sends the opposite; a viewer who may not act sees only the heart', () => {
    const off = buttons(dealCard(views.privateOut, { now })).find((b) => b.verb === 'favorite')!;
    const on = buttons(dealCard(views.favorite, { now })).find((b) => b.verb === 'favorite')!;
    expect([off.title, dataOf(off).favorite, on.title, dataOf(on).favorite]).toEqual(['♡ Add to favorites', true, '♥ Remove from favorites', false]);
    expect(buttons(dealCard(views.readOnly, { now })).map((b) => b.verb)).toEqual(['favorite', 'open']);
  });

  it('refresh names at most 60 users and the deal', () => {
    const ids = range(70).map((i) => `29:user-${pad(i)}`);
    const card = dealCard(views.received, { now, refreshUserIds: ids });
    expectValidDeal(card, views.received);
    expect(card.refresh).toMatchObject({ userIds: ids.slice(0, 60), action: { verb: 'refresh', data: { referralId: views.received.referral.id } } });
    expect(dealCard(views.received, { now }).refresh).toMatchObject({ userIds: [] });
  });
});

// ---- The list card ----

describe('list card', () => {
  /** A list's rows: the containers that open a deal. */
  const rowsOf = (card: Card) => nodes(card.body).filter((n) => n.type === 'Container' && (n.selectAction as Node | undefined)?.verb === 'open');
  /** A row's hearts: containers that favorite the deal. */
  const heartsOf = (row: Node) => nodes(row.items).filter((n) => n.type === 'Container' && (n.selectAction as Node | undefined)?.verb === 'favorite');

  it('each row opens its deal and has one heart, both carrying the list it came from; the heart says what it does', () => {
    const items = [{ referral: views.favorite.referral, favorite: true }, { referral: views.sparse.referral, favorite: false }];
    const lists = [
      { kind: 'inbound', list: { box: 'inbound', page: 2 } },
      { kind: 'find', query: 'Contoso', list: { box: 'find', page: 2, query: 'Contoso' } },
    ] as const;
    for (const { kind, list, ...rest } of lists) {
      const card = listCard({ kind, page: { items, page: 2, pageSize: 10, total: 30, hasMore: false }, now, ...rest });
      expect(cardProblems(card), kind).toEqual([]);
      const rows = rowsOf(card);
      // toStrictEqual: the inbound list context has no query key at all.
      expect(rows.map((r) => r.selectAction), kind).toStrictEqual(items.map(({ referral }) => ({ type: 'Action.Execute', title: 'Open', verb: 'open', data: { referralId: referral.id, list } })));
      const hearts = rows.map((r) => heartsOf(r).map((h) => ({ action: h.selectAction, text: textBlocks({ body: [h] }) })));
      expect(hearts, kind).toStrictEqual(
        items.map(({ referral, favorite }) => {
          const title = favorite ? '♥ Remove from favorites' : '♡ Add to favorites';
          return [{ action: { type: 'Action.Execute', title, verb: 'favorite', data: { referralId: referral.id, favorite: !favorite, list } }, text: [title] }];
        }),
      );
      // The row shows the deal's name alone: the heart replaced the "♥ " prefix.
      expect(runs(card), kind).toEqual(expect.arrayContaining(items.map((i) => i.referral.name)));
      expect(runs(card).filter((t) => t.includes('♥')), kind).toEqual([]);
    }
  });
});

// ---- The deal card's forms ----

/** The groups a form leaves out on a view: the invitation rules and the registration rule. */
function hiddenGroups(view: ReferralView): Set<string> {
  const hidden = new Set<string>();
  if (!view.invitations.microsoft.allowed) hidden.add('microsoft').add('contact');
  if (view.referral.customerProfile.team.length > 0) hidden.add('contact');
  if (!view.invitations.partners.allowed) hidden.add('partner');
  return hidden;
}
const shownFields = (form: DealFormId, view: ReferralView): readonly FieldDef[] => dealForms[form].fields.filter((f: FieldDef) => !f.group || !hiddenGroups(view).has(f.group));

/** A value each field accepts, by the list it picks from (choice sets keep any value; these are real ones). */
const picks: Partial<Record<string, string>> = { currencies: 'GBP', declineReasons: 'Duplicate', lostReasons: 'NoBudget', helpTypes: 'QuotesOrLicensing', partners: ADATUM, recent: 'sam@partner.example' };
Object.assign(picks, { solutions: 'sol-ms-azure,sol-ad-sentinel', partnerSolutions: 'sol-ad-sentinel', team: 'ana@partner.example', people: 'u-sam', registrable: 'sol-ms-azure', registrationStatuses: 'Approved', salesStages: 'Propose', marketplaceIntents: 'Yes', customerSizes: '51to250employees' });
const typed = (form: DealFormId, f: FieldDef): string => (f.kind === 'toggle' ? 'true' : f.kind === 'date' ? '2027-01-31' : f.choices ? picks[f.choices]! : `kept ${form} ${f.id}`);

describe('deal card forms', () => {
  it('every form on every view that allows it: valid, its inputs, checks, submit and Cancel; values and errors kept', () => {
    const covered = new Set<string>();
    for (const form of dealFormIds) {
      for (const name of viewNames.filter((n) => allowedForms(views[n]).includes(form))) {
        const [view, where, fields] = [views[name], `${form} on ${name}`, shownFields(form, views[name])];
        covered.add(form);
        if (form === 'addTeam') expect(inputIds(dealCard(view, formOptions({ form, recentContacts: [] }))), where).not.toContain('recent');
        const card = dealCard(view, formOptions({ form }));
        expectValidDeal(card, view);
        expect(inputIds(card), where).toEqual(fields.map((f) => f.id));
        for (const f of fields.filter((f) => f.required)) expect(input(card, f.id), `${where}: ${f.id}`).toMatchObject({ isRequired: true, errorMessage: expect.stringMatching(/\w/) });
        for (const f of fields.filter((f) => f.regex)) expect(input(card, f.id), `${where}: ${f.id}`).toMatchObject({ regex: f.regex, errorMessage: expect.stringMatching(/\w/) });
        const [submit, cancel, ...rest] = buttons(card);
        expect(rest, where).toEqual([]);
        expect(submit).toMatchObject({ verb: form, title: dealForms[form].submit.title, data: { referralId: view.referral.id, version: view.referral.version } });
        expect(cancel).toMatchObject({ verb: 'open', title: 'Cancel', associatedInputs: 'none', data: { referralId: view.referral.id } });
        expect(submit!.associatedInputs).toBeUndefined();

        const values = Object.fromEntries(fields.map((f) => [f.id, typed(form, f)]));
        const errors = Object.fromEntries(fields.map((f) => [f.id, `Error for ${f.id}.`]));
        const again = dealCard(view, formOptions({ form, values, errors, banner: banner('attention', 'Please fix the fields marked below.') }));
        expectValidDeal(again, view);
        for (const f of fields) {
          expect(input(again, f.id)!.value, `${where}: ${f.id}`).toBe(values[f.id]);
          expect(afterInput(again, f.id), `${where}: error after ${f.id}`).toMatchObject({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: `Error for ${f.id}.`, color: 'Attention' }] });
        }
      }
    }
    expect([...covered]).toEqual(dealFormIds); // every form drawn on at least one view
  });

  it('hides the invite groups the rules rule out; marking won asks only for a note', () => {
    const ids = (name: ViewName, form: DealFormId) => inputIds(dealCard(views[name], formOptions({ form })));
    expect(ids('privateOut', 'invite')).toEqual(expect.arrayContaining(['inviteMicrosoft', 'helpType', 'consentToShare', 'partnerOrgId', 'partnerSolutionIds']));
    expect(ids('privateOut', 'invite')).not.toContain('contactFirstName'); // the deal has a customer contact
    expect(ids('sparse', 'invite')).toEqual(expect.arrayContaining(['contactFirstName', 'contactLastName', 'contactPhone', 'contactEmail']));
    const inGroups = (...groups: string[]) => dealForms.invite.fields.filter((f: FieldDef) => groups.includes(f.group ?? '')).map((f): string => f.id);
    expect(ids('coSellOut', 'invite').filter((id) => inGroups('microsoft', 'contact').includes(id))).toEqual([]);
    expect(runs(dealCard(views.coSellOut, formOptions({ form: 'invite' })))).toContain('Microsoft already takes part in this deal.');
    expect(ids('p2pIn', 'invite').filter((id) => inGroups('partner').includes(id))).toEqual([]);
    expect(ids('p2pIn', 'invite')).toContain('inviteMicrosoft');
    expect(ids('incentivized', 'won')).toEqual(['notes']);
    expect(ids('registrable', 'register')).toEqual(['contractValue', 'regCurrency', 'signDate', 'termMonths', 'startDate', 'endDate', 'azureSolutionIds', 'marketplaceSolutionIds']);
  });

  it('the accept and edit forms start from the deal’s values; decline says who will be told', () => {
    const r = views.received.referral;
    const accept = dealCard(views.received, formOptions({ form: 'accept' }));
    expect(['name', 'dealValue', 'currency', 'closingDateTime'].map((id) => input(accept, id)!.value)).toEqual([r.name, String(r.details.dealValue), r.details.currency, r.details.closingDateTime.slice(0, 10)]);
    const edit = dealCard(views.privateOut, formOptions({ form: 'edit' }));
    expect([input(edit, 'externalReferenceId')!.value, input(edit, 'campaignId')!.value]).toEqual(['CRM-1001', 'CMP-2026-Q4']);
    expect(runs(dealCard(views.received, formOptions({ form: 'decline' })))).toContain('Microsoft will be told you declined.');
  });
});

// ---- Pickers ----

describe('pickers', () => {
  const kindOf = (orgId: string) => (orgId === CONTOSO_PARTNER ? 'own' : organizations.find((o) => o.id === orgId)?.kind);
  const solution = (id: string) => [...attachable, ...evilOptions.attachable!].find((s) => s.id === id)!;

  it('the solutions form groups by owner: your company, then Microsoft without status, then partners with status; never a partner’s not co-sell ready one', () => {
    const choices = choicesOf(dealCard(views.privateOut, formOptions({ form: 'solutions' })), 'solutionIds');
    expect(choices.map((c) => c.value).sort()).toEqual(attachable.map((s) => s.id).sort());
    const ranks = choices.map((c) => ['own', 'microsoft', 'partner'].indexOf(kindOf(solution(c.value).orgId)!));
    expect(ranks).toEqual([...ranks].sort());
    expect(choices[0]).toEqual({ title: 'Your company · Contoso AI Accelerator (Co-sell ready)', value: 'sol-own-ai' });
    expect(choices.filter((c) => kindOf(solution(c.value).orgId) === 'microsoft').map((c) => c.title)).toEqual(['Microsoft · Dynamics 365', 'Microsoft · Microsoft 365', 'Microsoft · Microsoft Azure']);
    expect(choices).toContainEqual({ title: 'Fabrikam Consulting · Fabrikam Cloud Migration Factory (Azure IP co-sell incentivized)', value: 'sol-fab-migrate' });
    expect(choices.map((c) => c.value).filter((v) => ['sol-fab-advisory', 'sol-ad-pentest'].includes(v))).toEqual([]);
    expect(choices.filter((c) => c.title.includes('Not co-sell ready'))).toEqual([]);
  });

  it('the invite form offers partners’ solutions only, and only the chosen partner’s once one is chosen', () => {
    const all = choicesOf(dealCard(views.privateOut, formOptions({ form: 'invite' })), 'partnerSolutionIds');
    expect(all.length).toBeGreaterThan(1);
    expect(new Set(all.map((c) => kindOf(solution(c.value).orgId)))).toEqual(new Set(['partner']));
    const fabrikam = choicesOf(dealCard(views.privateOut, formOptions({ form: 'invite', values: { partnerOrgId: FABRIKAM } })), 'partnerSolutionIds');
    expect(fabrikam).toEqual([{ title: 'Fabrikam Consulting · Fabrikam Cloud Migration Factory (Azure IP co-sell incentivized)', value: 'sol-fab-migrate' }]);
  });

  it('the chosen partner is offered by name even when the first page of partners lacks it; no partner twice', () => {
    const card = dealCard(views.privateOut, formOptions({ form: 'invite', partners: [], values: { partnerOrgId: NORTHWIND } }));
    expect(choicesOf(card, 'partnerOrgId')).toEqual([{ title: 'Northwind Analytics', value: NORTHWIND }]);
    expect(input(card, 'partnerOrgId')!.value).toBe(NORTHWIND);
    const listed = choicesOf(dealCard(views.privateOut, formOptions({ form: 'invite', values: { partnerOrgId: NORTHWIND } })), 'partnerOrgId');
    expect(listed.map((c) => c.value)).toEqual(partners.map((p) => p.id));
    const none = dealCard(views.privateOut, formOptions({ form: 'invite', partners: [] }));
    expect(choicesOf(none, 'partnerOrgId')).toEqual([{ title: 'Type to search partners', value: 'none' }]);
    expectValidDeal(none, views.privateOut);
  });
});

// ---- The form kit ----

describe('forms.ts', () => {
  const fields = [
    { id: 'name', label: 'form.dealName', kind: 'text' },
    { id: 'reason', label: 'dealForm.reason', kind: 'choice', choices: 'declineReasons' },
    { id: 'partner', label: 'form.partner', kind: 'typeahead', choices: 'partners', errors: ['partners.*.orgId'] },
    { id: 'team', label: 'deal.section.team', kind: 'multi', choices: 'team', errors: ['team.'] },
  ] as const satisfies readonly FieldDef[];

  it('submitted(): every field, trimmed; absent (emptied) fields and the "none" placeholder read as empty; nothing else', () => {
    const data = { name: '  Contoso  ', reason: 'none', team: 'a@x.example,b@x.example', extra: 'dropped', referralId: 'r1' };
    expect(submitted(fields, data)).toEqual({ name: 'Contoso', reason: '', partner: '', team: 'a@x.example,b@x.example' });
    expect(submitted(fields, { name: 42, reason: true, partner: { orgId: 'x' } })).toEqual({ name: '42', reason: 'true', partner: '', team: '' });
    expect(submitted(dealForms.edit.fields, {}).campaignId).toBe('');
  });

  it('placeErrors(): exact, wildcard and prefix keys; several messages on one field; the rest unplaced', () => {
    const placed = { name: 'Give it a name.', 'partners.0.orgId': 'Pick a partner.', 'team.3.email': 'Bad email.', team: 'Add someone.' };
    const { byField, unplaced } = placeErrors(fields, { ...placed, 'name.first': 'not name', 'partners.orgId': 'not a partner', 'teams.0': 'not team', '': 'General.' });
    expect(byField).toEqual({ name: 'Give it a name.', partner: 'Pick a partner.', team: 'Bad email. Add someone.' });
    expect(unplaced).toEqual(['not name', 'not a partner', 'not team', 'General.']);
  });

  it('the deal forms place the service’s keys: contact fields under team.*, the invite form’s partner keys, the won registration', () => {
    // A member's errors sit on its fields; the error of the whole (empty) team sits by the first name, where a member is added.
    expect(placeErrors(dealForms.accept.fields, { 'team.0.email': 'e', 'team.0.phoneNumber': 'p', 'team.0': 'f', team: 'whole', nowhere: 'n' })).toEqual({ byField: { email: 'e', phoneNumber: 'p', firstName: 'f whole' }, unplaced: ['n'] });
    expect(placeErrors(dealForms.invite.fields, { 'partners.0.team.1.email': 't', 'microsoft.customerContact.email': 'c', 'microsoft.helpType': 'h' }).byField).toEqual({ partnerTeam: 't', contactEmail: 'c', helpType: 'h' });
    expect(placeErrors(dealForms.register.fields, { currency: 'c', endDate: 'e' }).byField).toEqual({ regCurrency: 'c', endDate: 'e' });
    const contact = contactFields({ firstName: 'a', lastName: 'b', phone: 'c', email: 'd' }, 'x.*', { required: true }).map((f: FieldDef) => [f.id, f.required, f.errors?.[0]]);
    expect(contact).toEqual([['a', true, 'x.*.firstName'], ['b', undefined, 'x.*.lastName'], ['c', true, 'x.*.phoneNumber'], ['d', true, 'x.*.email']]);
  });

  it('defineForm’s toInput turns submitted values into the service’s input', () => {
    const accept = (data: Record<string, unknown>) => dealForms.accept.toInput(submitted(dealForms.accept.fields, data), { view: views.received, recent: [], action: {} });
    expect(accept({ name: 'N', firstName: 'Fay', phoneNumber: '123456', email: 'fay@f.example' }).team).toEqual([{ firstName: 'Fay', lastName: '', phoneNumber: '123456', email: 'fay@f.example' }]);
    expect(accept({ name: 'N' }).team).toEqual([]);
    const invite = dealForms.invite.toInput(submitted(dealForms.invite.fields, { inviteMicrosoft: 'true', helpType: 'GeneralOrOther', partnerOrgId: 'none' }), { view: views.coSellOut, recent: [], action: {} });
    expect(invite).toEqual({ microsoft: undefined, partners: [] }); // Microsoft is on the deal already; no partner picked
  });

  it('new-deal: each service error key belongs to the step that shows its field; the draft becomes the create input', () => {
    const keys = ['customer.address.country', 'closingDateTime', 'team.1.email', 'team', 'solutionIds', 'customerContact.email', 'partners.2.orgId', 'nowhere'];
    expect(keys.map(stepOfError)).toEqual(['deal', 'deal', 'team', 'team', 'team', 'help', 'partners', undefined]);
    const values = { newCustomerName: 'Relecloud', newCustomerCountry: 'fr', name: 'Pilot', dealValue: '1,000', m0FirstName: 'Ana', m0Phone: '123456', m0Email: 'ana@p.example', recent: 'sam@p.example' };
    const input = draftInput(values, [{ partnerOrgId: FABRIKAM, partnerTeam: 'sam@p.example' }], { recent: [member('Sam', 'sam@p.example')] });
    expect(input).toMatchObject({ customer: { name: 'Relecloud', address: { country: 'FR' } }, name: 'Pilot', dealValue: '1,000', helpType: 'None', customerContact: undefined });
    expect(input.team.map((m) => m.email)).toEqual(['ana@p.example', 'sam@p.example']);
    expect(input.partners).toMatchObject([{ orgId: FABRIKAM, team: [{ email: 'sam@p.example' }], helpType: 'GeneralOrOther' }]);
  });
});

// ---- Text from people is text ----

describe('text from people is text (never markdown or HTML)', () => {
  const pageOf = (referrals: Referral[], favorite = false): Page<ListItem> => ({ items: referrals.map((referral) => ({ referral, favorite })), page: 0, pageSize: 10, total: referrals.length, hasMore: false });

  /** No leak, and the hostile text is there to read (so dropping it would fail too). */
  function expectLiteral(card: Card, where: string, shown = HOSTILE): void {
    expect(cardProblems(card), where).toEqual([]);
    expect(leaks(card), where).toEqual([]);
    expect(runs(card).some((t) => t.includes(shown)), `${where}: "${shown}" in a TextRun`).toBe(true);
  }

  it('the deal card of every hostile view, without a form and with every form it allows, errors and banner included', () => {
    const drawn = Object.entries(hostile).flatMap(([name, view]) =>
      [undefined, ...allowedForms(view)].map((form) => {
        const errors = form ? Object.fromEntries(dealForms[form].fields.map((f: FieldDef) => [f.id, HOSTILE])) : undefined;
        expectLiteral(dealCard(view, { now, ...evilOptions, form, errors, banner: banner('attention', HOSTILE) }), `${name} ${form ?? ''}`);
        return form;
      }),
    );
    // out, received, accepted (each with its forms, assign and a team member's Edit and Remove included: the viewer is an admin), lost, declined
    expect(drawn.length).toBe(11 + 4 + 11 + 1 + 1);
  });

  it('each hostile field reaches the card as a TextRun: notes, invitation, team, contacts, participants, reasons', () => {
    const out = runs(dealCard(hostile.out, { now }));
    expect(out.filter((t) => t === HOSTILE).length).toBeGreaterThanOrEqual(3); // name, and both notes
    expect(out.some((t) => t.startsWith(`${HOSTILE} · Madrid, ES`))).toBe(true);
    expect(out.some((t) => t.startsWith(`${HOSTILE_SHORT} <a href=`))).toBe(true); // team member and customer contact
    expect(out).toContain(`${HOSTILE}: Received`); // the hostile partner as a participant
    const received = runs(dealCard(hostile.received, { now }));
    expect(received).toContain(`From ${HOSTILE} (${HOSTILE}): “${HOSTILE}”`);
    expect(runs(dealCard(hostile.declined, { now }))).toContain(HOSTILE);
    expect(facts(dealCard(hostile.declined, { now }))).toContainEqual({ title: 'Reason', value: HOSTILE });
    expect(runs(dealCard(hostile.lost, { now })).some((t) => t.endsWith(`: ${HOSTILE}`))).toBe(true);
    expect(choicesOf(dealCard(hostile.out, { now, ...evilOptions, form: 'invite' }), 'partnerOrgId').map((c) => c.title)).toContain(HOSTILE);
  });

  it('the notes and team logs', () => {
    expectLiteral(dealLogCard(hostile.out, 'notes', 0), 'notes');
    expectLiteral(dealLogCard(hostile.out, 'team', 0), 'team', HOSTILE_SHORT);
    expect(runs(dealLogCard(hostile.out, 'notes', 0))[0]).toBe(HOSTILE); // the deal's name on top
  });

  it('the list card (rows and a find query) and the welcome card', () => {
    const rows = [hostile.out.referral, hostile.accepted.referral, hostile.declined.referral];
    for (const kind of ['inbound', 'archive'] as const) expectLiteral(listCard({ kind, page: pageOf(rows, true), now, banner: banner('good', HOSTILE) }), kind);
    const find = listCard({ kind: 'find', page: { ...pageOf(rows), hasMore: true, total: 30 }, now, query: HOSTILE });
    expectLiteral(find, 'find');
    expect(runs(find)[0]).toBe(`Search results for “${HOSTILE}”`);
    expect(buttons(find).find((b) => b.title === 'Next')!.data).toEqual({ box: 'find', page: 1, query: HOSTILE.slice(0, MAX_QUERY) });
    const welcome = welcomeCard({ userName: HOSTILE, orgName: HOSTILE, role: 'admin', banner: banner('warning', HOSTILE) });
    expectLiteral(welcome, 'welcome');
    expect(runs(welcome)).toContain(`${HOSTILE} · your role: admin`);
  });

  it('every new-deal step with hostile values, choices, errors, summary and banner', () => {
    const sources = ['currencies', 'helpTypes', 'dealHelpTypes', 'solutions', 'partnerSolutions', 'partners', 'customers', 'recent', 'team'];
    const choices = Object.fromEntries(sources.map((k) => [k, [{ title: HOSTILE, value: 'x' }]]));
    for (const step of stepOrder) {
      const all = Object.fromEntries(newDealSteps[step].fields.map((f: FieldDef) => [f.id, HOSTILE]));
      const summary = [{ title: 'Deal', value: HOSTILE }, { title: 'Partners', value: `${HOSTILE}, ${HOSTILE}` }];
      const card = newDealCard({ step, draftId: 'draft-1', values: all, errors: all, banner: banner('attention', HOSTILE), choices, summary });
      expectLiteral(card, step);
      expect(facts(card)).toContainEqual({ title: 'Deal', value: HOSTILE });
    }
  });
});

// ---- Money is exact ----

describe('money', () => {
  it('formats the amount stored: cents only when there are some, the currency’s own symbol', () => {
    expect([money(125000.5, 'EUR'), money(50000, 'USD'), money(100, 'JPY'), money(0.25, 'USD'), money(1234.567, 'GBP')]).toEqual(['€125,000.50', '$50,000', '¥100', '$0.25', '£1,234.567']);
  });

  it('125000.50 EUR typed into a deal reads €125,000.50 on the deal card and its list row; 50000 USD and 100 JPY too', async () => {
    const view = await w.service.createDeal(w.admin, dealInput({ name: 'Exact money', dealValue: '125000.50', currency: 'EUR' }));
    expect(view.referral.details.dealValue).toBe(125000.5);
    expect(facts(dealCard(view, { now }))).toContainEqual({ title: 'Estimated value', value: '€125,000.50' });
    const row = (r: Referral) => runs(listCard({ kind: 'outbound', page: { items: [{ referral: r, favorite: false }], page: 0, pageSize: 10, total: 1, hasMore: false }, now }));
    expect(row(view.referral)).toContain('Contoso Ltd · €125,000.50 · closes 31 Mar 2027');
    expect(facts(dealCard(views.privateOut, { now }))).toContainEqual({ title: 'Estimated value', value: '$50,000' });
    const yen = { ...views.privateOut, referral: { ...views.privateOut.referral, details: { ...views.privateOut.referral.details, dealValue: 100, currency: 'JPY' } } };
    expect(facts(dealCard(yen, { now }))).toContainEqual({ title: 'Estimated value', value: '¥100' });
    expect(row(yen.referral)).toContain('Contoso Ltd · ¥100 · closes 31 Mar 2027');
  });
});

// ---- Size at the limits of what the store accepts ----

describe('size at the limits', () => {
  const longPartners: Organization[] = range(15).map((i) => ({ id: `org-long-${pad(i)}`, name: text(`Partner ${pad(i)}`, 200), kind: 'partner', inEcosystem: true, alertChannelId: '', partnerId: '' }));
  const owners = [CONTOSO_PARTNER, MICROSOFT, ...longPartners.map((o) => o.id)];
  const statuses = ['CoSellReady', 'AzureIpCoSellIncentivized', 'BizAppsCoSellIncentivizedStandard', 'BizAppsCoSellIncentivizedPremium'] as const;
  const longSolutions: Solution[] = range(50).map((i) => ({ id: `sol-long-${pad(i)}`, orgId: owners[i % owners.length]!, name: text(`Solution ${pad(i)}`, 200), coSellStatus: statuses[i % 4]!, retired: false }));
  const longOrgs = () => [...organizations, ...longPartners];
  const person = (tag: string): Contact => ({ firstName: text(tag, 100), lastName: text('Last', 100), phoneNumber: phone(40), email: email(tag.toLowerCase(), 200) });
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();

  /** A real view with every list at its largest and every text at its longest. */
  function huge(base: ReferralView): ReferralView {
    const r = base.referral;
    const customerProfile = { ...r.customerProfile, name: text('Customer', 200), address: { ...r.customerProfile.address, city: text('City', 100) }, team: range(10).map((i) => person(`Contact${pad(i)}`)) };
    const notes = range(60).map((i) => ({ at: hoursAgo(60 - i), byOrgId: r.orgId, byName: text(`Writer ${pad(i)}`, 200), text: text(`[note-${pad(i)}]`, 4000), visibility: 'shared' as const }));
    const [team, solutionIds] = [range(50).map((i) => person(`Member${pad(i)}`)), longSolutions.map((s) => s.id)];
    const inviteContext = { invitedBy: { organizationId: FABRIKAM, organizationName: text('Sender org', 200), userName: text('Sender', 200) }, notes: text('Invitation', 4000), contacts: team, invitedDateTime: hoursAgo(1) };
    const referral: Referral = { ...r, name: text('Deal', 200), customerProfile, team, solutionIds, notes, externalReferenceId: text('CRM', 100), campaignId: text('CMP', 100), inviteContext };
    const participants = longPartners.slice(0, 10).map((o) => ({ orgId: o.id, orgName: o.name, kind: 'partner' as const, stage: 'Received' as const, direction: 'Incoming' as const, since: hoursAgo(2) }));
    // Every note also read with its organization's long name, and a second organization's 50 people.
    const viewNotes = notes.map((n) => ({ ...n, orgName: text('Org', 200), own: true }));
    const teams = [
      { orgId: r.orgId, orgName: text('Own org', 200), own: true, members: team },
      { orgId: FABRIKAM, orgName: text('Sender org', 200), own: false, members: range(50).map((i) => person(`Theirs${pad(i)}`)) },
    ];
    return { ...base, referral, notes: viewNotes, teams, solutions: longSolutions, participants, registration: { allowed: true }, registrable: longSolutions };
  }

  /** Everything a form can carry: long choices, 60 refresh ids, notes typed at their longest, a long banner. */
  const options = (form?: DealFormId): DealCardOptions => {
    const values = { notes: text('Typed', 4000), microsoftNotes: text('Typed', 4000), partnerNotes: text('Typed', 4000), text: text('Typed', 4000), regNotes: text('Typed', 2000) };
    const [recentContacts, refreshUserIds] = [range(20).map((i) => person(`Recent${pad(i)}`)), range(60).map((i) => `29:${pad(i)}${'x'.repeat(120)}`)];
    return { now, form, attachable: longSolutions, organizations: longOrgs(), partners: longPartners, recentContacts, refreshUserIds, values, banner: banner('attention', text('Banner', 500)) };
  };

  /** Every huge view (Received, Accepted outbound, Accepted inbound) with no form and with each form it allows. */
  const cases = (forms: (DealFormId | undefined)[]) =>
    (['received', 'privateOut', 'coSellIn'] as const).flatMap((name) => {
      const view = huge(views[name]);
      return [undefined, ...allowedForms(view)].filter((f) => forms.includes(f)).map((form) => ({ where: `${name} ${form ?? '(no form)'}`, view, card: dealCard(view, options(form)) }));
    });
  const overLimit = (all: ReturnType<typeof cases>) => all.filter((c) => bytes(c.card) > DEAL_MAX_BYTES || cardProblems(c.card).length > 0).map((c) => `${c.where}: ${bytes(c.card)} bytes`);

  it('the data is at the limits: bytes exceed characters', () => {
    const r = huge(views.privateOut).referral;
    expect([r.team.length, r.solutionIds.length, r.notes.length, r.name.length, r.notes[0]!.text.length, r.team[0]!.email.length]).toEqual([50, 50, 60, 200, 4000, 200]);
    expect(Buffer.byteLength(r.notes[0]!.text)).toBeGreaterThan(4400);
  });

  it('every deal card without a form, and with each form but solutions and invite, is valid and within MAX_CARD_BYTES (36 KB)', () => {
    const all = cases([undefined, 'accept', 'decline', 'edit', 'addTeam', 'addNote', 'won', 'lost']);
    expect(all.length).toBe(3 + 6 + 6); // received: none, accept, decline; each Accepted view: none and five forms
    for (const { where, view, card } of all) expect(versionProblems(card, view.referral.version), where).toEqual([]);
    expect(overLimit(all)).toEqual([]);
  });

  // The open form shrinks too: choice titles are cut at the lower levels of detail.
  it('the solutions form with 50 attachable solutions of 200-character names stays within 36 KB', () => {
    expect(overLimit(cases(['solutions']))).toEqual([]);
  });

  // partnerTeam offers every team member; at the limits the titles are cut and fewer users get refresh.
  it('the invite form on a deal with 50 team members of the longest names stays within 36 KB', () => {
    expect(overLimit(cases(['invite']))).toEqual([]);
  });

  it('the card says what it left out', () => {
    const view = huge(views.privateOut);
    const card = dealCard(view, options());
    expect(buttons(card).map((b) => b.title)).toEqual(expect.arrayContaining(['All notes (60)', 'Whole team (100)']));
    // Our 50 first, under our name; the other organization's 50 are past the cut.
    const shownTeam = runs(card).filter((t) => t.startsWith('Member')).length;
    expect(runs(card).filter((t) => t.startsWith('Theirs'))).toEqual([]);
    const shownSolutions = runs(card).filter((t) => t.startsWith('Solution ')).length;
    expect(shownTeam * shownSolutions).toBeGreaterThan(0);
    expect(textBlocks(card)).toEqual(expect.arrayContaining([`and ${100 - shownTeam} more`, `and ${50 - shownSolutions} more`]));
    const contacts = facts(card).filter((f) => f.title === 'Customer contact');
    expect(contacts.at(-1)!.value).toBe(`and ${10 - (contacts.length - 1)} more`);
    expect(runs(card).filter((t) => t.startsWith('[note-'))[0]).toMatch(/^\[note-59\].*…$/); // newest first, cut visibly
    expect(buttons(card).find((b) => b.title === 'All notes (60)')).toMatchObject({ verb: 'open', data: { referralId: view.referral.id, view: 'notes' } });
  });

  it('the history and team pages fit Teams with the longest multi-byte texts, cut visibly', () => {
    const cjk = (n: number) => '漢'.repeat(n);
    const v = huge(views.privateOut);
    const team = range(50).map((i) => ({ firstName: cjk(100), lastName: cjk(100), phoneNumber: phone(40), email: email(`m${i}`, 200) }));
    const history = range(16).map((i) => ({
      at: hoursAgo(16 - i),
      byOrgId: v.referral.orgId,
      byUserId: 'u',
      byName: cjk(200),
      action: cjk(200),
      changes: { name: { from: cjk(200), to: cjk(200) }, externalReferenceId: { from: cjk(100), to: cjk(100) }, campaignId: { from: cjk(100), to: cjk(100) }, notes: { from: null, to: [cjk(4000)] } },
    }));
    const view: ReferralView = { ...v, referral: { ...v.referral, team, history }, teams: [{ orgId: v.referral.orgId, orgName: cjk(200), own: true, members: team }] };
    for (const [log, pages] of [['history', 2], ['team', 3]] as const) {
      for (let p = 0; p < pages; p++) {
        const card = dealLogCard(view, log, p);
        expect(cardProblems(card), `${log} ${p}`).toEqual([]);
        expect(bytes(card), `${log} ${p}`).toBeLessThanOrEqual(DEAL_MAX_BYTES);
      }
    }
    expect(runs(dealLogCard(view, 'history', 0)).some((t) => t.endsWith('…'))).toBe(true);
  });

  it('the notes log and team log fit at every page, newest notes first, with Previous and Next', () => {
    const v = huge(views.privateOut);
    const r = v.referral;
    const nav = ['Previous', 'Next', 'Back to the deal'];
    // 50 of ours (each with Edit and Remove) and 50 of the other organization's.
    for (const [log, total, pages] of [['notes', 60, 30], ['team', 100, 5]] as const) {
      for (let p = 0; p < pages; p++) {
        const card = dealLogCard(v, log, p);
        expect(cardProblems(card), `${log} ${p}`).toEqual([]);
        expect(bytes(card), `${log} ${p}`).toBeLessThanOrEqual(DEAL_MAX_BYTES);
        expect(textBlocks(card)[0]).toBe(`${log === 'notes' ? 'Notes' : 'Team'} · ${total} · page ${p + 1} of ${pages}`);
        expect(buttons(card).map((b) => String(b.title)).filter((t) => nav.includes(t))).toEqual([...(p > 0 ? ['Previous'] : []), ...(p < pages - 1 ? ['Next'] : []), 'Back to the deal']);
        const own = log === 'team' ? [20, 20, 10, 0, 0][p]! : 0;
        expect(buttons(card).filter((b) => b.title === 'Remove'), `${log} ${p}`).toHaveLength(own);
      }
    }
    const first = runs(dealLogCard(v, 'notes', 0)).filter((t) => t.startsWith('[note-'));
    expect(first.map((t) => [t.slice(0, 9), t.length])).toEqual([['[note-59]', 4000], ['[note-58]', 4000]]); // whole, newest first
    expect(textBlocks(dealLogCard(v, 'notes', 99))[0]).toBe('Notes · 60 · page 30 of 30');
    expect(dealLogCard(v, 'team', 0).fallbackText).toBe(`A co-sell deal's team. Update Teams to read it, or type: deal ${shortId(r.id)}`);
    // Each organization's name heads its people, again on the page where the next organization starts.
    expect(runs(dealLogCard(v, 'team', 2)).filter((t) => t.startsWith('Own org') || t.startsWith('Sender org')).map((t) => (t.startsWith('Own org') ? 'ours' : 'theirs'))).toEqual(['ours', 'theirs']);
  });

  const rows = (n: number) =>
    range(n).map((i) => ({ favorite: i % 2 === 0, referral: { ...views.privateOut.referral, id: `ref-${pad(i)}`, name: text(`Deal ${pad(i)}`, 200), customerProfile: { ...views.privateOut.referral.customerProfile, name: text(`Customer ${pad(i)}`, 200) } } }));
  const longList = (n: number) => listCard({ kind: 'find', page: { items: rows(n), page: 1, pageSize: n, total: 3 * n, hasMore: true }, now, query: text('Query', 200) });

  it('the list card of the bot’s page (10 rows) with 200-character deal and customer names fits in 40 KB', () => {
    const card = longList(10);
    expect(buttons(card).filter((b) => b.title === 'Open')).toHaveLength(10);
    // Every row's Open and heart carry the query (cut at MAX_QUERY, as the bot cuts what it searches), so the list comes back as it was.
    const context = buttons(card).filter((b) => b.verb === 'open' || b.verb === 'favorite').map((b) => dataOf(b).list);
    expect(context).toEqual(range(20).map(() => ({ box: 'find', page: 1, query: text('Query', 200).slice(0, MAX_QUERY) })));
    expect(cardProblems(card)).toEqual([]);
  });

  // The largest page the service gives (50 rows): long names are cut, then rows lose their second line.
  it('the list card with 50 rows of 200-character names fits in 40 KB', () => {
    expect(cardProblems(longList(50))).toEqual([]);
  });

  /** New-deal steps with every field at its longest, pickers as the bot fills them from 50 long solutions. */
  function longStep(step: NewDealStep): Card {
    const fields: readonly FieldDef[] = newDealSteps[step].fields;
    const label = (tag: string, i: number) => ({ title: `${text(`${tag} ${pad(i)}`, 201)} · ${email(`${tag.toLowerCase()}${i}`, 200)}`, value: email(`${tag.toLowerCase()}${i}`, 200) });
    const names = (n: number, tag: string) => range(n).map((i) => text(`${tag} ${pad(i)}`, 200)).join(', ');
    const partnerSolutions = longSolutions.filter((s) => longPartners.some((p) => p.id === s.orgId));
    const choices: Choices = {
      customers: range(15).map((i) => ({ title: `${text(`Customer ${pad(i)}`, 200)} · ${text('City', 100)}, US · D-U-N-S 123456789`, value: `c-${i}` })),
      solutions: solutionChoices(longSolutions, longOrgs(), CONTOSO_PARTNER),
      partnerSolutions: solutionChoices(partnerSolutions, longOrgs(), CONTOSO_PARTNER),
      partners: longPartners.map((p) => ({ title: p.name, value: p.id })),
      recent: range(10).map((i) => label('Recent', i)),
      team: range(12).map((i) => label('Member', i)),
    };
    const review = Object.entries({ Customer: choices.customers![0]!.title, Contact: `${text('Sue', 100)} ${text('Smith', 100)} · ${email('sue', 200)}`, Deal: text('Deal', 200), Value: money(999999999999.99, 'EUR') })
      .concat([['Team', names(12, 'Member')], ['Solutions', names(50, 'Solution')], ['Partners', names(10, 'Partner')]])
      .map(([title, value]) => ({ title: title!, value: value! }));
    const values = Object.fromEntries(fields.map((f) => [f.id, text('Typed', f.maxLength ?? 200)]));
    const errors = Object.fromEntries(fields.map((f) => [f.id, 'Keep it under 4000 characters.']));
    const summary = step === 'review' ? review : step === 'partners' ? review.slice(-1) : [];
    return newDealCard({ step, draftId: 'draft-1', values, errors, choices, banner: banner('attention', text('Banner', 500)), summary });
  }

  it('every new-deal step but partners, with every field at its longest (4000-character notes), fits in 40 KB', () => {
    for (const step of stepOrder.filter((s) => s !== 'partners')) {
      const card = longStep(step);
      expect(cardProblems(card), step).toEqual([]);
      expect(inputIds(card), step).toEqual(newDealSteps[step].fields.map((f: FieldDef) => f.id));
    }
    expect(input(longStep('deal'), 'notes')!.value).toHaveLength(4000);
  });

  // The partners step offers every partner's solution, the team and the partners at once: titles are cut.
  it('the new-deal partners step at the limits fits in 40 KB', () => {
    expect(cardProblems(longStep('partners'))).toEqual([]);
  });
});

// ---- New-deal steps ----

describe('new-deal card', () => {
  it('every step: valid, exactly its fields, its progress, and buttons that carry the draft (Back carries the inputs, Cancel none)', () => {
    expect(stepOrder.map((s) => newDealSteps[s].title)).toEqual(['Customer and deal', 'Team and solutions', 'Help from Microsoft', 'Partner invitations', 'Review and create']);
    expect(stepOrder).toEqual(['deal', 'team', 'help', 'partners', 'review']);
    // title:verb:go, and ":none" when the button sends no input.
    const expected: Record<NewDealStep, string[]> = {
      deal: ['Search:newDeal:search', 'Cancel:help::none', 'Next:newDeal:next'],
      team: ['Back:newDeal:back', 'Next:newDeal:next'],
      help: ['Back:newDeal:back', 'Invite partners:newDeal:partners', 'Review:newDeal:next'],
      partners: ['Back:newDeal:back', 'Add this partner:newDeal:addPartner', 'Review:newDeal:next'],
      review: ['Back:newDeal:back', 'Create deal:createDeal:'],
    };
    for (const [index, step] of stepOrder.entries()) {
      const card = newDealCard({ step, draftId: 'draft-1', values: {}, choices: { recent: [{ title: 'Rita Recent · rita@partner.example', value: 'rita@partner.example' }] }, summary: [], withPartners: true });
      expect(cardProblems(card), step).toEqual([]);
      expect(inputIds(card), step).toEqual(newDealSteps[step].fields.map((f: FieldDef) => f.id));
      // A picker with nothing to offer is left out.
      if (step === 'team') expect(inputIds(newDealCard({ step, draftId: 'd', values: {}, choices: {}, summary: [] }))).not.toContain('recent');
      expect(textBlocks(card).slice(0, 2)).toEqual([`New deal · ${newDealSteps[step].title}`, `Step ${index + 1} of 5`]);
      // Without partners the count skips their step: no jump from 3 to 5.
      if (step === 'review') expect(textBlocks(newDealCard({ step, draftId: 'd', values: {}, choices: {}, summary: [] }))[1]).toBe('Step 4 of 4');
      const shown = buttons(card).map((b) => `${b.title}:${b.verb}:${String(dataOf(b).go ?? '')}${b.associatedInputs === 'none' ? ':none' : ''}`);
      expect(shown, step).toEqual(expected[step]);
      // The bottom row holds all but Search, which sits by the search box.
      const row = ((card.body as Node[]).at(-1)!.actions as Execute[]).map((b) => b.title);
      expect(row, step).toEqual(expected[step].filter((b) => !b.startsWith('Search:')).map((b) => b.split(':')[0]));
      // Back must carry half-done steps: Teams checks nothing on these cards, the bot does on Next.
      expect(inputs(card).filter((i) => 'isRequired' in i || 'regex' in i || 'errorMessage' in i), step).toEqual([]);
      for (const b of buttons(card).filter((b) => b.verb !== 'help')) expect(dataOf(b).draftId).toBe('draft-1');
    }
    // Search right after the box it searches with.
    const deal = newDealCard({ step: 'deal', draftId: 'draft-1', values: { customerSearch: 'Relecloud' }, choices: {}, summary: [] });
    expect(afterInput(deal, 'customerSearch')).toStrictEqual({ type: 'ActionSet', actions: [{ type: 'Action.Execute', title: 'Search', verb: 'newDeal', data: { draftId: 'draft-1', step: 'deal', go: 'search' } }] });
    // Not vacuous: these fields are required or checked by a pattern on the deal card's forms.
    const checked = stepOrder.flatMap((s) => newDealSteps[s].fields.filter((f: FieldDef) => f.required || f.regex).map((f: FieldDef) => f.id));
    expect(checked).toEqual(expect.arrayContaining(['name', 'dealValue', 'currency', 'closingDateTime', 'newCustomerCountry', 'newCustomerDuns', 'm0Email']));
  });
});

// ---- Templates are compiled once and keep no state between renders ----

describe('compile once', () => {
  it('compile(template) returns a function that expands the template with the data it is given', () => {
    const render = compile(welcomeTemplate);
    expect(typeof render).toBe('function');
    const data = { userName: 'Ana', orgText: 'Contoso · your role: admin', commands: commandHelp(), banner: noBanner };
    expect(render(data)).toEqual(welcomeCard({ userName: 'Ana', orgName: 'Contoso', role: 'admin' }));
    expect(render(data)).not.toBe(render(data));
  });

  it('rendering the same card twice gives equal cards; a form, banner or hostile note never leaks into the next render', () => {
    const view = views.privateOut;
    const plainCard = dealCard(view, { now });
    const [viewBefore, templateBefore] = [JSON.stringify(view), JSON.stringify(dealTemplate)];
    expect(dealCard(view, { now })).toEqual(plainCard);
    const withForm = dealCard(view, formOptions({ form: 'invite', values: { partnerOrgId: FABRIKAM }, errors: { partnerOrgId: 'Pick one.' }, banner: banner('warning', 'Changed.'), refreshUserIds: ['29:a'] }));
    expect(inputIds(withForm).length).toBeGreaterThan(5);
    dealCard(hostile.out, { now, banner: banner('attention', HOSTILE) });
    const after = dealCard(view, { now });
    expect(after).toEqual(plainCard);
    expect([inputs(after), containers(after), JSON.stringify(after).includes('evil.example')]).toEqual([[], [], false]);
    expect(dealCard(view, formOptions({ form: 'invite' }))).toEqual(dealCard(view, formOptions({ form: 'invite' })));
    expect([JSON.stringify(view), JSON.stringify(dealTemplate)]).toEqual([viewBefore, templateBefore]);
  });
});

describe('the administration card', () => {
  it('fits Teams with 300 people and 50 solutions of 200-character names, saying how many people it leaves out, and is valid', () => {
    const org = makeOrganization({ name: text('Org', 200) });
    const people = range(300).map((i) =>
      makePerson({ orgId: org.id, name: text(`Person ${pad(i)}`, 200), email: `p${i}@example.com`, roles: i === 0 ? ['admin'] : ['seller'], roleChanges: [{ at: '2026-11-21T09:00:00.000Z', byUserId: 'u', byName: text('Admin', 200), from: ['seller'], to: ['seller'] }] }),
    );
    const solutions = range(50).map((i) => makeSolution({ orgId: org.id, name: text(`Solution ${pad(i)}`, 200), retired: i % 10 === 0 }));
    const card = adminCard({ org, people, solutions, customers: 5000 });
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toMatch(/And \d+ more, not shown/);
    // A person's name is their own text: a run, never markdown.
    const withStars = adminCard({ org, people: [makePerson({ orgId: org.id, name: '**Boss** [x](https://evil.example)', roles: ['admin'] })], solutions: [makeSolution({ orgId: org.id, name: '**Sol** [x](https://evil.example)' })], customers: 0 });
    expect(JSON.stringify(withStars)).not.toMatch(/"type":"TextBlock","text":"[^"]*evil\.example/);
  });
});

describe('the customer import report', () => {
  it('fits Teams with 5,000 refused rows of long reasons, says how many it leaves out, and shows the file name as text', () => {
    const refused = range(5000).map((i) => ({ row: i + 2, reason: `Name: ${text('Keep it under 200 characters.', 300)}` }));
    const card = importReportCard({ fileName: '**list** [x](https://evil.example).csv', report: { added: 0, updated: 0, unchanged: 0, refused }, directorySize: 0 });
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toMatch(/And \d+ more refused rows, not shown/);
    expect(JSON.stringify(card)).not.toMatch(/"type":"TextBlock","text":"[^"]*evil\.example/);
    const refusal = importReportCard({ fileName: 'customers.csv', problem: 'The file is not UTF-8 text.', directorySize: 12 });
    expect(cardProblems(refusal)).toEqual([]);
  });
});
