// A fake Partner Center Referrals API on loopback, written from the documented contract
// (/work/shared/spec/partner-center.md): GET one and list (with $filter on updatedDateTime,
// $orderby and @odata.nextLink pages), PUT with If-Match, PATCH with JSON Patch, POST to create.
// Every request needs a bearer token from `tokens`; faults (429, 503) are injected by the test.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../services/clock.js';

/** A referral as the fake holds it: any JSON (also what our schema refuses), with its id, ETag and last change. */
export type FakeReferral = Record<string, unknown> & { id: string; eTag: string; updatedDateTime: string };

export interface PartnerCenterRequest {
  method: string;
  /** The decoded path, e.g. /v1.0/engagements/referrals/abc */
  path: string;
  /** The decoded query parameters, e.g. { $filter: 'updatedDateTime ge 2026-01-01T00:00:00.000Z', $skiptoken: '...' } */
  query: Record<string, string>;
  /** Every header, names in lower case: authorization, if-match, client-request-id, ms-correlationid, prefer... */
  headers: Record<string, string>;
  body: unknown;
  /** What the fake answered. */
  status: number;
}

export interface FakePartnerCenter {
  /** The base URL a client is given, including /v1.0 */
  url: string;
  /** The bearer tokens accepted; any other (or none) is answered 401. Starts with FAKE_PARTNER_CENTER_TOKEN. */
  readonly tokens: Set<string>;
  /** Referrals per list page. */
  pageSize: number;
  /** Where a referral's ETag is given: the ETag header, the body's eTag, or both (default; as the documented examples). */
  eTagIn: 'both' | 'header' | 'body';
  /** When set, @odata.nextLink points at this origin instead of the fake's own (to test a client refuses it). */
  nextLinkOrigin: string | undefined;
  /** Every request, in order. */
  readonly requests: PartnerCenterRequest[];
  /** Seeds or replaces a referral as it is (no rules): new ETag; updatedDateTime as given, else the clock's now. */
  put(referral: Record<string, unknown>): FakeReferral;
  /** A copy of the referral as the fake holds it now. */
  get(id: string): FakeReferral | undefined;
  /** Answers the next `count` requests 429 with Retry-After. */
  throttle(count: number, retryAfterSeconds: number): void;
  /** While on, answers every request 503 (with Retry-After when given). */
  down(on: boolean, retryAfterSeconds?: number): void;
  /** Runs once, just before the next PUT or PATCH is checked: someone else's change landing in between. */
  beforeWrite: ((id: string) => void) | undefined;
  /** Forgets the recorded requests and pending faults (referrals are kept). */
  clear(): void;
  close(): Promise<void>;
}

export const FAKE_PARTNER_CENTER_TOKEN = 'fake-partner-center-token';

/** Allowed status changes and the substatus each status takes [R19]. */
const nextStatuses: Record<string, string[]> = { New: ['New', 'Active', 'Closed'], Active: ['Active', 'Closed'], Closed: ['Closed'] };
const substatuses: Record<string, string[]> = { New: ['Pending', 'Received'], Active: ['Accepted'], Closed: ['Won', 'Lost', 'Declined', 'Expired'] };

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const error = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const newETag = () => `"${randomUUID()}"`;

export async function startFakePartnerCenter(options: { clock?: Clock; pageSize?: number } = {}): Promise<FakePartnerCenter> {
  const clock = options.clock ?? systemClock;
  const referrals = new Map<string, FakeReferral>();
  const requests: PartnerCenterRequest[] = [];
  let throttled: { count: number; retryAfterSeconds: number } | undefined;
  let outage: { retryAfterSeconds?: number } | undefined;
  let origin = '';
  const root = '/v1.0/engagements/referrals';

  const store = (referral: Record<string, unknown>, updatedDateTime?: string): FakeReferral => {
    const id = typeof referral.id === 'string' && referral.id ? referral.id : randomUUID();
    const stored = { ...structuredClone(referral), id, eTag: newETag(), updatedDateTime: updatedDateTime ?? clock.now().toISOString() };
    referrals.set(id, stored);
    return structuredClone(stored);
  };
  const one = (r: FakeReferral, status = 200): Answer => {
    const { eTag, ...withoutETag } = r;
    return { status, body: fake.eTagIn === 'header' ? withoutETag : r, headers: fake.eTagIn === 'body' ? {} : { ETag: eTag } };
  };

  /** 400 unless `after` is a documented move from `before` (a status with its substatus). */
  const transition = (before: Record<string, unknown>, after: Record<string, unknown>): Answer | undefined => {
    const [from, to, sub] = [String(before.status ?? ''), String(after.status ?? ''), after.substatus];
    if (!from && !to) return undefined; // seeded without a status: nothing to check
    if (!substatuses[to] || (sub !== undefined && !substatuses[to].includes(String(sub)))) {
      return error(400, 'invalidStatus', `status ${to} with substatus ${String(sub)} is not allowed`);
    }
    if (nextStatuses[from] && !nextStatuses[from].includes(to)) return error(400, 'invalidTransition', `a ${from} referral can not become ${to}`);
    return undefined;
  };

  const list = (query: Record<string, string>): Answer => {
    const filter = query.$filter;
    const since = filter === undefined ? undefined : /^updatedDateTime ge (\S+)$/.exec(filter.trim())?.[1];
    if (filter !== undefined && (since === undefined || Number.isNaN(Date.parse(since)))) {
      return error(400, 'badRequest', `the fake supports only $filter=updatedDateTime ge <date-time>, not "${filter}"`);
    }
    const order = /^updatedDateTime(?: (asc|desc))?$/.exec((query.$orderby ?? 'updatedDateTime').trim());
    if (!order) return error(400, 'badRequest', `the fake supports only $orderby=updatedDateTime [asc|desc], not "${query.$orderby}"`);
    const matching = [...referrals.values()]
      .filter((r) => since === undefined || Date.parse(r.updatedDateTime) >= Date.parse(since))
      .sort((a, b) => Date.parse(a.updatedDateTime) - Date.parse(b.updatedDateTime) || a.id.localeCompare(b.id));
    if (order[1] === 'desc') matching.reverse();
    const skip = query.$skiptoken === undefined ? 0 : Number(Buffer.from(query.$skiptoken, 'base64url').toString('utf8'));
    if (!Number.isInteger(skip) || skip < 0) return error(400, 'badRequest', 'unknown $skiptoken');
    const page = matching.slice(skip, skip + fake.pageSize);
    const body: Record<string, unknown> = { value: page, totalCount: matching.length };
    if (skip + fake.pageSize < matching.length) {
      const params = { ...query, $skiptoken: Buffer.from(String(skip + fake.pageSize)).toString('base64url') };
      const search = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      body['@odata.nextLink'] = `${fake.nextLinkOrigin ?? origin}${root}?${search}`;
    }
    return { status: 200, body };
  };

  /** RFC 6902 add and replace (all Partner Center supports) on a copy; a message for what can not be applied. */
  const applyPatch = (target: Record<string, unknown>, ops: unknown): string | undefined => {
    if (!Array.isArray(ops)) return 'the body must be a JSON Patch array';
    for (const op of ops) {
      if (!isObject(op) || typeof op.path !== 'string' || !op.path.startsWith('/')) return 'each operation needs a path such as /details/dealValue';
      if (op.op !== 'add' && op.op !== 'replace') return `operation "${String(op.op)}" is not supported (only add and replace)`;
      const keys = op.path.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (['id', 'eTag', 'updatedDateTime'].includes(keys[0]!)) return `${op.path} is set by Partner Center`;
      let parent: unknown = target;
      for (const key of keys.slice(0, -1)) parent = isObject(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[key] : undefined;
      const last = keys.at(-1)!;
      if (Array.isArray(parent)) {
        const index = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(index) || index < 0 || index > parent.length || (op.op === 'replace' && index >= parent.length)) return `no ${op.path}`;
        parent.splice(index, op.op === 'replace' ? 1 : 0, op.value);
      } else if (isObject(parent) && (op.op === 'add' || last in parent)) {
        parent[last] = op.value;
      } else {
        return `no ${op.path}`;
      }
    }
    return undefined;
  };

  const route = (method: string, segments: string[], query: Record<string, string>, headers: Record<string, string>, body: unknown): Answer => {
    const [version, engagements, collection, id, ...rest] = segments;
    if (version !== 'v1.0' || engagements !== 'engagements' || collection !== 'referrals' || rest.length > 0) {
      return error(404, 'notFound', `no route for ${method} /${segments.join('/')}`);
    }
    if (id === undefined) {
      if (method === 'GET') return list(query);
      if (method !== 'POST') return error(405, 'methodNotAllowed', `${method} is not allowed on ${root}`);
      if (!isObject(body)) return error(400, 'badRequest', 'the body must be a referral');
      const now = clock.now().toISOString();
      const created = { engagementId: randomUUID(), ...body, id: randomUUID(), createdDateTime: now, acceptedDateTime: now, status: 'Active', substatus: 'Accepted', direction: 'Outgoing' };
      return one(store(created, now), 201);
    }
    if ((method === 'PUT' || method === 'PATCH') && fake.beforeWrite) {
      const hook = fake.beforeWrite;
      fake.beforeWrite = undefined;
      hook(id);
    }
    const current = referrals.get(id);
    if (method === 'GET') return current ? one(current) : error(404, 'notFound', `no referral ${id}`);
    if (method !== 'PUT' && method !== 'PATCH') return error(405, 'methodNotAllowed', `${method} is not allowed on a referral`);
    if (!current) return error(404, 'notFound', `no referral ${id}`);
    const ifMatch = headers['if-match'];
    if (method === 'PUT' && ifMatch === undefined) return error(428, 'preconditionRequired', 'PUT needs If-Match with the referral’s eTag');
    if (ifMatch !== undefined && ifMatch !== current.eTag && ifMatch !== '*') return error(412, 'preconditionFailed', 'the referral changed since that eTag');
    let next: Record<string, unknown>;
    if (method === 'PUT') {
      if (!isObject(body)) return error(400, 'badRequest', 'the body must be the whole referral');
      if ('links' in body) return error(400, 'badRequest', 'remove the links object from the PUT resource');
      if (body.id !== undefined && body.id !== id) return error(400, 'badRequest', `the body's id is not ${id}`);
      next = { ...structuredClone(body), ...('createdDateTime' in current ? { createdDateTime: current.createdDateTime } : {}) };
    } else {
      next = structuredClone(current);
      const problem = applyPatch(next, body);
      if (problem) return error(400, 'badRequest', problem);
    }
    const refused = transition(current, next);
    if (refused) return refused;
    const updated = store({ ...next, id }, clock.now().toISOString());
    if (method === 'PATCH' && !/return=representation/i.test(headers.prefer ?? '')) return { status: 204, headers: { ETag: updated.eTag } };
    return one(updated);
  };

  const readBody = async (req: IncomingMessage): Promise<{ body: unknown; bad: boolean }> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return { body: undefined, bad: false };
    try {
      return { body: JSON.parse(text) as unknown, bad: false };
    } catch {
      return { body: text, bad: true };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const requestUrl = new URL(req.url ?? '/', 'http://localhost');
    const segments = requestUrl.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const query = Object.fromEntries(requestUrl.searchParams);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const { body, bad } = await readBody(req);
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];

    let answer: Answer;
    if (throttled && throttled.count > 0) {
      throttled.count--;
      answer = { ...error(429, 'throttled', 'too many requests'), headers: { 'Retry-After': String(throttled.retryAfterSeconds) } };
    } else if (outage) {
      answer = { ...error(503, 'serviceUnavailable', 'Partner Center is down'), headers: outage.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(outage.retryAfterSeconds) } };
    } else if (token === undefined || !fake.tokens.has(token)) {
      answer = { ...error(401, 'unauthorized', 'a valid bearer token is required'), headers: { 'WWW-Authenticate': 'Bearer' } };
    } else if (bad) {
      answer = error(400, 'badRequest', 'the body is not JSON');
    } else {
      answer = route(method, segments, query, headers, body);
    }
    requests.push({ method, path: '/' + segments.join('/'), query, headers, body, status: answer.status });
    res.writeHead(answer.status, { ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json' }), 'request-id': randomUUID(), ...answer.headers });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return;
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 'fakeError', message: String(e) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakePartnerCenter = {
    url: `${origin}/v1.0`,
    tokens: new Set([FAKE_PARTNER_CENTER_TOKEN]),
    pageSize: options.pageSize ?? 2,
    eTagIn: 'both',
    nextLinkOrigin: undefined,
    beforeWrite: undefined,
    requests,
    put: (referral) => store(referral, typeof referral.updatedDateTime === 'string' ? referral.updatedDateTime : undefined),
    get: (id) => (referrals.has(id) ? structuredClone(referrals.get(id)!) : undefined),
    throttle(count, retryAfterSeconds) {
      throttled = { count, retryAfterSeconds };
    },
    down(on, retryAfterSeconds) {
      outage = on ? { retryAfterSeconds } : undefined;
    },
    clear() {
      requests.length = 0;
      throttled = undefined;
      outage = undefined;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
