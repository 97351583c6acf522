// The store interface the services depend on. The embedded lowdb store (one process) and the
// PostgreSQL store (several instances on one database) implement it.
import { z } from 'zod';
import { ConversationRef, Customer, DeadlineMark, Draft, Engagement, Favorites, id as idSchema, Organization, OutboxMessage, Person, Referral, Solution, type Stage } from './model.js';

/** Every kind of record the store keeps, with the schema that checks it on load. */
export const recordSchemas = {
  organization: Organization,
  person: Person,
  customer: Customer,
  solution: Solution,
  referral: Referral,
  engagement: Engagement,
  favorites: Favorites,
  conversation: ConversationRef,
  outbox: OutboxMessage,
  mark: DeadlineMark,
  draft: Draft,
} satisfies Record<string, z.ZodType<{ id: string }>>;

export type Records = { [K in keyof typeof recordSchemas]: z.infer<(typeof recordSchemas)[K]> };
export type Kind = keyof Records;

/** What a write may hold: the schema's input, so defaults are filled by the store's check. */
export type RecordInputs = { [K in keyof typeof recordSchemas]: z.input<(typeof recordSchemas)[K]> };
/**
 * One change of a commit. `ifVersion` states the version of the record the change was made from:
 * if the stored record is at another version by then, the whole commit is refused (StaleWriteError).
 */
export type Write = { [K in Kind]: { kind: K; put: RecordInputs[K]; ifVersion?: number } | { kind: K; delete: string } }[Kind];

/** What a list can be narrowed to; a store skips what cannot match, so the size of the history costs nothing. */
export interface ListFilter {
  /** Only what is still in play: referrals not closed, outbox messages not yet sent or dropped. */
  open?: boolean;
  /** Only outbox messages about this referral. */
  referralId?: string;
}

/** The one rule of what the open filter keeps. */
export function isOpen(kind: Kind, record: Records[Kind]): boolean {
  if (kind === 'referral') return (record as Records['referral']).status !== 'Closed';
  if (kind === 'outbox') return (record as Records['outbox']).status === 'pending';
  return true;
}

/** When an outbox message was last dealt with: its retention counts from then. */
export const outboxTouched = (m: Records['outbox']): string => m.sentDateTime ?? m.createdDateTime;

export function matches(kind: Kind, record: Records[Kind], filter: ListFilter): boolean {
  if (filter.open && !isOpen(kind, record)) return false;
  return filter.referralId === undefined || ('referralId' in record && record.referralId === filter.referralId);
}

/** What a referral search can be narrowed to; every field given must match. */
export interface ReferralFilter {
  /** One organization's referrals; all organizations' when absent (the deadline clock). */
  orgId?: string;
  direction?: Referral['direction'];
  /** Closed (true) or still in play (false). */
  archived?: boolean;
  substatus?: Stage;
  /** Only these ids (a person's favorites). */
  ids?: string[];
  /** Name, customer name or CRM id contains this text, in any case. */
  text?: string;
  /** Has an expiry at or before this instant (ISO). */
  expiresBy?: string;
  /** Its last change waits to be written to Partner Center. */
  partnerCenterPending?: boolean;
}

/** What a list needs to pick, order and page referrals, without reading whole records. */
export interface ReferralSummary {
  id: string;
  orgId: string;
  substatus: Stage;
  updatedDateTime: string;
  expirationDateTime?: string;
}

/** The one rule of what a referral filter keeps. */
export function matchesReferral(r: Records['referral'], f: ReferralFilter): boolean {
  if (f.orgId !== undefined && r.orgId !== f.orgId) return false;
  if (f.direction !== undefined && r.direction !== f.direction) return false;
  if (f.archived !== undefined && (r.status === 'Closed') !== f.archived) return false;
  if (f.substatus !== undefined && r.substatus !== f.substatus) return false;
  if (f.ids !== undefined && !f.ids.includes(r.id)) return false;
  if (f.text !== undefined && !searchText(r).includes(f.text.toLowerCase())) return false;
  if (f.partnerCenterPending !== undefined && (r.partnerCenterSync?.state === 'pending') !== f.partnerCenterPending) return false;
  if (f.expiresBy !== undefined && !(r.expirationDateTime !== undefined && Date.parse(r.expirationDateTime) <= Date.parse(f.expiresBy))) return false;
  return true;
}

/** What a text search looks in: the deal's name, its customer's name and the CRM id. */
export const searchText = (r: Records['referral']) => [r.name, r.customerProfile.name, r.externalReferenceId].join('\n').toLowerCase();

export interface Store {
  /** One record by id. Returned records are shared: never mutate them, write a new one. */
  get<K extends Kind>(kind: K, id: string): Promise<Records[K] | undefined>;
  /** Records by id, in the order asked, leaving out those that do not exist: one read for a page of them. */
  getMany<K extends Kind>(kind: K, ids: readonly string[]): Promise<Records[K][]>;
  /** All records of a kind; for records with an `orgId`, optionally only that organization's; narrowed by the filter. */
  list<K extends Kind>(kind: K, orgId?: string, filter?: ListFilter): Promise<Records[K][]>;
  /** The referrals a filter keeps, as summaries (or the records themselves), in no particular order: lists read only the page they show. */
  findReferrals(filter: ReferralFilter): Promise<ReferralSummary[]>;
  /**
   * Runs fn unless another process of this deployment is running the job of that name; answers
   * undefined then. Jobs that every instance schedules (the deadline clock) run on one at a time.
   */
  alone<T>(job: string, fn: () => Promise<T>): Promise<T | undefined>;
  /**
   * Runs fn alone among the exclusive sections of this store: read, check, then commit with the
   * commit it is given. That commit ends the section (the next one may read the change at once);
   * the section's answer waits until what it read and wrote is on disk.
   */
  exclusive<T>(fn: (commit: (writes: Write[]) => Promise<void>) => Promise<T>): Promise<T>;
  /**
   * Applies the writes all or none: get and list see them at once, and they are durable on disk when
   * the promise resolves. A failed commit changes nothing (nor any commit that read it), and the next one may succeed.
   */
  commit(writes: Write[]): Promise<void>;
  /** Resolves once every commit made so far is on disk; rejects if writing it failed. */
  settled(): Promise<void>;
  /** Calls listener with each commit's writes once they are in memory (not yet on disk). It must not throw. */
  onCommit(listener: (writes: readonly Write[]) => void): void;
  /** Why writes are failing now (the last one failed), or undefined. */
  writeProblem(): string | undefined;
  close(): Promise<void>;
}

export class StoreLockedError extends Error {}

/** A write made from a version of a record that is no longer the stored one: nothing of its commit was applied. */
export class StaleWriteError extends Error {
  constructor(
    readonly kind: Kind,
    readonly id: string,
  ) {
    super(`The ${kind} ${id} changed since it was read; nothing was written.`);
  }
}

export function describeError(e: unknown): string {
  if (!(e instanceof z.ZodError)) return e instanceof Error ? e.message : String(e);
  const [first] = e.issues;
  const more = e.issues.length > 1 ? ` (and ${e.issues.length - 1} more problems)` : '';
  return `${first?.path.join('.') || '(root)'}: ${first?.message}${more}`;
}

/** Checks every write; returns them with records as their schema parses them (defaults filled). */
export function checkWrites(writes: Write[]): Write[] {
  return writes.map((write) => {
    const isPut = 'put' in write;
    const result = isPut ? recordSchemas[write.kind].safeParse(write.put) : idSchema.safeParse(write.delete);
    if (!result.success) {
      const what = isPut ? `${write.kind} ${JSON.stringify((write.put as { id?: unknown } | undefined)?.id)}` : `delete of a ${write.kind}`;
      throw new Error(`Invalid ${what}: ${describeError(result.error)}`, { cause: result.error });
    }
    if (!isPut) return { kind: write.kind, delete: result.data } as Write;
    return { kind: write.kind, put: result.data, ...(write.ifVersion !== undefined ? { ifVersion: write.ifVersion } : {}) } as Write;
  });
}

/** The version a record carries (referrals do), 0 for kinds without one. */
export const versionOf = (record: object): number => ('version' in record && typeof record.version === 'number' ? record.version : 0);
