// A fake Bot Connector service on loopback: the bot's outbound calls (sends, replies, updates,
// roster lookups, new conversations) land here and are recorded, so tests see what a user would.
// Point activities at it with `serviceUrl: connector.url` (local mode sends no token).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentRequest {
  method: string;
  /** The decoded path, e.g. /v3/conversations/a:conv1/activities/act-1 */
  path: string;
  /** Decoded conversation id from the path (undefined for POST /v3/conversations). */
  conversationId?: string;
  /** Decoded activity id from the path (reply-to id for a reply, the updated message's id for a PUT). */
  activityId?: string;
  body: unknown;
  /** When it arrived (ms since the epoch) and what the fake answered. */
  at: number;
  status: number;
}

/** A roster entry as TeamsInfo.getMember returns it (TeamsChannelAccount). */
export interface FakeMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  givenName?: string;
  surname?: string;
  userRole?: string;
}

/** An activity as the bot sent it, with the id the connector gave it (sends) or that it updated (PUT). */
export interface SentActivity {
  type?: string;
  id?: string;
  text?: string;
  replyToId?: string;
  conversation?: { id?: string };
  attachments?: { contentType?: string; content?: unknown }[];
  [key: string]: unknown;
}

export interface FakeConnector {
  url: string;
  /** Every request the bot made, in order. */
  readonly sent: SentRequest[];
  /** Roster for GET /v3/conversations/:conv/members/:user, keyed by the user id in the path (29:... or AAD object id). */
  readonly members: Map<string, FakeMember>;
  /** Each team's roster for GET /v3/conversations/:team/pagedmembers, by team id; pages of `pageSize`. */
  readonly teams: Map<string, FakeMember[]>;
  /** Files a user sent, served at `${url}/files/:name` as Teams serves a file's download URL. */
  readonly files: Map<string, Uint8Array | string>;
  /** The names of the files downloaded, in order. */
  readonly downloads: string[];
  /**
   * An upload URL as Teams hands one to a bot when a user accepts a file (fileConsent/invoke): it
   * takes one PUT of the whole file with Content-Length and `Content-Range: bytes 0-{n-1}/{n}`, as
   * OneDrive's upload session does, and answers 201; a PUT whose headers do not match its body gets 400.
   */
  uploadUrl(key: string): string;
  /** The files uploaded whole to uploadUrl(key), by key. */
  readonly uploads: Map<string, Buffer>;
  /** The keys PUT to, in order, whether the upload was taken or not. */
  readonly uploadAttempts: string[];
  /** When set, every upload is answered with this status (and not kept). */
  uploadFault: number | undefined;
  /**
   * The activities the bot sent or updated (POST/PUT .../activities), in order, optionally of one
   * conversation; `id` is the id the fake assigned (sends) or the updated message's id (PUT).
   * Requests failed with failNext are left out (the connector client retries 5xx by itself).
   */
  activities(conversationId?: string): SentActivity[];
  /** The content of every adaptive card attachment in those activities, in order. */
  cardsSent(conversationId?: string): Record<string, unknown>[];
  /**
   * Resolves with the first truthy value the predicate returns, checked now and after every
   * request; rejects after timeoutMs with a summary of what was recorded.
   */
  waitFor<T>(predicate: (connector: FakeConnector) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Makes the next `count` requests fail with this status (to test the bot's error paths). */
  failNext(status?: number, count?: number): void;
  /** Answers chosen requests with a failure: status, Teams error code and Retry-After seconds. */
  fault: ((request: SentRequest) => Fault | undefined) | undefined;
  /** Forgets recorded requests (members are kept). */
  clear(): void;
  close(): Promise<void>;
}

export interface Fault {
  status: number;
  code?: string;
  retryAfterSeconds?: number;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export async function startFakeConnector(): Promise<FakeConnector> {
  const sent: SentRequest[] = [];
  const members = new Map<string, FakeMember>();
  const teams = new Map<string, FakeMember[]>();
  const files = new Map<string, Uint8Array | string>();
  const downloads: string[] = [];
  const uploads = new Map<string, Buffer>();
  const uploadAttempts: string[] = [];
  const pageSize = 2;
  const waiters = new Set<() => void>();
  const failures: number[] = [];
  let nextMessage = 0;
  let nextConversation = 0;
  /** Per request: whether it sent/updated an activity, and the id given to a sent one. */
  const info = new WeakMap<SentRequest, { activityWrite: boolean; assignedId: string | undefined }>();

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };

  /** What the fake answers: status and JSON body, plus the id it gave a sent activity. */
  const route = (
    method: string,
    conversationId: string | undefined,
    collection: string | undefined,
    itemId: string | undefined,
    continuation: string | null,
  ): { status: number; body?: unknown; assignedId?: string } => {
    if (conversationId === undefined) {
      if (method === 'POST') return { status: 201, body: { id: `conv-${++nextConversation}` } };
    } else if (collection === 'activities') {
      if (method === 'POST') {
        const id = `msg-${++nextMessage}`;
        return { status: 200, body: { id }, assignedId: id };
      }
      if (method === 'PUT' && itemId !== undefined) return { status: 200, body: { id: itemId } };
      if (method === 'DELETE' && itemId !== undefined) return { status: 200 };
    } else if (collection === 'pagedmembers' && method === 'GET' && teams.has(conversationId)) {
      const roster = teams.get(conversationId)!;
      const from = Number(continuation ?? 0);
      const next = from + pageSize < roster.length ? String(from + pageSize) : undefined;
      return { status: 200, body: { members: roster.slice(from, from + pageSize), ...(next ? { continuationToken: next } : {}) } };
    } else if (collection === 'members' && itemId !== undefined && method === 'GET') {
      const member = members.get(itemId);
      if (member) return { status: 200, body: member };
      return {
        status: 404,
        body: { error: { code: 'MemberNotFoundInConversation', message: 'The member is not in the conversation.' } },
      };
    }
    return { status: 404 };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const requestUrl = new URL(req.url ?? '/', 'http://localhost');
    const rawPath = requestUrl.pathname;
    const segments = rawPath.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    if (segments[0] === 'uploads' && method === 'PUT') {
      const key = segments[1] ?? '';
      uploadAttempts.push(key);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const size = bytes.byteLength;
      const whole = size > 0 && req.headers['content-length'] === String(size) && req.headers['content-range'] === `bytes 0-${size - 1}/${size}`;
      const status = connector.uploadFault ?? (whole ? 201 : 400);
      if (status === 201) uploads.set(key, bytes);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status === 201 ? { id: key, size } : { error: { code: whole ? 'serviceError' : 'invalidRange', message: `fake connector: upload answered ${status}` } }));
      for (const wake of [...waiters]) wake();
      return;
    }
    if (segments[0] === 'files' && method === 'GET') {
      const file = files.get(segments[1] ?? '');
      downloads.push(segments[1] ?? '');
      res.writeHead(file === undefined ? 404 : 200, { 'Content-Type': 'application/octet-stream' });
      res.end(file);
      return;
    }
    const path = '/' + segments.join('/');
    const body = await readBody(req);

    // v3/conversations[/:conv[/activities|members[/:id]]]
    const [v3, conversations, conversationId, collection, itemId, ...rest] = segments;
    const known = v3 === 'v3' && conversations === 'conversations' && rest.length === 0;
    const record: SentRequest = { method, path, body, at: Date.now(), status: 0 };
    if (known && conversationId !== undefined) record.conversationId = conversationId;
    if (known && collection === 'activities' && itemId !== undefined) record.activityId = itemId;

    const fault = connector.fault?.(record);
    const failure = fault?.status ?? failures.shift();
    const answer: { status: number; body?: unknown; assignedId?: string } =
      failure !== undefined
        ? { status: failure, body: { error: { code: fault?.code ?? 'ServiceError', message: `fake connector: forced ${failure}` } } }
        : known
          ? route(method, conversationId, collection, itemId, requestUrl.searchParams.get('continuationToken'))
          : { status: 404 };
    if (answer.status === 404 && answer.body === undefined) {
      answer.body = { error: { code: 'NotFound', message: `fake connector: no route for ${method} ${path}` } };
    }
    const activityWrite =
      failure === undefined && known && collection === 'activities' && conversationId !== undefined && (method === 'POST' || method === 'PUT');
    info.set(record, { activityWrite, assignedId: answer.assignedId });
    record.status = answer.status;

    sent.push(record);
    for (const wake of [...waiters]) wake();
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...(fault?.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {}) });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return;
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'FakeConnectorError', message: String(e) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const connector: FakeConnector = {
    url: `http://127.0.0.1:${port}`,
    fault: undefined,
    sent,
    members,
    teams,
    files,
    downloads,
    uploads,
    uploadAttempts,
    uploadFault: undefined,
    uploadUrl(key) {
      return `${connector.url}/uploads/${encodeURIComponent(key)}`;
    },
    activities(conversationId) {
      return sent
        .filter((r) => info.get(r)?.activityWrite && (conversationId === undefined || r.conversationId === conversationId))
        .map((r) => {
          const activity = { ...(r.body as SentActivity) };
          const assignedId = info.get(r)?.assignedId;
          if (assignedId !== undefined) activity.id = assignedId;
          return activity;
        });
    },
    cardsSent(conversationId) {
      return connector
        .activities(conversationId)
        .flatMap((a) => a.attachments ?? [])
        .filter((att) => att.contentType === ADAPTIVE_CARD)
        .map((att) => (typeof att.content === 'string' ? JSON.parse(att.content) : att.content) as Record<string, unknown>);
    },
    waitFor(predicate, timeoutMs = 2_000) {
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          let value;
          try {
            value = predicate(connector);
          } catch (e) {
            finish();
            reject(e as Error);
            return;
          }
          if (value) {
            finish();
            resolve(value);
          }
        };
        const finish = () => {
          waiters.delete(check);
          if (timer) clearTimeout(timer);
        };
        waiters.add(check);
        timer = setTimeout(() => {
          finish();
          const seen = sent.map((r) => `${r.method} ${r.path}`).join('\n  ') || '(nothing)';
          reject(new Error(`fake connector: condition not met within ${timeoutMs} ms; requests so far:\n  ${seen}`));
        }, timeoutMs);
        check();
      });
    },
    failNext(status = 500, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    clear() {
      sent.length = 0;
      failures.length = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return connector;
}

/** The largest number of requests in any window of `ms` milliseconds. */
export function peak(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
