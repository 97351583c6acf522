// Who must hear about a referral event, and the outbox messages that tell them. The messages
// are committed together with the change that caused them, so an alert is never lost.
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import { msg, type MessageKey, type Msg, type MsgValue } from './i18n.js';
import { declineReasons, lostReasons, type ConversationRef, type OutboxMessage, type Person, type Referral } from './model.js';
import { hasLapsed } from './referral-rules.js';
import type { Store, Write } from './store.js';

export type CoSellEvent =
  /** A Received referral arrived in an organization (from a partner, Microsoft or Partner Center). */
  | { type: 'received'; referral: Referral }
  /** A reminder that a Received referral expires soon. */
  | { type: 'reminder'; referral: Referral; daysLeft: number }
  /** An organization's referral reached an outcome: accepted, declined or expired (an invitation), won or lost. */
  | { type: 'outcome'; referral: Referral }
  /** A referrals admin handed the referral to someone of the organization. */
  | { type: 'assigned'; referral: Referral };

export class AlertPlanner {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly clock: Clock,
  ) {}

  /** The outbox messages for these events. Reads only: call it inside the writer's exclusive section. */
  async writesFor(events: CoSellEvent[]): Promise<Write[]> {
    const messages: OutboxMessage[] = [];
    for (const event of events) messages.push(...(await this.messagesFor(event)));
    return messages.map((put): Write => ({ kind: 'outbox', put }));
  }

  private async messagesFor(event: CoSellEvent): Promise<OutboxMessage[]> {
    const r = event.referral;
    const from = r.inviteContext?.invitedBy.organizationName ?? msg('alert.anotherOrganization');
    switch (event.type) {
      case 'received':
        return this.toConversations(r.orgId, r.id, 'received', msg('alert.received', { from, name: r.name }), await this.referralTargets(r));
      case 'reminder':
        return this.toConversations(r.orgId, r.id, 'reminder', msg('alert.reminder', { days: event.daysLeft, from, name: r.name }), await this.referralTargets(r));
      case 'assigned': {
        const assignee = r.assignedTo && (await this.directory.person(r.orgId, r.assignedTo.userId));
        const conversations = await this.store.list('conversation', r.orgId);
        return assignee ? this.toConversations(r.orgId, r.id, 'assigned', msg('alert.assigned', { name: r.name }), personal(conversations, [assignee])) : [];
      }
      case 'outcome': {
        const org = (await this.directory.organization(r.orgId))?.name ?? r.orgId;
        const headline = msg('alert.outcome', { org, what: outcomeWords(r), name: r.name });
        // Every other organization still on the deal hears it, the one that invited this one first.
        const others = await this.otherReferrals(r);
        const told = await Promise.all(others.map(async (o) => this.toConversations(o.orgId, o.id, 'answered', headline, await this.peopleOn(o, r))));
        // Everyone who got this referral's alert sees its outcome: their alert cards are updated. (One still being
        // sent is updated by the delivery loop, which sees that the referral moved on.)
        const sent = (await this.store.list('outbox', r.orgId, { referralId: r.id })).filter((m) => m.status === 'sent' && m.kind !== 'update' && m.activityId);
        const updates = sent.map((m) => updateFor(m, r, this.clock.now()));
        return [...told.flat(), ...updates];
      }
    }
  }

  /** Alert recipients for a referral of their organization: referrals admins (or admins), the team, the alert channel. */
  private async referralTargets(r: Referral): Promise<Target[]> {
    const org = await this.directory.organization(r.orgId);
    const conversations = await this.store.list('conversation', r.orgId);
    const channel = conversations.filter((c) => c.id === org?.alertChannelId).map((c) => ({ conversationId: c.id, userId: '' }));
    return [...channel, ...(await this.answerers(r, conversations))];
  }

  /** The referrals admins (or, without one, the admins) and the team of a referral, in their personal chats. */
  private async answerers(r: Referral, conversations: ConversationRef[]): Promise<Target[]> {
    const people = await this.store.list('person', r.orgId);
    const referralsAdmins = people.filter((p) => p.roles.includes('referrals-admin'));
    const fallback = referralsAdmins.length > 0 ? referralsAdmins : people.filter((p) => p.roles.includes('admin'));
    return personal(conversations, [...fallback, ...onTeam(people, r)]);
  }

  /** The referrals of the other organizations on the deal that take part in it still, the inviter's first. */
  private async otherReferrals(r: Referral): Promise<Referral[]> {
    const engagement = await this.store.get('engagement', r.engagementId);
    const found = await Promise.all((engagement?.participants ?? []).filter((p) => p.referralId !== r.id).map((p) => this.store.get('referral', p.referralId)));
    const inviter = r.inviteContext?.invitedBy.organizationId;
    const now = this.clock.now();
    // One that lapsed (even in the same sweep, before the clock marked it) takes no part any more.
    return found
      .filter((o): o is Referral => o !== undefined && o.substatus !== 'Declined' && o.substatus !== 'Expired' && !hasLapsed(o, now))
      .sort((a, b) => Number(b.orgId === inviter) - Number(a.orgId === inviter));
  }

  /**
   * Who hears about another organization's outcome on a referral: its team, whoever it is assigned
   * to, whoever created it or sent the invitation; with nobody of those, its referrals admins.
   */
  private async peopleOn(o: Referral, about: Referral): Promise<Target[]> {
    const people = await this.store.list('person', o.orgId);
    const named = new Set([o.assignedTo?.userId, o.direction === 'Outgoing' ? o.history[0]?.byUserId : undefined, about.history[0]?.byUserId].filter((id): id is string => id !== undefined));
    const chosen = [...people.filter((p) => named.has(p.userId)), ...onTeam(people, o)];
    const conversations = await this.store.list('conversation', o.orgId);
    // Another organization's news is for people, not for the channel that hears of new referrals.
    return chosen.length > 0 ? personal(conversations, chosen) : this.answerers(o, conversations);
  }

  /**
   * The organization's admins learn, once, that the bot cannot reach someone an alert was for, in
   * their personal chats (never opened for this: a report about reaching people must not need it).
   */
  async unreachableWrites(person: Person, about: OutboxMessage): Promise<Write[]> {
    const people = await this.store.list('person', person.orgId);
    const admins = people.filter((p) => p.roles.includes('admin') && p.userId !== person.userId);
    const conversations = await this.store.list('conversation', person.orgId);
    const targets = personal(conversations, admins).filter((t) => t.conversationId !== '');
    const headline = msg('alert.unreachable', { name: person.name });
    return this.toConversations(person.orgId, about.referralId, 'unreachable', headline, targets).map((put): Write => ({ kind: 'outbox', put }));
  }

  /** A notice for the organization's admins in their personal chats, about no deal in particular. */
  async adminNotice(orgId: string, headline: Msg): Promise<Write[]> {
    const admins = (await this.store.list('person', orgId)).filter((p) => p.roles.includes('admin'));
    const conversations = await this.store.list('conversation', orgId);
    const targets = personal(conversations, admins).filter((t) => t.conversationId !== '');
    return this.toConversations(orgId, '', 'notice', headline, targets).map((put): Write => ({ kind: 'outbox', put }));
  }

  /** The weekly insights card for the referrals admins (the admins when there are none), in their personal chats. */
  async digest(orgId: string, headline: Msg): Promise<Write[]> {
    const people = await this.store.list('person', orgId);
    const referralsAdmins = people.filter((p) => p.roles.includes('referrals-admin'));
    const readers = referralsAdmins.length > 0 ? referralsAdmins : people.filter((p) => p.roles.includes('admin'));
    const targets = personal(await this.store.list('conversation', orgId), readers).filter((t) => t.conversationId !== '');
    return this.toConversations(orgId, '', 'digest', headline, targets).map((put): Write => ({ kind: 'outbox', put }));
  }

  private toConversations(orgId: string, referralId: string, kind: OutboxMessage['kind'], headline: Msg, targets: Target[]): OutboxMessage[] {
    const unique = [...new Map(targets.map((t) => [recipientKey(t), t])).values()];
    return unique.map((t) => outboxMessage({ orgId, ...t, referralId, kind, headline }, this.clock.now()));
  }
}

/** Where a message goes: a conversation, or a person whose personal chat is not open yet (conversationId ''). */
interface Target {
  conversationId: string;
  userId: string;
}

/** One key per place a message goes: its conversation, or the person whose chat is not open yet. */
export const recipientKey = (t: Target) => t.conversationId || `user:${t.userId}`;

/** A person's personal chat with the bot, if they have one. */
export const personalChatOf = (conversations: ConversationRef[], userId: string) => conversations.find((c) => c.kind === 'personal' && c.userId === userId);

/** Each person's personal chat with the bot; for someone who never wrote to it, the delivery opens one. */
function personal(conversations: ConversationRef[], people: Person[]): Target[] {
  return people.map((p) => ({ conversationId: personalChatOf(conversations, p.userId)?.id ?? '', userId: p.userId }));
}

/** What an organization did, in the words of an alert to the others on the deal. */
function outcomeWords(r: Referral): Msg {
  switch (r.substatus) {
    case 'Declined':
      return msg('alert.outcome.Declined', { reason: reasonMsg(declineReasons, 'declineReason', r.statusReason) });
    case 'Lost':
      return msg('alert.outcome.Lost', { reason: reasonMsg(lostReasons, 'lostReason', r.statusReason) });
    case 'Received':
      return msg('stage.Received');
    default:
      return msg(`alert.outcome.${r.substatus}`);
  }
}

/** A reason by its label when it is one of ours; one from elsewhere reads as sent. */
const reasonMsg = (codes: readonly string[], prefix: 'declineReason' | 'lostReason', code: string): MsgValue => (codes.includes(code) ? msg(`${prefix}.${code}` as MessageKey) : code);

export function outboxMessage(m: Pick<OutboxMessage, 'orgId' | 'conversationId' | 'referralId' | 'kind' | 'headline'> & { userId?: string; replaceActivityId?: string }, now: Date): OutboxMessage {
  return {
    id: randomUUID(),
    userId: '',
    ...m,
    headline: typeof m.headline === 'string' ? m.headline.slice(0, 500) : m.headline,
    replaceActivityId: m.replaceActivityId ?? '',
    status: 'pending',
    attempts: 0,
    createdDateTime: now.toISOString(),
    activityId: '',
    referralVersion: 0,
    lastError: '',
  };
}

/** An update of a sent alert, showing what became of the referral and who did it when. */
export function updateFor(sent: OutboxMessage, r: Referral, now: Date): OutboxMessage {
  const last = r.history.at(-1)!;
  const headline = msg('alert.update', { stage: msg(`stage.${r.substatus}`), name: last.byName, date: { at: last.at } });
  return outboxMessage({ orgId: sent.orgId, conversationId: sent.conversationId, userId: sent.userId, referralId: r.id, kind: 'update', headline, replaceActivityId: sent.activityId }, now);
}

function onTeam(people: Person[], r: Referral): Person[] {
  const emails = new Set(r.team.map((m) => m.email.toLowerCase()));
  return people.filter((p) => p.email !== '' && emails.has(p.email.toLowerCase()));
}
