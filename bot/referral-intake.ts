// POST /api/tenants/:tenantId/referrals: Partner Center referrals delivered by a webhook, signed
// with an HMAC of a timestamp, the tenant of the URL and the raw body, so a signed body is good for
// one tenant and a few minutes only. A rejected request stores nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { CoSellError } from '../services/errors.js';
import type { LifecycleService } from '../services/lifecycle.js';
import { fromPartnerCenter, PartnerCenterReferral } from '../services/partner-center.js';
import type { Logger } from './log.js';

export const MAX_REFERRAL_BYTES = 256 * 1024;
export const SIGNATURE_HEADER = 'x-signature-256';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
/** How far a signature's timestamp may be from our clock: a captured request can't be replayed later. */
export const MAX_SKEW_SECONDS = 300;

/** `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<tenantId>.<raw body>`. */
export function sign(secret: string, timestamp: string, tenantId: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${tenantId}.`).update(Buffer.from(body, 'utf8')).digest('hex')}`;
}

/** The headers a sender puts on a referral for a tenant, signed now. */
export function signedHeaders(secret: string, tenantId: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'X-Signature-Timestamp': timestamp, 'X-Signature-256': sign(secret, timestamp, tenantId, body) };
}

function signatureMatches(secret: string, tenantId: string, body: string, header: string | undefined, timestamp: string | undefined, now: Date): boolean {
  if (!header || !timestamp || !/^\d{1,12}$/.test(timestamp.trim())) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  const expected = Buffer.from(sign(secret, timestamp.trim(), tenantId, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface IntakeDeps {
  secret: string;
  lifecycle: LifecycleService;
  microsoftTenantId: string;
  log: Logger;
  now: () => Date;
}

interface Answer {
  status: number;
  body: object;
  /** Seconds for Retry-After, when trying again later can succeed. */
  retryAfter?: number;
}

const problem = (status: number, code: string, message: string, extra: object = {}): Answer => ({ status, body: { error: { code, message, ...extra } } });

export function referralIntake(deps: IntakeDeps): restify.RequestHandler {
  return async (req, res) => {
    const { status, body, retryAfter } = await answer(deps, req);
    if (retryAfter !== undefined) res.header('Retry-After', String(retryAfter));
    res.json(status, body);
  };
}

async function answer(deps: IntakeDeps, req: restify.Request): Promise<Answer> {
  const tenantId = String(req.params.tenantId ?? '');
  if (!deps.secret) return problem(503, 'WebhookOff', 'The referral webhook is off: set REFERRALS_WEBHOOK_SECRET to turn it on.');
  const raw = (req as { rawBody?: unknown }).rawBody;
  const text = typeof raw === 'string' ? raw : '';
  if (Buffer.byteLength(text, 'utf8') > MAX_REFERRAL_BYTES) return problem(413, 'TooLarge', `A referral must be under ${MAX_REFERRAL_BYTES / 1024} KB.`);
  if (!signatureMatches(deps.secret, tenantId, text, req.header(SIGNATURE_HEADER), req.header(TIMESTAMP_HEADER), deps.now())) {
    deps.log.warn('referral webhook: missing, wrong or expired signature', { tenantId });
    return problem(
      401,
      'BadSignature',
      `Sign each request: X-Signature-Timestamp: <Unix time in seconds, within ${MAX_SKEW_SECONDS} s of now>, X-Signature-256: sha256=<hex HMAC-SHA256 of "<timestamp>.<tenant id>.<raw body>" keyed by the shared secret>.`,
    );
  }
  const parsed = PartnerCenterReferral.safeParse(req.body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    return problem(400, 'InvalidReferral', 'The referral does not parse; nothing was stored.', { problems });
  }
  try {
    const result = await deps.lifecycle.importReferral(tenantId, fromPartnerCenter(parsed.data, deps.microsoftTenantId));
    deps.log.info('referral webhook', { tenantId, outcome: result.outcome, referralId: result.referral.id });
    return { status: result.outcome === 'created' ? 201 : 200, body: { id: result.referral.id, outcome: result.outcome, stage: result.referral.substatus } };
  } catch (e) {
    if (e instanceof CoSellError && e.code === 'not_found') return problem(404, 'UnknownTenant', e.message);
    if (e instanceof CoSellError && e.code === 'conflict') return problem(409, 'Conflict', e.message);
    if (e instanceof CoSellError) return problem(400, 'InvalidReferral', e.message, { problems: Object.entries(e.fields).map(([field, message]) => ({ field, message })) });
    deps.log.error('referral webhook failed', { tenantId, error: (e as Error).message, stack: (e as Error).stack });
    return { ...problem(503, 'Unavailable', 'The referral could not be stored now. Send it again in a minute: a repeated referral is recognized by its id, never stored twice.'), retryAfter: 60 };
  }
}
