// What the delivery loop asks of where it runs: which pending messages it may send now, and
// whether Teams' rate limits leave room for a send. One process on the embedded store decides
// alone, in memory; instances sharing PostgreSQL decide through it (bot/pg-delivery.ts).
import type { OutboxMessage } from '../services/model.js';
import { outboxTouched, type Store } from '../services/store.js';
import { RateLimiter } from './rate-limiter.js';

export interface Delivery {
  /**
   * Pending messages due now that this instance may send, oldest first, leaving out the ones it is
   * sending; and when the first one waiting out a retry is due (ms, Infinity: none known).
   */
  due(now: number, inFlight: ReadonlySet<string>): Promise<{ due: OutboxMessage[]; nextRetryAt: number }>;
  /** Makes a due message this instance's to send, once the rate limits gave it a slot; false: another instance has it. */
  claim(id: string): Promise<boolean>;
  /** Takes a send slot for this conversation (or person) of this tenant, or says how long to wait and whether the whole tenant is full. */
  take(where: string, tenantId: string, now: number): Promise<{ wait: number; tenantFull: boolean }>;
  /** Removes sent and dropped messages last dealt with before `before` (ms), and what the rate windows no longer need; returns how many messages. */
  prune(before: number, inFlight: ReadonlySet<string>, now: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * One process: the rate windows are in memory (seeded from what the outbox says was sent in the
 * last hour, so they outlive a restart), and a message is sent only once it is on disk.
 */
export class LocalDelivery implements Delivery {
  private readonly limiter = new RateLimiter();
  private seeded = false;
  /** Pending messages known to be on disk: only these may be sent. */
  private onDisk = new Set<string>();

  constructor(
    private readonly store: Store,
    /** Called when listed messages reached the disk: they may go now. */
    private readonly onDurable: () => void,
  ) {}

  async due(now: number, inFlight: ReadonlySet<string>): Promise<{ due: OutboxMessage[]; nextRetryAt: number }> {
    const { store } = this;
    if (!this.seeded) {
      for (const m of await store.list('outbox')) if (m.sentDateTime && Date.parse(m.sentDateTime) > now - 3_600_000) this.limiter.record(m.conversationId, m.orgId, Date.parse(m.sentDateTime));
      this.seeded = true;
    }
    // Never send what a failing write may still undo: what is listed now is on disk once `durable`
    // resolves, and may go from then on. Not awaited: the loop goes on sending what is already safe.
    const durable = store.settled();
    const pending = await store.list('outbox', undefined, { open: true });
    const listed = pending.map((m) => m.id);
    durable.then(
      () => {
        const fresh = listed.filter((id) => !this.onDisk.has(id));
        fresh.forEach((id) => this.onDisk.add(id));
        if (fresh.length > 0) this.onDurable();
      },
      () => undefined,
    );
    let nextRetryAt = Infinity;
    // Messages waiting out a retry: come back when the first of them is due.
    for (const m of pending) if (m.retryAt && Date.parse(m.retryAt) > now) nextRetryAt = Math.min(nextRetryAt, Date.parse(m.retryAt));
    // Known only while pending: the set stays as small as the outbox's pending part.
    this.onDisk = new Set(listed.filter((id) => this.onDisk.has(id)));
    const due = pending
      .filter((m) => !inFlight.has(m.id) && (!m.retryAt || Date.parse(m.retryAt) <= now) && this.onDisk.has(m.id))
      .sort((a, b) => (a.createdDateTime < b.createdDateTime ? -1 : a.createdDateTime > b.createdDateTime ? 1 : 0));
    return { due, nextRetryAt };
  }

  async claim(): Promise<boolean> {
    return true;
  }

  async take(where: string, tenantId: string, now: number): Promise<{ wait: number; tenantFull: boolean }> {
    const tenantWait = this.limiter.tenantWaitMs(tenantId, now);
    if (tenantWait > 0) return { wait: tenantWait, tenantFull: true };
    if (this.limiter.tryTake(where, tenantId, now)) return { wait: 0, tenantFull: false };
    return { wait: this.limiter.waitMs(where, tenantId, now), tenantFull: false };
  }

  async prune(before: number, inFlight: ReadonlySet<string>): Promise<number> {
    const old = (await this.store.list('outbox')).filter((m) => m.status !== 'pending' && !inFlight.has(m.id) && Date.parse(outboxTouched(m)) < before);
    // A batch of files at a time.
    for (let i = 0; i < old.length; i += 5_000) await this.store.commit(old.slice(i, i + 5_000).map((m) => ({ kind: 'outbox' as const, delete: m.id })));
    return old.length;
  }

  async stop(): Promise<void> {}
}
