// Partner Center's webhook: `referral-created` and `referral-updated` events for a connected
// organization. An event carries only an id and is believed only when Partner Center's certificate
// signed it; the referral itself is then read from Partner Center (never from the event's URL).
// A verified event is always answered 200: what could not be read now, the next sync reads.
import type restify from 'restify';
import { CoSellError } from '../services/errors.js';
import type { Directory } from '../services/directory.js';
import { NeedsSignInError, PartnerCenterError } from '../services/partner-center-api.js';
import { PartnerCenterEvent, referralIdOf, verifyPartnerCenterSignature, type PartnerCenterTrust } from '../services/partner-center-events.js';
import type { PartnerCenterSync } from '../services/partner-center-sync.js';
import type { Logger } from './log.js';

export interface EventsDeps {
  directory: Directory;
  sync: PartnerCenterSync;
  /** Whose certificates sign events; undefined turns the endpoint off. */
  trust?: PartnerCenterTrust;
  fetchCertificate: (url: string) => Promise<Buffer>;
  log: Logger;
  now: () => Date;
}

export function partnerCenterEvents(deps: EventsDeps): restify.RequestHandler {
  return async (req, res) => {
    const { status, body } = await answer(deps, req);
    res.json(status, body);
  };
}

const problem = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });

async function answer(deps: EventsDeps, req: restify.Request): Promise<{ status: number; body: object }> {
  const tenantId = String(req.params.tenantId ?? '');
  if (!deps.trust) return problem(503, 'EventsOff', 'Partner Center events are off: set PARTNER_CENTER_EVENTS_CA_FILE to the certificate authority that issues Partner Center’s signing certificate.');
  const raw = (req as { rawBody?: unknown }).rawBody;
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const verdict = await verifyPartnerCenterSignature({ rawBody: Buffer.from(typeof raw === 'string' ? raw : '', 'utf8'), headers, fetchCertificate: deps.fetchCertificate, trust: deps.trust, now: deps.now() });
  if (!verdict.ok) {
    deps.log.warn('partner center event refused', { tenantId, reason: verdict.reason });
    return problem(401, 'BadSignature', `The event is not signed by Partner Center: ${verdict.reason}.`);
  }
  const event = PartnerCenterEvent.safeParse(req.body);
  if (!event.success) return problem(400, 'InvalidEvent', `The event does not parse: ${event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  let referralId: string;
  try {
    referralId = referralIdOf(event.data);
  } catch (e) {
    return problem(400, 'InvalidEvent', (e as Error).message);
  }
  const org = await deps.directory.organization(tenantId);
  if (org?.partnerCenter?.status !== 'connected') return problem(404, 'NotConnected', 'No organization with that tenant id is connected to Partner Center.');
  try {
    await deps.sync.importOne(tenantId, referralId);
    deps.log.info('partner center event', { tenantId, event: event.data.EventName, referralId });
    return { status: 200, body: { referralId, outcome: 'imported' } };
  } catch (e) {
    // Logged, never retried by Partner Center: the next sync reads the referral again.
    const known = e instanceof PartnerCenterError || e instanceof NeedsSignInError || e instanceof CoSellError;
    deps.log[known ? 'warn' : 'error']('partner center event not imported', { tenantId, referralId, error: (e as Error).message });
    return { status: 200, body: { referralId, outcome: 'deferred', reason: (e as Error).message } };
  }
}
