// The co-sell rules that need no I/O: deal type, who may act, which actions a stage allows,
// and the invitation combinations. The lifecycle service enforces them; cards only read them.
import type { CoSellStatus, DealType, Engagement, Organization, Person, Referral, Solution, Stage } from './model.js';
import { dateTime, t } from './i18n.js';
import { isTerminal } from './model.js';

export const RESPONSE_WINDOW_DAYS = 14;

/**
 * Deal type follows from who takes part, and whether the creator shared the deal with Microsoft's
 * sellers without asking for their help (partner-led, as Partner Center calls it).
 */
export function dealTypeOf(engagement: Engagement, microsoftOrgId: string, sharedWithMicrosoftSellers = false): DealType {
  // A referral Microsoft sent through Partner Center has Microsoft as creator, though not as a participant here.
  if (engagement.createdByOrgId === microsoftOrgId || engagement.participants.some((p) => p.orgId === microsoftOrgId)) return 'co-sell';
  if (engagement.participants.some((p) => p.orgId !== engagement.createdByOrgId)) return 'p2p';
  return sharedWithMicrosoftSellers ? 'partner-led' : 'private';
}


const attachableStatuses: readonly CoSellStatus[] = [
  'CoSellReady',
  'AzureIpCoSellIncentivized',
  'BizAppsCoSellIncentivizedStandard',
  'BizAppsCoSellIncentivizedPremium',
];

/** Microsoft's own solutions always can be attached; partners' only when co-sell ready or incentivized. */
export function isAttachable(solution: Solution, owner: Organization | undefined): boolean {
  if (solution.retired) return false;
  return owner?.kind === 'microsoft' || attachableStatuses.includes(solution.coSellStatus);
}

/** Incentive-eligible solutions: a win with one of them may be registered with Partner Center. */
export const qualifiesForRegistration = (solution: Solution) => solution.coSellStatus.includes('Incentivized');

/** Partner Center registers a deal no sooner than this after it was created. */
export const REGISTRATION_WAIT_HOURS = 72;

/**
 * Whether the organization may register its win with Partner Center now: a co-sell or partner-led
 * deal, won, with an incentive-eligible solution of its own; for co-sell, Microsoft took it on.
 */
export function registrationVerdict(r: Referral, o: { dealType: DealType; ownIncentivized: Solution[]; microsoftOnBoard: boolean; now: Date }): Verdict {
  if (r.registration) return no(t('rules.registration.done'));
  if (r.substatus !== 'Won') return no(t('rules.registration.notWon'));
  if (o.dealType !== 'co-sell' && o.dealType !== 'partner-led') return no(t('rules.registration.dealType'));
  if (o.ownIncentivized.length === 0) return no(t('rules.registration.noIncentivized'));
  if (o.dealType === 'co-sell' && !o.microsoftOnBoard) return no(t('rules.registration.microsoftNotOnBoard'));
  const from = Date.parse(r.createdDateTime) + REGISTRATION_WAIT_HOURS * 3_600_000;
  if (o.now.getTime() < from) return no(t('rules.registration.tooEarly', { hours: REGISTRATION_WAIT_HOURS, from: dateTime(new Date(from).toISOString()) }));
  return yes;
}

/** Admins and referrals admins act on every referral of their organization, and hand them to others. */
export const mayAssign = (person: Person) => person.roles.includes('admin') || person.roles.includes('referrals-admin');

/** Admins and referrals admins act on every referral of their organization; sellers on the deals they work on or were handed. */
export function canAct(person: Person, referral: Referral): boolean {
  if (person.orgId !== referral.orgId) return false;
  if (mayAssign(person) || referral.assignedTo?.userId === person.userId) return true;
  const email = person.email.toLowerCase();
  return referral.history[0]?.byUserId === person.userId || (email !== '' && referral.team.some((m) => m.email.toLowerCase() === email));
}

export type Verdict = { allowed: true } | { allowed: false; reason: string };
const yes: Verdict = { allowed: true };
const no = (reason: string): Verdict => ({ allowed: false, reason });

export interface InvitationOptions {
  microsoft: Verdict;
  partners: Verdict;
}

/** The "who can be invited" table of the spec, with the reason in a seller's words when the answer is no. */
export function invitationOptions(referral: Referral, engagement: Engagement, microsoftOrgId: string): InvitationOptions {
  if (referral.substatus !== 'Accepted') {
    const why = no(t('rules.invite.notAccepted', { stage: t(`stage.${referral.substatus}`) }));
    return { microsoft: why, partners: why };
  }
  const type = dealTypeOf(engagement, microsoftOrgId);
  const microsoft =
    referral.orgId === microsoftOrgId
      ? no(t('rules.invite.microsoft.self'))
      : type === 'co-sell'
        ? no(t('rules.invite.microsoft.onBoard'))
        : yes;
  let partners = yes;
  if (referral.direction === 'Incoming') {
    partners = no(t('rules.invite.partners.received'));
  } else if (type === 'co-sell' && engagement.createdByOrgId !== referral.orgId) {
    partners = no(t('rules.invite.partners.notCreator'));
  }
  return { microsoft, partners };
}

export interface AllowedActions {
  accept: boolean;
  decline: boolean;
  edit: boolean;
  addTeam: boolean;
  solutions: boolean;
  addNote: boolean;
  invite: boolean;
  won: boolean;
  lost: boolean;
  assign: boolean;
  register: boolean;
  registrationStatus: boolean;
  favorite: boolean;
}

export function allowedActions(stage: Stage, mayAct: boolean, invitations: InvitationOptions, assigner = false, registration = { verdict: no('') as Verdict, registrar: false }): AllowedActions {
  const received = mayAct && stage === 'Received';
  const accepted = mayAct && stage === 'Accepted';
  return {
    accept: received,
    decline: received,
    edit: accepted,
    addTeam: accepted,
    solutions: accepted,
    addNote: accepted,
    invite: accepted && (invitations.microsoft.allowed || invitations.partners.allowed),
    won: accepted,
    lost: accepted,
    assign: assigner && (stage === 'Received' || stage === 'Accepted'),
    register: mayAct && registration.verdict.allowed,
    registrationStatus: registration.registrar,
    favorite: true,
  };
}

/** Microsoft's help needs the customer's contact and their consent to share it: the problems, by field. */
export function microsoftNeedsProblems(hasContact: boolean, consent: boolean): Record<'customerContact' | 'consentToShare', string | undefined> {
  return {
    customerContact: hasContact ? undefined : t('rules.microsoft.needsContact'),
    consentToShare: consent ? undefined : t('rules.microsoft.needsConsent'),
  };
}

/** A Received referral whose time to answer has run out is expired for every action, whether or not the clock has marked it yet. */
export const hasLapsed = (r: Referral, now: Date) => r.substatus === 'Received' && r.expirationDateTime !== undefined && Date.parse(r.expirationDateTime) <= now.getTime();

/** An Accepted deal whose estimated close date is behind us: the card asks for a new date. */
export const closeDatePassed = (r: Referral, now: Date) => r.substatus === 'Accepted' && closeDateProblem(r.details.closingDateTime, now) !== undefined;

/** Close dates are days: today is fine, yesterday is not. The message when the date is in the past. */
export function closeDateProblem(date: string, now: Date): string | undefined {
  return date.slice(0, 10) < now.toISOString().slice(0, 10) ? t('rules.closeDate.past') : undefined;
}

/** The stages each stage may move to; terminal stages move nowhere. */
const transitions: Record<Stage, readonly Stage[]> = {
  Received: ['Accepted', 'Declined', 'Expired'],
  Accepted: ['Won', 'Lost'],
  Won: [],
  Lost: [],
  Declined: [],
  Expired: [],
};

export function transitionError(from: Stage, to: Stage): string | undefined {
  if (transitions[from].includes(to)) return undefined;
  if (isTerminal(from)) return t('rules.transition.archived', { stage: t(`stage.${from}`) });
  return t('rules.transition.refused', { from: t(`stage.${from}`), to: t(`stage.${to}`) });
}
