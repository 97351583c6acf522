// POST /api/tenants/:tenantId/referrals: Partner Center referrals delivered by a webhook,
// signed with an HMAC of the raw body. A rejected request stores nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { CoSellError } from '../services/errors.js';
import type { LifecycleService } from '../services/lifecycle.js';
import { fromPartnerCenter, PartnerCenterReferral } from '../services/partner-center.js';
import type { Logger } from './log.js';

export const MAX_REFERRAL_BYTES = 256 * 1024;
export const SIGNATURE_HEADER = 'x-signature-256';

export function sign(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function signatureMatches(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(sign(secret, Buffer.from(body, 'utf8')));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface IntakeDeps {
  secret: string;
  lifecycle: LifecycleService;
  microsoftTenantId: string;
  log: Logger;
}

interface Answer {
  status: number;
  body: object;
}

const problem = (status: number, code: string, message: string, extra: object = {}): Answer => ({ status, body: { error: { code, message, ...extra } } });

export function referralIntake(deps: IntakeDeps): restify.RequestHandler {
  return async (req, res) => {
    const { status, body } = await answer(deps, req);
    res.json(status, body);
  };
}

async function answer(deps: IntakeDeps, req: restify.Request): Promise<Answer> {
  const tenantId = String(req.params.tenantId ?? '');
  if (!deps.secret) return problem(503, 'WebhookOff', 'The referral webhook is off: set REFERRALS_WEBHOOK_SECRET to turn it on.');
  const raw = (req as { rawBody?: unknown }).rawBody;
  const text = typeof raw === 'string' ? raw : '';
  if (Buffer.byteLength(text, 'utf8') > MAX_REFERRAL_BYTES) return problem(413, 'TooLarge', `A referral must be under ${MAX_REFERRAL_BYTES / 1024} KB.`);
  if (!signatureMatches(deps.secret, text, req.header(SIGNATURE_HEADER))) {
    deps.log.warn('referral webhook: missing or wrong signature', { tenantId });
    return problem(401, 'BadSignature', 'Sign the raw body: header X-Signature-256: sha256=<hex HMAC-SHA256 keyed by the shared secret>.');
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
    return problem(500, 'InternalError', 'The referral could not be stored; try again.');
  }
}
