// The deal lifecycle: every co-sell operation, validated, scoped to the caller's organization,
// versioned and recorded in the referral's history. The one place the rules are enforced.
import { randomUUID } from 'node:crypto';
import { DAY_MS, type Clock } from './clock.js';
import type { Caller, Directory } from './directory.js';
import { CoSellError, inputProblems, notFound, parsedPart, parseInput, validationError } from './errors.js';
import {
  AcceptInput,
  AssignInput,
  CreateDealInput,
  DateInput,
  MAX_TEAM,
  PartnerInvitation,
  SolutionIds,
  DeclineInput,
  EditInput,
  InviteInput,
  LostInput,
  NoteInput,
  RegisterInput,
  RegistrationStatusInput,
  RemoveMemberInput,
  SolutionsInput,
  TeamInput,
  TeamMemberInput,
  WonInput,
} from './inputs.js';
import type { Contact, DealType, Draft, Engagement, HistoryEntry, Note, Organization, Person, Referral, Registration, Solution, Stage } from './model.js';
import { dateTime, msg, say, t, type MessageKey, type Msg } from './i18n.js';
import { Draft as DraftSchema, HelpType, isTerminal, Referral as ReferralSchema, statusOf } from './model.js';
import {
  RESPONSE_WINDOW_DAYS,
  allowedActions,
  canAct,
  mayAssign,
  closeDateProblem,
  dealTypeOf,
  hasLapsed,
  invitationOptions,
  microsoftNeedsProblems,
  qualifiesForRegistration,
  registrationVerdict,
  transitionError,
  type AllowedActions,
  type Verdict,
  type InvitationOptions,
} from './referral-rules.js';
import { StaleWriteError, type ReferralFilter, type ReferralSummary, type Store, type Write } from './store.js';
import type { z } from 'zod';
import type { AlertPlanner, CoSellEvent } from './alerts.js';
import type { ImportedReferral } from './partner-center.js';

export interface Participant {
  orgId: string;
  orgName: string;
  kind: Organization['kind'];
  stage: Stage;
  direction: Referral['direction'];
  /** When their referral last changed. */
  since: string;
}

/** A note as a viewer reads it: with its author's organization. */
export interface DealNote extends Note {
  orgName: string;
  /** Written by the viewer's own organization. */
  own: boolean;
}

/** One organization's people on the deal. */
export interface TeamGroup {
  orgId: string;
  orgName: string;
  own: boolean;
  members: Contact[];
}

/** A referral as the caller's organization sees it, with what the caller may do now. */
export interface ReferralView {
  referral: Referral;
  /** The deal's notes this organization may read, from every organization on it, oldest first. */
  notes: DealNote[];
  /** The whole team, by organization, the viewer's own first. */
  teams: TeamGroup[];
  dealType: DealType;
  participants: Participant[];
  solutions: Solution[];
  favorite: boolean;
  allowed: AllowedActions;
  invitations: InvitationOptions;
  /** Whether the win can be registered with Partner Center now, or why not. */
  registration: Verdict;
  /** The organization's incentive-eligible solutions on the deal: what a registration covers. */
  registrable: Solution[];
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  hasMore: boolean;
}

export interface ListItem {
  referral: Referral;
  favorite: boolean;
}

export const boxes = ['inbound', 'outbound', 'favorites', 'archive'] as const;
export type Box = (typeof boxes)[number];

/** What each list holds (favorites: the person's hearts); an export of a list holds the same. */
export function boxFilter(box: Box, favorites: string[] = []): ReferralFilter {
  const filters: Record<Box, ReferralFilter> = {
    inbound: { direction: 'Incoming', archived: false },
    outbound: { direction: 'Outgoing', archived: false },
    favorites: { ids: favorites },
    archive: { archived: true },
  };
  return filters[box];
}

/** What a write produced: the new referral, any other records to commit with it, and what to tell whom. */
interface Outcome {
  next: Referral;
  writes?: Write[];
  action: Msg;
  events?: (stamped: Referral) => CoSellEvent[];
}

/** A new deal left half-filled is forgotten after this many days. */
const DRAFT_DAYS = 30;

/** Reminders before a Received referral expires, in days. */
export const REMINDER_DAYS = [3, 1] as const;

export type ImportResult = { outcome: 'created' | 'unchanged' | 'updated'; referral: Referral };

interface Context {
  person: Person;
  now: Date;
}

const SYSTEM = { orgId: 'system', userId: 'system', name: 'Co-sell Bot' };

export class LifecycleService {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly clock: Clock,
    /** Turns events into outbox messages committed with the change; none when absent. */
    private readonly alerts?: AlertPlanner,
  ) {}

  private async alertWrites(events: CoSellEvent[]): Promise<Write[]> {
    return this.alerts && events.length > 0 ? this.alerts.writesFor(events) : [];
  }

  private get microsoftOrgId(): string {
    return this.directory.microsoftTenantId;
  }

  // ---- create ----

  /**
   * Creates an outbound deal. With a draft id, the draft records the deal in the same commit, so
   * Create pressed again, or delivered again after a restart, gives the same deal, never a second.
   */
  async createDeal(caller: Caller, raw: CreateDealInput, draftId?: string): Promise<ReferralView> {
    return this.store.exclusive(async (commit) => {
      const draft = draftId !== undefined ? await this.draft(caller, draftId) : undefined;
      if (draft?.createdReferralId) return this.get(caller, draft.createdReferralId);
      const fields = await this.dealProblems(caller, raw);
      if (Object.keys(fields).length > 0) throw validationError(fields);
      const input = parseInput(CreateDealInput, raw);
      const person = await this.actor(caller);
      const now = this.clock.now();
      const askMicrosoft = input.helpType !== 'None';

      const engagementId = randomUUID();
      const deal: Referral = {
        id: randomUUID(),
        engagementId,
        orgId: person.orgId,
        name: input.name,
        direction: 'Outgoing',
        ...stageFields('Accepted'),
        customerProfile: {
          name: input.customer.name,
          address: input.customer.address,
          duns: input.customer.duns,
          ...(input.customerSize ? { size: input.customerSize } : {}),
          team: input.customerContact ? [input.customerContact] : [],
        },
        consent: { consentToShareInfoWithOthers: input.consentToShare, consentToContact: input.consentToShare, consentToShareReferralWithMicrosoftSellers: input.shareWithMicrosoftSellers },
        salesStage: input.salesStage,
        customerMarketplaceIntent: input.customerMarketplaceIntent,
        details: {
          dealValue: input.dealValue,
          currency: input.currency,
          closingDateTime: input.closingDateTime,
          assistanceRequestCode: input.helpType,
        },
        team: input.team,
        solutionIds: unique(input.solutionIds),
        notes: input.notes ? [note(person, now, input.notes)] : [],
        externalReferenceId: input.externalReferenceId ?? '',
        campaignId: input.campaignId ?? '',
        statusReason: '',
        partnerCenterId: '',
        senderUpdatedDateTime: '',
        createdDateTime: now.toISOString(),
        updatedDateTime: now.toISOString(),
        version: 1,
        history: [historyEntry(person, now, msg('rules.history.created'), {})],
        // A connected organization's new deal is created in Partner Center too, from the queue, in this commit.
        ...((await this.directory.organization(person.orgId))?.partnerCenter?.status === 'connected'
          ? { partnerCenterSync: { state: 'pending' as const, version: 1, attempts: 0, problem: '', at: now.toISOString() } }
          : {}),
      };
      const invited = [
        ...(askMicrosoft ? [await this.invitationForMicrosoft(deal, person, now, input.notes)] : []),
        ...(await Promise.all(input.partners.map((p) => this.invitationForPartner(deal, person, now, p)))),
      ];
      const engagement: Engagement = {
        id: engagementId,
        createdByOrgId: person.orgId,
        createdDateTime: now.toISOString(),
        participants: [deal, ...invited].map((r) => ({ orgId: r.orgId, referralId: r.id })),
      };
      await commit([
        { kind: 'engagement', put: engagement },
        { kind: 'referral', put: deal },
        ...invited.map((r): Write => ({ kind: 'referral', put: r })),
        // A customer typed by hand is kept in the organization's directory for its next deal.
        ...[await this.directory.keepCustomer(person.orgId, input.customer)].filter((w) => w !== undefined),
        ...(await this.alertWrites(invited.map((referral) => ({ type: 'received', referral })))),
        ...(draft ? [{ kind: 'draft', put: { ...draft, createdReferralId: deal.id, updatedDateTime: now.toISOString() } } as const] : []),
      ]);
      return this.view(person, deal);
    });
  }

  // ---- drafts of new deals ----

  /** A draft of the caller's own; anyone else's is "not found". */
  async draft(caller: Caller, draftId: string): Promise<Draft> {
    const person = await this.actor(caller);
    const draft = await this.store.get('draft', draftId);
    if (!draft || draft.orgId !== person.orgId || draft.userId !== person.userId) {
      throw new CoSellError('not_found', t('error.draft.expired'));
    }
    return draft;
  }

  /** Saves a draft (a new one when no id is given); drafts untouched for 30 days are removed on the way. */
  async saveDraft(caller: Caller, parts: Pick<Draft, 'values' | 'partners'> & { id?: string }): Promise<Draft> {
    return this.store.exclusive(async (commit) => {
      const person = await this.actor(caller);
      const earlier = parts.id !== undefined ? await this.draft(caller, parts.id) : undefined;
      if (earlier?.createdReferralId) throw new CoSellError('conflict', t('error.draft.created'));
      const now = this.clock.now();
      const draft: Draft = { id: parts.id ?? randomUUID(), orgId: person.orgId, userId: person.userId, values: parts.values, partners: parts.partners, createdReferralId: '', updatedDateTime: now.toISOString() };
      // What the store would refuse (a value over its length) is the seller's to fix, not a failure of ours.
      const { fields } = inputProblems(DraftSchema, draft);
      if (Object.keys(fields).length > 0) throw validationError(fields);
      const stale = (await this.store.list('draft', person.orgId)).filter((d) => now.getTime() - Date.parse(d.updatedDateTime) > DRAFT_DAYS * DAY_MS);
      await commit([{ kind: 'draft', put: draft }, ...stale.map((d): Write => ({ kind: 'draft', delete: d.id }))]);
      return draft;
    });
  }

  /**
   * Everything wrong with a new deal, at once and by field: the input's own problems and the rules'
   * (close date, solutions, Microsoft's needs, partners) on the parts that are right so far. The
   * new-deal cards ask it at every step, so each rule speaks at the step that asks for its field.
   */
  async dealProblems(caller: Caller, raw: CreateDealInput): Promise<Record<string, string>> {
    const person = await this.actor(caller);
    const now = this.clock.now();
    const { fields } = inputProblems(CreateDealInput, raw);
    const date = parsedPart(DateInput, raw.closingDateTime);
    if (date) this.checkNotPast(date, 'closingDateTime', now, fields);
    const solutionIds = parsedPart(SolutionIds, raw.solutionIds);
    if (solutionIds) await this.checkSolutions(solutionIds, 'solutionIds', fields);
    const help = parsedPart(HelpType, raw.helpType ?? 'None');
    if (help !== undefined && help !== 'None' && person.orgId === this.microsoftOrgId) {
      fields.helpType ??= t('rules.microsoft.ownDeal');
    } else if (help !== undefined && help !== 'None') {
      this.checkMicrosoftNeeds(raw.customerContact !== undefined, raw.consentToShare === true || String(raw.consentToShare) === 'true', fields);
    }
    const seen = new Set<string>();
    for (const [i, partner] of (raw.partners ?? []).entries()) {
      const invitation = parsedPart(PartnerInvitation, partner);
      if (invitation) await this.checkPartner(invitation, `partners.${i}.`, person.orgId, seen, now, fields);
    }
    return fields;
  }

  // ---- Received ----

  async accept(caller: Caller, referralId: string, version: number, raw: AcceptInput): Promise<ReferralView> {
    return this.change(caller, referralId, version, async (current, { person, now }) => {
      this.checkTransition(current, 'Accepted');
      const { data: input, fields } = inputProblems(AcceptInput, raw);
      // Accepting commits to a close date: it must be ahead, even the one the sender gave.
      const date = parsedPart(DateInput, raw.closingDateTime);
      if (date) this.checkNotPast(date, 'closingDateTime', now, fields);
      if (!input || Object.keys(fields).length > 0) throw validationError(fields);
      return {
        action: msg('rules.history.accepted'),
        events: outcome,
        next: {
          ...current,
          ...stageFields('Accepted'),
          name: input.name,
          details: { ...current.details, dealValue: input.dealValue, currency: input.currency, closingDateTime: input.closingDateTime },
          externalReferenceId: input.externalReferenceId ?? current.externalReferenceId,
          campaignId: input.campaignId ?? current.campaignId,
          team: mergeContacts(current.team, input.team),
          notes: withNote(current.notes, person, now, input.notes),
        },
      };
    });
  }

  async decline(caller: Caller, referralId: string, version: number, raw: DeclineInput): Promise<ReferralView> {
    const input = parseInput(DeclineInput, raw);
    return this.change(caller, referralId, version, (current, { person, now }) => {
      this.checkTransition(current, 'Declined');
      return {
        action: msg('rules.history.declined'),
        events: outcome,
        next: {
          ...current,
          ...stageFields('Declined'),
          statusReason: input.reason,
          notes: withNote(current.notes, person, now, input.notes, msg('rules.note.declined', { reason: msg(`declineReason.${input.reason}`) })),
        },
      };
    });
  }

  /** Moves every Received referral whose response window has passed to Expired. Returns them. */
  async expireDue(): Promise<Referral[]> {
    return this.store.exclusive(async (commit) => {
      const now = this.clock.now();
      const due = await this.received({ expiresBy: now.toISOString() });
      const expired = due.map((r) => stamp(r, { ...r, ...stageFields('Expired'), statusReason: 'NoResponse' }, SYSTEM, now, msg('rules.history.expired')));
      if (expired.length > 0) {
        const events = expired.flatMap(outcome);
        await commit([...expired.map((r): Write => ({ kind: 'referral', put: r, ifVersion: r.version - 1 })), ...(await this.alertWrites(events))]);
      }
      return expired;
    });
  }

  /**
   * Sends the reminders that are due for Received referrals (3 and 1 days before they expire).
   * Each is marked in the same commit, so a restart catches up once; when both are overdue only
   * the latest is sent. Returns how many reminders were planned.
   */
  async remindDue(): Promise<number> {
    return this.store.exclusive(async (commit) => {
      const now = this.clock.now();
      const writes: Write[] = [];
      let count = 0;
      for (const r of await this.received({ expiresBy: new Date(now.getTime() + Math.max(...REMINDER_DAYS) * DAY_MS).toISOString() })) {
        const expires = Date.parse(r.expirationDateTime!);
        if (expires <= now.getTime()) continue;
        const due = REMINDER_DAYS.filter((days) => now.getTime() >= expires - days * DAY_MS).map((days) => `${r.id}:reminder-${days}d`);
        const missing = [];
        for (const id of due) if (!(await this.store.get('mark', id))) missing.push(id);
        if (missing.length === 0) continue;
        count++;
        const daysLeft = Math.ceil((expires - now.getTime()) / DAY_MS);
        writes.push(...missing.map((id): Write => ({ kind: 'mark', put: { id, orgId: r.orgId, at: now.toISOString() } })));
        writes.push(...(await this.alertWrites([{ type: 'reminder', referral: r, daysLeft }])));
      }
      if (writes.length > 0) await commit(writes);
      return count;
    });
  }

  /**
   * A referral delivered by Partner Center (the intake webhook). The same referral again (same
   * Partner Center id or external reference id) changes nothing, nor does one older than what is
   * stored (Partner Center's updatedDateTime). An update is applied only to what the sender still
   * owns: everything while Received; once accepted, the customer, the consent and its invitation
   * note (the deal's name, value, dates, team and solutions are the receiver's then); never once archived.
   * Its refusals answer Partner Center's HTTP call, never a person: they stay in English.
   */
  async importReferral(orgId: string, incoming: ImportedReferral): Promise<ImportResult> {
    return this.store.exclusive(async (commit) => {
      if (!(await this.directory.organization(orgId))) throw new CoSellError('not_found', 'No organization uses Co-sell Bot with that tenant id.');
      const now = this.clock.now();
      // Partner Center's id names a referral whichever way it goes; a CRM id only one sent to us.
      const existing = (await this.store.list('referral', orgId)).find(
        (r) =>
          (incoming.partnerCenterId !== '' && r.partnerCenterId === incoming.partnerCenterId) ||
          (r.direction === 'Incoming' && incoming.direction === 'Incoming' && incoming.externalReferenceId !== '' && r.externalReferenceId === incoming.externalReferenceId),
      );
      const outgoing = incoming.direction === 'Outgoing';
      // A referral the organization created in Partner Center is its own; one sent to it is the sender's.
      const sender = outgoing ? { orgId, userId: 'partner-center', name: 'Partner Center' } : { orgId: incoming.senderOrgId, userId: 'partner-center', name: incoming.senderName };
      const owned = (r: Referral) =>
        r.substatus === 'Received'
          ? { name: r.name, customerProfile: r.customerProfile, consent: r.consent, details: r.details, inviteContacts: r.inviteContext?.contacts ?? [], solutionIds: r.solutionIds, salesStage: r.salesStage, customerMarketplaceIntent: r.customerMarketplaceIntent, inviteNotes: r.inviteContext?.notes ?? '' }
          : { customerProfile: r.customerProfile, consent: r.consent, inviteNotes: r.inviteContext?.notes ?? '' };
      if (!existing) {
        if (!incoming.details.closingDateTime) throw validationError({ 'details.closingDateTime': 'A referral new to Co-sell Bot needs its close date (details.closingDateTime).' });
        const engagementId = randomUUID();
        const referral: Referral = {
          id: randomUUID(),
          engagementId,
          orgId,
          // Without a name of its own, a referral is known by its customer.
          name: incoming.name || incoming.customerProfile.name,
          direction: incoming.direction,
          // Where Partner Center has it: a referral already closed there goes straight to the archive.
          ...stageFields(incoming.stage),
          statusReason: incoming.statusReason,
          customerProfile: incoming.customerProfile,
          consent: incoming.consent,
          salesStage: incoming.salesStage,
          customerMarketplaceIntent: incoming.customerMarketplaceIntent,
          details: incoming.details,
          // The sender's people are the invitation's contacts; the team is the organization's own, added when it accepts.
          team: [],
          solutionIds: incoming.solutionIds,
          notes: incoming.notes ? [{ at: now.toISOString(), byOrgId: sender.orgId, byName: sender.name, text: incoming.notes, visibility: 'shared' }] : [],
          externalReferenceId: incoming.externalReferenceId,
          campaignId: '',
          ...(outgoing
            ? {}
            : {
                inviteContext: {
                  invitedBy: { organizationId: sender.orgId, organizationName: sender.name, userName: 'Partner Center' },
                  notes: incoming.inviteNotes,
                  contacts: incoming.team,
                  invitedDateTime: now.toISOString(),
                },
              }),
          // Partner Center's own deadline when it gives one: a referral it sent days ago has fewer days left.
          expirationDateTime: incoming.expirationDateTime || new Date(now.getTime() + RESPONSE_WINDOW_DAYS * DAY_MS).toISOString(),
          partnerCenterId: incoming.partnerCenterId,
          ...(incoming.eTag ? { partnerCenterETag: incoming.eTag } : {}),
          senderUpdatedDateTime: incoming.senderUpdatedDateTime,
          createdDateTime: now.toISOString(),
          updatedDateTime: now.toISOString(),
          version: 1,
          history: [historyEntry(sender, now, msg('rules.history.fromPartnerCenter'), {})],
        };
        const engagement: Engagement = { id: engagementId, createdByOrgId: sender.orgId, createdDateTime: now.toISOString(), participants: [{ orgId, referralId: referral.id }] };
        storable(referral);
        await commit([
          { kind: 'engagement', put: engagement },
          { kind: 'referral', put: referral },
          // Only a referral still waiting for an answer is news for the referrals admins.
          ...(incoming.stage === 'Received' && !outgoing ? await this.alertWrites([{ type: 'received', referral }]) : []),
        ]);
        return { outcome: 'created', referral };
      }
      // A redelivery of an older version (or a replay) changes nothing.
      if (incoming.senderUpdatedDateTime !== '' && existing.senderUpdatedDateTime !== '' && incoming.senderUpdatedDateTime <= existing.senderUpdatedDateTime) {
        return { outcome: 'unchanged', referral: existing };
      }
      const details = { ...incoming.details, closingDateTime: incoming.details.closingDateTime || existing.details.closingDateTime };
      const wanted = { ...owned(existing), ...incoming, name: incoming.name || existing.name, details, inviteContacts: incoming.team, inviteNotes: incoming.inviteNotes };
      const before = owned(existing);
      const after = Object.fromEntries(Object.keys(before).map((k) => [k, wanted[k as keyof typeof wanted]])) as typeof before;
      // Partner Center's stage is taken when it is ahead of ours (accepted or closed there); one behind
      // ours is a change of ours still on its way there, and two different ends are a conflict.
      const moved = incoming.stage !== existing.substatus;
      // Ahead in Partner Center's order (Received, then Accepted, then closed), whatever steps it took there.
      const rank = (s: Stage) => (s === 'Received' ? 0 : s === 'Accepted' ? 1 : 2);
      const ahead = rank(incoming.stage) > rank(existing.substatus);
      const otherEnd = moved && isArchived(existing) && isTerminal(incoming.stage);
      if (JSON.stringify(before) === JSON.stringify(after) && !ahead && !otherEnd) return { outcome: 'unchanged', referral: existing };
      if (isArchived(existing)) throw new CoSellError('conflict', `This referral is ${existing.substatus} and archived: it can’t change any more.`);
      const next = stamp(
        existing,
        {
          ...existing,
          ...after,
          ...(ahead ? { ...stageFields(incoming.stage), statusReason: incoming.statusReason } : {}),
          senderUpdatedDateTime: incoming.senderUpdatedDateTime || existing.senderUpdatedDateTime,
          ...(incoming.eTag ? { partnerCenterETag: incoming.eTag } : {}),
          inviteContext: existing.inviteContext && { ...existing.inviteContext, notes: after.inviteNotes, ...('inviteContacts' in after ? { contacts: after.inviteContacts } : {}) },
        },
        sender,
        now,
        ahead ? msg('rules.history.stageInPartnerCenter', { stage: msg(`stage.${incoming.stage}`) }) : msg('rules.history.updatedBySender'),
      );
      storable(next);
      // Like an answer given in Teams: the organizations on the deal hear it, and the sent alerts show it.
      await commit([{ kind: 'referral', put: next }, ...(ahead ? await this.alertWrites([{ type: 'outcome', referral: next }]) : [])]);
      return { outcome: 'updated', referral: next };
    });
  }

  // ---- Accepted ----

  async edit(caller: Caller, referralId: string, version: number, raw: EditInput): Promise<ReferralView> {
    return this.change(caller, referralId, version, (current, { person, now }) => {
      this.checkAccepted(current, 'error.onlyAccepted.edit');
      const { data: input, fields } = inputProblems(EditInput, raw);
      this.checkNewCloseDate(current, raw.closingDateTime, now, fields);
      if (!input || Object.keys(fields).length > 0) throw validationError(fields);
      return {
        action: msg('rules.history.edited'),
        next: {
          ...current,
          name: input.name ?? current.name,
          details: {
            ...current.details,
            dealValue: input.dealValue ?? current.details.dealValue,
            currency: input.currency ?? current.details.currency,
            closingDateTime: input.closingDateTime ?? current.details.closingDateTime,
          },
          externalReferenceId: input.externalReferenceId ?? current.externalReferenceId,
          campaignId: input.campaignId ?? current.campaignId,
          salesStage: input.salesStage ?? current.salesStage,
          customerMarketplaceIntent: input.customerMarketplaceIntent ?? current.customerMarketplaceIntent,
          consent: { ...current.consent, consentToShareReferralWithMicrosoftSellers: input.shareWithMicrosoftSellers ?? current.consent.consentToShareReferralWithMicrosoftSellers },
          notes: withNote(current.notes, person, now, input.notes),
        },
      };
    });
  }

  /** A referrals admin hands the referral to someone of the organization, who is alerted and may then act on it. */
  async assign(caller: Caller, referralId: string, version: number, raw: z.input<typeof AssignInput>): Promise<ReferralView> {
    const input = parseInput(AssignInput, raw);
    return this.change(caller, referralId, version, async (current, { person }) => {
      if (!mayAssign(person)) throw new CoSellError('forbidden', t('error.assign.forbidden'));
      if (current.status === 'Closed') throw new CoSellError('not_allowed', t('error.assign.closed', { stage: t(`stage.${current.substatus}`) }));
      const assignee = await this.directory.person(current.orgId, input.userId);
      if (!assignee) throw validationError({ userId: t('error.unknownPerson') });
      return {
        action: msg('rules.history.assigned', { name: assignee.name }),
        next: { ...current, assignedTo: { userId: assignee.userId, name: assignee.name } },
        events: (next) => [{ type: 'assigned', referral: next }],
      };
    });
  }

  async addNote(caller: Caller, referralId: string, version: number, raw: z.input<typeof NoteInput>): Promise<ReferralView> {
    const input = parseInput(NoteInput, raw);
    return this.change(caller, referralId, version, (current, { person, now }) => {
      this.checkAccepted(current, 'error.onlyAccepted.note');
      const added = note(person, now, input.text, input.internal ? 'internal' : 'shared');
      return { action: msg(input.internal ? 'rules.history.internalNote' : 'rules.history.note'), next: { ...current, notes: [...current.notes, added] } };
    });
  }

  async addTeamMembers(caller: Caller, referralId: string, version: number, raw: z.input<typeof TeamInput>): Promise<ReferralView> {
    const input = parseInput(TeamInput, raw);
    return this.change(caller, referralId, version, (current) => {
      this.checkAccepted(current, 'error.onlyAccepted.newMembers');
      const team = mergeContacts(current.team, input.members);
      if (team.length === current.team.length) throw validationError({ members: t('rules.team.alreadyOn') });
      if (team.length > MAX_TEAM) throw validationError({ members: t('input.team.max', { max: MAX_TEAM }) });
      return { action: msg('rules.history.membersAdded'), next: { ...current, team } };
    });
  }

  /** Changes one of the organization's own team members (found by their email). */
  async editTeamMember(caller: Caller, referralId: string, version: number, raw: z.input<typeof TeamMemberInput>): Promise<ReferralView> {
    const input = parseInput(TeamMemberInput, raw);
    return this.change(caller, referralId, version, (current) => {
      this.checkAccepted(current, 'error.onlyAccepted.memberChanges');
      const at = memberIndex(current.team, input.email);
      const clash = current.team.findIndex((m, i) => i !== at && m.email.toLowerCase() === input.member.email.toLowerCase());
      if (clash >= 0) throw validationError({ 'member.email': t('rules.team.emailTaken') });
      const team = current.team.map((m, i) => (i === at ? input.member : m));
      return { action: msg('rules.history.memberChanged', { name: `${input.member.firstName} ${input.member.lastName}`.trim() }), next: { ...current, team } };
    });
  }

  /** Takes one of the organization's own people off the team; one at least remains. */
  async removeTeamMember(caller: Caller, referralId: string, version: number, raw: z.input<typeof RemoveMemberInput>): Promise<ReferralView> {
    const input = parseInput(RemoveMemberInput, raw);
    return this.change(caller, referralId, version, (current) => {
      this.checkAccepted(current, 'error.onlyAccepted.memberChanges');
      const at = memberIndex(current.team, input.email);
      if (current.team.length === 1) throw new CoSellError('not_allowed', t('error.team.keepOne'));
      const gone = current.team[at]!;
      return { action: msg('rules.history.memberRemoved', { name: `${gone.firstName} ${gone.lastName}`.trim() }), next: { ...current, team: current.team.filter((_, i) => i !== at) } };
    });
  }

  async setSolutions(caller: Caller, referralId: string, version: number, raw: z.input<typeof SolutionsInput>): Promise<ReferralView> {
    const input = parseInput(SolutionsInput, raw);
    return this.change(caller, referralId, version, async (current) => {
      this.checkAccepted(current, 'error.onlyAccepted.solutions');
      const fields: Record<string, string> = {};
      await this.checkSolutions(input.solutionIds, 'solutionIds', fields);
      if (Object.keys(fields).length > 0) throw validationError(fields);
      return { action: msg('rules.history.solutions'), next: { ...current, solutionIds: unique(input.solutionIds) } };
    });
  }

  async invite(caller: Caller, referralId: string, version: number, raw: InviteInput): Promise<ReferralView> {
    const input = parseInput(InviteInput, raw);
    return this.change(caller, referralId, version, async (current, { person, now }) => {
      const engagement = await this.engagementOf(current);
      const taking = await this.takingPart(engagement, current);
      const options = invitationOptions(current, taking, this.microsoftOrgId);
      if (input.microsoft && !options.microsoft.allowed) throw new CoSellError('not_allowed', options.microsoft.reason);
      if (input.partners.length > 0 && !options.partners.allowed) throw new CoSellError('not_allowed', options.partners.reason);

      let next: Referral = { ...current };
      const fields: Record<string, string> = {};
      const taken = new Set(engagement.participants.map((p) => p.orgId));
      for (const [i, invitation] of input.partners.entries()) await this.checkPartner(invitation, `partners.${i}.`, current.orgId, taken, now, fields);
      if (input.microsoft) {
        const contact = input.microsoft.customerContact ?? current.customerProfile.team[0];
        const consent = input.microsoft.consentToShare || current.consent.consentToShareInfoWithOthers;
        this.checkMicrosoftNeeds(contact !== undefined, consent, fields, 'microsoft.');
        if (contact) {
          next = {
            ...next,
            customerProfile: { ...next.customerProfile, team: mergeContacts(next.customerProfile.team, [contact]) },
            consent: { ...next.consent, consentToShareInfoWithOthers: consent, consentToContact: consent },
            details: { ...next.details, assistanceRequestCode: input.microsoft.helpType },
          };
        }
      }
      if (Object.keys(fields).length > 0) throw validationError(fields);

      const invited = [
        ...(input.microsoft ? [await this.invitationForMicrosoft(next, person, now, input.microsoft.notes)] : []),
        ...(await Promise.all(input.partners.map((p) => this.invitationForPartner(next, person, now, p)))),
      ];
      const names = await Promise.all(invited.map((r) => this.orgName(r.orgId)));
      const shared = await this.sharedWithMicrosoftSellers(current, engagement);
      const before = dealTypeOf(taking, this.microsoftOrgId, shared);
      const invitedParticipants = invited.map((r) => ({ orgId: r.orgId, referralId: r.id }));
      // The engagement keeps everyone ever invited (one who declined stays in its record); the type follows who takes part now.
      const grown: Engagement = { ...engagement, participants: [...engagement.participants, ...invitedParticipants] };
      const after = dealTypeOf({ ...taking, participants: [...taking.participants, ...invitedParticipants] }, this.microsoftOrgId, shared);
      return {
        action: before === after ? msg('rules.history.invited', { names: names.join(', ') }) : msg('rules.history.invitedNewType', { names: names.join(', '), before: msg(`dealType.${before}`), after: msg(`dealType.${after}`) }),
        next,
        writes: [{ kind: 'engagement', put: grown }, ...invited.map((r): Write => ({ kind: 'referral', put: r }))],
        events: () => invited.map((referral) => ({ type: 'received', referral })),
      };
    });
  }

  async markWon(caller: Caller, referralId: string, version: number, raw: WonInput): Promise<ReferralView> {
    const input = parseInput(WonInput, raw);
    return this.change(caller, referralId, version, (current, { person, now }) => {
      this.checkTransition(current, 'Won');
      return { action: msg('rules.history.won'), events: outcome, next: { ...current, ...stageFields('Won'), notes: withNote(current.notes, person, now, input.notes) } };
    });
  }

  /** Registers a won deal with Partner Center's details: eligible as Partner Center says, once. */
  async register(caller: Caller, referralId: string, version: number, raw: RegisterInput): Promise<ReferralView> {
    const input = parseInput(RegisterInput, raw);
    return this.change(caller, referralId, version, async (current, { person, now }) => {
      const { verdict, ownIncentivized } = await this.registration(current, now);
      if (!verdict.allowed) throw new CoSellError('not_allowed', verdict.reason);
      const azure = new Set(input.azureSolutionIds);
      const marketplace = new Set(input.marketplaceSolutionIds);
      const registration: Registration = {
        registrationDateTime: now.toISOString(),
        byUserId: person.userId,
        byName: person.name,
        status: 'ReviewPending',
        statusReason: '',
        contract: { value: input.contractValue, currency: input.currency, startDateTime: input.startDate, endDateTime: input.endDate, signDateTime: input.signDate, term: input.termMonths },
        solutionDetails: ownIncentivized.map((s) => ({ id: s.id, name: s.name, isDeployedOnAzure: azure.has(s.id), isMarketplaceTransacted: marketplace.has(s.id) })),
      };
      return { action: msg('rules.history.registered'), next: { ...current, registration } };
    });
  }

  /** Where the registration's review stands: changed by whoever registered it (Partner Center's own updates come by the intake). */
  async setRegistrationStatus(caller: Caller, referralId: string, version: number, raw: RegistrationStatusInput): Promise<ReferralView> {
    const input = parseInput(RegistrationStatusInput, raw);
    return this.change(caller, referralId, version, (current, { person }) => {
      const registration = current.registration;
      if (!registration) throw new CoSellError('not_allowed', t('error.registration.none'));
      // A registration from before registrars were recorded may be updated by anyone who may act on the deal.
      if (registration.byUserId !== '' && registration.byUserId !== person.userId) throw new CoSellError('forbidden', t('error.registration.notRegistrar', { name: registration.byName }));
      return { action: msg('rules.history.registrationStatus', { status: msg(`registrationStatus.${input.status}`) }), next: { ...current, registration: { ...registration, status: input.status, statusReason: input.statusReason ?? '' } } };
    });
  }

  /** Whether the referral's organization may register it now, and its solutions that would be registered. */
  private async registration(referral: Referral, now: Date, known?: { engagement: Engagement; dealType: DealType; solutions: Solution[] }): Promise<{ verdict: Verdict; ownIncentivized: Solution[] }> {
    const engagement = known?.engagement ?? (await this.engagementOf(referral));
    const dealType = known?.dealType ?? (await this.dealTypeNow(referral, engagement));
    const ownIncentivized = (known?.solutions ?? (await this.solutionsOf(referral))).filter((s) => s.orgId === referral.orgId && qualifiesForRegistration(s));
    const microsoftStages = await Promise.all(engagement.participants.filter((p) => p.orgId === this.microsoftOrgId).map(async (p) => (await this.store.get('referral', p.referralId))?.substatus));
    const microsoftOnBoard = engagement.createdByOrgId === this.microsoftOrgId || microsoftStages.some((s) => s === 'Accepted' || s === 'Won');
    return { verdict: registrationVerdict(referral, { dealType, ownIncentivized, microsoftOnBoard, now }), ownIncentivized };
  }

  async markLost(caller: Caller, referralId: string, version: number, raw: LostInput): Promise<ReferralView> {
    const input = parseInput(LostInput, raw);
    return this.change(caller, referralId, version, (current, { person, now }) => {
      this.checkTransition(current, 'Lost');
      return {
        action: msg('rules.history.lost'),
        events: outcome,
        next: {
          ...current,
          ...stageFields('Lost'),
          statusReason: input.reason,
          notes: withNote(current.notes, person, now, input.notes, msg('rules.note.lost', { reason: msg(`lostReason.${input.reason}`) })),
        },
      };
    });
  }

  // ---- favorites (a per-user preference: not a change to the deal, so no new version) ----

  async setFavorite(caller: Caller, referralId: string, favorite: boolean): Promise<ReferralView> {
    return this.store.exclusive(async (commit) => {
      const person = await this.actor(caller);
      const referral = await this.visible(person, referralId);
      const current = await this.favoriteIds(person);
      const referralIds = favorite ? unique([referralId, ...current]) : current.filter((id) => id !== referralId);
      await commit([{ kind: 'favorites', put: { id: person.id, orgId: person.orgId, referralIds } }]);
      return this.view(person, referral);
    });
  }

  // ---- reads ----

  async get(caller: Caller, referralId: string): Promise<ReferralView> {
    const person = await this.actor(caller);
    return this.view(person, await this.visible(person, referralId));
  }

  /**
   * A deal of the caller's organization by its id, or by a prefix of at least `minPrefix`
   * characters that names only one of them (the short id people see and type).
   */
  async getByIdOrPrefix(caller: Caller, idOrPrefix: string, minPrefix: number): Promise<ReferralView> {
    const person = await this.actor(caller);
    const wanted = idOrPrefix.trim().toLowerCase();
    const exact = await this.store.get('referral', wanted);
    if (exact && exact.orgId === person.orgId) return this.view(person, exact);
    if (wanted.length < minPrefix) throw notFound();
    const hits = await this.referrals((await this.store.findReferrals({ orgId: person.orgId })).filter((r) => r.id.toLowerCase().startsWith(wanted)).slice(0, 6));
    if (hits.length === 0) throw notFound();
    if (hits.length > 1) {
      const named = hits.slice(0, 5).map((r) => t('error.ambiguousId.deal', { name: r.name, id: r.id.slice(0, wanted.length + 4) }));
      throw new CoSellError('conflict', t('error.ambiguousId', { count: hits.length, prefix: wanted, deals: `${named.join(', ')}${hits.length > 5 ? ', …' : ''}` }));
    }
    return this.view(person, hits[0]!);
  }

  async list(caller: Caller, box: Box, page = 0, pageSize = 10): Promise<Page<ListItem>> {
    const person = await this.actor(caller);
    const favorites = await this.favoriteIds(person);
    // Received referrals wait for an answer: they come first in the inbound list.
    const urgency = (r: ReferralSummary) => (box === 'inbound' && r.substatus === 'Received' ? 0 : 1);
    const selected = newestFirst(await this.store.findReferrals({ orgId: person.orgId, ...boxFilter(box, favorites) }), urgency);
    return this.paginate(selected, page, pageSize, new Set(favorites));
  }

  /** Deals whose name, customer or CRM id contains the text. */
  async find(caller: Caller, text: string, page = 0, pageSize = 10): Promise<Page<ListItem>> {
    const person = await this.actor(caller);
    const hits = newestFirst(await this.store.findReferrals({ orgId: person.orgId, text: text.trim() }));
    return this.paginate(hits, page, pageSize, new Set(await this.favoriteIds(person)));
  }

  /** Received referrals that expire within the next `days` days, soonest first. */
  async expiringWithin(caller: Caller, days: number, page = 0, pageSize = 10): Promise<Page<ListItem>> {
    const person = await this.actor(caller);
    const limit = new Date(this.clock.now().getTime() + days * DAY_MS).toISOString();
    const soon = (await this.store.findReferrals({ orgId: person.orgId, archived: false, substatus: 'Received', expiresBy: limit })).sort(
      (a, b) => Date.parse(a.expirationDateTime!) - Date.parse(b.expirationDateTime!),
    );
    return this.paginate(soon, page, pageSize, new Set(await this.favoriteIds(person)));
  }

  /** Team members from the organization's latest own deals, offered when building a team (a referral's team names the sender's people too). */
  async recentContacts(caller: Caller, limit = 10): Promise<Contact[]> {
    const person = await this.actor(caller);
    const seen = new Map<string, Contact>();
    // Newest first, read one at a time: a full team is usually a few deals away.
    for (const summary of newestFirst(await this.store.findReferrals({ orgId: person.orgId, direction: 'Outgoing' }))) {
      const r = await this.store.get('referral', summary.id);
      for (const m of r?.team ?? []) if (!seen.has(m.email.toLowerCase())) seen.set(m.email.toLowerCase(), m);
      if (seen.size >= limit) break;
    }
    return [...seen.values()].slice(0, limit);
  }

  // ---- internals ----

  /** The read-check-write of every change to an existing referral. */
  private change(
    caller: Caller,
    referralId: string,
    expectedVersion: number,
    apply: (current: Referral, context: Context) => Outcome | Promise<Outcome>,
  ): Promise<ReferralView> {
    return this.store.exclusive(async (commit) => {
      const person = await this.actor(caller);
      const current = await this.visible(person, referralId);
      // Teams redelivers an invoke it got no answer to, even across our restarts: it gets the deal as it is now.
      if (actedOn(current, caller)) return this.view(person, current);
      if (current.version !== expectedVersion) throw conflict(current);
      if (!canAct(person, current)) {
        throw new CoSellError('forbidden', t('error.change.forbidden'));
      }
      const now = this.clock.now();
      if (hasLapsed(current, now)) {
        throw new CoSellError('not_allowed', t('error.lapsed', { date: dateTime(current.expirationDateTime!) }));
      }
      const outcome = await apply(current, { person, now });
      const stamped = stamp(current, outcome.next, { orgId: person.orgId, userId: person.userId, name: person.name }, now, outcome.action, caller.requestId);
      // A referral that came from Partner Center goes back there: queued in this same commit, never lost.
      const toPartnerCenter = stamped.partnerCenterId !== '' && (await this.directory.organization(person.orgId))?.partnerCenter?.status === 'connected';
      const next: Referral = toPartnerCenter ? { ...stamped, partnerCenterSync: { state: 'pending', version: stamped.version, attempts: 0, problem: '', at: now.toISOString() } } : stamped;
      const alerts = await this.alertWrites(outcome.events?.(next) ?? []);
      try {
        await commit([{ kind: 'referral', put: next, ifVersion: current.version }, ...(outcome.writes ?? []), ...alerts]);
      } catch (e) {
        // Another instance got there first: refused as any stale click is.
        if (e instanceof StaleWriteError && e.id === current.id) throw conflict((await this.store.get('referral', current.id)) ?? current);
        throw e;
      }
      return this.view(person, next);
    });
  }

  private async actor(caller: Caller): Promise<Person> {
    const person = await this.directory.person(caller.tenantId, caller.userId);
    if (!person) throw new CoSellError('forbidden', t('error.notRegistered'));
    return person;
  }

  /** A referral of the caller's organization; any other organization's is "not found", never "forbidden". */
  private async visible(person: Person, referralId: string): Promise<Referral> {
    const referral = await this.store.get('referral', referralId);
    if (!referral || referral.orgId !== person.orgId) throw notFound();
    return referral;
  }

  /** The engagement as it stands for the viewer's referral: without the other organizations that declined or let their invitation expire. */
  private async takingPart(engagement: Engagement, viewer: Referral): Promise<Engagement> {
    const now = this.clock.now();
    const referrals = await Promise.all(engagement.participants.map((p) => this.store.get('referral', p.referralId)));
    // An invitation past its deadline has lapsed, whether or not the clock has marked it Expired yet.
    const left = (r: Referral | undefined) => r !== undefined && (hasLeft(r.substatus) || hasLapsed(r, now));
    return { ...engagement, participants: engagement.participants.filter((p, i) => p.referralId === viewer.id || !left(referrals[i])) };
  }

  /** The deal's type as it stands for this referral's organization. */
  private async dealTypeNow(referral: Referral, engagement: Engagement): Promise<DealType> {
    return dealTypeOf(await this.takingPart(engagement, referral), this.microsoftOrgId, await this.sharedWithMicrosoftSellers(referral, engagement));
  }

  /** Whether the deal's creator shared it with Microsoft's sellers (partner-led): on the creator's own referral. */
  private async sharedWithMicrosoftSellers(referral: Referral, engagement: Engagement): Promise<boolean> {
    const creators = referral.orgId === engagement.createdByOrgId ? referral : await this.store.get('referral', engagement.participants.find((p) => p.orgId === engagement.createdByOrgId)?.referralId ?? '');
    return creators?.consent.consentToShareReferralWithMicrosoftSellers ?? false;
  }

  private async engagementOf(referral: Referral): Promise<Engagement> {
    const engagement = await this.store.get('engagement', referral.engagementId);
    if (!engagement) throw new Error(`Engagement ${referral.engagementId} of referral ${referral.id} is missing`);
    return engagement;
  }

  private async orgName(orgId: string): Promise<string> {
    return (await this.directory.organization(orgId))?.name ?? orgId;
  }

  /** Whole referrals for summaries, in their order (one removed meanwhile is left out). */
  private async referrals(summaries: ReferralSummary[]): Promise<Referral[]> {
    return this.store.getMany('referral', summaries.map((s) => s.id));
  }

  /** Received referrals of every organization with an expiry at or before a time (the deadline clock). */
  private async received(filter: Pick<ReferralFilter, 'expiresBy'>): Promise<Referral[]> {
    const found = await this.referrals(await this.store.findReferrals({ archived: false, substatus: 'Received', ...filter }));
    // Read again after the summary: only what is still Received by then.
    return found.filter((r) => r.substatus === 'Received' && r.expirationDateTime !== undefined);
  }

  /** One page of an ordered list: only its referrals are read whole. */
  private async paginate(summaries: ReferralSummary[], page: number, pageSize: number, favorites: Set<string>): Promise<Page<ListItem>> {
    const size = Math.min(Math.max(1, Math.floor(pageSize)), 50);
    const last = Math.max(0, Math.ceil(summaries.length / size) - 1);
    const current = Math.min(Math.max(0, Math.floor(page)), last);
    const items = (await this.referrals(summaries.slice(current * size, (current + 1) * size))).map((referral) => ({ referral, favorite: favorites.has(referral.id) }));
    return { items, page: current, pageSize: size, total: summaries.length, hasMore: current < last };
  }

  private async favoriteIds(person: Person): Promise<string[]> {
    return (await this.store.get('favorites', person.id))?.referralIds ?? [];
  }

  private async solutionsOf(referral: Referral): Promise<Solution[]> {
    const found = await Promise.all(referral.solutionIds.map((id) => this.directory.solution(id)));
    return found.filter((s): s is Solution => s !== undefined);
  }

  private async view(person: Person, referral: Referral): Promise<ReferralView> {
    const engagement = await this.engagementOf(referral);
    const others = await Promise.all(
      engagement.participants
        .filter((p) => p.referralId !== referral.id)
        .map(async (p) => {
          const [org, theirs] = await Promise.all([this.directory.organization(p.orgId), this.store.get('referral', p.referralId)]);
          return { orgId: p.orgId, org, theirs };
        }),
    );
    const participants = others.map(({ orgId, org, theirs }): Participant => ({
      orgId,
      orgName: org?.name ?? orgId,
      kind: org?.kind ?? 'partner',
      stage: theirs?.substatus ?? 'Received',
      direction: theirs?.direction ?? 'Incoming',
      since: theirs?.updatedDateTime ?? referral.createdDateTime,
    }));
    const ownName = await this.orgName(referral.orgId);
    const now = this.clock.now();
    // The deal's shared record is read by the organizations working it: once they accepted, and from
    // the others still on it. An invitation still to answer, or one declined or let expire, shows
    // only what the invitation gave: the inviter's contacts.
    const working = referral.substatus !== 'Received' && !hasLeft(referral.substatus);
    const sharing = working ? others.filter(({ theirs }) => theirs !== undefined && !hasLeft(theirs.substatus) && !hasLapsed(theirs, now)) : [];
    // Notes on our own referral may be the sender's (Partner Center's, on import): each is labelled with its author's organization.
    const authors = new Map([[referral.orgId, ownName]]);
    for (const n of referral.notes) if (!authors.has(n.byOrgId)) authors.set(n.byOrgId, await this.orgName(n.byOrgId));
    const notes: DealNote[] = [
      ...referral.notes.map((n) => ({ ...n, orgName: authors.get(n.byOrgId)!, own: n.byOrgId === referral.orgId })),
      ...sharing.flatMap(({ org, orgId, theirs }) => theirs!.notes.filter((n) => n.visibility === 'shared').map((n) => ({ ...n, orgName: org?.name ?? orgId, own: false }))),
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const inviter = referral.inviteContext?.invitedBy;
    // Referrals received before teams were kept apart hold the inviter's people in their own team: they show as the inviter's.
    const emails = (team: Contact[]) => new Set(team.map((m) => m.email.toLowerCase()));
    const inviters = emails(sharing.find(({ orgId }) => orgId === inviter?.organizationId)?.theirs?.team ?? []);
    const ownEmails = emails(referral.team);
    const theirPeople = (theirs: Referral) => (theirs.inviteContext?.invitedBy.organizationId === referral.orgId ? theirs.team.filter((m) => !ownEmails.has(m.email.toLowerCase())) : theirs.team);
    const teams: TeamGroup[] = [
      { orgId: referral.orgId, orgName: ownName, own: true, members: referral.team.filter((m) => !inviters.has(m.email.toLowerCase())) },
      ...(working ? sharing.filter(({ theirs }) => theirPeople(theirs!).length > 0).map(({ orgId, org, theirs }) => ({ orgId, orgName: org?.name ?? orgId, own: false, members: theirPeople(theirs!) })) : []),
      // The inviter's contacts stand for the inviter's people wherever its own referral is not read: before accepting, and for a sender outside the bot (Partner Center).
      ...(inviter && referral.inviteContext!.contacts.length > 0 && !(working && sharing.some(({ orgId }) => orgId === inviter.organizationId))
        ? [{ orgId: inviter.organizationId, orgName: inviter.organizationName, own: false, members: referral.inviteContext!.contacts }]
        : []),
    ];
    const solutions = await this.solutionsOf(referral);
    const current = await this.takingPart(engagement, referral);
    const dealType = dealTypeOf(current, this.microsoftOrgId, await this.sharedWithMicrosoftSellers(referral, engagement));
    const registration = await this.registration(referral, this.clock.now(), { engagement, dealType, solutions });
    const invitations = invitationOptions(referral, current, this.microsoftOrgId);
    return {
      referral,
      notes,
      teams,
      dealType,
      participants,
      solutions,
      favorite: (await this.favoriteIds(person)).includes(referral.id),
      // A lapsed referral offers what an expired one does, before the clock has marked it.
      allowed: allowedActions(hasLapsed(referral, this.clock.now()) ? 'Expired' : referral.substatus, canAct(person, referral), invitations, mayAssign(person) && person.orgId === referral.orgId, {
        verdict: registration.verdict,
        registrar: referral.registration !== undefined && (referral.registration.byUserId === person.userId || (referral.registration.byUserId === '' && canAct(person, referral))),
      }),
      invitations,
      registration: registration.verdict,
      registrable: registration.ownIncentivized,
    };
  }

  private checkTransition(current: Referral, to: Stage): void {
    const error = transitionError(current.substatus, to);
    if (error) throw new CoSellError('not_allowed', error);
  }

  /** `refusal` says what only an Accepted deal can be given, with the stage it is in. */
  private checkAccepted(current: Referral, refusal: Extract<MessageKey, `error.onlyAccepted.${string}`>): void {
    if (current.substatus !== 'Accepted') {
      throw new CoSellError('not_allowed', t(refusal, { stage: t(`stage.${current.substatus}`) }));
    }
  }

  private checkNotPast(date: string, field: string, now: Date, fields: Record<string, string>): void {
    const problem = closeDateProblem(date, now);
    if (problem) fields[field] ??= problem;
  }

  /** A close date the seller sets must be ahead; one left as it was may have passed (the card asks for a new one), so it blocks nothing else. */
  private checkNewCloseDate(current: Referral, raw: unknown, now: Date, fields: Record<string, string>): void {
    const date = parsedPart(DateInput, raw);
    if (date && date.slice(0, 10) !== current.details.closingDateTime.slice(0, 10)) this.checkNotPast(date, 'closingDateTime', now, fields);
  }

  private async checkSolutions(ids: string[], field: string, fields: Record<string, string>): Promise<void> {
    const problems: string[] = [];
    for (const id of ids) {
      const solution = await this.directory.solution(id);
      if (!solution) {
        problems.push(t('rules.solution.unknown', { id }));
        continue;
      }
      const owner = await this.directory.organization(solution.orgId);
      if (owner?.kind !== 'microsoft' && solution.coSellStatus === 'NotCoSellReady') {
        problems.push(t('rules.solution.notReady', { name: solution.name }));
      }
    }
    if (problems.length > 0) fields[field] ??= problems.join(' ');
  }

  private checkMicrosoftNeeds(hasContact: boolean, consent: boolean, fields: Record<string, string>, prefix = ''): void {
    for (const [field, problem] of Object.entries(microsoftNeedsProblems(hasContact, consent))) if (problem) fields[`${prefix}${field}`] ??= problem;
  }

  /** One partner invitation: a partner of the ecosystem not yet on the deal, a date ahead, and solutions of its own. */
  private async checkPartner(
    invitation: z.infer<typeof PartnerInvitation>,
    at: string,
    selfOrgId: string,
    taken: Set<string>,
    now: Date,
    fields: Record<string, string>,
  ): Promise<void> {
    const org = await this.directory.organization(invitation.orgId);
    if (!org || org.kind !== 'partner' || !org.inEcosystem) fields[`${at}orgId`] ??= t('rules.partner.notInEcosystem');
    else if (invitation.orgId === selfOrgId) fields[`${at}orgId`] ??= t('rules.partner.self');
    else if (taken.has(invitation.orgId)) fields[`${at}orgId`] ??= t('rules.partner.alreadyOn', { org: org.name });
    taken.add(invitation.orgId);
    this.checkNotPast(invitation.closingDateTime, `${at}closingDateTime`, now, fields);
    await this.checkSolutions(invitation.solutionIds, `${at}solutionIds`, fields);
    if (org) {
      const foreign = (await Promise.all(invitation.solutionIds.map((id) => this.directory.solution(id)))).filter((s) => s !== undefined && s.orgId !== org.id);
      if (foreign.length > 0) fields[`${at}solutionIds`] ??= t('rules.partner.foreignSolutions', { org: org.name, names: foreign.map((s) => s!.name).join(', '), count: foreign.length });
    }
  }

  private async invitationForMicrosoft(deal: Referral, by: Person, now: Date, notes: string | undefined): Promise<Referral> {
    if (!(await this.directory.organization(this.microsoftOrgId))) {
      throw new CoSellError('not_allowed', t('error.microsoftMissing'));
    }
    return received(deal, by, await this.orgName(by.orgId), now, {
      orgId: this.microsoftOrgId,
      details: deal.details,
      team: deal.team,
      solutionIds: deal.solutionIds,
      notes: notes ?? '',
      customerTeam: deal.customerProfile.team,
    });
  }

  private async invitationForPartner(
    deal: Referral,
    by: Person,
    now: Date,
    invitation: z.infer<typeof CreateDealInput>['partners'][number],
  ): Promise<Referral> {
    return received(deal, by, await this.orgName(by.orgId), now, {
      orgId: invitation.orgId,
      details: {
        dealValue: invitation.dealValue,
        currency: invitation.currency,
        closingDateTime: invitation.closingDateTime,
        assistanceRequestCode: invitation.helpType,
      },
      team: invitation.team,
      solutionIds: unique(invitation.solutionIds),
      notes: invitation.notes ?? '',
      // The customer's contact travels only with their consent.
      customerTeam: deal.consent.consentToShareInfoWithOthers ? deal.customerProfile.team : [],
    });
  }
}

// ---- helpers that build records ----

/** A record built from outside input is checked before the commit: what the store would refuse is the sender's mistake (400), not ours. */
function storable(referral: Referral): void {
  const { fields } = inputProblems(ReferralSchema, referral);
  if (Object.keys(fields).length > 0) throw validationError(fields);
}

function stageFields(stage: Stage): Pick<Referral, 'status' | 'substatus'> {
  return { status: statusOf[stage], substatus: stage };
}

const isArchived = (r: Referral) => r.status === 'Closed';

/** An organization that declined or let its invitation expire takes no part in the deal any more. */
const hasLeft = (stage: Stage | undefined) => stage === 'Declined' || stage === 'Expired';

/** Whether the caller's request has changed this referral already: its history names the request. */
export const actedOn = (r: Referral, caller: Caller) => caller.requestId !== undefined && r.history.some((h) => h.requestId === caller.requestId);

/** An organization's outcome is news for every other organization on the deal. */
const outcome = (r: Referral): CoSellEvent[] => [{ type: 'outcome', referral: r }];
/**
 * Most recently updated first, within `group` (lower first). Each time is parsed once: dates may
 * carry any offset, and lists sort thousands of deals per request.
 */
function newestFirst<R extends Pick<ReferralSummary, 'updatedDateTime'>>(referrals: R[], group: (r: R) => number = () => 0): R[] {
  return referrals
    .map((r) => ({ r, g: group(r), t: Date.parse(r.updatedDateTime) }))
    .sort((a, b) => a.g - b.g || b.t - a.t)
    .map((e) => e.r);
}
const unique = <T>(values: T[]) => [...new Set(values)];

function note(person: Person, now: Date, text: string, visibility: Note['visibility'] = 'shared'): Note {
  return { at: now.toISOString(), byOrgId: person.orgId, byName: person.name, text, visibility };
}

/** A note typed on another form (accept, edit, decline, won, lost): the organization's own, as those forms say; Add note shares. */
function withNote(notes: Referral['notes'], person: Person, now: Date, text: string | undefined, about?: Msg): Referral['notes'] {
  return text ? [...notes, { ...note(person, now, text, 'internal'), ...(about ? { about } : {}) }] : notes;
}

/** Where one of the team's people is, by email; not on the team is the caller's mistake. */
function memberIndex(team: Contact[], email: string): number {
  const at = team.findIndex((m) => m.email.toLowerCase() === email.toLowerCase());
  if (at < 0) throw new CoSellError('not_found', t('error.team.notMember'));
  return at;
}

function mergeContacts(team: Contact[], added: Contact[]): Contact[] {
  const emails = new Set(team.map((m) => m.email.toLowerCase()));
  return [...team, ...added.filter((m) => !emails.has(m.email.toLowerCase()) && emails.add(m.email.toLowerCase()))];
}

function historyEntry(by: { orgId: string; userId: string; name: string }, now: Date, action: Msg, changes: HistoryEntry['changes'], requestId?: string): HistoryEntry {
  return { at: now.toISOString(), byOrgId: by.orgId, byUserId: by.userId, byName: by.name, action, changes, ...(requestId ? { requestId } : {}) };
}

/** Flattens the fields a seller can see change, so history records what changed from what. */
function comparable(r: Referral): Record<string, string> {
  // Partner Center's bookkeeping (its ETag, what it has of ours) is no change of the deal.
  const { history: _h, version: _v, updatedDateTime: _u, notes: _n, partnerCenterETag: _e, partnerCenterSync: _s, details, customerProfile, ...rest } = r;
  const flat: Record<string, unknown> = { ...rest, ...prefixed('details', details), ...prefixed('customerProfile', customerProfile) };
  return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, JSON.stringify(v)]));
}

const prefixed = (prefix: string, obj: object) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [`${prefix}.${k}`, v]));

function stamp(current: Referral, next: Referral, by: { orgId: string; userId: string; name: string }, now: Date, action: Msg, requestId?: string): Referral {
  const before = comparable(current);
  const after = comparable(next);
  const changes: HistoryEntry['changes'] = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] !== after[key]) changes[key] = { from: parse(before[key]), to: parse(after[key]) };
  }
  const added = next.notes.slice(current.notes.length);
  if (added.length > 0) changes.notes = { from: null, to: added.map((n) => n.text) };
  return { ...next, version: current.version + 1, updatedDateTime: now.toISOString(), history: [...current.history, historyEntry(by, now, action, changes, requestId)] };
}

const parse = (json: string | undefined) => (json === undefined ? null : JSON.parse(json));

function conflict(current: Referral): CoSellError {
  const last = current.history.at(-1);
  const stage = t(`stage.${current.substatus}`);
  return new CoSellError('conflict', last ? t('error.conflict.by', { name: last.byName, action: say(last.action), stage }) : t('error.conflict', { stage }));
}

interface InvitedParts {
  orgId: string;
  details: Referral['details'];
  team: Contact[];
  solutionIds: string[];
  notes: string;
  customerTeam: Contact[];
}

/** An invited organization's own referral: Received, with 14 days to answer. */
function received(deal: Referral, by: Person, byOrgName: string, now: Date, parts: InvitedParts): Referral {
  return {
    id: randomUUID(),
    engagementId: deal.engagementId,
    orgId: parts.orgId,
    name: deal.name,
    direction: 'Incoming',
    ...stageFields('Received'),
    customerProfile: { ...deal.customerProfile, team: parts.customerTeam },
    salesStage: deal.salesStage,
    customerMarketplaceIntent: deal.customerMarketplaceIntent,
    consent: deal.consent,
    details: parts.details,
    // The invited organization's team is its own people, added when it accepts; the inviter's stay on the inviter's referral.
    team: [],
    solutionIds: parts.solutionIds,
    notes: [],
    externalReferenceId: '',
    campaignId: '',
    inviteContext: {
      invitedBy: { organizationId: by.orgId, organizationName: byOrgName, userName: by.name },
      notes: parts.notes,
      contacts: parts.team,
      invitedDateTime: now.toISOString(),
    },
    expirationDateTime: new Date(now.getTime() + RESPONSE_WINDOW_DAYS * DAY_MS).toISOString(),
    statusReason: '',
    partnerCenterId: '',
    senderUpdatedDateTime: '',
    createdDateTime: now.toISOString(),
    updatedDateTime: now.toISOString(),
    version: 1,
    history: [historyEntry(by, now, msg('rules.history.received'), {})],
  };
}
