// Delivers the durable outbox: each pending message is sent within Teams' rate limits, marked
// sent with the id Teams gave it, retried when the channel is busy or failing, and dropped
// (with its conversation forgotten when Teams says it is gone) when retrying cannot help.
import { TurnContext, type Activity, type CloudAdapter, type ConversationParameters, type ConversationReference } from 'botbuilder';
import { personalChatOf, recipientKey, updateFor, type AlertPlanner } from '../services/alerts.js';
import type { ConversationRegistry } from '../services/conversations.js';
import type { ConversationRef, OutboxMessage } from '../services/model.js';
import type { Store } from '../services/store.js';
import type { Logger } from './log.js';
import { LocalDelivery, type Delivery } from './delivery.js';
import { TENANT_SPACING_MS } from './rate-limiter.js';

export interface DispatcherDeps {
  store: Store;
  adapter: CloudAdapter;
  appId: string;
  registry: ConversationRegistry;
  /** Tells the admins about someone the bot cannot reach. */
  planner: AlertPlanner;
  /** The message to send for an outbox entry and the referral version it shows, or undefined when there is nothing left to say. */
  render(message: OutboxMessage, conversation: ConversationRef): Promise<{ activity: Partial<Activity>; referralVersion: number } | undefined>;
  log: Logger;
  /** Wall-clock milliseconds: retries and rate windows are real time, whatever the business clock says. */
  now?: () => number;
  /** Sent and dropped messages older than this are removed, so a cycle costs what is due, not what was ever sent. */
  retentionMs?: number;
  /** Which messages this instance sends, and the rate limits; alone in this process when absent. */
  delivery?: Delivery;
}

/** How often the sent and dropped messages past their retention are removed. */
const PRUNE_EVERY_MS = 60_000;

const MAX_ATTEMPTS = 8;
export const MAX_IN_FLIGHT = 16;
const RETRYABLE = [412, 502, 503, 504];
const FINAL = [400, 401, 403, 404, 413];
/** A person the bot has no chat with and cannot open one with. */
const UNREACHABLE = Symbol('unreachable');
/** Teams' answers that mean the bot can no longer post in that conversation. */
const GONE = ['BotNotInConversationRoster', 'ConversationBlockedByUser', 'ConversationNotFound'];

interface ChannelError {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined | null } };
}

export class OutboxDispatcher {
  private readonly delivery: Delivery;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly opening = new Map<string, Promise<ConversationRef | typeof UNREACHABLE | undefined>>();
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 1_000;
  private cycling = false;
  private woken = false;
  private stopped = false;
  private prunedAt = 0;
  /** When the first due message the rate limits held back may go (ms). */
  private nextFree = Infinity;
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    this.delivery = deps.delivery ?? new LocalDelivery(deps.store, () => this.wake());
  }

  /** An idle cycle reads only the pending part of the outbox; wake() brings the next one forward when an alert is committed. */
  start(intervalMs = 1_000): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.schedule(0);
  }

  /** Something may be due now (an alert was committed, or reached the disk): look at once rather than at the end of the interval. */
  wake(): void {
    if (this.stopped) return;
    if (this.cycling) this.woken = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.cycle(), ms);
  }

  private async cycle(): Promise<void> {
    this.cycling = true;
    this.woken = false;
    this.nextFree = Infinity;
    try {
      await this.tick();
    } catch (e) {
      this.deps.log.error('outbox tick failed', { error: (e as Error).message });
    }
    this.cycling = false;
    if (this.stopped) return;
    // Due messages held back by the rate limits: come back when the first of them may go, not a whole interval later.
    this.schedule(this.woken ? 0 : Math.min(this.intervalMs, Math.max(TENANT_SPACING_MS, this.nextFree - this.now())));
  }

  /** Stops taking new messages and waits for the ones being sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled(this.inFlight.values());
    await this.delivery.stop();
  }

  /** Starts every due message the rate limits allow now; returns how many started. */
  async tick(): Promise<number> {
    const now = this.now();
    if (this.deps.retentionMs !== undefined && now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.prune(now - this.deps.retentionMs);
    }
    const { due, nextRetryAt } = await this.delivery.due(now, new Set(this.inFlight.keys()));
    this.nextFree = Math.min(this.nextFree, nextRetryAt);
    const at = this.now();
    let started = 0;
    // Tenants with no room left this cycle: their other messages need no check.
    const full = new Set<string>();
    for (const message of due) {
      if (this.stopped || this.inFlight.size >= MAX_IN_FLIGHT) break;
      if (full.has(message.orgId)) continue;
      // The time of this take, not of the look: the looks' awaits must not make slots look older.
      const { wait, tenantFull } = await this.delivery.take(recipientKey(message), message.orgId, this.now());
      if (wait > 0) {
        if (tenantFull) full.add(message.orgId);
        this.nextFree = Math.min(this.nextFree, at + wait);
        continue;
      }
      // Another instance got it first: the slot taken is one send fewer this second, no more.
      if (!(await this.delivery.claim(message.id))) continue;
      // A delivery that fails beyond its own handling (e.g. the disk refuses the bookkeeping) is logged; the message stays due.
      const delivery = this.deliver(message)
        .catch((e: unknown) => this.deps.log.error('outbox delivery failed; the message will be tried again', { id: message.id, error: (e as Error).message }))
        .finally(() => this.inFlight.delete(message.id));
      this.inFlight.set(message.id, delivery);
      started++;
    }
    return started;
  }

  private async deliver(queued: OutboxMessage): Promise<void> {
    const { store, adapter, appId, render } = this.deps;
    let conversation: ConversationRef | typeof UNREACHABLE | undefined;
    try {
      const stored = queued.conversationId ? await store.get('conversation', queued.conversationId) : undefined;
      // A person's chat that is gone is opened again; an update of a message in it has nothing left to update.
      conversation = stored ?? (queued.userId && queued.kind !== 'update' ? await this.opened(queued) : undefined);
    } catch (e) {
      return this.failed(queued, e as ChannelError, undefined);
    }
    if (!conversation) return this.save(queued, { status: 'dropped', lastError: 'The conversation is no longer registered.' });
    if (conversation === UNREACHABLE) return this.unreachable(queued);
    // A chat the delivery opened is where this message, and any update of it, goes.
    const message: OutboxMessage = { ...queued, conversationId: conversation.id };
    try {
      const rendered = await render(message, conversation);
      if (!rendered) return this.save(message, { status: 'dropped', lastError: 'Nothing to send any more.' });
      const { activity, referralVersion } = rendered;
      let activityId = message.replaceActivityId;
      await adapter.continueConversationAsync(appId, referenceOf(conversation), async (context) => {
        withoutClientRetries(context);
        if (message.kind === 'update') await context.updateActivity({ ...activity, id: message.replaceActivityId });
        else activityId = (await context.sendActivity(activity))?.id ?? '';
      });
      const sent: OutboxMessage = { ...message, status: 'sent', attempts: message.attempts + 1, sentDateTime: new Date(this.now()).toISOString(), activityId, referralVersion, lastError: '' };
      // The referral changed while its card was on the way: show the recipient what it is now. In the
      // writers' exclusive section, so a change either sees this message sent or is seen here.
      await store.exclusive(async (commit) => {
        const latest = await store.get('referral', message.referralId);
        const moved = message.kind !== 'update' && latest !== undefined && latest.version !== referralVersion;
        // Reached again: should the bot lose them later, the admins are told again.
        const reached = message.userId ? await store.get('person', `${message.orgId}:${message.userId}`) : undefined;
        await commit([
          { kind: 'outbox', put: sent },
          ...(moved ? [{ kind: 'outbox' as const, put: updateFor(sent, latest, new Date(this.now())) }] : []),
          ...(reached?.unreachableReportedDateTime ? [{ kind: 'person' as const, put: { ...reached, unreachableReportedDateTime: undefined } }] : []),
        ]);
      });
    } catch (e) {
      return this.failed(message, e as ChannelError, conversation);
    }
  }

  /** A send (or, without a conversation, the opening of a personal chat) failed: retried, or dropped when retrying cannot help. */
  private async failed(message: OutboxMessage, error: ChannelError, conversation: ConversationRef | undefined): Promise<void> {
    const { registry, log } = this.deps;
    const status = error.statusCode;
    const attempts = message.attempts + 1;
    const why = `${status ?? 'network'} ${error.code ?? ''} ${error.message ?? ''}`.trim().slice(0, 500);
    if (status !== undefined && FINAL.includes(status)) {
      // Teams would not open the person's chat: the bot is in no team of theirs, or they blocked it.
      if (!conversation) return this.unreachable(message, why);
      if (GONE.includes(error.code ?? '')) {
        await registry.forget(conversation.id);
        log.warn('conversation gone: reference removed', { conversationId: conversation.id, status, code: error.code });
        // The chat is gone but the person is still there: the next attempt opens it again (Teams allows it
        // where the bot is in a team of theirs) or reports them unreachable. Someone who blocked the bot is not pursued.
        if (message.userId && message.kind !== 'update' && error.code !== 'ConversationBlockedByUser') return this.save(message, { conversationId: '', attempts, lastError: why });
      }
      log.warn('outbox message dropped', { id: message.id, conversationId: conversation.id, status, code: error.code });
      return this.save(message, { status: 'dropped', attempts, lastError: why });
    }
    if (attempts >= MAX_ATTEMPTS) {
      log.error('outbox message dropped after retries', { id: message.id, attempts, error: why });
      return this.save(message, { status: 'dropped', attempts, lastError: why });
    }
    const wait = status === 429 ? retryAfterMs(error) : status === undefined || RETRYABLE.includes(status) || status >= 500 ? backoffMs(attempts) : undefined;
    if (wait === undefined) return this.save(message, { status: 'dropped', attempts, lastError: why });
    log.warn('outbox message will be retried', { id: message.id, status, attempts, waitMs: wait });
    await this.save(message, { attempts, retryAt: new Date(this.now() + wait).toISOString(), lastError: why });
  }

  /** One opening of a person's chat at a time: their other messages wait for it rather than open it again. */
  private opened(message: OutboxMessage): Promise<ConversationRef | typeof UNREACHABLE | undefined> {
    const key = `${message.orgId}:${message.userId}`;
    const running = this.opening.get(key);
    if (running) return running;
    const opening = this.personalChat(message).finally(() => this.opening.delete(key));
    this.opening.set(key, opening);
    return opening;
  }

  /**
   * The personal chat of the person a message is for: the one they opened, or, for someone who never
   * wrote to the bot, one it opens itself (Teams lets it where the bot is installed in a team of theirs).
   */
  private async personalChat(message: OutboxMessage): Promise<ConversationRef | typeof UNREACHABLE | undefined> {
    const { store, adapter, appId, registry } = this.deps;
    const conversations = await store.list('conversation', message.orgId);
    const own = personalChatOf(conversations, message.userId);
    if (own) return own;
    const person = await store.get('person', `${message.orgId}:${message.userId}`);
    // Any conversation of the tenant tells the regional service that reaches its people.
    const serviceUrl = [...conversations].sort((a, b) => b.updatedDateTime.localeCompare(a.updatedDateTime))[0]?.serviceUrl;
    if (!person?.channelUserId || !serviceUrl) return UNREACHABLE;
    let opened: Partial<ConversationReference> | undefined;
    const parameters = { isGroup: false, bot: { id: appId || 'co-sell-bot', name: 'Co-sell Bot' }, members: [{ id: person.channelUserId, name: '' }], tenantId: message.orgId, channelData: { tenant: { id: message.orgId } } } as ConversationParameters;
    await adapter.createConversationAsync(appId, 'msteams', serviceUrl, '', parameters, async (context) => {
      opened = TurnContext.getConversationReference(context.activity);
    });
    if (!opened?.conversation?.id) return UNREACHABLE;
    const ref = { id: opened.conversation.id, orgId: message.orgId, userId: person.userId, channelUserId: person.channelUserId, kind: 'personal' as const, serviceUrl, teamId: '' };
    await registry.remember(ref);
    return (await store.get('conversation', ref.id)) ?? UNREACHABLE;
  }

  /** Drops a message the bot has no way to deliver, and tells the organization's admins, once per person. */
  private async unreachable(message: OutboxMessage, why = 'The bot has no chat with this person and cannot open one.'): Promise<void> {
    const { store, planner, log } = this.deps;
    log.warn('outbox message dropped: the person cannot be reached', { id: message.id, orgId: message.orgId, userId: message.userId });
    await store.exclusive(async (commit) => {
      const person = await store.get('person', `${message.orgId}:${message.userId}`);
      const due = person !== undefined && !person.unreachableReportedDateTime && message.kind !== 'unreachable';
      const report = due ? await planner.unreachableWrites(person, message) : [];
      // Marked only when an admin is told: with no admin to tell, the next alert tries again.
      if (due && report.length === 0) log.warn('no admin could be told that a person cannot be reached', { orgId: message.orgId, userId: message.userId });
      await commit([
        { kind: 'outbox', put: { ...message, status: 'dropped', attempts: message.attempts + 1, lastError: why.slice(0, 500) } },
        ...(person && report.length > 0 ? [{ kind: 'person' as const, put: { ...person, unreachableReportedDateTime: new Date(this.now()).toISOString() } }, ...report] : []),
      ]);
    });
  }

  /** Removes sent and dropped messages last dealt with before `before` (ms). */
  async prune(before: number): Promise<number> {
    const removed = await this.delivery.prune(before, new Set(this.inFlight.keys()), this.now());
    if (removed > 0) this.deps.log.info('outbox: removed old sent and dropped messages', { count: removed });
    return removed;
  }

  private async save(message: OutboxMessage, change: Partial<OutboxMessage>): Promise<void> {
    await this.deps.store.commit([{ kind: 'outbox', put: { ...message, ...change } }]);
  }
}

/**
 * The connector client retries by itself, and waits out a 429's Retry-After in place, whatever its
 * options say (botbuilder's compat layer ignores noRetryPolicy). The outbox does the retrying, so
 * each attempt passes the rate limiter and a throttled conversation holds only itself: the client's
 * Retry phase goes. A test fails if an SDK update moves what this reaches.
 */
function withoutClientRetries(context: TurnContext): void {
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as { client?: { pipeline?: { removePolicy(o: { phase: 'Retry' }): unknown } } } | undefined;
  connector?.client?.pipeline?.removePolicy({ phase: 'Retry' });
}

export function referenceOf(c: ConversationRef): Partial<ConversationReference> {
  return {
    channelId: 'msteams',
    serviceUrl: c.serviceUrl,
    conversation: { id: c.id, tenantId: c.orgId, conversationType: c.kind, isGroup: c.kind !== 'personal', name: '' },
    ...(c.channelUserId ? { user: { id: c.channelUserId, name: '' } } : {}),
  };
}

/** Retry-After in seconds (or an HTTP date); a second when absent. */
function retryAfterMs(error: ChannelError): number {
  const header = error.response?.headers?.get?.('retry-after');
  const seconds = Number(header);
  if (header && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = header ? Date.parse(header) : NaN;
  return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s ... capped at 5 minutes. */
function backoffMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}
