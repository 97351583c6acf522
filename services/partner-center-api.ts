// A client of Partner Center's Referrals API (reads): one referral by id, and every referral
// changed since a time, page by page, each parsed with our schema of the resource.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { systemClock, type Clock } from './clock.js';
import { PartnerCenterReferral } from './partner-center.js';

/**
 * A request Partner Center did not answer as documented. `status` is the HTTP status of the answer
 * (0 when none came: network failure or timeout); `retryAfterSeconds` is its Retry-After on 429 and 503.
 */
export class PartnerCenterError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PartnerCenterError';
  }
}

/** The organization has no usable sign-in to Partner Center: an admin must connect it again. */
export class NeedsSignInError extends Error {}

export interface PartnerCenterApiOptions {
  /** e.g. https://api.partnercenter.microsoft.com/v1.0 */
  baseUrl: string;
  /** A bearer token (App+User); asked again with `{ refresh: true }` once after a 401. */
  token: (o?: { refresh?: boolean }) => Promise<string>;
  /** How long one request may take; 30 s unless told. */
  timeoutMs?: number;
  /** For a Retry-After given as a date. */
  clock?: Clock;
}

/** One referral of a list: parsed, or why it does not fit our schema (so that one bad referral does not stop a sync). */
export type ReferralResult = { ok: true; referral: PartnerCenterReferral; eTag: string } | { ok: false; id: string; problem: string };

const ReferralList = z.object({ value: z.array(z.unknown()), '@odata.nextLink': z.string().nullish() });

export class PartnerCenterApi {
  private readonly base: string;
  private readonly origin: string;

  constructor(private readonly options: PartnerCenterApiOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
  }

  /** The referral and its ETag (the response's ETag header, else the body's eTag; '' when neither says). */
  /** The referral, checked against our schema; its ETag; and the resource as sent, every field kept (what a PUT sends back). */
  async getReferral(id: string): Promise<{ referral: PartnerCenterReferral; eTag: string; resource: Record<string, unknown> }> {
    const what = `referral ${id}`;
    const res = await this.send(`${this.base}/engagements/referrals/${encodeURIComponent(id)}`, what, randomUUID());
    const json = await readJson(res, what);
    return { ...parsedReferral(json, res, what), resource: json as Record<string, unknown> };
  }

  /** Creates a referral (POST): Partner Center gives it its id and ETag. */
  async createReferral(resource: Record<string, unknown>): Promise<{ referral: PartnerCenterReferral; eTag: string }> {
    const what = `a new referral "${String(resource.name ?? '')}"`;
    const res = await this.send(`${this.base}/engagements/referrals`, what, randomUUID(), { method: 'POST', body: resource });
    return parsedReferral(await readJson(res, what), res, what);
  }

  /**
   * Writes the whole resource back (PUT, without its `links`), if Partner Center still has the
   * version `eTag` names: a 412 says someone changed it meanwhile. Returns the written referral.
   */
  async putReferral(id: string, resource: Record<string, unknown>, eTag: string): Promise<{ referral: PartnerCenterReferral; eTag: string }> {
    const what = `referral ${id}`;
    const { links: _links, ...body } = resource;
    const res = await this.send(`${this.base}/engagements/referrals/${encodeURIComponent(id)}`, what, randomUUID(), { method: 'PUT', body, ifMatch: eTag });
    return parsedReferral(await readJson(res, what), res, what);
  }

  /**
   * Every referral updated at or after `since` (an ISO date-time), oldest change first, following
   * `@odata.nextLink` (only to baseUrl's origin). All pages of one call share one MS-CorrelationId.
   */
  async *referralsUpdatedSince(since: string): AsyncGenerator<ReferralResult, void, undefined> {
    if (!z.iso.datetime({ offset: true }).safeParse(since).success) throw new TypeError(`since must be an ISO date-time, not "${since}"`);
    const iso = new Date(since).toISOString();
    const what = `the referrals updated since ${iso}`;
    const correlationId = randomUUID();
    let url = new URL(`${this.base}/engagements/referrals?$filter=${encodeURIComponent(`updatedDateTime ge ${iso}`)}&$orderby=updatedDateTime`).href;
    const seen = new Set<string>();
    for (;;) {
      seen.add(url);
      const res = await this.send(url, what, correlationId);
      const page = ReferralList.safeParse(await readJson(res, what));
      if (!page.success) throw new PartnerCenterError(`Partner Center's page of ${what} is not a { value: [...] } list`, res.status);
      for (const item of page.data.value) yield resultOf(item);
      const next = page.data['@odata.nextLink'];
      if (!next) return;
      const nextUrl = new URL(next, url);
      if (nextUrl.origin !== this.origin) {
        throw new PartnerCenterError(`Partner Center's next page of ${what} is on ${nextUrl.origin}, not ${this.origin}: not followed`, res.status);
      }
      if (seen.has(nextUrl.href)) throw new PartnerCenterError(`Partner Center's next page of ${what} repeats an earlier page`, res.status);
      url = nextUrl.href;
    }
  }

  /** A request with our headers; after a 401, once more with a refreshed token. Throws for any answer but 2xx. */
  private async send(url: string, what: string, correlationId: string, write?: { method: 'PUT' | 'POST'; body: object; ifMatch?: string }): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const token = attempt === 1 ? await this.options.token() : await this.options.token({ refresh: true });
      let res: Response;
      try {
        res = await fetch(url, {
          method: write?.method ?? 'GET',
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            'client-request-id': randomUUID(),
            'MS-CorrelationId': correlationId,
            ...(write ? { 'Content-Type': 'application/json' } : {}),
            ...(write?.ifMatch ? { 'If-Match': write.ifMatch } : {}),
          },
          ...(write ? { body: JSON.stringify(write.body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
      } catch (e) {
        throw new PartnerCenterError(`Partner Center could not be reached for ${what}: ${(e as Error).message}`, 0);
      }
      if (res.ok) return res;
      const code = await errorCode(res);
      if (res.status === 401 && attempt === 1) continue;
      throw new PartnerCenterError(`Partner Center answered ${res.status} for ${what}${code ? ` (${code})` : ''}`, res.status, this.retryAfter(res));
    }
  }

  private retryAfter(res: Response): number | undefined {
    const value = res.headers.get('retry-after')?.trim();
    if ((res.status !== 429 && res.status !== 503) || !value) return undefined;
    if (/^\d+$/.test(value)) return Number(value);
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - (this.options.clock ?? systemClock).now().getTime()) / 1000));
  }
}

/** A referral in Partner Center's answer, checked against our schema, with the answer's ETag. */
function parsedReferral(json: unknown, res: Response, what: string): { referral: PartnerCenterReferral; eTag: string } {
  const parsed = PartnerCenterReferral.safeParse(withoutNulls(json));
  if (!parsed.success) throw new PartnerCenterError(`Partner Center's ${what} does not fit our schema: ${problemOf(parsed.error)}`, res.status);
  const eTag = res.headers.get('etag') ?? parsed.data.eTag ?? '';
  return { referral: eTag ? { ...parsed.data, eTag } : parsed.data, eTag };
}

function resultOf(item: unknown): ReferralResult {
  const parsed = PartnerCenterReferral.safeParse(withoutNulls(item));
  if (parsed.success) return { ok: true, referral: parsed.data, eTag: parsed.data.eTag ?? '' };
  const id = (item as { id?: unknown } | null)?.id;
  return { ok: false, id: typeof id === 'string' ? id : '', problem: problemOf(parsed.error) };
}

const problemOf = (error: z.ZodError) => error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');

/** Partner Center writes an absent value as null ("externalReferenceId": null); our schema takes it as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

async function readJson(res: Response, what: string): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    throw new PartnerCenterError(`Partner Center's answer for ${what} is not JSON`, res.status);
  }
}

/** Partner Center's error code ({ code: "preconditionFailed" }), when the body has one. */
async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json().catch(() => undefined)) as { code?: unknown; error?: { code?: unknown } } | undefined;
  const code = body?.code ?? body?.error?.code;
  return typeof code === 'string' ? code : undefined;
}
