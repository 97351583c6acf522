// Insights and the CSV export over 10,000 referrals of one organization (the bench fixture, on
// the embedded store). Targets from the issue: insights p50 at most 50 ms, an export of 10,000
// rows within 2 s. Run: npx tsx bench/insights.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { insightsCard } from '../cards/insights.js';
import { systemClock } from '../services/clock.js';
import { Directory } from '../services/directory.js';
import { Insights } from '../services/insights.js';
import { openLowdbStore } from '../services/lowdb-store.js';
import { buildReferralExport } from '../services/referral-csv.js';
import { admin, fill, MICROSOFT_TENANT_ID, ORG_ID } from './fixture.js';

const REFERRALS = 10_000;
const RUNS = 40;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dir = await mkdtemp(path.join(tmpdir(), 'insights-bench-'));
try {
  const filled = await fill(dir, REFERRALS, 300, Date.now());
  await filled.store.close();
  const store = await openLowdbStore(dir);
  const directory = new Directory(store, MICROSOFT_TENANT_ID);
  const insights = new Insights(store, directory, systemClock);
  const person = (await directory.person(ORG_ID, admin.aadObjectId))!;

  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const figures = await insights.figures(person, i % 2 === 0 ? 'org' : 'me');
    insightsCard(figures, { orgName: 'Bench', personName: person.name });
    times.push(performance.now() - started);
  }
  // The first runs warm the JIT: the median of the rest.
  const warm = times.slice(5).sort((a, b) => a - b);
  const exportTimes: number[] = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    rows = (await buildReferralExport({ store, directory }, ORG_ID, 'all')).rows;
    exportTimes.push(performance.now() - started);
  }
  await store.close();
  const insightsP50 = percentile(warm, 50);
  const exportMs = Math.max(...exportTimes.slice(1));
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(`insights (figures + card) over ${REFERRALS} referrals: p50 ${insightsP50.toFixed(1)} ms, p99 ${percentile(warm, 99).toFixed(1)} ms (target p50 <= 50 ms: ${verdict(insightsP50 <= 50)})`);
  console.log(`CSV export of ${rows} rows (read, build, BOM, whole file): ${exportMs.toFixed(0)} ms (target <= 2000 ms: ${verdict(exportMs <= 2000)})`);
  if (insightsP50 > 50 || exportMs > 2000) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
