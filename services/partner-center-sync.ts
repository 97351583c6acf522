// Partner Center's referrals into an organization's deals: every few minutes the referrals changed
// since the last sync are read (so a missed or late event is caught up), and an event's referral is
// read at once. Import is the lifecycle's: the same referral twice changes nothing, an older copy
// never overwrites a newer one.
import type { Clock } from './clock.js';
import { DAY_MS } from './clock.js';
import type { Directory } from './directory.js';
import type { LifecycleService } from './lifecycle.js';
import type { PartnerCenterAuth } from './partner-center-auth.js';
import { NeedsSignInError, PartnerCenterApi } from './partner-center-api.js';
import { fromPartnerCenter, type PartnerCenterReferral } from './partner-center.js';

/** How far back the first sync of a newly connected organization reads. */
const FIRST_SYNC_DAYS = 30;

export interface PartnerCenterSyncDeps {
  directory: Directory;
  lifecycle: LifecycleService;
  auth: PartnerCenterAuth;
  clock: Clock;
  /** Partner Center's API, e.g. https://api.partnercenter.microsoft.com/v1.0. */
  apiUrl: string;
  microsoftTenantId: string;
}

export interface SyncReport {
  imported: number;
  problems: string[];
}

export class PartnerCenterSync {
  /** One sync per organization at a time: an event and the timer never read the same pages twice at once. */
  private readonly running = new Map<string, Promise<SyncReport>>();

  constructor(private readonly deps: PartnerCenterSyncDeps) {}

  api(orgId: string): PartnerCenterApi {
    return new PartnerCenterApi({ baseUrl: this.deps.apiUrl, token: (o) => this.deps.auth.token(orgId, o), clock: this.deps.clock });
  }

  /** Every connected organization, one after the other. */
  async syncAll(): Promise<void> {
    for (const org of await this.deps.directory.organizations()) {
      if (org.partnerCenter?.status === 'connected') await this.syncOrganization(org.id);
    }
  }

  syncOrganization(orgId: string): Promise<SyncReport> {
    const running = this.running.get(orgId);
    if (running) return running;
    const sync = this.readChanges(orgId).finally(() => this.running.delete(orgId));
    this.running.set(orgId, sync);
    return sync;
  }

  /** Resolves once no sync is running (at shutdown, before the store closes). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** The referral an event names, read from Partner Center itself (never from the event) and imported. */
  async importOne(orgId: string, referralId: string): Promise<void> {
    const { referral, eTag } = await this.api(orgId).getReferral(referralId);
    await this.import(orgId, referral, eTag);
  }

  private import(orgId: string, referral: PartnerCenterReferral, eTag: string) {
    return this.deps.lifecycle.importReferral(orgId, { ...fromPartnerCenter(referral, this.deps.microsoftTenantId), ...(eTag ? { eTag } : {}) });
  }

  private async readChanges(orgId: string): Promise<SyncReport> {
    const { directory, clock } = this.deps;
    const link = (await directory.organization(orgId))?.partnerCenter;
    if (link?.status !== 'connected') return { imported: 0, problems: [] };
    const since = link.syncedUpTo ?? new Date(clock.now().getTime() - FIRST_SYNC_DAYS * DAY_MS).toISOString();
    let upTo = since;
    // After a referral that could not be imported, the sync no longer moves on: the next one reads it again.
    let stuck = false;
    let imported = 0;
    const problems: string[] = [];
    try {
      for await (const item of this.api(orgId).referralsUpdatedSince(since)) {
        if (!item.ok) {
          problems.push(`Referral ${item.id} does not fit: ${item.problem}`);
          stuck = true;
          continue;
        }
        try {
          if ((await this.import(orgId, item.referral, item.eTag)).outcome !== 'unchanged') imported++;
        } catch (e) {
          problems.push(`Referral ${item.referral.id ?? ''}: ${(e as Error).message}`);
          stuck = true;
        }
        const updated = item.referral.updatedDateTime && new Date(item.referral.updatedDateTime).toISOString();
        if (!stuck && updated && updated > upTo) upTo = updated;
      }
    } catch (e) {
      // Partner Center down or the sign-in gone: what was read stays read, the rest is read next time.
      problems.push(e instanceof NeedsSignInError ? e.message : `Partner Center: ${(e as Error).message}`);
    }
    const at = clock.now().toISOString();
    await directory.setPartnerCenterLink(orgId, (l) => l && { ...l, syncedUpTo: upTo, lastSyncDateTime: at, problems: [...l.problems, ...problems.map((message) => ({ at, message: message.slice(0, 1000) }))].slice(-20) });
    return { imported, problems };
  }
}
