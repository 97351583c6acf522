// The store interface the services depend on. The embedded lowdb store implements it;
// a server database can implement it later without touching the services.
import type { z } from 'zod';
import { ConversationRef, Customer, DeadlineMark, Draft, Engagement, Favorites, Organization, OutboxMessage, Person, Referral, Solution } from './model.js';

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
export type Write = { [K in Kind]: { kind: K; put: RecordInputs[K] } | { kind: K; delete: string } }[Kind];

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

export function matches(kind: Kind, record: Records[Kind], filter: ListFilter): boolean {
  if (filter.open && !isOpen(kind, record)) return false;
  return filter.referralId === undefined || ('referralId' in record && record.referralId === filter.referralId);
}

export interface Store {
  /** One record by id. Returned records are shared: never mutate them, write a new one. */
  get<K extends Kind>(kind: K, id: string): Promise<Records[K] | undefined>;
  /** All records of a kind; for records with an `orgId`, optionally only that organization's; narrowed by the filter. */
  list<K extends Kind>(kind: K, orgId?: string, filter?: ListFilter): Promise<Records[K][]>;
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
