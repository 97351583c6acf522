// Changes made in Teams to referrals that came from Partner Center go back there. A change is queued
// on the referral in its own commit (`partnerCenterSync: pending`), so none is lost; this writer puts
// the referral's current state into Partner Center: the resource as Partner Center has it, with our
// stage, name, value, close date and team, PUT with If-Match. A 412 (changed there meanwhile) re-reads and
// re-applies; Partner Center already further along wins; 429 and outages wait, in order.
import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import { tIn } from './i18n.js';
import { declineReasons, lostReasons, statusOf, type Referral, type Stage } from './model.js';
import { NeedsSignInError, PartnerCenterError } from './partner-center-api.js';
import { stageOf, toPartnerCenter } from './partner-center.js';
import type { PartnerCenterSync } from './partner-center-sync.js';
import type { Store } from './store.js';

/** Attempts of one PUT when Partner Center keeps saying someone changed the referral meanwhile. */
const PRECONDITION_RETRIES = 3;
/** Waits between attempts while Partner Center is down, when it names none: 1 min doubling to 1 h. */
const backoffMs = (attempts: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.min(attempts, 6));

/** Partner Center's order of stages: a referral never goes back in it. */
const rank = (s: Stage) => (s === 'Received' ? 0 : s === 'Accepted' ? 1 : 2);

/** Why a referral was declined or lost, as Partner Center's statusReason (text, in English: Partner Center's language). */
function reasonText(r: Referral): string {
  if (r.substatus === 'Declined' && (declineReasons as readonly string[]).includes(r.statusReason)) return tIn('en', `declineReason.${r.statusReason as (typeof declineReasons)[number]}`);
  if (r.substatus === 'Lost' && (lostReasons as readonly string[]).includes(r.statusReason)) return tIn('en', `lostReason.${r.statusReason as (typeof lostReasons)[number]}`);
  return r.statusReason;
}

/** Partner Center's resource with what this side owns of it put in. */
function withOurs(resource: Record<string, unknown>, r: Referral): Record<string, unknown> {
  const details = (resource.details ?? {}) as Record<string, unknown>;
  return {
    ...resource,
    name: r.name,
    status: statusOf[r.substatus],
    substatus: r.substatus,
    statusReason: reasonText(r),
    details: { ...details, dealValue: r.details.dealValue, currency: r.details.currency, closingDateTime: r.details.closingDateTime },
    // Our team: the same Member shape as Partner Center's.
    team: r.team,
  };
}

export class PartnerCenterWriter {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: { store: Store; directory: Directory; sync: PartnerCenterSync; clock: Clock }) {}

  /** Resolves once no write is running (at shutdown, before the store closes). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  async flushAll(): Promise<void> {
    for (const org of await this.deps.directory.organizations()) if (org.partnerCenter?.status === 'connected') await this.flush(org.id);
  }

  /** Writes the organization's pending changes that are due, oldest first; one flush per organization at a time. */
  flush(orgId: string): Promise<void> {
    const running = this.running.get(orgId);
    if (running) return running.then(() => this.flush(orgId));
    // One instance of a deployment writes an organization's changes at a time: two would PUT the same change twice.
    const flush = this.deps.store
      .alone(`partner-center-writes:${orgId}`, () => this.writeDue(orgId))
      .then(() => undefined)
      .finally(() => this.running.delete(orgId));
    this.running.set(orgId, flush);
    return flush;
  }

  private async writeDue(orgId: string): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const { store } = this.deps;
    const queued = await Promise.all((await store.findReferrals({ orgId, partnerCenterPending: true })).map((s) => store.get('referral', s.id)));
    const due = queued
      .filter((r): r is Referral => r?.partnerCenterSync?.state === 'pending' && (!r.partnerCenterSync.retryAt || r.partnerCenterSync.retryAt <= now))
      .sort((a, b) => a.partnerCenterSync!.at.localeCompare(b.partnerCenterSync!.at));
    for (const referral of due) {
      // Partner Center throttling or down: the rest wait too, so that changes go out in order.
      if (!(await this.write(referral))) return;
    }
  }

  /** One referral's state into Partner Center; false when Partner Center could not take anything now. */
  private async write(r: Referral): Promise<boolean> {
    const api = this.deps.sync.api(r.orgId);
    try {
      if (r.partnerCenterId === '') {
        // Created in Teams: Partner Center gives it its id, by which it is known from then on.
        const created = await api.createReferral(toPartnerCenter(r));
        await this.mark(r, { state: 'synced', problem: '', eTag: created.eTag, partnerCenterId: created.referral.id ?? '' });
        return true;
      }
      for (let attempt = 1; ; attempt++) {
        const { referral: theirs, eTag, resource } = await api.getReferral(r.partnerCenterId);
        const their = stageOf(theirs);
        if (rank(their) > rank(r.substatus) || (rank(their) === 2 && their !== r.substatus)) {
          // Further along there (answered or closed in Partner Center): theirs is kept, and ours is said to be refused.
          await this.mark(r, { state: 'refused', problem: `Partner Center has it ${their} already.` });
          await this.deps.sync.importOne(r.orgId, r.partnerCenterId).catch(() => undefined);
          return true;
        }
        try {
          const written = await api.putReferral(r.partnerCenterId, withOurs(resource, r), eTag);
          await this.mark(r, { state: 'synced', problem: '', eTag: written.eTag });
          return true;
        } catch (e) {
          if (e instanceof PartnerCenterError && e.status === 412 && attempt < PRECONDITION_RETRIES) continue;
          throw e;
        }
      }
    } catch (e) {
      if (e instanceof NeedsSignInError) return false;
      if (e instanceof PartnerCenterError && (e.status === 0 || e.status === 429 || e.status >= 500 || e.status === 412)) {
        const attempts = (r.partnerCenterSync?.attempts ?? 0) + 1;
        const wait = e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : backoffMs(attempts);
        await this.mark(r, { state: 'pending', problem: e.message, attempts, retryAt: new Date(this.deps.clock.now().getTime() + wait).toISOString() });
        return false;
      }
      // Any other refusal (400, 403, 404, 409): retrying would not help; the card says why.
      await this.mark(r, { state: 'refused', problem: (e as Error).message });
      return true;
    }
  }

  /** Records the outcome on the referral, unless a newer change of it is already queued (that one goes next). */
  private mark(r: Referral, outcome: { state: 'pending' | 'synced' | 'refused'; problem: string; attempts?: number; retryAt?: string; eTag?: string; partnerCenterId?: string }): Promise<void> {
    const { store, clock } = this.deps;
    return store.exclusive(async (commit) => {
      const current = await store.get('referral', r.id);
      if (!current?.partnerCenterSync || current.partnerCenterSync.version !== r.partnerCenterSync?.version) return;
      const { retryAt: _r, ...sync } = current.partnerCenterSync;
      const next: Referral = {
        ...current,
        ...(outcome.eTag ? { partnerCenterETag: outcome.eTag } : {}),
        ...(outcome.partnerCenterId ? { partnerCenterId: outcome.partnerCenterId } : {}),
        partnerCenterSync: { ...sync, state: outcome.state, problem: outcome.problem.slice(0, 1000), attempts: outcome.attempts ?? 0, at: clock.now().toISOString(), ...(outcome.retryAt ? { retryAt: outcome.retryAt } : {}) },
      };
      await commit([{ kind: 'referral', put: next, ifVersion: current.version }]);
    });
  }
}
