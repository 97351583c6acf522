// The PostgreSQL store: one database shared by every instance of the bot. Records are rows of one
// table (the record as JSON beside the columns queries use); nothing is held in memory, so a
// process costs the same at a thousand referrals as at a million.
//
// Every write section takes one advisory lock for the whole deployment, in a transaction, and
// commits there: sections run one at a time across instances, as they do in one process with the
// embedded store. Reads outside a section see what is committed.
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import {
  checkWrites,
  describeError,
  isOpen,
  outboxTouched,
  recordSchemas,
  searchText,
  StaleWriteError,
  versionOf,
  type Kind,
  type ListFilter,
  type ReferralFilter,
  type ReferralSummary,
  type Records,
  type Store,
  type Write,
} from './store.js';

type AnyRecord = Records[Kind];
type Put = Extract<Write, { put: unknown }>;

export interface PgStoreOptions {
  /** The schema to keep the tables in (created if missing); PostgreSQL's search path when absent. */
  schema?: string;
  /** Connections per process. */
  poolSize?: number;
}

/** Advisory locks are per database: the schema's name keeps two deployments (or two tests) on one database apart. */
export const NAMESPACE_LOCK = "hashtext(current_schema() || ':' || $1)";
const MIGRATIONS_LOCK = 'co-sell-bot:migrations';

export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Not a schema name this store uses: ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
    // A database that does not answer is an error to show, not a request that hangs.
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server drops is replaced on next use; without a listener it would end the process.
  pool.on('error', () => undefined);
  // So would one the server drops while a section or a job holds it (the pool listens to idle ones only):
  // its next query fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await migrate(pool, schema);
  } catch (e) {
    await pool.end();
    throw new Error(`The database at ${redacted(url)} cannot be used: ${describeError(e)}`, { cause: e });
  }
  return new PgStore(pool);
}

/** A connection string without its password, for messages. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the DATABASE_URL (not a URL)';
  }
}

/** The migrations in services/migrations, in order: NNN_name.sql. */
async function migrations(): Promise<{ version: number; name: string; sql: string }[]> {
  const dir = new URL('./migrations/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: await readFile(new URL(f, dir), 'utf8') })));
}

/**
 * Applies what has not been applied, each migration in its own transaction with its row in
 * schema_migrations. Instances starting together wait for one another on a lock for the whole
 * database (extensions are per database too).
 */
async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATIONS_LOCK]);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      // In public, so that every schema's indexes find it and dropping one schema keeps it.
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of await migrations()) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATIONS_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** The columns a record's row carries besides the record. */
function columnsOf(kind: Kind, record: AnyRecord) {
  const referral = kind === 'referral' ? (record as Records['referral']) : undefined;
  const outbox = kind === 'outbox' ? (record as Records['outbox']) : undefined;
  return {
    org_id: 'orgId' in record ? record.orgId : null,
    referral_id: 'referralId' in record ? record.referralId : null,
    open: isOpen(kind, record),
    version: versionOf(record),
    direction: referral?.direction ?? null,
    substatus: referral?.substatus ?? null,
    updated: referral?.updatedDateTime ?? (outbox ? outboxTouched(outbox) : null),
    expires: referral?.expirationDateTime ?? null,
    search: referral ? searchText(referral) : null,
    retry_at: outbox?.retryAt ?? null,
  };
}

const COLUMNS = ['kind', 'id', 'org_id', 'referral_id', 'open', 'version', 'direction', 'substatus', 'updated', 'expires', 'search', 'retry_at', 'data'] as const;
const TYPES = ['text', 'text', 'text', 'text', 'boolean', 'integer', 'text', 'text', 'text', 'timestamptz', 'text', 'timestamptz', 'jsonb'];
const UPSERT = `INSERT INTO records (${COLUMNS.join(', ')})
  SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
  ON CONFLICT (kind, id) DO UPDATE SET ${COLUMNS.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}`;
const INSERT_NEW = `INSERT INTO records (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (kind, id) DO NOTHING`;
const UPDATE_IF = `UPDATE records SET ${COLUMNS.slice(2).map((c, i) => `${c} = $${i + 3}`).join(', ')} WHERE kind = $1 AND id = $2 AND version = $${COLUMNS.length + 1}`;

/**
 * PostgreSQL text cannot hold NUL, and jsonb refuses half an emoji (a lone surrogate, as a cut at
 * 200 characters can leave): both become U+FFFD, as a reader would see them anyway, rather than
 * a write that fails. The embedded store keeps them as they are.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** What PostgreSQL keeps of a string. */
export const storableText = (text: string) => text.replace(UNSTORABLE, '\uFFFD');
const storable = (_key: string, value: unknown) => (typeof value === 'string' ? storableText(value) : value);

function rowOf(write: Put): unknown[] {
  const c = columnsOf(write.kind, write.put as AnyRecord);
  const search = c.search === null ? null : storableText(c.search);
  return [write.kind, write.put.id, c.org_id, c.referral_id, c.open, c.version, c.direction, c.substatus, c.updated, c.expires, search, c.retry_at, JSON.stringify(write.put, storable)];
}

/** Postgres LIKE with the text taken literally. */
const likeLiteral = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class PgStore implements Store {
  #sectionsTail: Promise<void> = Promise.resolve();
  #inFlight = new Set<Promise<void>>();
  #writeProblem: string | undefined;
  #closing: Promise<void> | undefined;
  readonly #listeners: ((writes: readonly Write[]) => void)[] = [];

  constructor(readonly pool: pg.Pool) {}

  async get<K extends Kind>(kind: K, id: string): Promise<Records[K] | undefined> {
    const { rows } = await this.pool.query<{ data: Records[K] }>('SELECT data FROM records WHERE kind = $1 AND id = $2', [kind, id]);
    return rows[0]?.data;
  }

  async getMany<K extends Kind>(kind: K, ids: readonly string[]): Promise<Records[K][]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string; data: Records[K] }>('SELECT id, data FROM records WHERE kind = $1 AND id = ANY($2)', [kind, ids]);
    const byId = new Map(rows.map((r) => [r.id, r.data]));
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  async list<K extends Kind>(kind: K, orgId?: string, filter: ListFilter = {}): Promise<Records[K][]> {
    const where = ['kind = $1'];
    const values: unknown[] = [kind];
    // Kinds without an organization ignore it, as in the embedded store.
    if (orgId !== undefined && kindHasOrg(kind)) where.push(`org_id = $${values.push(orgId)}`);
    if (filter.open) where.push('open');
    if (filter.referralId !== undefined) where.push(`referral_id = $${values.push(filter.referralId)}`);
    const { rows } = await this.pool.query<{ data: Records[K] }>(`SELECT data FROM records WHERE ${where.join(' AND ')} ORDER BY seq`, values);
    return rows.map((r) => r.data);
  }

  async findReferrals(f: ReferralFilter): Promise<ReferralSummary[]> {
    const where = ["kind = 'referral'"];
    const values: unknown[] = [];
    if (f.orgId !== undefined) where.push(`org_id = $${values.push(f.orgId)}`);
    if (f.direction !== undefined) where.push(`direction = $${values.push(f.direction)}`);
    if (f.archived !== undefined) where.push(f.archived ? 'NOT open' : 'open');
    if (f.substatus !== undefined) where.push(`substatus = $${values.push(f.substatus)}`);
    if (f.ids !== undefined) where.push(`id = ANY($${values.push(f.ids)})`);
    if (f.text !== undefined) where.push(`search LIKE $${values.push(likeLiteral(f.text.toLowerCase()))}`);
    if (f.expiresBy !== undefined) where.push(`expires <= $${values.push(f.expiresBy)}`);
    // The expression of the partial index referrals_partner_center_pending.
    const pending = "(data -> 'partnerCenterSync' ->> 'state') = 'pending'";
    if (f.partnerCenterPending !== undefined) where.push(f.partnerCenterPending ? pending : `NOT coalesce(${pending}, false)`);
    const { rows } = await this.pool.query<{ id: string; org_id: string; substatus: ReferralSummary['substatus']; updated: string; expires: Date | null }>(
      `SELECT id, org_id, substatus, updated, expires FROM records WHERE ${where.join(' AND ')} ORDER BY seq`,
      values,
    );
    return rows.map((r) => ({ id: r.id, orgId: r.org_id, substatus: r.substatus, updatedDateTime: r.updated, ...(r.expires ? { expirationDateTime: r.expires.toISOString() } : {}) }));
  }

  async alone<T>(job: string, fn: () => Promise<T>): Promise<T | undefined> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${NAMESPACE_LOCK}) AS got`, [`job:${job}`]);
      if (!rows[0]?.got) return undefined;
      try {
        return await fn();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${NAMESPACE_LOCK})`, [`job:${job}`]);
      }
    } finally {
      client.release();
    }
  }

  /** Do not nest before the commit: a section that waits for another one never ends. */
  async exclusive<T>(fn: (commit: (writes: Write[]) => Promise<void>) => Promise<T>): Promise<T> {
    if (this.#closing) throw new Error('The store is closed.');
    // In this process the sections queue here, so that only one holds a connection waiting for the lock.
    const before = this.#sectionsTail;
    let release!: () => void;
    this.#sectionsTail = new Promise<void>((resolve) => (release = resolve));
    await before;
    let client: pg.PoolClient | undefined;
    let ended = false;
    /** Ends the transaction (COMMIT or ROLLBACK) and lets the next section in. */
    const end = async (how: 'COMMIT' | 'ROLLBACK') => {
      if (ended) return;
      ended = true;
      try {
        if (client) await client.query(how);
        client?.release();
      } catch (e) {
        // A connection that failed mid-transaction is closed, not handed to the next section.
        client?.release(e as Error);
        throw e;
      } finally {
        release();
      }
    };
    try {
      client = await this.pool.connect();
      // One round trip: the simple protocol takes both statements at once (no parameters).
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':writes'))`);
      let committing: Promise<void> | undefined;
      const value = await fn(async (writes) => {
        if (ended || committing) throw new Error('This section has committed already.');
        const checked = checkWrites(writes);
        const done = (async () => {
          try {
            await apply(client!, checked);
            await end('COMMIT');
          } catch (e) {
            await end('ROLLBACK').catch(() => undefined);
            // A refusal of this write's own data (stale, or a value PostgreSQL rejects) says nothing about the database.
            if (!(e instanceof StaleWriteError) && !isDataError(e)) this.#writeProblem = describeError(e);
            throw e;
          }
          this.#writeProblem = undefined;
          for (const listener of this.#listeners) listener(checked);
        })();
        this.#track(done);
        return (committing = done);
      });
      // A commit the section did not wait for is done before it answers (as in the embedded store):
      // rolling back under it would lose it and still report it written.
      await committing;
      await end('ROLLBACK');
      return value;
    } catch (e) {
      await end('ROLLBACK').catch(() => undefined);
      if (isConnectionProblem(e)) this.#writeProblem = describeError(e);
      throw e;
    }
  }

  commit(writes: Write[]): Promise<void> {
    return this.exclusive((commit) => commit(writes));
  }

  /** Acknowledged commits are durable already: only those still on their way are waited for. */
  async settled(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  #track(done: Promise<void>): void {
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
  }

  onCommit(listener: (writes: readonly Write[]) => void): void {
    this.#listeners.push(listener);
  }

  writeProblem(): string | undefined {
    return this.#writeProblem;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#sectionsTail;
      await this.pool.end();
    })();
    return this.#closing;
  }
}

const kindHasOrg = (kind: Kind) => 'orgId' in (recordSchemas[kind] as unknown as { shape: object }).shape;

/** PostgreSQL's data exceptions (class 22) and integrity violations (23): the write's values, not the database, are at fault. */
const isDataError = (e: unknown) => /^2[23]/.test((e as { code?: string }).code ?? '');

/** Lost connections and refused ones: the database cannot be written now. */
function isConnectionProblem(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return /^(ECONN|ETIMEDOUT|ENOTFOUND|EPIPE)/.test(code) || code.startsWith('08') || code.startsWith('57P') || /Connection terminated|timeout exceeded/i.test((e as Error).message ?? '');
}

/**
 * A commit's writes, in the transaction: the last write of each record wins (as it would applied in
 * order); conditional ones first, each checked against the version it states.
 */
async function apply(client: pg.PoolClient, writes: Write[]): Promise<void> {
  const last = new Map<string, Write>();
  for (const w of writes) {
    const id = 'put' in w ? w.put.id : w.delete;
    const key = `${w.kind}\u0000${id}`;
    // A record written twice in a commit keeps the first write's version condition.
    const earlier = last.get(key);
    const condition = earlier && 'put' in earlier && earlier.ifVersion !== undefined ? earlier.ifVersion : undefined;
    last.delete(key);
    last.set(key, 'put' in w && condition !== undefined && w.ifVersion === undefined ? ({ ...w, ifVersion: condition } as Write) : w);
  }
  const puts: Put[] = [];
  const deletes = new Map<Kind, string[]>();
  for (const w of last.values()) {
    if (!('put' in w)) deletes.set(w.kind, [...(deletes.get(w.kind) ?? []), w.delete]);
    else if (w.ifVersion === undefined) puts.push(w);
    else {
      const row = rowOf(w);
      const result = w.ifVersion === 0 ? await client.query(INSERT_NEW, row) : await client.query(UPDATE_IF, [...row, w.ifVersion]);
      if (result.rowCount !== 1) throw new StaleWriteError(w.kind, w.put.id);
    }
  }
  if (puts.length > 0) {
    const rows = puts.map(rowOf);
    await client.query(
      UPSERT,
      COLUMNS.map((_, i) => rows.map((r) => r[i])),
    );
  }
  for (const [kind, ids] of deletes) await client.query('DELETE FROM records WHERE kind = $1 AND id = ANY($2)', [kind, ids]);
}
