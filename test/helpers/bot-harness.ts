// The real bot on a free port, a fake Bot Connector on loopback and Teams users to drive it.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp, type StartOptions } from '../../bot/app.js';
import { signedHeaders } from '../../bot/referral-intake.js';
import { loadConfig } from '../../bot/config.js';
import { createLogger, type MemoryLogger } from '../../bot/log.js';
import { ManualClock } from '../../services/clock.js';
import { startFakeConnector, type FakeConnector, type SentActivity } from './fake-connector.js';
import { fileConsentInvoke, fileMessage, invokeAction, message, postActivity, searchInvoke, setServiceUrl, type ActivityOptions, type TeamsActivity, type TeamsUser } from './teams.js';
import { FABRIKAM, MICROSOFT, START } from './world.js';
import { dropSchema, newSchema, testDatabaseUrl } from './postgres.js';

export type Card = Record<string, unknown>;

export interface Harness {
  app: RunningApp;
  /** The bot's data directory (to make a file fail to write, as a failing disk would). */
  dataDir: string;
  connector: FakeConnector;
  clock: ManualClock;
  log: MemoryLogger;
  /** Sends a text message and returns the card the bot replied with. */
  say(user: TeamsUser, text: string, opts?: ActivityOptions): Promise<Card>;
  /** Sends a file as a Teams user would (served by the fake connector) and returns the card the bot replied with. */
  sendFile(user: TeamsUser, name: string, content: Uint8Array | string, opts?: ActivityOptions): Promise<Card>;
  /** Presses an Action.Execute button; returns the invoke response body. */
  click(user: TeamsUser, verb: string, data?: Record<string, unknown>, opts?: ActivityOptions): Promise<InvokeBody>;
  /** Presses a button and expects a card back. */
  clickCard(user: TeamsUser, verb: string, data?: Record<string, unknown>, opts?: ActivityOptions): Promise<Card>;
  search(user: TeamsUser, dataset: string, query: string): Promise<InvokeBody>;
  /** Posts a referral to the webhook as a sender would: signed for the URL's tenant at the harness's time (headers override). */
  postReferral(body: unknown, opts?: { tenant?: string; raw?: string; headers?: Record<string, string | undefined> }): Promise<{ status: number; body: any }>;
  /** Presses a button as Teams would: the card's inputs go with it unless it says associatedInputs "none". Returns the answer and any card posted as a new message meanwhile. */
  press(user: TeamsUser, card: Card, title: string, inputs?: Record<string, unknown>, opts?: ActivityOptions): Promise<{ card: Card; posted: Card[] }>;
  /** Sends a text message and returns every activity the bot replied with (cards, a file offered, text). */
  replies(user: TeamsUser, text: string, opts?: ActivityOptions): Promise<SentActivity[]>;
  /**
   * Answers a file consent card as Teams would, with the card's own context unless `context` says
   * otherwise. Accepting hands the bot an upload URL on the fake connector: `key` names the file there
   * (connector.uploads). Returns the invoke's HTTP status and the bot's replies to it.
   */
  answerFile(user: TeamsUser, consent: FileOffer, action: 'accept' | 'decline', opts?: ActivityOptions & { context?: unknown }): Promise<{ status: number; replies: SentActivity[]; key: string }>;
  /** Stops the bot (as a crash or deploy would) and starts it again on the same data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

/** A FileConsentCard attachment as the bot sent it. */
export interface FileOffer {
  contentType?: string;
  name?: string;
  content?: { description?: string; sizeInBytes?: number; acceptContext?: unknown; declineContext?: unknown };
}

export interface InvokeBody {
  statusCode: number;
  type: string;
  value: Record<string, unknown> & { code?: string; message?: string; results?: { title: string; value: string }[] };
}

export const OUR_TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const user = (tenantId: string, n: string, name: string, email: string): TeamsUser => ({ tenantId, aadObjectId: `00000000-0000-4000-8000-${n.padStart(12, '0')}`, name, email });
export const ana = user(OUR_TENANT, '1', 'Ana Admin', 'ana@partner.example');
export const sam = user(OUR_TENANT, '2', 'Sam Seller', 'sam@partner.example');
export const fay = user(FABRIKAM, '3', 'Fay Fabrikam', 'fay@fabrikam.example');
export const mia = user(MICROSOFT, '4', 'Mia Microsoft', 'mia@microsoft.example');

export async function startHarness(options: { deadlineIntervalMs?: number; outboxIdleMs?: number; env?: Record<string, string>; app?: Pick<StartOptions, 'partnerCenterNetwork' | 'fetchCertificate'> } = {}): Promise<Harness> {
  const connector = await startFakeConnector();
  setServiceUrl(connector.url);
  for (const u of [ana, sam, fay, mia]) {
    connector.members.set(`29:${u.aadObjectId}`, { id: `29:${u.aadObjectId}`, name: u.name, aadObjectId: u.aadObjectId, email: u.email, tenantId: u.tenantId });
  }
  const dir = await mkdtemp(join(tmpdir(), 'cosell-bot-'));
  // The postgres test project runs the same tests on PostgreSQL (vitest.config.ts): a schema of their own.
  const schema = process.env.TEST_STORE === 'postgres' ? newSchema() : undefined;
  const database = schema ? { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema } : {};
  const clock = new ManualClock(START);
  const log = createLogger({ silent: true });
  const start = () =>
    startApp({ ...loadConfig({ DATA_DIR: dir, MICROSOFT_TENANT_ID: MICROSOFT, REFERRALS_WEBHOOK_SECRET: WEBHOOK_SECRET, ...database, ...options.env }), PORT: 0 }, { clock, log, deadlineIntervalMs: options.deadlineIntervalMs, outboxIdleMs: options.outboxIdleMs, ...options.app });
  let app = await start();

  const click = async (u: TeamsUser, verb: string, data: Record<string, unknown> = {}, opts?: ActivityOptions) => {
    const res = await postActivity(app.url, invokeAction(u, verb, data, opts));
    if (res.status !== 200) throw new Error(`invoke ${verb} answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as InvokeBody;
  };
  /** What the bot sent in reply to an activity (an alert that happened to arrive meanwhile is no reply). */
  const repliesTo = (activityId: string): SentActivity[] => connector.sent.filter((r) => r.method === 'POST' && r.activityId === activityId).map((r) => r.body as SentActivity);
  /** Posts a message and returns the card replied to it, not an alert that happened to arrive meanwhile. */
  const replyCard = async (activity: TeamsActivity): Promise<Card> => {
    const res = await postActivity(app.url, activity);
    if (res.status !== 200) throw new Error(`message answered HTTP ${res.status}`);
    const replies = connector.sent.filter((r) => r.method === 'POST' && r.activityId === activity.id);
    const card = replies.flatMap((r) => (r.body as { attachments?: { contentType?: string; content?: unknown }[] }).attachments ?? []).find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive');
    if (!card) throw new Error(`no card in reply to "${activity.text}": ${JSON.stringify(replies)}`);
    return card.content as Card;
  };
  return {
    get app() {
      return app;
    },
    connector,
    dataDir: dir,
    clock,
    log,
    say(u, text, opts) {
      return replyCard(message(u, text, opts));
    },
    sendFile(u, name, content, opts) {
      const key = `${randomUUID()}-${encodeURIComponent(name)}`;
      connector.files.set(key, content);
      return replyCard(fileMessage(u, name, `${connector.url}/files/${key}`, opts));
    },
    click,
    async clickCard(u, verb, data, opts) {
      const body = await click(u, verb, data, opts);
      if (body.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`${verb} answered ${JSON.stringify(body)}`);
      return body.value;
    },
    async press(u, card, title, inputs = {}, opts = {}) {
      const b = button(card, title);
      const id = opts.id ?? `press-${randomUUID()}`;
      const answer = await click(u, b.verb, { ...(b.sendsInputs ? { ...inputValues(card), ...inputs } : {}), ...b.data }, { ...opts, id });
      if (answer.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`${title} answered ${JSON.stringify(answer)}`);
      const posted = connector.sent
        .filter((r) => r.method === 'POST' && r.activityId === id)
        .flatMap((r) => (r.body as { attachments?: { content?: unknown }[] }).attachments ?? [])
        .map((a) => a.content as Card);
      return { card: answer.value, posted };
    },
    async postReferral(body, opts = {}) {
      const tenant = opts.tenant ?? OUR_TENANT;
      const raw = opts.raw ?? JSON.stringify(body);
      const headers = Object.fromEntries(
        Object.entries({ 'Content-Type': 'application/json', ...signedHeaders(WEBHOOK_SECRET, tenant, raw, clock.now()), ...opts.headers }).filter((e): e is [string, string] => e[1] !== undefined),
      );
      const res = await fetch(`${app.url}/api/tenants/${tenant}/referrals`, { method: 'POST', headers, body: raw });
      return { status: res.status, body: (await res.json()) as any };
    },
    async search(u, dataset, query) {
      const res = await postActivity(app.url, searchInvoke(u, dataset, query));
      return res.body as InvokeBody;
    },
    async replies(u, text, opts) {
      const activity = message(u, text, opts);
      const res = await postActivity(app.url, activity);
      if (res.status !== 200) throw new Error(`message answered HTTP ${res.status}`);
      return repliesTo(activity.id);
    },
    async answerFile(u, consent, action, opts = {}) {
      const { context, ...activityOpts } = opts;
      const key = `${randomUUID()}-${encodeURIComponent(consent.name ?? 'file')}`;
      const uploadInfo = { name: consent.name ?? 'file', uploadUrl: connector.uploadUrl(key), contentUrl: `${connector.url}/files/${key}`, uniqueId: randomUUID(), fileType: (consent.name ?? '').split('.').pop() ?? '' };
      const given = 'context' in opts ? context : action === 'accept' ? consent.content?.acceptContext : consent.content?.declineContext;
      const activity = fileConsentInvoke(u, action, given, action === 'accept' ? uploadInfo : undefined, activityOpts);
      const res = await postActivity(app.url, activity);
      return { status: res.status, replies: repliesTo(activity.id), key };
    },
    async restart() {
      await app.close();
      app = await start();
    },
    async close() {
      await app.close();
      await connector.close();
      await rm(dir, { recursive: true, force: true });
      if (schema) await dropSchema(schema);
    },
  };
}

/** All text a card shows, joined: for asserting what a user reads. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      // A RichTextBlock reads as one line, however many runs it has.
      if (o.type === 'RichTextBlock' && Array.isArray(o.inlines)) {
        out.push(o.inlines.map((r) => (typeof r === 'string' ? r : String((r as { text?: unknown }).text ?? ''))).join(''));
        return;
      }
      for (const key of ['text', 'title', 'value', 'label']) if (typeof o[key] === 'string') out.push(o[key] as string);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out.join('\n');
}

/** Every button (Action.Execute) on a card: title, verb, data and whether it sends the card's inputs; the refresh action is not a button. */
export function actions(card: unknown): { title: string; verb: string; data: Record<string, unknown>; sendsInputs: boolean }[] {
  const out: { title: string; verb: string; data: Record<string, unknown>; sendsInputs: boolean }[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o.type === 'Action.Execute') out.push({ title: String(o.title), verb: String(o.verb), data: (o.data ?? {}) as Record<string, unknown>, sendsInputs: o.associatedInputs !== 'none' });
      for (const [key, value] of Object.entries(o)) if (key !== 'refresh') walk(value);
    }
  };
  walk(card);
  return out;
}

/** The values of a card's inputs, as Teams merges them into an Action.Execute's data. */
export function inputValues(card: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') out[o.id] = typeof o.value === 'string' ? o.value : '';
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}

export const button = (card: unknown, title: string) => {
  const found = actions(card).find((a) => a.title === title);
  if (!found) throw new Error(`no button "${title}" on the card; it has: ${actions(card).map((a) => a.title).join(', ')}`);
  return found;
};
