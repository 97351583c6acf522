// The deal card: a referral as the viewer's organization sees it, the buttons the viewer may
// use now, and at most one inline form (accept, decline, edit, ...).
import type { ReferralView } from '../services/lifecycle.js';
import type { Contact, Organization, Solution } from '../services/model.js';
import { declineReasons, helpTypes, lostReasons } from '../services/model.js';
import { dealTypeLabels } from '../services/referral-rules.js';
import template from './deal.json' with { type: 'json' };
import { coSellStatusLabels, currencies, dateTime, day, daysLeft, helpTypeLabels, money, stageColor } from './format.js';
import { expand, fields, noBanner, type Banner, type Card } from './render.js';

export const dealForms = ['accept', 'decline', 'edit', 'team', 'solutions', 'note', 'invite', 'won', 'lost'] as const;
export type DealForm = (typeof dealForms)[number];

/** Every input of every form: the builder fills them all so the template never meets a missing path. */
export const dealFieldNames = [
  'name', 'dealValue', 'currency', 'closingDateTime', 'notes', 'externalReferenceId', 'campaignId',
  'firstName', 'lastName', 'phoneNumber', 'email', 'reason', 'solutionIds', 'text',
  'inviteMicrosoft', 'helpType', 'microsoftNotes', 'contactFirstName', 'contactLastName', 'contactPhone', 'contactEmail', 'consentToShare',
  'partnerOrgId', 'partnerDealValue', 'partnerCurrency', 'partnerClosingDateTime', 'partnerSolutionIds', 'partnerHelpType', 'partnerNotes',
  'contractSignedDate', 'wonValue', 'regCurrency', 'contractId', 'azureSubscriptionId', 'regNotes',
] as const;
export type DealField = (typeof dealFieldNames)[number];

export interface DealCardOptions {
  now: Date;
  form?: DealForm;
  banner?: Banner;
  /** What the user typed, kept when a form is shown again with errors. */
  values?: Partial<Record<DealField, unknown>>;
  errors?: Partial<Record<DealField, string>>;
  /** Solutions that may be attached, for the solutions and invite forms. */
  attachable?: Solution[];
  /** Partners offered before the user types (typeahead finds the rest). */
  partners?: Organization[];
  recentContacts?: Contact[];
  /** Teams user ids (29:...) that get their own view through refresh; at most 60 are used. */
  refreshUserIds?: string[];
}

const options = (labels: Record<string, string>, keys?: readonly string[]) =>
  (keys ?? Object.keys(labels)).map((value) => ({ title: labels[value]!, value }));

const personLine = (m: Contact) => `${[m.firstName, m.lastName].filter(Boolean).join(' ')} · ${m.phoneNumber} · ${m.email}`;

/** The form's starting values, from the referral, before anything the user typed. */
function defaults(view: ReferralView, now: Date): Partial<Record<DealField, unknown>> {
  const r = view.referral;
  const date = r.details.closingDateTime.slice(0, 10);
  return {
    name: r.name,
    dealValue: r.details.dealValue,
    currency: r.details.currency,
    closingDateTime: date,
    externalReferenceId: r.externalReferenceId,
    campaignId: r.campaignId,
    solutionIds: r.solutionIds.join(','),
    // Asking Microsoft is the only choice when partners can't be invited; otherwise it is opt-in.
    inviteMicrosoft: String(!view.invitations.partners.allowed),
    helpType: r.details.assistanceRequestCode === 'None' ? 'GeneralOrOther' : r.details.assistanceRequestCode,
    consentToShare: String(r.consent.consentToShareInfoWithOthers),
    partnerCurrency: r.details.currency,
    partnerClosingDateTime: date,
    partnerSolutionIds: r.solutionIds.join(','),
    partnerHelpType: 'GeneralOrOther',
    contractSignedDate: now.toISOString().slice(0, 10),
    wonValue: r.details.dealValue,
    regCurrency: r.details.currency,
  };
}

export function dealCard(view: ReferralView, o: DealCardOptions): Card {
  const r = view.referral;
  const form = o.form ?? '';
  const c = view.allowed;
  const address = [r.customerProfile.address.city, r.customerProfile.address.country].filter(Boolean).join(', ');
  const facts = [
    { title: 'Customer', value: [r.customerProfile.name, address].filter(Boolean).join(' · ') },
    ...(r.customerProfile.duns ? [{ title: 'D-U-N-S', value: r.customerProfile.duns }] : []),
    ...r.customerProfile.team.map((m) => ({ title: 'Customer contact', value: personLine(m) })),
    { title: 'Estimated value', value: money(r.details.dealValue, r.details.currency) },
    { title: 'Estimated close', value: day(r.details.closingDateTime) },
    { title: 'Help requested', value: helpTypeLabels[r.details.assistanceRequestCode] },
    ...(r.externalReferenceId ? [{ title: 'CRM id', value: r.externalReferenceId }] : []),
    ...(r.campaignId ? [{ title: 'Campaign id', value: r.campaignId }] : []),
    ...(r.statusReason ? [{ title: 'Reason', value: reasonLabel(r.substatus, r.statusReason) }] : []),
    ...(r.registration ? [{ title: 'Registered', value: `${r.registration.contractId}, ${money(r.registration.wonValue, r.registration.currency)}` }] : []),
    { title: 'Deal id', value: r.id },
  ];
  const last = r.history.at(-1)!;
  const refused = [view.invitations.microsoft, view.invitations.partners].filter((v) => !v.allowed).map((v) => (v.allowed ? '' : v.reason));
  const data = {
    referralId: r.id,
    version: r.version,
    name: r.name,
    subtitle: `${dealTypeLabels[view.dealType]} · ${r.direction === 'Incoming' ? 'Inbound' : 'Outbound'}`,
    stage: r.substatus,
    stageColor: stageColor[r.substatus],
    archived: r.status === 'Closed',
    archivedText: `Archived: ${r.substatus} on ${dateTime(last.at)} by ${last.byName}. Nothing can change any more.`,
    respondText: r.substatus === 'Received' && r.expirationDateTime ? `${daysLeft(r.expirationDateTime, o.now)} (until ${dateTime(r.expirationDateTime)})` : '',
    invitedByText: r.inviteContext
      ? `From ${r.inviteContext.invitedBy.organizationName} (${r.inviteContext.invitedBy.userName})${r.inviteContext.notes ? `: “${r.inviteContext.notes}”` : ''}`
      : '',
    senderText: r.inviteContext ? `${r.inviteContext.invitedBy.organizationName} will be told you declined.` : '',
    facts,
    team: r.team.map((m) => ({ text: personLine(m) })),
    solutions: view.solutions.map((s) => ({ text: `${s.name} (${coSellStatusLabels[s.coSellStatus]})` })),
    participants: view.participants.map((p) => ({ text: `${p.orgName}: ${p.stage}` })),
    notes: r.notes.slice(-10).map((n) => ({ header: `${dateTime(n.at)} · ${n.byName}`, text: n.text })),
    inviteNote: c.invite || r.substatus !== 'Accepted' ? '' : refused.join(' '),
    can: { ...c, row1: c.accept || c.decline || c.edit || c.addTeam || c.solutions || c.addNote },
    favorite: view.favorite,
    heartTitle: view.favorite ? '♥ Favorite' : '♡ Favorite',
    banner: o.banner ?? noBanner,
    form,
    f: fields(dealFieldNames, { ...defaults(view, o.now), ...o.values }, o.errors ?? {}),
    needsRegistration: view.needsRegistration,
    invite: {
      microsoft: view.invitations.microsoft.allowed,
      microsoftReason: view.invitations.microsoft.allowed ? '' : view.invitations.microsoft.reason,
      partners: view.invitations.partners.allowed,
      partnersReason: view.invitations.partners.allowed ? '' : view.invitations.partners.reason,
      needsContact: r.customerProfile.team.length === 0,
    },
    recentText: (o.recentContacts ?? []).slice(0, 5).map(personLine).join('; '),
    choices: {
      currencies: currencies.map((v) => ({ title: v, value: v })),
      declineReasons: options(declineReasons),
      lostReasons: options(lostReasons),
      helpTypes: options(helpTypeLabels, helpTypes.filter((h) => h !== 'None')),
      partnerHelpTypes: options(helpTypeLabels, helpTypes.filter((h) => h !== 'None')),
      solutions: (o.attachable ?? view.solutions).map((s) => ({ title: `${s.name} (${coSellStatusLabels[s.coSellStatus]})`, value: s.id })),
      partners: atLeastOne((o.partners ?? []).map((p) => ({ title: p.name, value: p.id })), 'Type to search partners'),
    },
    refreshUserIds: (o.refreshUserIds ?? []).slice(0, 60),
  };
  return expand(template, data);
}

function reasonLabel(stage: string, reason: string): string {
  const labels: Record<string, string> = { ...(stage === 'Lost' ? lostReasons : declineReasons), NoResponse: 'No answer within 14 days' };
  return labels[reason] ?? reason;
}

/** A choice set needs one static choice to be valid; the typeahead replaces it as the user types. */
function atLeastOne(choices: { title: string; value: string }[], placeholder: string) {
  return choices.length > 0 ? choices : [{ title: placeholder, value: 'none' }];
}
