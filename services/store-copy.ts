// Copies every record from one store to another (the embedded store to PostgreSQL when a
// deployment moves over). Runs again safely: what the target holds already is left alone, so a
// second run copies nothing, and an interrupted one is finished by the next.
import { storableText } from './pg-store.js';
import { checkWrites, describeError, recordSchemas, type Kind, type Records, type Store, type Write } from './store.js';

export interface KindCounts {
  /** Absent from the target: written there. */
  copied: number;
  /** Equal in the target already. */
  alreadyThere: number;
  /** Different in the target: overwritten with the source's. */
  updated: number;
  /** In the target but not in the source: left as they are. */
  onlyInTarget: number;
  /** Records the target would not take (see Refusal). */
  refused: number;
}

/** A record the target refused (PostgreSQL: a \u0000 in a string, an unpaired surrogate), with why. */
export interface Refusal {
  kind: Kind;
  id: string;
  reason: string;
}

export interface CopyResult {
  kinds: Record<Kind, KindCounts>;
  total: KindCounts;
  refusals: Refusal[];
}

export interface CopyOptions {
  /** Writes per commit: a large kind is copied in many transactions, not one giant one. */
  batchSize?: number;
  /** Called after each batch (done of total records of the kind looked at) and once more when the kind is finished. */
  report?: (kind: Kind, counts: KindCounts, progress: { done: number; total: number; finished: boolean }) => void;
}

export const kinds = Object.keys(recordSchemas) as Kind[];

const zero = (): KindCounts => ({ copied: 0, alreadyThere: 0, updated: 0, onlyInTarget: 0, refused: 0 });

/**
 * JSON with object keys sorted: PostgreSQL's jsonb gives keys back in its own order, so equal
 * records must compare equal whatever the order. Arrays keep theirs. Strings are compared as
 * PostgreSQL keeps them (a NUL is U+FFFD there), so a record copied once is there the next time.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? storableText(v) : v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** A PostgreSQL data exception (class 22: bad encoding, unsupported escape, value out of range): the record, not the connection, is at fault. */
const isDataError = (e: unknown) => typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('22');

const reasonOf = (e: unknown) => {
  const detail = (e as { detail?: unknown })?.detail;
  return typeof detail === 'string' && detail ? `${describeError(e)} (${detail})` : describeError(e);
};

const idOf = (w: Write) => ('put' in w ? w.put.id : w.delete);

/**
 * Commits the writes; when the target refuses a batch for its data, splits it until the records at
 * fault are alone, so one bad record costs its own copy, not its batch's. Answers the refused ones.
 */
async function commitOrSplit(to: Store, writes: Write[]): Promise<Refusal[]> {
  try {
    await to.commit(writes);
    return [];
  } catch (e) {
    if (!isDataError(e)) throw e;
    if (writes.length === 1) return [{ kind: writes[0]!.kind, id: idOf(writes[0]!), reason: reasonOf(e) }];
    const half = Math.ceil(writes.length / 2);
    return [...(await commitOrSplit(to, writes.slice(0, half))), ...(await commitOrSplit(to, writes.slice(half)))];
  }
}

export async function copyStore(from: Store, to: Store, options: CopyOptions = {}): Promise<CopyResult> {
  const batchSize = options.batchSize ?? 1_000;
  const result: CopyResult = { kinds: {} as Record<Kind, KindCounts>, total: zero(), refusals: [] };
  for (const kind of kinds) {
    const counts = (result.kinds[kind] = zero());
    const source = await from.list(kind);
    // One read of the kind from the target rather than one query per record: the embedded store
    // holds all of it in memory anyway, so this at most doubles that for the length of one kind.
    const target = new Map<string, string>();
    for (const record of await to.list(kind)) target.set(record.id, canonicalJson(record));
    const sourceIds = new Set<string>();
    for (let start = 0; start < source.length; start += batchSize) {
      const writes: Write[] = [];
      const isNew = new Set<string>();
      for (const record of source.slice(start, start + batchSize)) {
        sourceIds.add(record.id);
        let put: Write;
        try {
          // As the target's commit will parse it: a schema that changes a record on parsing would otherwise count as "updated" every run.
          [put] = checkWrites([{ kind, put: record } as Write]) as [Write];
        } catch (e) {
          result.refusals.push({ kind, id: record.id, reason: describeError(e) });
          counts.refused++;
          continue;
        }
        const there = target.get(record.id);
        // Compared as JSON (what the target was given and gives back), keys sorted.
        if (there !== undefined && there === canonicalJson((put as { put: Records[Kind] }).put)) {
          counts.alreadyThere++;
          continue;
        }
        if (there === undefined) isNew.add(record.id);
        writes.push(put);
      }
      const refused = writes.length > 0 ? await commitOrSplit(to, writes) : [];
      const refusedIds = new Set(refused.map((r) => r.id));
      result.refusals.push(...refused);
      counts.refused += refused.length;
      for (const w of writes) {
        const id = idOf(w);
        if (refusedIds.has(id)) continue;
        if (isNew.has(id)) counts.copied++;
        else counts.updated++;
      }
      options.report?.(kind, counts, { done: Math.min(start + batchSize, source.length), total: source.length, finished: false });
    }
    for (const id of target.keys()) if (!sourceIds.has(id)) counts.onlyInTarget++;
    options.report?.(kind, counts, { done: source.length, total: source.length, finished: true });
    for (const key of Object.keys(counts) as (keyof KindCounts)[]) result.total[key] += counts[key];
  }
  return result;
}
