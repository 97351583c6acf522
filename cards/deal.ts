// The deal card: a referral as the viewer's organization sees it, the buttons the viewer may use
// now, and at most one form (accept, decline, edit, ...). Long notes and teams are cut so the card
// fits Teams; the whole notes log and team open in a card of their own.
import type { DealNote, ReferralView, TeamGroup } from '../services/lifecycle.js';
import type { Contact, Organization, Referral, Registration, RegistrationStatus, Solution, Stage } from '../services/model.js';
import { declineReasons, helpTypes, lostReasons, marketplaceIntents, registrationStatuses, salesStages, stages } from '../services/model.js';
import { amountText, say, t, type MessageKey } from '../services/i18n.js';
import { closeDatePassed } from '../services/referral-rules.js';
import { dealForms, type DealFormId } from './deal-forms.js';
import template from './deal.json' with { type: 'json' };
import { addressLine, choicesOf, coSellStatusLabel, currencies, dateTime, day, daysLeft, dealTypeLabel, directionLabel, heartTitle, helpLabel, intentLabel, money, partnerSolutionChoices, personChoice, pipelineChoices, reasonLabel, registrationStatusLabel, salesStageLabel, shortId, sizeLabel, solutionChoices, stageLabel, stageStyle } from './format.js';
import { inputsOf, type Choice, type Choices } from './forms.js';
import { clip, compile, execute, fitted, heading, noBanner, plain, type Banner, type Card, type Element } from './render.js';

export interface DealCardOptions {
  now: Date;
  form?: DealFormId;
  banner?: Banner;
  /** What the user typed, kept when a form is shown again with errors. */
  values?: Partial<Record<string, string>>;
  errors?: Partial<Record<string, string>>;
  /** Solutions that may be attached, with their owners, for the solutions and invite forms. */
  attachable?: Solution[];
  organizations?: Organization[];
  /** Partners offered before the user types (typeahead finds the rest). */
  partners?: Organization[];
  recentContacts?: Contact[];
  /** The organization's people, for the assign form. */
  people?: { userId: string; name: string }[];
  /** What the form's submit button carries back besides the inputs (the team member it is about). */
  carried?: Record<string, string>;
  /** Teams user ids (29:...) that get their own view through refresh; at most 60 are used. */
  refreshUserIds?: string[];
}

const fullName = (m: Contact) => [m.firstName, m.lastName].filter(Boolean).join(' ');
/** Whether Partner Center has the deal's last change, for a referral that came from it and goes back. */
function syncLine(r: Referral): { syncText: string; syncColor: 'Default' | 'Warning' | 'Attention' } {
  const s = r.partnerCenterSync;
  if (!s) return { syncText: '', syncColor: 'Default' };
  if (s.state === 'synced') return { syncText: t('deal.pc.synced', { at: dateTime(s.at) }), syncColor: 'Default' };
  if (s.state === 'refused') return { syncText: t('deal.pc.refused', { reason: s.problem }), syncColor: 'Attention' };
  return { syncText: t(s.attempts > 0 ? 'deal.pc.retrying' : 'deal.pc.waiting'), syncColor: s.attempts > 0 ? 'Warning' : 'Default' };
}

/** A note as typed, after what it goes with ("Declined (No capacity): …"). */
const noteText = (n: DealNote) => (n.about ? `${say(n.about)}: ${n.text}` : n.text);
/** Who wrote a note, for which organization, and whether only that organization reads it. */
const noteHeader = (n: DealNote) => t(n.visibility === 'internal' ? 'deal.note.headerInternal' : 'deal.note.header', { at: dateTime(n.at), name: n.byName, org: n.orgName });
/** An organization's name over its people, saying which is the viewer's. */
const orgLine = (g: TeamGroup) => (g.own ? t('deal.team.yours', { org: g.orgName }) : g.orgName);
const andMore = (count: number) => t('common.andMore', { count });

/** The team by organization, each under its name when there are several: a bold line, then its people. */
function teamEntries(teams: TeamGroup[]): { text: string; weight: 'Bolder' | 'Default' }[] {
  const groups = teams.filter((g) => g.members.length > 0);
  if (groups.length === 1 && groups[0]!.own) return groups[0]!.members.map((m) => ({ text: personLine(m), weight: 'Default' }));
  return groups.flatMap((g) => [{ text: orgLine(g), weight: 'Bolder' as const }, ...g.members.map((m) => ({ text: personLine(m), weight: 'Default' as const }))]);
}

/** The lines up to the `max`th person, organization names included; the rest is "and N more". */
function firstMembers<L extends { weight: string }>(lines: L[], max: number): L[] {
  let people = 0;
  const shown: L[] = [];
  for (const line of lines) {
    if (line.weight === 'Default' && ++people > max) break;
    shown.push(line);
  }
  // An organization's name with none of its people after it says nothing.
  while (shown.at(-1)?.weight === 'Bolder') shown.pop();
  return shown;
}

const personLine = (m: Contact) => `${[m.firstName, m.lastName].filter(Boolean).join(' ')} · ${m.phoneNumber} · ${m.email}`;

/** How much of the long lists a card shows; the next level is tried when a card is too large. */
interface Detail {
  team: number;
  solutions: number;
  notes: number;
  noteChars: number;
  contacts: number;
  titleChars?: number;
  /** People whose own view follows by refresh (Teams takes at most 60); the others see the shared card. */
  refreshUsers: number;
}
const detail: [Detail, ...Detail[]] = [
  { team: 8, solutions: 12, notes: 3, noteChars: 1200, contacts: 3, refreshUsers: 60 },
  { team: 4, solutions: 6, notes: 2, noteChars: 400, contacts: 1, titleChars: 50, refreshUsers: 30 },
  { team: 2, solutions: 3, notes: 1, noteChars: 150, contacts: 1, titleChars: 24, refreshUsers: 10 },
];


/** The form's starting values, from the referral, before anything the user typed. */
function defaults(view: ReferralView, now: Date): Record<string, string> {
  const r = view.referral;
  const date = r.details.closingDateTime.slice(0, 10);
  return {
    name: r.name,
    dealValue: amountText(r.details.dealValue),
    currency: r.details.currency,
    closingDateTime: date,
    externalReferenceId: r.externalReferenceId,
    campaignId: r.campaignId,
    solutionIds: r.solutionIds.join(','),
    salesStage: r.salesStage,
    customerMarketplaceIntent: r.customerMarketplaceIntent,
    shareWithMicrosoftSellers: String(r.consent.consentToShareReferralWithMicrosoftSellers),
    // Asking Microsoft is the only choice when partners can't be invited; otherwise it is opt-in.
    inviteMicrosoft: String(!view.invitations.partners.allowed),
    helpType: r.details.assistanceRequestCode === 'None' ? 'GeneralOrOther' : r.details.assistanceRequestCode,
    consentToShare: String(r.consent.consentToShareInfoWithOthers),
    partnerCurrency: r.details.currency,
    partnerClosingDateTime: date,
    // Everyone on the team works with the partner unless the seller says otherwise (by place on the team).
    partnerTeam: r.team.map((_, i) => String(i)).join(','),
    partnerHelpType: 'GeneralOrOther',
    contractValue: amountText(r.details.dealValue),
    regCurrency: r.details.currency,
    signDate: now.toISOString().slice(0, 10),
    startDate: now.toISOString().slice(0, 10),
    termMonths: '12',
    status: r.registration?.status ?? '',
    statusReason: r.registration?.statusReason ?? '',
  };
}

const render = compile<object>(template);

export function dealCard(view: ReferralView, o: DealCardOptions): Card {
  return fitted(detail, (limits) => render(dealData(view, o, limits)));
}

function dealData(view: ReferralView, o: DealCardOptions, limits: Detail) {
  const r = view.referral;
  const form = o.form ?? '';
  const c = view.allowed;
  const address = addressLine(r.customerProfile.address);
  const contacts = r.customerProfile.team;
  const help = r.details.assistanceRequestCode;
  const facts = [
    { title: t('deal.fact.customer'), value: [r.customerProfile.name, address].filter(Boolean).join(' · ') },
    ...(r.customerProfile.duns ? [{ title: 'D-U-N-S', value: r.customerProfile.duns }] : []),
    ...(r.customerProfile.size ? [{ title: t('deal.fact.customerSize'), value: sizeLabel(r.customerProfile.size) }] : []),
    ...contacts.slice(0, limits.contacts).map((m) => ({ title: t('deal.fact.customerContact'), value: personLine(m) })),
    ...(contacts.length > limits.contacts ? [{ title: t('deal.fact.customerContact'), value: andMore(contacts.length - limits.contacts) }] : []),
    ...(r.assignedTo ? [{ title: t('deal.fact.assignedTo'), value: r.assignedTo.name }] : []),
    { title: t('deal.fact.value'), value: money(r.details.dealValue, r.details.currency) },
    { title: t('deal.fact.close'), value: day(r.details.closingDateTime) },
    ...(r.status !== 'Closed' ? [{ title: t('deal.fact.salesStage'), value: salesStageLabel(r.salesStage) }] : []),
    { title: t('deal.fact.marketplace'), value: intentLabel(r.customerMarketplaceIntent) },
    // "None" keeps the creator's deal private; on a referral someone sent, it only means no help was named.
    ...(help !== 'None' ? [{ title: t(r.direction === 'Incoming' ? 'deal.fact.helpRequested' : 'deal.fact.helpFromMicrosoft'), value: helpLabel(help) }] : []),
    ...(r.externalReferenceId ? [{ title: t('deal.fact.crmId'), value: r.externalReferenceId }] : []),
    ...(r.campaignId ? [{ title: t('deal.fact.campaignId'), value: r.campaignId }] : []),
    ...(r.statusReason ? [{ title: t('deal.fact.reason'), value: reasonLabel(r.substatus, r.statusReason) }] : []),
    ...(r.registration ? registrationFacts(r.registration) : []),
    { title: t('deal.fact.dealId'), value: shortId(r.id) },
  ];
  const last = r.history.at(-1)!;
  // A registration comes after the win: the archive names the change that closed the deal.
  const closing = [...r.history].reverse().find((h) => h.changes.substatus) ?? last;
  const refused = [view.invitations.microsoft, view.invitations.partners].filter((v) => !v.allowed).map((v) => (v.allowed ? '' : v.reason));
  const notes = view.notes.slice(-limits.notes).reverse();
  const teamShown = firstMembers(teamEntries(view.teams), limits.team);
  const teamCount = view.teams.reduce((n, g) => n + g.members.length, 0);
  const ownMembers = view.teams.find((g) => g.own)?.members.length ?? 0;
  const clipped = notes.some((n) => noteText(n).length > limits.noteChars);
  return {
    referralId: r.id,
    fallbackText: t('deal.fallback', { id: shortId(r.id) }),
    version: r.version,
    name: r.name,
    subtitle: `${dealTypeLabel(view.dealType)} · ${directionLabel(r.direction)}`,
    stageLabel: stageLabel(r.substatus),
    stageStyle: stageStyle[r.substatus],
    archived: r.status === 'Closed',
    archivedText: t('deal.archived', { stage: stageLabel(r.substatus), at: dateTime(closing.at), name: closing.byName }),
    // Who did what last stays on the card when it is opened again later.
    lastChangeText: r.status !== 'Closed' && r.history.length > 1 ? t('deal.lastChange', { action: say(last.action), name: last.byName, at: dateTime(last.at) }) : '',
    // An invitation still to answer on a deal another organization has already closed: say so before the seller decides.
    outcomeText:
      r.substatus === 'Received'
        ? view.participants
            .filter((p) => p.stage === 'Won' || p.stage === 'Lost')
            .map((p) => t('deal.outcome', { org: p.orgName, stage: stageLabel(p.stage), date: dateTime(p.since) }))
            .join(' ')
        : '',
    ...syncLine(r),
    closeDateText: closeDatePassed(r, o.now) ? t('deal.closeDatePassed', { date: day(r.details.closingDateTime) }) : '',
    respondText: r.substatus === 'Received' && r.expirationDateTime ? t('deal.respond', { left: daysLeft(r.expirationDateTime, o.now), until: dateTime(r.expirationDateTime) }) : '',
    invitedByText: r.inviteContext ? invitedBy(r.inviteContext, limits.noteChars) : '',
    contactsText: r.inviteContext?.contacts.length
      ? t('deal.contacts', { org: r.inviteContext.invitedBy.organizationName, names: clip(r.inviteContext.contacts.map(fullName).join(', '), limits.noteChars) })
      : '',
    facts,
    team: teamShown,
    teamMore: teamCount > limits.team ? andMore(teamCount - limits.team) : '',
    // The whole team's card is also where the organization's own people are changed or removed.
    moreTeam: teamCount > limits.team || (c.addTeam && ownMembers > 0),
    solutions: view.solutions.slice(0, limits.solutions).map((s) => ({ text: solutionLine(s) })),
    solutionsMore: view.solutions.length > limits.solutions ? andMore(view.solutions.length - limits.solutions) : '',
    participants: view.participants.map((p) => ({ text: `${p.orgName}: ${stageLabel(p.stage)}` })),
    notes: notes.map((n) => ({ header: noteHeader(n), text: clip(noteText(n), limits.noteChars) })),
    allNotesTitle: t('deal.button.allNotes', { count: view.notes.length }),
    wholeTeamTitle: t('deal.button.wholeTeam', { count: teamCount }),
    historyTitle: t('deal.button.history', { count: r.history.length }),
    moreNotes: view.notes.length > notes.length || clipped,
    inviteNote: c.invite || r.substatus !== 'Accepted' ? '' : refused.join(' '),
    can: { ...c, row1: c.accept || c.edit || c.addTeam || c.solutions || c.addNote || c.assign },
    // One click: the referral as it came, accepted; anything to change is an Edit away afterwards.
    acceptNow: { referralId: r.id, version: r.version, ...acceptAsIs(r) },
    favorite: view.favorite,
    heartTitle: heartTitle(view.favorite),
    banner: o.banner ?? noBanner,
    form,
    formItems: form ? formItems(view, form, o, limits) : [],
    declineItems: !form && c.decline ? declineItems(view, o) : [],
    refreshUserIds: (o.refreshUserIds ?? []).slice(0, limits.refreshUsers),
  };
}

/** Who invited the viewer's organization, and what they wrote. */
function invitedBy(c: NonNullable<Referral['inviteContext']>, noteChars: number): string {
  const from = { org: c.invitedBy.organizationName, name: c.invitedBy.userName };
  return c.notes ? t('deal.invitedByWithNotes', { ...from, notes: clip(c.notes, noteChars) }) : t('deal.invitedBy', from);
}

/** A registration on the card: where its review stands, and its contract. */
function registrationFacts(g: Registration): { title: string; value: string }[] {
  const c = g.contract;
  return [
    { title: t('deal.fact.registration'), value: `${registrationStatusLabel(g.status)}${g.statusReason ? `: ${g.statusReason}` : ''}` },
    {
      title: t('deal.fact.contract'),
      value: t('deal.contract', { value: money(c.value, c.currency), term: c.term, start: day(c.startDateTime), end: day(c.endDateTime), signed: day(c.signDateTime) }),
    },
    ...(g.solutionDetails.length > 0
      ? [
          {
            title: t('deal.fact.registered'),
            value: g.solutionDetails.map((s) => [s.name, s.isDeployedOnAzure ? t('deal.registered.azure') : '', s.isMarketplaceTransacted ? t('deal.registered.marketplace') : ''].filter(Boolean).join(', ')).join('; '),
          },
        ]
      : []),
  ];
}

/** A solution with its co-sell status; Microsoft's own (always attachable) need none. */
function solutionLine(s: Solution): string {
  return s.coSellStatus === 'NotCoSellReady' ? s.name : `${s.name} (${coSellStatusLabel(s.coSellStatus)})`;
}

/** The open form: its inputs from the one definition, the user's values and errors, and its buttons. */
function formItems(view: ReferralView, id: DealFormId, o: DealCardOptions, limits: Detail): Element[] {
  const r = view.referral;
  const def = dealForms[id];
  const orgs = o.organizations ?? [];
  const attachable = o.attachable ?? view.solutions;
  const selectedPartner = o.values?.partnerOrgId ?? '';
  const partners = [...(o.partners ?? [])];
  const chosen = orgs.find((org) => org.id === selectedPartner);
  if (chosen && !partners.some((p) => p.id === chosen.id)) partners.unshift(chosen);
  const choices: Choices = {
    currencies: currencies.map((v) => ({ title: v, value: v })),
    ...pipelineChoices(),
    registrable: view.registrable.map((s) => ({ title: s.name, value: s.id })),
    registrationStatuses: choicesOf(registrationStatuses, registrationStatusLabel),
    declineReasons: choicesOf(declineReasons, (v) => reasonLabel('Declined', v)),
    lostReasons: choicesOf(lostReasons, (v) => reasonLabel('Lost', v)),
    helpTypes: choicesOf(helpTypes.filter((h) => h !== 'None'), helpLabel),
    solutions: solutionChoices(attachable, orgs, r.orgId),
    // An invited partner brings its own solutions: once the partner is known, only those are offered.
    partnerSolutions: partnerSolutionChoices(attachable, orgs, r.orgId, selectedPartner),
    partners: partners.map((p) => ({ title: p.name, value: p.id })),
    team: r.team.map((m, i) => personChoice(m, String(i))),
    people: (o.people ?? []).map((p) => ({ title: p.name, value: p.userId })),
    recent: (o.recentContacts ?? []).filter((m) => !r.team.some((t) => t.email.toLowerCase() === m.email.toLowerCase())).map((m) => personChoice(m, m.email)),
  };
  const hidden = new Set<string>();
  if (!view.invitations.microsoft.allowed) hidden.add('microsoft').add('contact');
  if (r.customerProfile.team.length > 0) hidden.add('contact');
  if (!view.invitations.partners.allowed) hidden.add('partner');
  const ref = { referralId: r.id, version: r.version };
  const notes: string[] = [];
  if (id === 'decline' && r.inviteContext) notes.push(t('deal.form.declineTold', { org: r.inviteContext.invitedBy.organizationName }));
  if (id === 'won') notes.push(t('deal.form.wonNote'));
  if (id === 'invite') for (const v of [view.invitations.microsoft, view.invitations.partners]) if (!v.allowed) notes.push(v.reason);
  return [
    heading(def.title, { weight: 'Bolder', size: 'Medium' }),
    ...notes.map((n) => plain(n, { isSubtle: true })),
    ...inputsOf(def.fields, { values: { ...defaults(view, o.now), ...o.values }, errors: o.errors ?? {}, choices, hidden, titleChars: limits.titleChars }),
    {
      type: 'ActionSet',
      actions: [execute(def.submit.title, id, { ...ref, ...o.carried }, { style: def.submit.style }), execute(t('deal.button.cancel'), 'open', { referralId: r.id }, { inputs: 'none' })],
    },
  ];
}

/** The accept form's values that accept a referral exactly as it was sent. */
function acceptAsIs(r: Referral) {
  return {
    name: r.name,
    dealValue: amountText(r.details.dealValue),
    currency: r.details.currency,
    closingDateTime: r.details.closingDateTime.slice(0, 10),
    // The form reads an absent field as emptied: the ids it would otherwise clear go along as they are.
    externalReferenceId: r.externalReferenceId,
    campaignId: r.campaignId,
  };
}

/** Decline right on the Received card: the reason (Teams asks for it before sending), an optional note, the button. */
function declineItems(view: ReferralView, o: DealCardOptions): Element[] {
  const r = view.referral;
  const def = dealForms.decline;
  return [
    heading(t('deal.decline.heading'), { weight: 'Bolder' }),
    ...(r.inviteContext ? [plain(t('deal.decline.told', { org: r.inviteContext.invitedBy.organizationName }), { isSubtle: true, spacing: 'None' })] : []),
    ...inputsOf(def.fields, { values: o.values ?? {}, errors: o.errors ?? {}, choices: { declineReasons: choicesOf(declineReasons, (v) => reasonLabel('Declined', v)) } }),
    { type: 'ActionSet', actions: [execute(def.submit.title, 'decline', { referralId: r.id, version: r.version }, { style: def.submit.style })] },
  ];
}

export type DealLogView = 'notes' | 'team' | 'history';

/** Entries per page of the whole log: a page of the longest notes (or changes) still fits a card. */
const LOG_PAGE = { notes: 2, team: 20, history: 8 } as const;
const logTitles: Record<DealLogView, MessageKey> = { notes: 'deal.section.notes', team: 'deal.section.team', history: 'log.history' };

/** The names people know the recorded fields by; the stage says what the status would. */
const fieldLabels: Partial<Record<string, MessageKey>> = {
  name: 'form.dealName',
  substatus: 'log.field.stage',
  statusReason: 'deal.fact.reason',
  'details.dealValue': 'log.field.value',
  'details.currency': 'form.currency',
  'details.closingDateTime': 'log.field.closeDate',
  'details.assistanceRequestCode': 'deal.fact.helpFromMicrosoft',
  externalReferenceId: 'deal.fact.crmId',
  campaignId: 'deal.fact.campaignId',
  team: 'deal.section.team',
  solutionIds: 'deal.section.solutions',
  assignedTo: 'deal.fact.assignedTo',
  notes: 'log.field.note',
  registration: 'deal.fact.registration',
  'customerProfile.name': 'deal.fact.customer',
  'customerProfile.team': 'log.field.customerContacts',
  consent: 'log.field.consent',
  salesStage: 'deal.fact.salesStage',
  customerMarketplaceIntent: 'deal.fact.marketplace',
};
const fieldLabel = (field: string) => {
  const key = fieldLabels[field];
  return key ? t(key) : field;
};
const unlisted = new Set(['status', 'expirationDateTime', 'senderUpdatedDateTime']);

/** A recorded value as a line of text: people by name, lists joined, dates as days, a registration by its status and contract, long text cut. */
function shownValue(value: unknown, field = ''): string {
  if (value === null || value === undefined || value === '') return t('log.none');
  if (field === 'registration' && typeof value === 'object') {
    const g = value as Registration;
    const status = registrationStatusLabel(g.status);
    return g.contract ? t('log.registration', { status, value: money(g.contract.value, g.contract.currency), term: g.contract.term }) : status;
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z$/.test(value)) return day(value);
  if (Array.isArray(value)) return clip(value.map((v) => (typeof v === 'object' && v !== null && 'email' in v ? fullName(v as Contact) : shownValue(v))).join(', ') || t('log.none'), 300);
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (field === 'consent' && typeof value === 'object') {
    const c = value as Referral['consent'];
    return t('log.consent', { others: shownValue(c.consentToShareInfoWithOthers), microsoft: shownValue(c.consentToShareReferralWithMicrosoftSellers) });
  }
  if (typeof value === 'object') return clip('name' in value ? String((value as { name: unknown }).name) : JSON.stringify(value), 300);
  return clip(String(value), 300);
}

/** A code by its label; a code this version doesn't know reads as recorded. */
const labelOf =
  <C extends string>(codes: readonly C[], label: (code: C) => string) =>
  (code: string): string =>
    (codes as readonly string[]).includes(code) ? label(code as C) : code;

/** Recorded codes read by their labels in the reader's language; a reason by the stage its change reached. */
const codeLabels: Partial<Record<string, (code: string, stage: Stage) => string>> = {
  substatus: labelOf(stages, stageLabel),
  statusReason: (code, stage) => reasonLabel(stage, code),
  salesStage: labelOf(salesStages, salesStageLabel),
  customerMarketplaceIntent: labelOf(marketplaceIntents, intentLabel),
  'details.assistanceRequestCode': helpLabel,
};

/** One history entry: who did what when, then each field from old to new. */
function historyItems(h: Referral['history'][number], cut: (text: string) => string): Element[] {
  const changes = Object.entries(h.changes).filter(([field]) => !unlisted.has(field));
  const stage = String(h.changes.substatus?.to ?? '') as Stage;
  const shown = (field: string, value: unknown) => {
    const label = codeLabels[field];
    return label && typeof value === 'string' && value !== '' ? label(value, stage) : shownValue(value, field);
  };
  return [
    plain(cut(`${dateTime(h.at)} · ${h.byName} · ${say(h.action)}`), { weight: 'Bolder', spacing: 'Medium' }),
    ...changes.map(([field, c]) =>
      plain(cut(`${fieldLabel(field)}: ${field === 'notes' ? shownValue(c.to) : `${shown(field, c.from)} → ${shown(field, c.to)}`}`), { size: 'Small', spacing: 'None' }),
    ),
  ];
}

/** The whole notes log or team of a deal, a page at a time, newest notes first; the team by organization, the viewer's own people with Edit and Remove. */
export function dealLogCard(deal: ReferralView, view: DealLogView, page: number): Card {
  // A page keeps its entries (Previous and Next stay where they were); its long texts are cut, visibly, until it fits Teams.
  return fitted([undefined, 600, 160], (chars) => logCard(deal, view, page, chars));
}

function logCard(deal: ReferralView, view: DealLogView, page: number, chars: number | undefined): Card {
  const cut = (text: string) => (chars === undefined ? text : clip(text, chars));
  const referral = deal.referral;
  const ref = { referralId: referral.id, version: referral.version };
  const people = deal.teams.flatMap((group) => group.members.map((member) => ({ group, member })));
  const size = LOG_PAGE[view];
  const count = view === 'notes' ? deal.notes.length : view === 'history' ? referral.history.length : people.length;
  const pages = Math.max(1, Math.ceil(count / size));
  const current = Math.min(Math.max(0, page), pages - 1);
  const shown =
    view === 'history'
      ? [...referral.history].reverse().slice(current * size, (current + 1) * size).flatMap((h) => historyItems(h, cut))
      : view === 'notes'
      ? [...deal.notes]
          .reverse()
          .slice(current * size, (current + 1) * size)
          .flatMap((n) => [plain(cut(noteHeader(n)), { isSubtle: true, size: 'Small', spacing: 'Medium' }), plain(cut(noteText(n)), { spacing: 'None' })])
      : people.slice(current * size, (current + 1) * size).flatMap(({ group, member }, i, page) => [
          // Each organization's name over its people, again at the top of a page.
          ...(i === 0 || page[i - 1]!.group !== group ? [plain(cut(orgLine(group)), { weight: 'Bolder', spacing: 'Medium' })] : []),
          group.own && deal.allowed.addTeam
            ? {
                type: 'ColumnSet',
                spacing: 'None',
                columns: [
                  { type: 'Column', width: 'stretch', verticalContentAlignment: 'Center', items: [plain(cut(personLine(member)))] },
                  {
                    type: 'Column',
                    width: 'auto',
                    items: [{ type: 'ActionSet', actions: [execute(t('deal.button.edit'), 'showForm', { ...ref, form: 'editMember', memberEmail: member.email }, { inputs: 'none' }), execute(t('log.button.remove'), 'removeMember', { ...ref, memberEmail: member.email }, { style: 'destructive', inputs: 'none' })] }],
                  },
                ],
              }
            : plain(cut(personLine(member)), { spacing: 'None' }),
        ]);
  const at = (p: number) => ({ referralId: referral.id, view, page: p });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    fallbackText: t('log.fallback', { view, id: shortId(referral.id) }),
    body: [
      plain(referral.name, { size: 'Large', weight: 'Bolder' }),
      heading(t('log.heading', { title: t(logTitles[view]), count, page: current + 1, pages }), { isSubtle: true, spacing: 'None' }),
      ...shown,
      {
        type: 'ActionSet',
        actions: [
          ...(current > 0 ? [execute(t('log.button.previous'), 'open', at(current - 1))] : []),
          ...(current < pages - 1 ? [execute(t('log.button.next'), 'open', at(current + 1))] : []),
          execute(t('log.button.back'), 'open', { referralId: referral.id }),
        ],
      },
    ],
  };
}
