// Co-sell Bot as bench/cards.ts measures it: startApp on a prepared data directory, in its own
// process so that its memory can be compared with the echo bot's. Started by the driver with
// BENCH_DATA_DIR and BENCH_MICROSOFT_TENANT_ID; BENCH_SPANS=1 adds wall-clock timing spans;
// BENCH_WEBHOOK_SECRET turns the referral webhook on.
import http from 'node:http';
import { Template } from 'adaptivecards-templating';
import { startApp } from '../bot/app.js';
import { tuneHeap } from '../bot/heap.js';
import { loadConfig } from '../bot/config.js';
import { DealActions } from '../bot/deal-actions.js';
import type { Logger } from '../bot/log.js';
import { ConversationRegistry } from '../services/conversations.js';
import { Directory } from '../services/directory.js';
import { LifecycleService } from '../services/lifecycle.js';
import { announceReady, serveDriver } from './child-ipc.js';

// As bot/index.ts does.
tuneHeap();
const started = performance.now();
const dataDir = process.env.BENCH_DATA_DIR;
const microsoftTenantId = process.env.BENCH_MICROSOFT_TENANT_ID;
const orgId = process.env.BENCH_ORG_ID ?? '';
if (!dataDir || !microsoftTenantId) throw new Error('BENCH_DATA_DIR and BENCH_MICROSOFT_TENANT_ID are required');

// startApp listens on every interface; the benchmark must stay on loopback, so a listen that
// names no host gets 127.0.0.1 (only in this process; the bot's code is unchanged).
type Listen = (...args: unknown[]) => unknown;
const httpProto = http.Server.prototype as unknown as { listen: Listen };
const listen = httpProto.listen;
httpProto.listen = function (this: http.Server, ...args: unknown[]) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};

// Counts instead of keeping entries: a memory logger would grow over the run and skew RSS.
const logged = { warn: 0, error: 0, first: [] as string[] };
const note = (level: 'warn' | 'error') => (msg: string, meta?: object) => {
  logged[level]++;
  if (logged.first.length < 5) logged.first.push(`${level}: ${msg} ${JSON.stringify(meta ?? {}).slice(0, 600)}`);
};
const log: Logger = { info: () => undefined, warn: note('warn'), error: note('error') };

// ---- optional timing spans (wall clock), by wrapping methods of this process's instances ----

const spans = new Map<string, number[]>();
let recording = false;

/** Wraps obj[name] to record its wall time under label; false when there is no such method (the code moved). */
function timed(obj: object, name: string, label: string): boolean {
  const target = obj as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function') return false;
  const record = (t0: number) => {
    if (!recording) return;
    const list = spans.get(label) ?? [];
    list.push(performance.now() - t0);
    spans.set(label, list);
  };
  target[name] = function benchSpan(this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) return result.finally(() => record(t0));
    record(t0);
    return result;
  };
  return true;
}

const webhookSecret = process.env.BENCH_WEBHOOK_SECRET;
const app = await startApp({ ...loadConfig({ DATA_DIR: dataDir, MICROSOFT_TENANT_ID: microsoftTenantId, ...(webhookSecret ? { REFERRALS_WEBHOOK_SECRET: webhookSecret } : {}) }), PORT: 0 }, { log });

const missing: string[] = [];
if (process.env.BENCH_SPANS === '1') {
  const wraps: [object, string, string][] = [
    [app.adapter, 'process', 'adapter.process (whole turn, server side)'],
    [app.adapter, 'updateActivity', 'updateActivity (PUT to the connector)'],
    [app.store, 'commit', 'store.commit (write + fsync)'],
    [LifecycleService.prototype, 'accept', 'LifecycleService.accept'],
    [LifecycleService.prototype, 'get', 'LifecycleService.get'],
    [LifecycleService.prototype, 'find', 'LifecycleService.find'],
    [DealActions.prototype, 'run', 'DealActions.run'],
    [DealActions.prototype, 'card', 'DealActions.card (people + dealCard)'],
    [Directory.prototype, 'people', 'Directory.people'],
    [ConversationRegistry.prototype, 'remember', 'ConversationRegistry.remember'],
    [Template.prototype, 'expand', 'Template.expand (adaptivecards-templating)'],
  ];
  for (const [obj, name, label] of wraps) if (!timed(obj, name, label)) missing.push(label);
}

serveDriver(
  {
    'spans-start': () => {
      spans.clear();
      recording = true;
      return missing;
    },
    'spans-stop': () => {
      recording = false;
      return Object.fromEntries(spans);
    },
    /** The organization's referrals by stage, and what the bot logged: to check the run did real work. */
    stats: async () => {
      const byStage: Record<string, number> = {};
      for (const r of await app.store.list('referral', orgId)) byStage[r.substatus] = (byStage[r.substatus] ?? 0) + 1;
      return { byStage, logged };
    },
  },
  () => app.close(),
);
announceReady(app.port, performance.now() - started);
