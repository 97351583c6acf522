// Delivery by several instances on one PostgreSQL database. A pending message is claimed with
// FOR UPDATE SKIP LOCKED by the instance about to send it, once the rate limits gave it a slot;
// the claim names that instance's own connection, so it lasts as long as the instance: one that
// dies gives its messages back the moment its connection drops. Teams' rate windows are counted in one table for all
// instances, a tenant at a time under an advisory lock.
import pg from 'pg';
import type { OutboxMessage } from '../services/model.js';
import { NAMESPACE_LOCK, type PgStore } from '../services/pg-store.js';
import type { Delivery } from './delivery.js';
import { conversationWindows, RateLimiter } from './rate-limiter.js';

/** At most this many looked at per look, and this many per recipient: one recipient's backlog (their windows allow 8 in 2 s) never hides the others'. */
const LOOK = 500;
const PER_RECIPIENT = 8;
const HOUR_MS = 3_600_000;
/**
 * The windows are counted when a slot is taken, Teams counts when the message arrives; between the
 * two an instance claims, renders and sends, and two instances under load differ more in that
 * than one process does: each window is counted a quarter second wider.
 */
const SHARED_SLACK_MS = 250;

/** Not claimed, claimed by this instance, or by a connection that is gone (its pid and start no longer in pg_stat_activity). */
const CLAIMABLE = `(claimed_by IS NULL OR (claimed_by = $1 AND claimed_since = $2)
  OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = claimed_by AND a.backend_start = claimed_since))`;

export class PgDelivery implements Delivery {
  /** The connection whose pid and start mark this instance's claims; opened on first use, again if lost. */
  private lease: { client: pg.Client; pid: number; since: string } | undefined;
  private opening: Promise<{ client: pg.Client; pid: number; since: string }> | undefined;

  constructor(private readonly store: PgStore) {}

  private async me(): Promise<{ pid: number; since: string }> {
    if (this.lease) return this.lease;
    this.opening ??= (async () => {
      const client = new pg.Client({ ...this.store.pool.options });
      const lease = { client, pid: 0, since: '' };
      client.on('error', () => {
        // Its claims are free for the others now; the next look opens another.
        if (this.lease === lease) this.lease = undefined;
      });
      await client.connect();
      // As text: a JavaScript Date would drop the microseconds, and no claim would ever match its connection.
      const { rows } = await client.query<{ pid: number; since: string }>('SELECT pid, backend_start::text AS since FROM pg_stat_activity WHERE pid = pg_backend_pid()');
      Object.assign(lease, rows[0]);
      this.lease = lease;
      return lease;
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** What may be sent, oldest first: read, not claimed; a message is claimed when the rate limits let it go. */
  async due(now: number, inFlight: ReadonlySet<string>): Promise<{ due: OutboxMessage[]; nextRetryAt: number }> {
    const me = await this.me();
    const { rows } = await this.store.pool.query<{ data: OutboxMessage }>(
      `SELECT data FROM (
         SELECT data, seq, row_number() OVER (PARTITION BY org_id, coalesce(nullif(data ->> 'conversationId', ''), 'user:' || (data ->> 'userId')) ORDER BY seq) AS n
         FROM records
         WHERE kind = 'outbox' AND open AND (retry_at IS NULL OR retry_at <= $3) AND NOT (id = ANY($4)) AND ${CLAIMABLE}) due
       WHERE n <= ${PER_RECIPIENT}
       ORDER BY seq
       LIMIT ${LOOK}`,
      [me.pid, me.since, new Date(now).toISOString(), [...inFlight]],
    );
    const due = rows.map((r) => r.data).sort((a, b) => (a.createdDateTime < b.createdDateTime ? -1 : a.createdDateTime > b.createdDateTime ? 1 : 0));
    // Retries are seconds away at the least: the idle look (every second) finds them.
    return { due, nextRetryAt: Infinity };
  }

  /** One message, unless another instance has it or is claiming it now (SKIP LOCKED); it stays ours while this connection lives. */
  async claim(id: string): Promise<boolean> {
    const me = await this.me();
    const { rowCount } = await this.store.pool.query(
      `UPDATE records r SET claimed_by = $1, claimed_since = $2
       FROM (SELECT kind, id FROM records WHERE kind = 'outbox' AND id = $3 AND open AND ${CLAIMABLE} FOR UPDATE SKIP LOCKED) c
       WHERE r.kind = c.kind AND r.id = c.id`,
      [me.pid, me.since, id],
    );
    return rowCount === 1;
  }

  /** The same windows as one process keeps in memory, counted over every instance's sends. */
  async take(where: string, tenantId: string): Promise<{ wait: number; tenantFull: boolean }> {
    const client = await this.store.pool.connect();
    try {
      await client.query('BEGIN');
      // The database's clock, read once the tenant is ours: every instance counts on the same one.
      const { rows: clock } = await client.query<{ now: string }>(`SELECT pg_advisory_xact_lock(${NAMESPACE_LOCK}), (extract(epoch from clock_timestamp()) * 1000)::bigint AS now`, [`sends:${tenantId}`]);
      const now = Number(clock[0]!.now);
      const longest = Math.max(...conversationWindows.map((w) => w.ms));
      const { rows } = await client.query<{ conversation: string; at: string }>(
        'SELECT conversation, at FROM sends WHERE tenant = $1 AND at > $2 AND (conversation = $3 OR at > $4) ORDER BY at',
        [tenantId, now - longest, where, now - 2_000],
      );
      const limiter = new RateLimiter(SHARED_SLACK_MS);
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
