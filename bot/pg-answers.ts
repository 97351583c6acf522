// Card actions answered, shared by the instances on one PostgreSQL database: Teams may redeliver
// an invoke to another instance than the one that answered it, and it gets the same answer.
import type { InvokeResponse } from 'botbuilder';
import type { PgStore } from '../services/pg-store.js';

export interface SharedAnswers {
  /** The answer an instance gave this activity within `windowMs`, if any. */
  get(activityId: string, windowMs: number): Promise<InvokeResponse | undefined>;
  put(activityId: string, response: InvokeResponse): Promise<void>;
}

/** How often old answers are removed (on a put). */
const PRUNE_EVERY_MS = 60_000;

export class PgAnswers implements SharedAnswers {
  private prunedAt = 0;

  constructor(
    private readonly store: PgStore,
    private readonly windowMs: number,
  ) {}

  async get(activityId: string, windowMs: number): Promise<InvokeResponse | undefined> {
    const { rows } = await this.store.pool.query<{ response: InvokeResponse }>("SELECT response FROM answered WHERE id = $1 AND at > now() - $2 * interval '1 millisecond'", [activityId, windowMs]);
    return rows[0]?.response;
  }

  async put(activityId: string, response: InvokeResponse): Promise<void> {
    await this.store.pool.query('INSERT INTO answered (id, response) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [activityId, JSON.stringify(response)]);
    if (Date.now() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = Date.now();
    await this.store.pool.query("DELETE FROM answered WHERE at < now() - $1 * interval '1 millisecond'", [this.windowMs]);
  }
}
