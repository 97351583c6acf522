// The PostgreSQL store at the issue's scale: 1,000,000 referrals across 1,000 organizations.
//   1. seed: schemas bench_10k, bench_100k and bench_1m (10, 100 and 1,000 referrals per
//      organization), each referral one of a two-organization deal (an Outgoing one and the
//      invited organization's Incoming one, with their engagement), written through store.commit so
//      the rows are exactly the store's. A comment on the schema marks a finished seed: later runs
//      reuse it (--reseed seeds again). Every organization has an admin and a seller.
//   2. measure: for each size, a fresh process (seeding's heap is not counted) with a
//      LifecycleService on the store runs the same requests: lifecycle.addNote (an acknowledged,
//      versioned change), a raw store.exclusive get + commit with ifVersion, the inbound list, find
//      and expiringWithin, for random organizations; then its RSS (after a full GC) and peak RSS.
//   3. the issue's targets, absolute, at 1,000,000: write p99 ≤ 10 ms, inbound list p99 ≤ 20 ms,
//      RSS flat (peak RSS at 1M within 10% of the 10k one). Exit 1 on a miss.
// No PostgreSQL: a SKIPPED line, exit 0. Database: BENCH_DATABASE_URL, default the local `test`.
// Run: npm run bench, or npx tsx bench/postgres.ts [--reseed] [--explain]
//   --explain  prints EXPLAIN (ANALYZE, BUFFERS) of the list, find and expiring queries at 1M.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DAY_MS, ManualClock } from '../services/clock.js';
import { Directory, type Caller } from '../services/directory.js';
import { msg, type Msg } from '../services/i18n.js';
import { LifecycleService } from '../services/lifecycle.js';
import { statusOf, type Contact, type Engagement, type Referral, type Stage } from '../services/model.js';
import { openPgStore, type PgStore } from '../services/pg-store.js';
import type { Write } from '../services/store.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORGS = 1_000;
const SIZES = [
  { schema: 'bench_10k', perOrg: 10 },
  { schema: 'bench_100k', perOrg: 100 },
  { schema: 'bench_1m', perOrg: 1_000 },
] as const;
/** Bump when the generated data changes: a seed of another version is seeded again. */
const SEED_VERSION = 1;
/** The bench's clock: seeded dates are relative to it, so Received referrals have not lapsed in any run. */
const NOW = new Date('2026-06-01T09:00:00.000Z');
const MICROSOFT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const WARMUP = 50;
const WRITES = 500;
const LISTS = 500;
const SEARCHES = 200;
const BATCH = 2_000;
const TARGET = { writeP99: 10, listP99: 20, rssGrowth: 1.1 };

const orgId = (i: number) => `b0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const seller = (i: number): Caller => ({ tenantId: orgId(i), userId: 'u-sam' });
const sellerContact = (i: number): Contact => ({ firstName: 'Sam', lastName: 'Seller', phoneNumber: '+1 425 555 0100', email: `sam@org${i}.example` });

// ---------------------------------------------------------------------------------------------
// Data: varied names, so that a text search matches a few deals, not all of them.

const CUSTOMERS = ['Contoso', 'Fabrikam', 'Litware', 'Woodgrove', 'Northwind', 'Adventure Works', 'Tailspin', 'Wingtip', 'Alpine Ski House', 'Relecloud', 'Proseware', 'Lamna', 'Fourth Coffee', 'Humongous Insurance', 'Lucerne Publishing', 'Trey Research', 'VanArsdel', 'Wide World Importers', 'Coho Winery', 'Blue Yonder Airlines', 'City Power & Light', 'Consolidated Messenger', 'Southridge Video', 'Bellows College', 'Datum', 'First Up Consultants', 'Nod Publishers', 'Tailwind Traders', 'Margie Travel', 'Graphic Design Institute'];
const SUFFIXES = ['Inc.', 'Ltd', 'GmbH', 'S.A.', 'Group', 'Holdings', 'Health', 'Retail', 'Energy', 'Logistics'];
const WORKLOADS = ['data platform modernization', 'SAP on Azure migration', 'security operations', 'Copilot rollout', 'contact center', 'supply chain analytics', 'landing zone', 'virtual desktops', 'data warehouse', 'ERP upgrade', 'identity modernization', 'backup and recovery'];
const CITIES: [string, string][] = [['Seattle', 'US'], ['Madrid', 'ES'], ['Sydney', 'AU'], ['Zurich', 'CH'], ['Paris', 'FR'], ['Toronto', 'CA'], ['Munich', 'DE'], ['Tokyo', 'JP'], ['Austin', 'US'], ['Dublin', 'IE']];
/** What find looks for: a customer (~1 deal in 30), a workload (~1 in 12), a CRM id prefix (rare). */
const FIND_TEXTS = ['woodgrove', 'coho winery', 'landing zone', 'copilot', 'crm-1234', 'crm-90'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const iso = (ms: number) => new Date(ms).toISOString();
/** A time up to `days` before NOW. */
const daysAgo = (days: number) => NOW.getTime() - Math.random() * days * DAY_MS;

function entry(at: number, by: number, action: Msg, changes: Record<string, { from: unknown; to: unknown }> = {}) {
  return { at: iso(at), byOrgId: orgId(by), byUserId: 'u-sam', byName: 'Sam Seller', action, changes };
}

/**
 * One deal: organization `a`'s Outgoing referral (created by its seller, as createDeal does) and
 * organization `b`'s Incoming one (as an invitation arrives). ~80% of each are open.
 */
function deal(a: number, b: number): Write[] {
  const customer = `${pick(CUSTOMERS)} ${pick(SUFFIXES)}`;
  const [city, country] = pick(CITIES);
  const r = Math.random();
  // Received ones arrived within the 14 days they have to answer; the others any time this half-year.
  const inStage: Stage = r < 0.35 ? 'Received' : r < 0.8 ? 'Accepted' : pick(['Declined', 'Expired', 'Won', 'Lost'] as const);
  const created = inStage === 'Received' ? daysAgo(13.5) : daysAgo(180);
  const updated = created + Math.random() * (NOW.getTime() - created);
  const outStage: Stage = Math.random() < 0.8 ? 'Accepted' : pick(['Won', 'Lost'] as const);
  const engagementId = randomUUID();
  const base = {
    engagementId,
    name: `${customer.split(' ')[0]} ${pick(WORKLOADS)}`,
    customerProfile: {
      name: customer,
      address: { addressLine1: `${1 + Math.floor(Math.random() * 999)} Main Street`, addressLine2: '', city, state: '', postalCode: '10001', country },
      team: [{ firstName: 'Jon', lastName: 'Doe', phoneNumber: '+1 425 555 0199', email: 'jon@customer.example' }],
    },
    consent: { consentToShareInfoWithOthers: true, consentToContact: true, consentToShareReferralWithMicrosoftSellers: false },
    salesStage: pick(['Qualify', 'Develop', 'Propose', 'Close'] as const),
    customerMarketplaceIntent: 'HaveNotDecided' as const,
    details: { dealValue: 10_000 + Math.floor(Math.random() * 990_000), currency: 'USD', closingDateTime: iso(NOW.getTime() + (30 + Math.random() * 300) * DAY_MS), assistanceRequestCode: 'None' as const },
    solutionIds: [pick(['sol-ms-azure', 'sol-ms-d365']), pick(['sol-fab-migrate', 'sol-nw-insights', 'sol-ts-landing'])],
    statusReason: '',
    partnerCenterId: '',
    senderUpdatedDateTime: '',
    createdDateTime: iso(created),
  };
  const note = (by: number) => ({ at: iso(updated), byOrgId: orgId(by), byName: 'Sam Seller', text: 'Customer wants a proof of concept before the end of the quarter.', visibility: 'shared' as const });
  const closedBy = (stage: Stage, by: number) => (statusOf[stage] === 'Closed' ? [entry(updated, by, msg(`rules.history.${stage === 'Won' ? 'won' : stage === 'Lost' ? 'lost' : stage === 'Declined' ? 'declined' : 'expired'}`), { substatus: { from: 'Accepted', to: stage } })] : []);
  const outgoing: Referral = {
    ...base,
    id: randomUUID(),
    orgId: orgId(a),
    direction: 'Outgoing',
    status: statusOf[outStage],
    substatus: outStage,
    team: [sellerContact(a)],
    notes: [note(a)],
    externalReferenceId: Math.random() < 0.6 ? `CRM-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}` : '',
    campaignId: '',
    updatedDateTime: iso(updated),
    version: 3 + closedBy(outStage, a).length,
    history: [entry(created, a, msg('rules.history.created')), entry(created, a, msg('rules.history.edited'), { 'details.dealValue': { from: 5000, to: base.details.dealValue } }), entry(updated, a, msg('rules.history.note')), ...closedBy(outStage, a)],
  };
  const answered = inStage !== 'Received';
  const incoming: Referral = {
    ...base,
    id: randomUUID(),
    orgId: orgId(b),
    direction: 'Incoming',
    status: statusOf[inStage],
    substatus: inStage,
    // Its own people once it accepted (its seller among them); none while it has not answered.
    team: answered && inStage !== 'Declined' && inStage !== 'Expired' ? [sellerContact(b)] : [],
    notes: answered ? [note(b)] : [],
    externalReferenceId: '',
    campaignId: '',
    inviteContext: { invitedBy: { organizationId: orgId(a), organizationName: `Partner ${a}`, userName: 'Sam Seller' }, notes: 'Can you run the migration?', contacts: [sellerContact(a)], invitedDateTime: iso(created) },
    expirationDateTime: iso(created + 14 * DAY_MS),
    updatedDateTime: iso(answered ? updated : created),
    version: answered ? 3 : 1,
    history: [
      entry(created, a, msg('rules.history.received')),
      ...(answered ? [entry(updated, b, msg(inStage === 'Declined' ? 'rules.history.declined' : inStage === 'Expired' ? 'rules.history.expired' : 'rules.history.accepted'), { substatus: { from: 'Received', to: inStage } }), entry(updated, b, msg('rules.history.note'))] : []),
    ],
  };
  const engagement: Engagement = { id: engagementId, createdByOrgId: orgId(a), createdDateTime: iso(created), participants: [{ orgId: orgId(a), referralId: outgoing.id }, { orgId: orgId(b), referralId: incoming.id }] };
  return [{ kind: 'engagement', put: engagement }, { kind: 'referral', put: outgoing }, { kind: 'referral', put: incoming }];
}

// ---------------------------------------------------------------------------------------------
// Seeding, kept between runs.

const marker = (perOrg: number) => `co-sell bench seed v${SEED_VERSION}: ${ORGS * perOrg} referrals`;

/** Whether the schema holds a finished seed of this version and size; its comment then, which says how long it took. */
async function seeded(admin: pg.Client, schema: string, perOrg: number): Promise<string | undefined> {
  const { rows } = await admin.query<{ note: string | null }>("SELECT obj_description(oid, 'pg_namespace') AS note FROM pg_namespace WHERE nspname = $1", [schema]);
  const note = rows[0]?.note;
  if (!note?.startsWith(`${marker(perOrg)},`)) return undefined;
  const count = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.records WHERE kind = 'referral'`);
  return Number(count.rows[0]?.n) === ORGS * perOrg ? note : undefined;
}

async function seed(admin: pg.Client, schema: string, perOrg: number): Promise<number> {
  const started = performance.now();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const store = await openPgStore(DATABASE_URL, { schema });
  try {
    // People as the bot registers them: the demo directory (Microsoft, solutions), then each organization's admin and seller.
    const directory = new Directory(store, MICROSOFT);
    await directory.seedIfEmpty();
    for (let i = 0; i < ORGS; i++) {
      await directory.ensureOrganization(orgId(i), `Partner ${i}`);
      await directory.ensurePerson({ tenantId: orgId(i), userId: 'u-ana' }, { name: 'Ana Admin', email: `ana@org${i}.example` });
      await directory.ensurePerson(seller(i), { name: 'Sam Seller', email: sellerContact(i).email });
    }
    // Round p: every organization a starts a deal with organization a+1+p, so each gets one
    // Outgoing and one Incoming referral per round, and every organization grows at once.
    let batch: Write[] = [];
    let pending: Promise<void> = Promise.resolve();
    for (let p = 0; p < perOrg / 2; p++) {
      for (let a = 0; a < ORGS; a++) {
        batch.push(...deal(a, (a + 1 + p) % ORGS));
        if (batch.length >= BATCH) {
          // The next batch is built while this one is written.
          await pending;
          pending = store.commit(batch);
          batch = [];
        }
      }
      if (p % 50 === 49) console.error(`  ${schema}: ${((p + 1) * 2 * ORGS).toLocaleString('en-US')} referrals, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await pending;
    if (batch.length > 0) await store.commit(batch);
    // Statistics for the planner, and the visibility map and hint bits a table in use has from
    // autovacuum (which may be off on a test server): without them every read writes and checks the heap.
    await store.pool.query('VACUUM (ANALYZE) records');
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await admin.query(`COMMENT ON SCHEMA ${schema} IS '${marker(perOrg)}, seeded in ${seconds.toFixed(0)} s on ${new Date().toISOString().slice(0, 10)}'`);
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Measuring, in a child process per size.

interface Figures {
  commit: number[];
  write: number[];
  raw: number[];
  list: number[];
  find: number[];
  expiring: number[];
  rssMb: number;
  peakMb: number;
  heapMb: number;
}

/** Referrals a change can be made to (Accepted), spread over the table, with the version to make it from. */
async function targets(store: PgStore, perOrg: number, n: number): Promise<{ id: string; org: number; version: number }[]> {
  // ~60% of referrals are Accepted; sample pages for about three times what is needed.
  const percent = Math.min(100, (300 * n) / (0.6 * ORGS * perOrg));
  const { rows } = await store.pool.query<{ id: string; org_id: string; version: number }>(
    "SELECT id, org_id, version FROM records TABLESAMPLE SYSTEM ($1) WHERE kind = 'referral' AND substatus = 'Accepted'",
    [percent],
  );
  const shuffled = rows.map((r) => ({ r, k: Math.random() })).sort((x, y) => x.k - y.k).map(({ r }) => ({ id: r.id, org: parseInt(r.org_id.slice(-12), 16), version: r.version }));
  if (shuffled.length < n) throw new Error(`only ${shuffled.length} Accepted referrals sampled, ${n} needed`);
  return shuffled.slice(0, n);
}

async function measure(schema: string, perOrg: number): Promise<Figures> {
  const store = await openPgStore(DATABASE_URL, { schema });
  const directory = new Directory(store, MICROSOFT);
  const lifecycle = new LifecycleService(store, directory, new ManualClock(NOW));
  const org = () => Math.floor(Math.random() * ORGS);
  // About 40% of an organization's referrals are inbound and open.
  const page = () => Math.floor(Math.random() * Math.max(1, (perOrg * 0.4) / 10));
  const writes = await targets(store, perOrg, 2 * (WARMUP + WRITES));
  const time = async (n: number, fn: (i: number) => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      await fn(i);
      times.push(performance.now() - started);
    }
    return times;
  };
  const ops = {
    // The least a durable write costs here: a transaction with an id, so its COMMIT waits for the WAL on disk.
    commit: () => store.pool.query('BEGIN; SELECT txid_current(); COMMIT'),
    write: (i: number) => {
      const t = writes[i]!;
      return lifecycle.addNote(seller(t.org), t.id, t.version, { text: `Bench note ${i}: customer call went well.` });
    },
    raw: (i: number) => {
      const t = writes[WARMUP + WRITES + i]!;
      return store.exclusive(async (commit) => {
        const current = (await store.get('referral', t.id))!;
        await commit([{ kind: 'referral', put: { ...current, version: current.version + 1, updatedDateTime: NOW.toISOString() }, ifVersion: current.version }]);
      });
    },
    list: () => lifecycle.list(seller(org()), 'inbound', page()),
    find: () => lifecycle.find(seller(org()), pick(FIND_TEXTS)),
    expiring: () => lifecycle.expiringWithin(seller(org()), 3),
  };
  // Warm-up: the same requests, untimed. Targets never repeat: addNote takes 0-549 (timed 0-499),
  // the raw write 550-1099 (timed 550-1049).
  for (const [name, op] of Object.entries(ops)) await time(WARMUP, name === 'write' || name === 'raw' ? (i) => op(WRITES + i) : op);
  const figures = {
    commit: await time(WRITES, ops.commit),
    write: await time(WRITES, ops.write),
    raw: await time(WRITES, ops.raw),
    list: await time(LISTS, ops.list),
    find: await time(SEARCHES, ops.find),
    expiring: await time(SEARCHES, ops.expiring),
  };
  await store.close();
  (globalThis as { gc?: () => void }).gc?.();
  const status = readFileSync('/proc/self/status', 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  return { ...figures, rssMb: mb('VmRSS'), peakMb: mb('VmHWM'), heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

/** Runs measure() in a fresh process: its RSS is the bot's services on that data, nothing else. */
function measureInChild(schema: string, perOrg: number): Promise<Figures> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', schema, String(perOrg)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      process.off('exit', kill);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Figures);
      else reject(new Error(`measuring ${schema} failed (exit ${code})`));
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN of the queries findReferrals sends, caught on their way to the pool (no copy of the SQL here).

async function explain(schema: string): Promise<void> {
  const store = await openPgStore(DATABASE_URL, { schema });
  const query = store.pool.query.bind(store.pool) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
  const org = orgId(Math.floor(Math.random() * ORGS));
  const cases = {
    'inbound list': { orgId: org, direction: 'Incoming' as const, archived: false },
    'find "woodgrove"': { orgId: org, text: 'woodgrove' },
    'expiring within 3 days': { orgId: org, archived: false, substatus: 'Received' as const, expiresBy: iso(NOW.getTime() + 3 * DAY_MS) },
  };
  for (const [name, filter] of Object.entries(cases)) {
    let sent: { text: string; values?: unknown[] } | undefined;
    // Caught, not run: the plan is of a first read of that organization's rows, as the bench's requests make.
    (store.pool as { query: unknown }).query = (text: string, values?: unknown[]) => ((sent = { text, values }), Promise.resolve({ rows: [] }));
    await store.findReferrals(filter);
    (store.pool as { query: unknown }).query = query;
    const plan = await query(`EXPLAIN (ANALYZE, BUFFERS) ${sent!.text}`, sent!.values);
    console.log(`\n${name}: ${sent!.text}\n${plan.rows.map((r: Record<string, string>) => `  ${r['QUERY PLAN']}`).join('\n')}`);
  }
  await store.close();
}

// ---------------------------------------------------------------------------------------------

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const p = (times: number[], q: number) => percentile([...times].sort((a, b) => a - b), q);
const ms = (x: number) => x.toFixed(1);
const n = (x: number) => x.toLocaleString('en-US');

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (e) {
    console.log(`\n!!! SKIPPED bench/postgres.ts: PostgreSQL at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} cannot be reached (${(e as Error).message}). Set BENCH_DATABASE_URL to run it.\n`);
    return;
  }
  try {
    for (const { schema, perOrg } of SIZES) {
      const note = process.argv.includes('--reseed') ? undefined : await seeded(admin, schema, perOrg);
      if (note) console.log(`${schema}: reusing the seed (${note})`);
      else console.log(`${schema}: seeded ${n(ORGS * perOrg)} referrals in ${(await seed(admin, schema, perOrg)).toFixed(0)} s`);
    }
  } finally {
    await admin.end();
  }

  const results: Figures[] = [];
  for (const { schema, perOrg } of SIZES) {
    console.error(`measuring ${schema}…`);
    results.push(await measureInChild(schema, perOrg));
  }

  const rows = [['referrals', 'commit p50/p99', 'addNote p50/p99', 'raw write p50/p99', 'inbound p50/p99', 'find p50/p99', 'expiring p50/p99', 'RSS MB', 'peak RSS MB', 'live heap MB']];
  SIZES.forEach(({ perOrg }, i) => {
    const f = results[i]!;
    const pair = (times: number[]) => `${ms(p(times, 50))} / ${ms(p(times, 99))}`;
    rows.push([n(ORGS * perOrg), pair(f.commit), pair(f.write), pair(f.raw), pair(f.list), pair(f.find), pair(f.expiring), f.rssMb.toFixed(0), f.peakMb.toFixed(0), f.heapMb.toFixed(0)]);
  });
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  console.log();
  for (const row of rows) console.log(row.map((cell, col) => cell.padStart(widths[col]!)).join('  '));
  console.log(`\n${ORGS} organizations; ms per call, ${WRITES} writes, ${LISTS} lists, ${SEARCHES} finds and expiring lists per size, random organizations, after ${WARMUP} of each untimed.`);
  console.log(`commit: an empty durable transaction (BEGIN; SELECT txid_current(); COMMIT), the floor of any acknowledged write on this machine.`);
  console.log(`addNote: lifecycle.addNote by the organization's seller (versioned change, answered with the deal's view); raw write: store.exclusive get + commit with ifVersion.`);
  console.log(`RSS: each size in a fresh process, after its requests and a full GC; peak: the process's highest. Load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);

  const small = results[0]!;
  const big = results.at(-1)!;
  const verdicts = [
    [`acknowledged single-referral write p99 ≤ ${TARGET.writeP99} ms (addNote, 1M)`, `${ms(p(big.write, 99))} ms`, p(big.write, 99) <= TARGET.writeP99],
    [`inbound list p99 ≤ ${TARGET.listP99} ms (1M)`, `${ms(p(big.list, 99))} ms`, p(big.list, 99) <= TARGET.listP99],
    [`RSS flat: peak RSS at 1M ≤ ${TARGET.rssGrowth}× the 10k one`, `${small.peakMb.toFixed(0)} → ${big.peakMb.toFixed(0)} MB`, big.peakMb <= small.peakMb * TARGET.rssGrowth],
  ] as const;
  console.log('\nIssue targets (absolute):');
  for (const [what, value, ok] of verdicts) console.log(`  ${ok ? 'PASS' : 'MISS'}  ${what}: ${value}`);
  if (verdicts.some(([, , ok]) => !ok)) {
    process.exitCode = 1;
    if (!process.argv.includes('--explain')) console.log('  (npx tsx bench/postgres.ts --explain prints the query plans at 1M)');
  }

  if (process.argv.includes('--explain')) await explain(SIZES.at(-1)!.schema);
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure(process.argv[3]!, Number(process.argv[4]))));
} else {
  await main();
}
