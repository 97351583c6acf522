// Write latency of the lowdb store with one large organization: fills a fresh data directory
// with N referrals (80% active, 20% archived), reopens it, then times 300 acknowledged
// single-referral updates. Run: npx tsx bench/store-write.ts
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLowdbStore, recordFile } from '../services/lowdb-store.js';
import { stages, type Referral, type Stage } from '../services/model.js';
import type { Write } from '../services/store.js';
import { makeReferral, nextVersion } from '../test/helpers/records.js';

const SIZES = [1_000, 10_000, 100_000];
const WRITES = 300;
const openStages: Stage[] = ['Received', 'Accepted'];
const closedStages = stages.filter((s) => !openStages.includes(s));

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** A referral with a few months of activity: some history and a note. */
function realisticReferral(orgId: string, substatus: Stage): Referral {
  const referral = makeReferral({ orgId, substatus });
  const [created] = referral.history;
  const history = ['Accepted', 'Updated', 'Updated', substatus].map((action) => ({ ...created!, action, changes: { substatus: { from: 'Received', to: substatus } } }));
  const note = { at: referral.createdDateTime, byOrgId: orgId, byName: 'Ana Silva', text: 'Customer wants a proof of concept before the end of the quarter.', visibility: 'shared' as const };
  return { ...referral, history: [created!, ...history], notes: [note] };
}

/** Bulk fill: one commit per file, so each file is written once and no journal is needed. */
async function fill(dir: string, orgId: string, n: number): Promise<void> {
  const byFile = new Map<string, Write[]>();
  for (let i = 0; i < n; i++) {
    const write: Write = { kind: 'referral', put: realisticReferral(orgId, i % 5 === 0 ? pick(closedStages) : pick(openStages)) };
    const file = recordFile(write);
    byFile.set(file, [...(byFile.get(file) ?? []), write]);
  }
  const store = await openLowdbStore(dir);
  for (const writes of byFile.values()) await store.commit(writes);
  await store.close();
}

async function countFiles(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const rows: string[][] = [['N', 'files', 'load ms', 'write p50 ms', 'p99 ms', 'max ms']];
for (const n of SIZES) {
  const dir = await mkdtemp(path.join(tmpdir(), 'store-bench-'));
  try {
    const orgId = randomUUID();
    await fill(dir, orgId, n);

    let started = performance.now();
    const store = await openLowdbStore(dir);
    const loadMs = performance.now() - started;

    const active = (await store.list('referral', orgId)).filter((r) => openStages.includes(r.substatus));
    const times: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const index = Math.floor(Math.random() * active.length);
      const updated = nextVersion(active[index]!);
      started = performance.now();
      await store.commit([{ kind: 'referral', put: updated }]);
      times.push(performance.now() - started);
      active[index] = updated;
    }
    await store.close();

    times.sort((a, b) => a - b);
    const ms = (x: number) => x.toFixed(1);
    rows.push([String(n), String(await countFiles(dir)), ms(loadMs), ms(percentile(times, 50)), ms(percentile(times, 99)), ms(times.at(-1)!)]);
    console.error(`done N=${n}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
for (const row of rows) console.log(row.map((cell, col) => cell.padStart(widths[col]!)).join('  '));
console.log(`\n${WRITES} acknowledged single-referral updates per N, one organization, 80% active / 20% archived.`);
