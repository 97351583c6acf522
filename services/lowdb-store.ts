// The embedded store: JSON files under one data directory, held in memory, written durably.
// Each file is a lowdb Low whose data is { records: { [id]: record } }. Files are small so a
// write rewrites only what it touches: referrals are split by organization, by open/closed
// (closed deals pile up but rarely change) and into hash buckets.
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { z } from 'zod';
import { isTerminal } from './model.js';
import {
  checkWrites,
  describeError,
  matches,
  matchesReferral,
  recordSchemas,
  StaleWriteError,
  StoreLockedError,
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
type FileData = { records: Record<string, AnyRecord> };
type Journal = { writes: Write[] };

/** One data file: the kind it holds and, for per-organization files, the organization. */
interface DataFile {
  path: string; // relative to the data directory, with '/' separators
  kind: Kind;
  orgId?: string;
  /** Whether it holds only open records (true) or only closed ones (false); undefined: either. */
  open?: boolean;
  /** The referral bucket of every record in it, when the layout says. */
  bucket?: number;
  low: Low<FileData>;
}

/**
 * A write rewrites (and fsyncs) one bucket file; 1,024 keep it small for a large organization (about
 * ten referrals at 10,000). A record still in a file of an older layout moves to its bucket when next written.
 * Outbox messages are bucketed by their referral, pending apart from sent: the messages of one
 * referral are one file away, and a cycle of the delivery loop reads only what is pending.
 */
const BUCKETS = 1024;
const JOURNAL = 'journal.json';
const LOCK = 'LOCK';

// ---------------------------------------------------------------------------------------------
// Layout: which file a record lives in, and back from a file path to what it holds.

/** The file a record belongs in, relative to the data directory. */
export function recordFile(write: Put): string {
  switch (write.kind) {
    case 'referral': {
      const { orgId, substatus, id } = write.put;
      return `referrals/${safeName(orgId)}/${isTerminal(substatus) ? 'archive' : 'active'}-${bucketOf(id)}.json`;
    }
    case 'engagement':
      return `engagements/${bucketOf(write.put.id)}.json`;
    case 'outbox':
      return `outbox/${safeName(write.put.orgId)}/${write.put.status === 'pending' ? 'pending' : 'done'}-${bucketOf(write.put.referralId)}.json`;
    case 'customer':
      // The demo directory's customers, seen by every organization, stay in the one top-level file.
      return write.put.orgId ? `customer/${safeName(write.put.orgId)}.json` : 'customer.json';
    case 'person':
    case 'favorites':
    case 'conversation':
    case 'mark':
    case 'draft':
      return `${write.kind}/${safeName(write.put.orgId)}.json`;
    default:
      return `${write.kind}.json`;
  }
}

const topLevel: Record<string, Kind> = {
  'organization.json': 'organization',
  'customer.json': 'customer',
  customer: 'customer',
  'solution.json': 'solution',
  person: 'person',
  favorites: 'favorites',
  conversation: 'conversation',
  outbox: 'outbox',
  mark: 'mark',
  draft: 'draft',
  engagements: 'engagement',
  referrals: 'referral',
};

const perOrganization = new Set<Kind>(['customer', 'person', 'favorites', 'conversation', 'mark', 'draft']);
const layouts: { pattern: RegExp; open: boolean }[] = [
  { pattern: /^(?:active|pending)-(\d+)\.json$/, open: true },
  { pattern: /^(?:archive|done)-(\d+)\.json$/, open: false },
];

function describeFile(rel: string): Omit<DataFile, 'path' | 'low'> | undefined {
  const [top = '', second = '', third] = rel.split('/');
  const kind = topLevel[top];
  if (kind === 'referral' || (kind === 'outbox' && third !== undefined)) {
    const layout = layouts.find((l) => l.pattern.test(third ?? ''));
    // A file of an older layout may hold anything: lists read all of it.
    return { kind, orgId: decodeURIComponent(second), open: layout?.open, bucket: layout && Number(layout.pattern.exec(third!)![1]) };
  }
  if (kind && (perOrganization.has(kind) || kind === 'outbox')) return { kind, orgId: decodeURIComponent(second.replace(/\.json$/, '')) };
  return kind ? { kind } : undefined;
}

/** encodeURIComponent leaves dots alone; encode them too so no name can be '.' or '..'. */
const safeName = (s: string) => encodeURIComponent(s).replaceAll('.', '%2E');

/** FNV-1a of the id: the same bucket in every process and Node version. */
function bucketOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}

// ---------------------------------------------------------------------------------------------
// Validation.

const parsers = new Map<Kind, (json: unknown) => FileData>();
/** One schema per kind, shared by all its files: zod compiles a schema on first use, so thousands of copies cost seconds at load. */
function parseDataFile(kind: Kind): (json: unknown) => FileData {
  let parse = parsers.get(kind);
  if (!parse) {
    const schema = z
      .object({ records: z.record(z.string(), recordSchemas[kind]) })
      .refine((data) => Object.entries(data.records).every(([key, record]) => key === record.id), 'Every record must be stored under its own id.');
    parse = (json) => schema.parse(json) as FileData;
    parsers.set(kind, parse);
  }
  return parse;
}

const kindNames = Object.keys(recordSchemas) as [Kind, ...Kind[]];
const JournalFile = z.object({ writes: z.array(z.looseObject({ kind: z.enum(kindNames) })) });
const parseJournal = (json: unknown): Journal => ({ writes: checkWrites(JournalFile.parse(json).writes as Write[]) });

// ---------------------------------------------------------------------------------------------
// Durable files. lowdb's JSONFile renames a temp file but never fsyncs, so a power loss can
// leave an empty or old file behind an acknowledged write.

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, then syncs the parent of every directory it created so the new entries persist. */
async function makeDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const top = path.dirname(path.resolve(first));
  for (let created = dir; created !== top && created !== path.dirname(created); created = path.dirname(created)) {
    await syncDir(path.dirname(created));
  }
}

class DurableJsonFile<T> implements Adapter<T> {
  #dirReady = false;

  constructor(
    readonly file: string,
    private readonly parse: (json: unknown) => T,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      return this.parse(JSON.parse(text));
    } catch (e) {
      throw new Error(`Cannot load ${this.file}: ${describeError(e)}`, { cause: e });
    }
  }

  /** Write a temp file and fsync it, rename it over the file, fsync the directory. */
  async write(data: T): Promise<void> {
    const dir = path.dirname(this.file);
    if (!this.#dirReady) await makeDir(dir);
    this.#dirReady = true;
    const tmp = `${this.file}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    await syncDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Staging: the new content of every file a set of writes touches, computed without changing
// anything, so nothing is installed in memory until the files are on disk.

interface Staged {
  files: Map<DataFile, FileData>;
  /** `${kind}:${id}` -> the file the record is in after the writes (undefined: deleted). */
  placed: Map<string, DataFile | undefined>;
}

const keyOf = (kind: Kind, id: string) => `${kind}:${id}`;

function newDataFile(root: string, rel: string): DataFile {
  const described = describeFile(rel)!;
  const adapter = new DurableJsonFile(path.join(root, rel), parseDataFile(described.kind));
  return { path: rel, ...described, low: new Low<FileData>(adapter, { records: {} }) };
}

/** `holding` says which files currently hold a record; the writes apply in order. */
function stage(root: string, files: Map<string, DataFile>, writes: Write[], holding: (kind: Kind, id: string) => DataFile[]): Staged {
  const edits = new Map<DataFile, Map<string, AnyRecord>>();
  const created = new Map<string, DataFile>();
  const placed = new Map<string, DataFile | undefined>();
  const edit = (file: DataFile) => {
    let records = edits.get(file);
    if (!records) edits.set(file, (records = new Map(Object.entries(file.low.data.records))));
    return records;
  };
  for (const write of writes) {
    const id = 'put' in write ? write.put.id : write.delete;
    const key = keyOf(write.kind, id);
    const current = placed.has(key) ? [placed.get(key)] : holding(write.kind, id);
    for (const file of current) if (file) edit(file).delete(id);
    let target: DataFile | undefined;
    if ('put' in write) {
      const rel = recordFile(write);
      target = files.get(rel) ?? created.get(rel);
      if (!target) created.set(rel, (target = newDataFile(root, rel)));
      edit(target).set(id, write.put as AnyRecord); // parsed by checkWrites: the schema output
    }
    placed.set(key, target);
  }
  // Object.fromEntries defines keys, so an id such as "__proto__" stays a plain key.
  const staged = new Map([...edits].map(([file, records]) => [file, { records: Object.fromEntries(records) }]));
  return { files: staged, placed };
}

async function writeAll(staged: Map<DataFile, FileData>): Promise<void> {
  const results = await Promise.allSettled([...staged].map(([file, data]) => file.low.adapter.write(data)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function install(files: Map<string, DataFile>, staged: Map<DataFile, FileData>): void {
  for (const [file, data] of staged) {
    file.low.data = data;
    files.set(file.path, file);
  }
}

// ---------------------------------------------------------------------------------------------
// Opening: lock, load, finish an interrupted commit.

/** Data directories open in this process: the LOCK's pid cannot tell two stores of one process apart. */
const openDirs = new Set<string>();

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function takeLock(root: string): Promise<void> {
  const lock = path.join(root, LOCK);
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    if (pid !== process.pid && isAlive(pid)) {
      throw new StoreLockedError(
        `The data directory ${root} is in use by another Co-sell Bot process (pid ${pid}). Stop it or set DATA_DIR to another directory.`,
      );
    }
    // Its owner died (or was a previous run under our pid, as in a container): take it over.
    await rm(lock, { force: true });
  }
}

/** Files read at once while loading: reading the next ones overlaps parsing the last ones. */
const LOAD_CONCURRENCY = 16;

/** Loads every data file and deletes temp files left by interrupted writes (the files they replace are intact). */
async function loadFiles(root: string): Promise<Map<string, DataFile>> {
  const files = new Map<string, DataFile>();
  const pending: DataFile[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(root, full).split(path.sep).join('/');
    if (entry.name.endsWith('.tmp')) await rm(full);
    else if (entry.name.endsWith('.json') && describeFile(rel)) pending.push(newDataFile(root, rel));
  }
  for (let i = 0; i < pending.length; i += LOAD_CONCURRENCY) await Promise.all(pending.slice(i, i + LOAD_CONCURRENCY).map((file) => file.low.read()));
  // In directory order, as before: the map's order is the order lists come out in.
  for (const file of pending) files.set(file.path, file);
  return files;
}

/** A journal on disk means a multi-file commit was interrupted: it holds whole records, so applying it again is safe. */
async function recoverJournal(root: string, files: Map<string, DataFile>): Promise<void> {
  const journalPath = path.join(root, JOURNAL);
  const journal = await new DurableJsonFile(journalPath, parseJournal).read();
  if (!journal) return;
  // Scan rather than trust an index: the interruption may have left a record in two files.
  const holding = (kind: Kind, id: string) => [...files.values()].filter((f) => f.kind === kind && Object.hasOwn(f.low.data.records, id));
  const staged = stage(root, files, journal.writes, holding).files;
  await writeAll(staged);
  install(files, staged);
  await rm(journalPath);
  await syncDir(root);
}

function indexRecords(files: Map<string, DataFile>): Map<string, DataFile> {
  const where = new Map<string, DataFile>();
  for (const file of files.values()) {
    for (const id of Object.keys(file.low.data.records)) {
      const other = where.get(keyOf(file.kind, id));
      if (other) throw new Error(`The ${file.kind} ${id} is stored in both ${other.path} and ${file.path}.`);
      where.set(keyOf(file.kind, id), file);
    }
  }
  return where;
}

export async function openLowdbStore(dataDir: string): Promise<Store> {
  const root = path.resolve(dataDir);
  if (openDirs.has(root)) throw new StoreLockedError(`The data directory ${root} is already open in this process.`);
  openDirs.add(root);
  let locked = false;
  try {
    await makeDir(root);
    await takeLock(root);
    locked = true;
    const files = await loadFiles(root);
    await recoverJournal(root, files);
    return new LowdbStore(root, files);
  } catch (e) {
    if (locked) await rm(path.join(root, LOCK), { force: true });
    openDirs.delete(root);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The store.

/** A batch of commits made durable together: one journal and one fsync per file for all of them. */
interface Batch {
  writes: Write[];
  files: Set<DataFile>;
  done: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function newBatch(): Batch {
  const batch = { writes: [], files: new Set() } as unknown as Batch;
  batch.done = new Promise<void>((resolve, reject) => Object.assign(batch, { resolve, reject }));
  batch.done.catch(() => undefined); // each committer awaits it; this only keeps an unawaited one from ending the process
  return batch;
}

const EMPTY: FileData = { records: {} };

/**
 * Group commit: a commit changes memory at once and joins the batch being gathered; a batch is
 * written while the next one gathers, so 200 writers cost a few fsyncs, not 200. An exclusive
 * section ends at its commit, so the next one reads the change without waiting for the disk.
 * A batch that fails takes memory back to what the disk holds, failing the batches gathered
 * after it too, since their sections read what it changed.
 */
class LowdbStore implements Store {
  #sectionsTail: Promise<void> = Promise.resolve();
  readonly #journal: DurableJsonFile<Journal>;
  #closing: Promise<void> | undefined;
  #gathering: Batch | undefined;
  #writing: Batch | undefined;
  #flushing: Promise<void> | undefined;
  /** For each file memory has changed ahead of the disk, what the disk holds (null: the file is new). */
  readonly #onDisk = new Map<DataFile, FileData | null>();
  /** Files a failed write may have changed on disk: written back before the next write. */
  readonly #unsettled = new Set<DataFile>();
  #writeProblem: string | undefined;
  /** `${kind}:${id}` -> the file holding the record. */
  #where: Map<string, DataFile>;
  /** The files of each kind: a list of people need not walk the thousands of referral files. */
  readonly #byKind = new Map<Kind, Set<DataFile>>();
  readonly #listeners: ((writes: readonly Write[]) => void)[] = [];

  constructor(
    private readonly root: string,
    private readonly files: Map<string, DataFile>,
  ) {
    this.#journal = new DurableJsonFile(path.join(root, JOURNAL), parseJournal);
    this.#where = indexRecords(files);
    for (const file of files.values()) this.#index(file);
  }

  #index(file: DataFile): void {
    let files = this.#byKind.get(file.kind);
    if (!files) this.#byKind.set(file.kind, (files = new Set()));
    files.add(file);
  }

  async get<K extends Kind>(kind: K, id: string): Promise<Records[K] | undefined> {
    return this.#where.get(keyOf(kind, id))?.low.data.records[id] as Records[K] | undefined;
  }

  /** Kinds without an orgId ignore the organization. */
  async list<K extends Kind>(kind: K, orgId?: string, filter: ListFilter = {}): Promise<Records[K][]> {
    const out: AnyRecord[] = [];
    const bucket = filter.referralId === undefined || kind !== 'outbox' ? undefined : bucketOf(filter.referralId);
    for (const file of this.#byKind.get(kind) ?? []) {
      if (orgId !== undefined && file.orgId !== undefined && file.orgId !== orgId) continue;
      if ((filter.open && file.open === false) || (bucket !== undefined && file.bucket !== undefined && file.bucket !== bucket)) continue;
      for (const record of Object.values(file.low.data.records)) {
        if (orgId !== undefined && 'orgId' in record && record.orgId !== orgId) continue;
        if (matches(kind, record, filter)) out.push(record);
      }
    }
    return out as Records[K][];
  }

  async getMany<K extends Kind>(kind: K, ids: readonly string[]): Promise<Records[K][]> {
    const found: Records[K][] = [];
    for (const id of ids) {
      const record = await this.get(kind, id);
      if (record !== undefined) found.push(record);
    }
    return found;
  }

  async findReferrals(filter: ReferralFilter): Promise<ReferralSummary[]> {
    const referrals = await this.list('referral', filter.orgId, filter.archived === false ? { open: true } : {});
    // The records themselves are summaries enough: a list of 10,000 allocates no copies.
    return referrals.filter((r) => matchesReferral(r, filter));
  }

  /** One process per data directory: a job never runs twice at once here but by the caller's own overlap. */
  alone<T>(_job: string, fn: () => Promise<T>): Promise<T | undefined> {
    return fn();
  }

  /** Do not nest before the commit: a section that waits for another one never ends. */
  async exclusive<T>(fn: (commit: (writes: Write[]) => Promise<void>) => Promise<T>): Promise<T> {
    const before = this.#sectionsTail;
    let release!: () => void;
    this.#sectionsTail = new Promise<void>((resolve) => (release = resolve));
    await before;
    let durable: Promise<void> | undefined;
    const end = () => {
      if (durable) return;
      durable = this.settled();
      release();
    };
    let result: { value: T } | { error: unknown };
    try {
      result = {
        value: await fn((writes) => {
          // In memory by the time commit returns its promise: the next section may start.
          const done = this.commit(writes);
          end();
          return done;
        }),
      };
    } catch (error) {
      result = { error };
    }
    end();
    // What the section read or wrote is on disk before it answers: a refusal never rests on an undone change.
    await durable;
    if ('error' in result) throw result.error;
    return result.value;
  }

  async commit(writes: Write[]): Promise<void> {
    if (this.#closing) throw new Error('The store is closed.');
    const checked = checkWrites(writes);
    for (const w of checked) {
      if (!('put' in w) || w.ifVersion === undefined) continue;
      const stored = this.#where.get(keyOf(w.kind, w.put.id))?.low.data.records[w.put.id];
      // 0: must not exist yet, as in the PostgreSQL store, also for kinds whose records carry no version.
      if (w.ifVersion === 0 ? stored !== undefined : stored === undefined || versionOf(stored) !== w.ifVersion) throw new StaleWriteError(w.kind, w.put.id);
    }
    // From here to the end nothing awaits: the change is in memory, in this batch, in call order.
    const { files, placed } = stage(this.root, this.files, checked, (kind, id) => {
      const file = this.#where.get(keyOf(kind, id));
      return file ? [file] : [];
    });
    const batch = (this.#gathering ??= newBatch());
    for (const file of files.keys()) {
      if (!this.#onDisk.has(file)) this.#onDisk.set(file, this.files.get(file.path) === file ? file.low.data : null);
      batch.files.add(file);
    }
    batch.writes.push(...checked);
    install(this.files, files);
    for (const file of files.keys()) this.#index(file);
    for (const [key, file] of placed) {
      if (file) this.#where.set(key, file);
      else this.#where.delete(key);
    }
    this.#flushing ??= this.#flush();
    for (const listener of this.#listeners) listener(checked);
    return batch.done;
  }

  onCommit(listener: (writes: readonly Write[]) => void): void {
    this.#listeners.push(listener);
  }

  settled(): Promise<void> {
    return (this.#gathering ?? this.#writing)?.done ?? Promise.resolve();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#flushing) await this.#flushing;
      // A failed write's leftovers, undone if the disk lets us now: otherwise the next start replays its journal.
      await this.#settle().catch(() => undefined);
      await rm(path.join(this.root, LOCK), { force: true });
      openDirs.delete(this.root);
    })();
    return this.#closing;
  }

  /** Why writes are failing now, or undefined when the last one succeeded. */
  writeProblem(): string | undefined {
    return this.#writeProblem;
  }

  async #flush(): Promise<void> {
    for (;;) {
      // Requests already waiting on the event loop commit first and join this batch.
      await new Promise(setImmediate);
      const batch = this.#gathering;
      if (!batch) break;
      this.#gathering = undefined;
      this.#writing = batch;
      await this.#write(batch);
      this.#writing = undefined;
    }
    this.#flushing = undefined;
  }

  /** Never throws: the batch's committers get the outcome. */
  async #write(batch: Batch): Promise<void> {
    const files = new Map([...batch.files].map((file) => [file, file.low.data]));
    try {
      await this.#settle();
      if (files.size === 1) {
        await writeAll(files); // the rename alone makes one file all or none
      } else if (files.size > 1) {
        await this.#journal.write({ writes: batch.writes });
        await writeAll(files);
        await rm(this.#journal.file);
        // Otherwise a journal reappearing after a power loss could replay over later writes.
        await syncDir(this.root);
      }
    } catch (e) {
      return this.#fail(batch, e);
    }
    this.#writeProblem = undefined;
    for (const [file, data] of files) {
      if (file.low.data === data) this.#onDisk.delete(file);
      else this.#onDisk.set(file, data); // a later batch has changed it since
    }
    batch.resolve();
  }

  async #fail(batch: Batch, cause: unknown): Promise<void> {
    this.#writeProblem = describeError(cause);
    for (const file of batch.files) this.#unsettled.add(file);
    const after = this.#gathering;
    this.#gathering = undefined;
    for (const [file, data] of this.#onDisk) {
      file.low.data = data ?? EMPTY;
      if (!data) this.files.delete(file.path);
    }
    this.#onDisk.clear();
    this.#where = indexRecords(this.files);
    this.#byKind.clear();
    for (const file of this.files.values()) this.#index(file);
    // Undo on disk at once where it lets us, so a restart can't replay the journal of a write reported as failed.
    const undone = await this.#settle().then(
      () => true,
      () => false,
    );
    const outcome = undone ? 'nothing was changed' : 'it may not have been saved';
    const error = new Error(`The data folder could not be written (${this.#writeProblem}); ${outcome}. Try again once it can be.`, { cause });
    batch.reject(error);
    after?.reject(error);
  }

  /**
   * A failed write may have left some of its files (and the journal) on disk while memory went
   * back to the old content: before anything else is written, the disk gets that content back.
   */
  async #settle(): Promise<void> {
    if (this.#unsettled.size === 0) return;
    const files = [...this.#unsettled];
    await writeAll(new Map(files.map((file) => [file, this.#onDisk.has(file) ? (this.#onDisk.get(file) ?? EMPTY) : file.low.data])));
    await rm(this.#journal.file, { force: true });
    await syncDir(this.root);
    for (const file of files) this.#unsettled.delete(file);
  }
}
