// Card and card-action latency of Co-sell Bot, as ratios to a bare botbuilder echo bot measured in
// the same run (the machines are shared and noisy: absolute figures drift, ratios much less).
//   1. dealCard() rendering of an inbound referral, plain and with the accept form (in this process);
//   2. the one-click accept (adaptiveCard/action invoke) against the echo bot's invoke, alternating;
//   3. the searchDeals message extension returning 25 deals, alternating with echo invokes;
//   4. load: 200 people each saying `inbound`, opening a deal and accepting it: at work (arriving
//      over 10 s, 1-3 s between steps), then all at once, beside the echo bot given the same burst;
//   5. memory (RSS, heap) of both bots, each in its own process.
// Co-sell Bot runs on a data directory of 10,000 referrals in one organization. Everything stays on
// 127.0.0.1; the Bot Connector the bot calls back is a stub in this process.
// Run: npm run bench (after store-write), or npx tsx bench/cards.ts [--profile]
//   --profile  afterwards profiles extra accepts and searches (CPU profile + timing spans) and
//              prints where their time goes; BENCH_PROFILE_DIR=dir also saves the .cpuprofile files.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { dealCard } from '../cards/deal.js';
import { systemClock } from '../services/clock.js';
import { Directory } from '../services/directory.js';
import { LifecycleService, type ReferralView } from '../services/lifecycle.js';
import { invokeAction, message, postActivity, setServiceUrl, type TeamsUser } from '../test/helpers/teams.js';
import { cleanUpOnExit, startChild, type Child } from './child-ipc.js';
import { acceptForm, admin, fill, loadUsers, MICROSOFT_TENANT_ID, ORG_ID, SEARCH_TEXT } from './fixture.js';
import { summarizeProfile, type CpuProfile } from './profile.js';

const NOW = Date.now();

const ACCEPT_FORM = acceptForm(NOW);

const REFERRALS = 10_000;
const RECEIVED = 700;
/** The load phase's people at work: arrivals spread over this many seconds, and a pause of this many between steps. */
const PACED_ARRIVAL_S = 10;
const PACED_THINK_S = [1, 3] as const;
const RENDERS = 500;
const WARMUP = 30;
const ACCEPTS = 200;
const SEARCH_WARMUP = 5;
const SEARCHES = 40;
const PROFILE = process.argv.includes('--profile');
const PROFILE_ACCEPTS = 40;
const PROFILE_SEARCHES = 8;
const SEARCH_COUNT = 25;
const CARD = 'application/vnd.microsoft.card.adaptive';

if (WARMUP + ACCEPTS + 2 * loadUsers.length + (PROFILE ? PROFILE_ACCEPTS : 0) >= RECEIVED) throw new Error('not enough Received referrals: one accept each, plus one left to render');

// ---------------------------------------------------------------------------------------------
// Clean-up that also runs when the run fails or is interrupted.

const { children, dirs } = cleanUpOnExit();

// ---------------------------------------------------------------------------------------------
// Measuring.

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
interface Figures {
  n: number;
  p50: number;
  p99: number;
}
const figures = (times: number[]): Figures => {
  const sorted = [...times].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/** Failed requests are counted and left out of the timings; the first answer of each kind is printed. */
const failures = new Map<string, { count: number; first: string }>();
function failed(what: string, detail: unknown): void {
  const entry = failures.get(what);
  if (entry) entry.count++;
  else {
    const first = JSON.stringify(detail).slice(0, 2000);
    failures.set(what, { count: 1, first });
    console.error(`! ${what} failed (printed once): ${first}`);
  }
}

async function time(fn: () => Promise<boolean>, into: number[]): Promise<void> {
  const started = performance.now();
  const ok = await fn();
  const ms = performance.now() - started;
  if (ok) into.push(ms);
}

/** Every text a card shows, for checking what the user would read. */
function texts(card: unknown): string {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (typeof v === 'string' && (k === 'text' || k === 'title' || k === 'value')) out.push(v);
        else walk(v);
      }
    }
  };
  walk(card);
  return out.join('\n');
}

interface InvokeBody {
  statusCode?: number;
  type?: string;
  value?: unknown;
}

// ---------------------------------------------------------------------------------------------
// 1. Rendering, in this process.

type CardOptions = Parameters<typeof dealCard>[1];
/** The bench's one use of the cards API: when dealCard's options change, this is the line to fix. */
function renderDeal(view: ReferralView, form?: string): unknown {
  return dealCard(view, { now: new Date(NOW), ...(form ? { form } : {}) } as CardOptions);
}

function renderBench(view: ReferralView): { plain: number[]; accept: number[]; acceptError?: string; bytes: string } {
  const plain: number[] = [];
  const accept: number[] = [];
  let acceptError: string | undefined;
  // Once, outside the timings: card sizes (Teams refuses cards over about 40 KB), and proof that
  // the form option still changes the card.
  const size = (form?: string) => {
    try {
      return `${(JSON.stringify(renderDeal(view, form)).length / 1024).toFixed(1)} KB`;
    } catch {
      return 'n/a';
    }
  };
  const bytes = `plain ${size()}, with the accept form ${size('accept')}`;
  const once = (form: string | undefined, into: number[]) => {
    const started = performance.now();
    const card = renderDeal(view, form) as { type?: unknown } | undefined;
    const ms = performance.now() - started;
    if (card?.type === 'AdaptiveCard') into.push(ms);
    else failed(`render${form ? ` (${form} form)` : ''}`, card);
  };
  for (let i = 0; i < WARMUP + RENDERS; i++) {
    const warm = i < WARMUP;
    // Alternate plain and accept-form renders, so that drift in the machine's load hits both.
    once(undefined, warm ? [] : plain);
    if (acceptError !== undefined) continue;
    try {
      once('accept', warm ? [] : accept);
    } catch (e) {
      acceptError = e instanceof Error ? e.message : String(e);
    }
  }
  return { plain, accept, acceptError, bytes };
}

// ---------------------------------------------------------------------------------------------
// The Bot Connector stub: the bot's updateActivity (PUT) and roster GETs land here.

async function startConnector(): Promise<{ url: string; requests: Map<string, number>; close(): Promise<void> }> {
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = req.method ?? '?';
      requests.set(key, (requests.get(key) ?? 0) + 1);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"id":"x"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The requests.

function echoOnce(echo: Child): Promise<boolean> {
  return postActivity(echo.url, invokeAction(admin, 'echo', { n: 1 })).then((res) => {
    const body = res.body as InvokeBody | undefined;
    const ok = res.status === 200 && body?.statusCode === 200 && body.type === CARD;
    if (!ok) failed('echo invoke', res);
    return ok;
  });
}

function acceptOnce(bot: Child, referralId: string, user: TeamsUser = admin): Promise<boolean> {
  // replyToId set: the bot also replaces the card message for everyone (a PUT to the connector).
  const activity = invokeAction(user, 'accept', { referralId, version: 1, ...ACCEPT_FORM }, { replyToId: `msg-${referralId}` });
  return postActivity(bot.url, activity).then((res) => {
    const body = res.body as InvokeBody | undefined;
    const ok = res.status === 200 && body?.statusCode === 200 && body.type === CARD && texts(body.value).includes('Accepted');
    if (!ok) failed('accept invoke', res.status === 200 && body?.type === CARD ? { status: res.status, cardText: texts(body.value) } : res);
    return ok;
  });
}

/** `inbound` typed in the chat: the bot answers with the list card, posted to the connector. */
function inboundOnce(bot: Child, user: TeamsUser): Promise<boolean> {
  return postActivity(bot.url, message(user, 'inbound')).then((res) => {
    const ok = res.status === 200 || res.status === 202;
    if (!ok) failed('inbound message', res);
    return ok;
  });
}

function openOnce(bot: Child, user: TeamsUser, referralId: string): Promise<boolean> {
  return postActivity(bot.url, invokeAction(user, 'open', { referralId })).then((res) => {
    const body = res.body as InvokeBody | undefined;
    const ok = res.status === 200 && body?.statusCode === 200 && body.type === CARD && texts(body.value).includes('Received');
    if (!ok) failed('open invoke', res);
    return ok;
  });
}

function searchOnce(bot: Child): Promise<boolean> {
  const activity = {
    ...invokeAction(admin, 'unused'),
    name: 'composeExtension/query',
    value: { commandId: 'searchDeals', parameters: [{ name: 'query', value: SEARCH_TEXT }], queryOptions: { skip: 0, count: SEARCH_COUNT } },
  };
  return postActivity(bot.url, activity).then((res) => {
    const attachments = (res.body as { composeExtension?: { attachments?: { contentType?: string }[] } } | undefined)?.composeExtension?.attachments ?? [];
    const ok = res.status === 200 && attachments.length === SEARCH_COUNT && attachments.every((a) => a.contentType === CARD);
    if (!ok) failed('search', { status: res.status, attachments: attachments.length, body: JSON.stringify(res.body).slice(0, 1000) });
    return ok;
  });
}

/** Runs a and b `n` times, alternating which goes first, so that noise hits both alike. */
async function alternate(n: number, a: () => Promise<void>, b: () => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
  }
}

interface Memory {
  rssKb: number;
  peakKb: number;
  heapUsedMb: number;
  /** Heap used after a full GC: what the process really holds on to. */
  liveHeapMb: number;
}
async function memory(child: Child): Promise<Memory> {
  // RSS and heap as the process stands first; the GC only afterwards.
  const [rss, usage] = await Promise.all([child.rss(), child.ask<NodeJS.MemoryUsage>('memory')]);
  const live = await child.ask<NodeJS.MemoryUsage>('memory', 'gc');
  return { ...rss, heapUsedMb: usage.heapUsed / 2 ** 20, liveHeapMb: live.heapUsed / 2 ** 20 };
}

// ---------------------------------------------------------------------------------------------
// Output.

function printTable(rows: string[][], alignLeft = 1): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, col) => (col < alignLeft ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('   '));
}
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '—');
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
const mb = (kb: number) => (kb / 1024).toFixed(0);

async function profilePhase(bot: Child, label: string, n: number, run: (i: number) => Promise<boolean>): Promise<void> {
  const missing = await bot.ask<string[]>('spans-start');
  await bot.ask('profile-start', 500);
  let ok = 0;
  for (let i = 0; i < n; i++) if (await run(i)) ok++;
  const profile = await bot.ask<CpuProfile>('profile-stop');
  const spans = await bot.ask<Record<string, number[]>>('spans-stop');

  console.log(`\n--- Where the time of ${label} goes (${n} sequential requests, ${ok} succeeded) ---`);
  const spanRows = [['span (wall clock, in the bot)', 'calls', 'ms per request', 'p50 ms per call']];
  for (const [name, times] of Object.entries(spans).sort((a, b) => b[1].reduce((s, t) => s + t, 0) - a[1].reduce((s, t) => s + t, 0))) {
    spanRows.push([name, String(times.length), ms(times.reduce((s, t) => s + t, 0) / n), ms(figures(times).p50)]);
  }
  printTable(spanRows);
  if (missing.length > 0) console.log(`(no span for ${missing.join(', ')}: the method is gone)`);
  console.log('Spans nest (adapter.process contains the others) and overlap when calls run concurrently (Promise.all); the rest of a request is HTTP, JSON and the client.');
  for (const line of summarizeProfile(profile, n).lines) console.log(line);
  const dir = process.env.BENCH_PROFILE_DIR;
  if (dir) {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${label.replace(/\W+/g, '-')}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(`(saved ${file}: open it in Chrome DevTools > Performance, or VS Code)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

const runStarted = performance.now();
const loadBefore = loadavg()[0]!;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cards-bench-'));
dirs.push(dataDir);

console.error(`filling ${REFERRALS} referrals (${RECEIVED} Received) ...`);
const { store, fixture } = await fill(dataDir, REFERRALS, RECEIVED, NOW);
let render: ReturnType<typeof renderBench>;
try {
  // The referral an accepting user looks at: inbound, Received, from a partner, with solutions.
  const lifecycle = new LifecycleService(store, new Directory(store, MICROSOFT_TENANT_ID), systemClock);
  const view = await lifecycle.get({ tenantId: ORG_ID, userId: admin.aadObjectId }, fixture.receivedIds.at(-1)!);
  console.error(`rendering ${RENDERS} deal cards, plain and with the accept form ...`);
  render = renderBench(view);
} finally {
  // The bot's process takes the data directory over.
  await store.close();
}

const connector = await startConnector();
setServiceUrl(connector.url);
console.error('starting the echo bot and Co-sell Bot ...');
const started = await Promise.allSettled([
  startChild('echo bot', new URL('./echo-bot.ts', import.meta.url)),
  startChild('co-sell bot', new URL('./cosell-bot.ts', import.meta.url), {
    BENCH_DATA_DIR: dataDir,
    BENCH_MICROSOFT_TENANT_ID: MICROSOFT_TENANT_ID,
    BENCH_ORG_ID: ORG_ID,
    BENCH_SPANS: PROFILE ? '1' : '0',
  }),
]);
for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
for (const s of started) if (s.status === 'rejected') throw s.reason;
const [echo, bot] = children as [Child, Child];

try {
  const loaded = { echo: await memory(echo), bot: await memory(bot) };
  const stagesBefore = (await bot.ask<{ byStage: Record<string, number> }>('stats')).byStage;

  const ids = [...fixture.receivedIds];
  const nextId = () => {
    const id = ids.shift();
    if (!id || ids.length === 0) throw new Error('ran out of Received referrals');
    return id;
  };

  console.error('warming up ...');
  const discard: number[] = [];
  await alternate(
    WARMUP,
    () => time(() => echoOnce(echo), discard),
    () => time(() => acceptOnce(bot, nextId()), discard),
  );
  for (let i = 0; i < SEARCH_WARMUP; i++) await time(() => searchOnce(bot), discard);
  const warmFailures = [...failures.values()].reduce((s, f) => s + f.count, 0);

  /** n requests to Co-sell Bot, each paired with an echo invoke: both lists of timings. */
  const againstEcho = async (n: number, what: string, run: () => Promise<boolean>) => {
    console.error(`measuring ${n} ${what} against ${n} echo invokes ...`);
    const timed: number[] = [];
    const echoed: number[] = [];
    await alternate(
      n,
      () => time(() => echoOnce(echo), echoed),
      () => time(run, timed),
    );
    return { timed, echoed };
  };
  const { timed: accept, echoed: echoWithAccept } = await againstEcho(ACCEPTS, 'accepts', () => acceptOnce(bot, nextId()));
  const { timed: search, echoed: echoWithSearch } = await againstEcho(SEARCHES, 'searches', () => searchOnce(bot));

  /**
   * Load: each load user says `inbound`, opens a deal and accepts it, one step after the other.
   * `startMs` and `thinkMs` shape it: all at once with no pause (a burst no bot on two cores can
   * serve in 250 ms: the echo bot gets the same burst), or people at work, arriving over a
   * few seconds and reading each card before the next click.
   */
  const loadPhase = async (label: string, startMs: (i: number) => number, thinkMs: () => number) => {
    console.error(`load: ${loadUsers.length} people ${label}, each saying inbound, opening a deal and accepting it ...`);
    const steps = { inbound: [] as number[], open: [] as number[], accept: [] as number[] };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const started = performance.now();
    await Promise.all(
      loadUsers.map(async (user, i) => {
        const id = nextId();
        await pause(startMs(i));
        await time(() => inboundOnce(bot, user), steps.inbound);
        await pause(thinkMs());
        await time(() => openOnce(bot, user, id), steps.open);
        await pause(thinkMs());
        await time(() => acceptOnce(bot, id, user), steps.accept);
      }),
    );
    return { steps, seconds: (performance.now() - started) / 1000 };
  };
  // A fixed seed: every run gets the same arrivals and pauses.
  let seed = 42;
  const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const paced = await loadPhase(`arriving over ${PACED_ARRIVAL_S} s, pausing ${PACED_THINK_S.join('-')} s between steps`, () => random() * PACED_ARRIVAL_S * 1000, () => (PACED_THINK_S[0] + random() * (PACED_THINK_S[1] - PACED_THINK_S[0])) * 1000);
  const burst = await loadPhase('at once', () => 0, () => 0);
  console.error(`load: the echo bot, ${loadUsers.length} at once, 3 invokes each ...`);
  const echoBurst: number[] = [];
  await Promise.all(loadUsers.map(async () => {
    for (let step = 0; step < 3; step++) await time(() => echoOnce(echo), echoBurst);
  }));

  const afterRuns = { echo: await memory(echo), bot: await memory(bot) };
  const stats = await bot.ask<{ byStage: Record<string, number>; logged: { warn: number; error: number; first: string[] } }>('stats');

  // ---- results ----
  const f = {
    render: figures(render.plain),
    renderAccept: figures(render.accept),
    echoA: figures(echoWithAccept),
    accept: figures(accept),
    echoS: figures(echoWithSearch),
    search: figures(search),
    paced: figures(Object.values(paced.steps).flat()),
    pacedSteps: Object.entries(paced.steps).map(([step, times]) => [step, figures(times)] as const),
    burst: figures(Object.values(burst.steps).flat()),
    burstSteps: Object.entries(burst.steps).map(([step, times]) => [step, figures(times)] as const),
    echoBurst: figures(echoBurst),
  };
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(`\nCard benchmark: Co-sell Bot vs a bare botbuilder echo bot, same run. Node ${process.version}, ${cpus().length} cores, load ${loadBefore.toFixed(2)} at start.`);
  console.log(`Data: ${fixture.referrals} referrals in one organization (${RECEIVED} Received inbound); the search "${SEARCH_TEXT}" matches ${fixture.searchHits}.\n`);
  printTable([
    ['target', 'n', 'p50 ms', 'p99 ms', 'p50 / echo p50', 'issue target', ''],
    ['deal card render', String(f.render.n), ms(f.render.p50), ms(f.render.p99), '—', 'p50 ≤ 2 ms', verdict(f.render.p50 <= 2)],
    render.acceptError
      ? ['deal card render, accept form', '0', '—', '—', '—', '', `skipped: ${render.acceptError}`]
      : ['deal card render, accept form', String(f.renderAccept.n), ms(f.renderAccept.p50), ms(f.renderAccept.p99), '—', '', ''],
    ['echo bot invoke (paired with accept)', String(f.echoA.n), ms(f.echoA.p50), ms(f.echoA.p99), '1.0x', '', ''],
    ['accept invoke (one click)', String(f.accept.n), ms(f.accept.p50), ms(f.accept.p99), ratio(f.accept.p50, f.echoA.p50), '≤ 3x echo', verdict(f.accept.p50 <= 3 * f.echoA.p50)],
    ['echo bot invoke (paired with search)', String(f.echoS.n), ms(f.echoS.p50), ms(f.echoS.p99), '1.0x', '', ''],
    [`search, ${SEARCH_COUNT} deals (message extension)`, String(f.search.n), ms(f.search.p50), ms(f.search.p99), ratio(f.search.p50, f.echoS.p50), 'p50 ≤ 100 ms', verdict(f.search.p50 <= 100)],
    [`load: ${loadUsers.length} people at work, 3 requests each`, String(f.paced.n), ms(f.paced.p50), ms(f.paced.p99), '—', 'p99 ≤ 250 ms', verdict(f.paced.p99 <= 250)],
    ...f.pacedSteps.map(([step, g]) => [`  of which ${step}`, String(g.n), ms(g.p50), ms(g.p99), '—', '', '']),
    [`load: ${loadUsers.length} people at once, 3 requests each`, String(f.burst.n), ms(f.burst.p50), ms(f.burst.p99), ratio(f.burst.p50, f.echoBurst.p50), '', ''],
    ...f.burstSteps.map(([step, g]) => [`  of which ${step}`, String(g.n), ms(g.p50), ms(g.p99), '—', '', '']),
    [`echo bot: ${loadUsers.length} at once, 3 invokes each`, String(f.echoBurst.n), ms(f.echoBurst.p50), ms(f.echoBurst.p99), '1.0x', '', ''],
  ]);
  console.log(
    `(At work: ${loadUsers.length} people arriving over ${PACED_ARRIVAL_S} s, ${PACED_THINK_S.join('-')} s between their steps, ${loadUsers.length * 3} requests in ${paced.seconds.toFixed(1)} s. ` +
      `At once: ${loadUsers.length * 3} requests in ${burst.seconds.toFixed(1)} s. Co-sell Bot's peak RSS ${mb(afterRuns.bot.peakKb)} MB, target ≤ 300 MB: ${verdict(afterRuns.bot.peakKb <= 300 * 1024)}.)`,
  );
  console.log(`(Deal card JSON: ${render.bytes}. p99 of ${SEARCHES} samples is their maximum. Request times are client-side: HTTP on loopback and JSON included.)\n`);

  printTable([
    ['process', 'RSS after start MB', 'RSS after runs MB', 'peak RSS MB', 'heap used after runs MB', 'live heap after start / runs MB', 'start-up ms'],
    ...(['echo', 'bot'] as const).map((who) => [
      who === 'echo' ? 'echo bot' : 'Co-sell Bot',
      mb(loaded[who].rssKb),
      mb(afterRuns[who].rssKb),
      mb(afterRuns[who].peakKb),
      afterRuns[who].heapUsedMb.toFixed(0),
      `${loaded[who].liveHeapMb.toFixed(0)} / ${afterRuns[who].liveHeapMb.toFixed(0)}`,
      (who === 'echo' ? echo : bot).startupMs.toFixed(0),
    ]),
    [
      'ratio',
      ratio(loaded.bot.rssKb, loaded.echo.rssKb),
      ratio(afterRuns.bot.rssKb, afterRuns.echo.rssKb),
      ratio(afterRuns.bot.peakKb, afterRuns.echo.peakKb),
      ratio(afterRuns.bot.heapUsedMb, afterRuns.echo.heapUsedMb),
      `${ratio(loaded.bot.liveHeapMb, loaded.echo.liveHeapMb)} / ${ratio(afterRuns.bot.liveHeapMb, afterRuns.echo.liveHeapMb)}`,
      '',
    ],
  ]);
  console.log('(Both run under the tsx loader; "live heap" is after a forced full GC, taken after the RSS figures. Co-sell Bot start-up = startApp, loading the data directory included.)\n');

  // ---- did the run do what it claims? ----
  const accepted = (stats.byStage.Accepted ?? 0) - (stagesBefore.Accepted ?? 0);
  const attempted = WARMUP + ACCEPTS + 2 * loadUsers.length;
  const allFailures = [...failures].map(([what, { count }]) => `${what}: ${count}`).join(', ');
  console.log(`Failures: ${allFailures || 'none'}${warmFailures > 0 ? ` (${warmFailures} during warm-up)` : ''}.`);
  console.log(`Store check: ${accepted} of ${attempted} accepted referrals are Accepted in the bot's store; the connector got ${[...connector.requests].map(([m, n]) => `${n} ${m}`).join(', ') || 'no requests'}.`);
  if (stats.logged.warn + stats.logged.error > 0) console.log(`The bot logged ${stats.logged.warn} warnings and ${stats.logged.error} errors, first: \n  ${stats.logged.first.join('\n  ')}`);

  if (PROFILE) {
    await profilePhase(bot, 'accept invokes', PROFILE_ACCEPTS, () => acceptOnce(bot, nextId()));
    await profilePhase(bot, 'searches', PROFILE_SEARCHES, () => searchOnce(bot));
  }
  console.log(`\nLoad average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}; the run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s.`);
  if (failures.size > 0) process.exitCode = 1;
} finally {
  await Promise.all(children.map((c) => c.stop()));
  children.length = 0;
  await connector.close();
  rmSync(dataDir, { recursive: true, force: true });
}
