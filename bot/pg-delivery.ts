// Delivery by several instances on one PostgreSQL database. A pending message is claimed with
// FOR UPDATE SKIP LOCKED by the instance that will send it; the claim names that instance's own
// connection, so it lasts exactly as long as the instance: one that dies gives its messages back
// the moment its connection drops. Teams' rate windows are counted in one table for all
// instances, a tenant at a time under an advisory lock.
import pg from 'pg';
import type { OutboxMessage } from '../services/model.js';
import { NAMESPACE_LOCK, type PgStore } from '../services/pg-store.js';
import type { Delivery } from './delivery.js';
import { conversationWindows, RateLimiter } from './rate-limiter.js';

/** At most this many claimed per look: enough that one tenant held back by its limits does not starve the others. */
const CLAIM = 100;
const HOUR_MS = 3_600_000;

export class PgDelivery implements Delivery {
  /** The connection whose backend pid marks this instance's claims; opened on first use, again if lost. */
  private lease: { client: pg.Client; pid: number } | undefined;
  private opening: Promise<{ client: pg.Client; pid: number }> | undefined;

  constructor(private readonly store: PgStore) {}

  private async me(): Promise<number> {
    if (this.lease) return this.lease.pid;
    this.opening ??= (async () => {
      const options = this.store.pool.options;
      const client = new pg.Client({ ...options });
      const lease = { client, pid: 0 };
      client.on('error', () => {
        // Its claims are free for the others now; the next look opens another.
        if (this.lease === lease) this.lease = undefined;
      });
      await client.connect();
      lease.pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      this.lease = lease;
      return lease;
    })().finally(() => (this.opening = undefined));
    return (await this.opening).pid;
  }

  async due(now: number, inFlight: ReadonlySet<string>): Promise<{ due: OutboxMessage[]; nextRetryAt: number }> {
    const me = await this.me();
    // Unclaimed, claimed by this instance, or by one whose connection is gone.
    const { rows } = await this.store.pool.query<{ data: OutboxMessage }>(
      `WITH due AS (
         SELECT kind, id FROM records
         WHERE kind = 'outbox' AND open AND (retry_at IS NULL OR retry_at <= $2)
           AND NOT (id = ANY($3))
           AND (claimed_by IS NULL OR claimed_by = $1 OR NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = claimed_by))
         ORDER BY seq
         LIMIT ${CLAIM}
         FOR UPDATE SKIP LOCKED)
       UPDATE records r SET claimed_by = $1 FROM due WHERE r.kind = due.kind AND r.id = due.id
       RETURNING r.data, r.seq`,
      [me, new Date(now).toISOString(), [...inFlight]],
    );
    const due = rows.map((r) => r.data).sort((a, b) => (a.createdDateTime < b.createdDateTime ? -1 : a.createdDateTime > b.createdDateTime ? 1 : 0));
    // Retries are seconds away at the least: the idle look (every second) finds them.
    return { due, nextRetryAt: Infinity };
  }

  async release(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.lease) return;
    await this.store.pool.query("UPDATE records SET claimed_by = NULL WHERE kind = 'outbox' AND id = ANY($1) AND claimed_by = $2", [ids, this.lease.pid]);
  }

  /** The same windows as one process keeps in memory, counted over every instance's sends. */
  async take(where: string, tenantId: string, now: number): Promise<{ wait: number; tenantFull: boolean }> {
    const client = await this.store.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${NAMESPACE_LOCK})`, [`sends:${tenantId}`]);
      const longest = Math.max(...conversationWindows.map((w) => w.ms));
      const { rows } = await client.query<{ conversation: string; at: string }>(
        'SELECT conversation, at FROM sends WHERE tenant = $1 AND at > $2 AND (conversation = $3 OR at > $4) ORDER BY at',
        [tenantId, now - longest, where, now - 2_000],
      );
      const limiter = new RateLimiter();
      for (const r of rows) limiter.record(r.conversation, tenantId, Number(r.at));
      const tenantWait = limiter.tenantWaitMs(tenantId, now);
      const wait = tenantWait > 0 ? tenantWait : limiter.waitMs(where, tenantId, now);
      if (wait === 0) await client.query('INSERT INTO sends (tenant, conversation, at) VALUES ($1, $2, $3)', [tenantId, where, now]);
      await client.query('COMMIT');
      return { wait, tenantFull: tenantWait > 0 };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async prune(before: number, _inFlight: ReadonlySet<string>, now: number): Promise<number> {
    const { pool } = this.store;
    await pool.query('DELETE FROM sends WHERE at < $1', [now - HOUR_MS]);
    let removed = 0;
    // A batch at a time, so a large backlog of old messages does not hold one long transaction.
    for (;;) {
      const { rowCount } = await pool.query(
        "DELETE FROM records WHERE (kind, id) IN (SELECT kind, id FROM records WHERE kind = 'outbox' AND NOT open AND updated < $1 LIMIT 5000)",
        [new Date(before).toISOString()],
      );
      removed += rowCount ?? 0;
      if ((rowCount ?? 0) < 5000) return removed;
    }
  }

  async stop(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.client.end().catch(() => undefined);
  }
}
