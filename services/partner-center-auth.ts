// An organization's sign-in to Partner Center. The Referrals API takes app + user tokens: an admin
// signs in once with a device code (any browser, any device), and MSAL keeps the tokens, refreshing
// them silently. Each organization's MSAL token cache lives on its record, sealed.
import { InteractionRequiredAuthError, PublicClientApplication, type DeviceCodeRequest, type INetworkModule } from '@azure/msal-node';
import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import type { PartnerCenterLink } from './model.js';
import { NeedsSignInError } from './partner-center-api.js';
import type { SealedBox } from './sealed.js';

export interface PartnerCenterAuthConfig {
  clientId: string;
  /** The Entra authority, e.g. https://login.microsoftonline.com/organizations. */
  authority: string;
  /** The Partner Center API's delegated scope. */
  scope: string;
  box: SealedBox;
  /** Tests route MSAL's requests to a local fake; production uses MSAL's own HTTP client. */
  networkClient?: INetworkModule;
}


export interface SignInCode {
  userCode: string;
  verificationUri: string;
  expiresDateTime: string;
}

export class PartnerCenterAuth {
  /** Sign-ins still polling, by organization: disconnect and shutdown cancel them. */
  private readonly pending = new Map<string, { request: DeviceCodeRequest; done: Promise<void> }>();
  /** Sign-ins being started, by organization: they are started one at a time. */
  private readonly starting = new Map<string, Promise<void>>();

  constructor(
    private readonly config: PartnerCenterAuthConfig,
    private readonly directory: Directory,
    private readonly clock: Clock,
    /** Told when an organization has finished signing in (the first sync starts then). */
    private readonly onConnected: (orgId: string) => void = () => {},
    /** Told once when a connected organization's sign-in stops working (its admins hear of it). */
    private readonly onSignInLost: (orgId: string) => Promise<void> = async () => {},
  ) {}

  private client(orgId: string): PublicClientApplication {
    const { box } = this.config;
    return new PublicClientApplication({
      auth: { clientId: this.config.clientId, authority: this.config.authority, knownAuthorities: [new URL(this.config.authority).host] },
      ...(this.config.networkClient ? { system: { networkClient: this.config.networkClient } } : {}),
      cache: {
        cachePlugin: {
          beforeCacheAccess: async (context) => {
            const sealed = (await this.directory.organization(orgId))?.partnerCenter?.tokenCache;
            if (sealed) context.tokenCache.deserialize(box.open(sealed, orgId));
          },
          afterCacheAccess: async (context) => {
            if (!context.cacheHasChanged) return;
            const tokenCache = box.seal(context.tokenCache.serialize(), orgId);
            // A cache written after a disconnect must not bring the connection back.
            await this.directory.setPartnerCenterLink(orgId, (link) => link && { ...link, tokenCache });
          },
        },
      },
    });
  }

  /**
   * Starts an admin's sign-in: resolves with the code to enter as soon as Entra gives it, while the
   * sign-in goes on polling until the admin has entered it (or it expires).
   */
  async startSignIn(orgId: string, byUserId: string): Promise<SignInCode> {
    // One sign-in per organization: a second click (or admin) while one starts waits for it to end first.
    while (this.starting.has(orgId)) await this.starting.get(orgId);
    let started!: () => void;
    this.starting.set(orgId, new Promise<void>((resolve) => (started = resolve)));
    try {
      return await this.beginSignIn(orgId, byUserId);
    } finally {
      this.starting.delete(orgId);
      started();
    }
  }

  private async beginSignIn(orgId: string, byUserId: string): Promise<SignInCode> {
    await this.cancel(orgId);
    // Signing in again keeps how far the sync had read: nothing changed meanwhile is skipped.
    await this.directory.setPartnerCenterLink(orgId, (link) => ({ status: 'signingIn', userCode: '', verificationUri: '', account: '', byUserId, tokenCache: '', problems: [], ...(link?.syncedUpTo ? { syncedUpTo: link.syncedUpTo } : {}) }));
    let codeGiven!: (code: SignInCode | Promise<SignInCode>) => void;
    const code = new Promise<SignInCode>((resolve) => (codeGiven = resolve));
    const request: DeviceCodeRequest = {
      scopes: [this.config.scope],
      deviceCodeCallback: (r) => {
        const shown = { userCode: r.userCode, verificationUri: r.verificationUri, expiresDateTime: new Date(this.clock.now().getTime() + r.expiresIn * 1000).toISOString() };
        // Kept for the card until the sign-in ends; the caller has the code once it is stored.
        const stored = this.directory.setPartnerCenterLink(orgId, (link) => (link?.status === 'signingIn' ? { ...link, userCode: shown.userCode, verificationUri: shown.verificationUri, codeExpiresDateTime: shown.expiresDateTime } : link));
        codeGiven(stored.then(() => shown, () => shown));
      },
    };
    const done = this.client(orgId)
      .acquireTokenByDeviceCode(request)
      .then(async (result) => {
        // Only a user of the organization's own tenant connects it: another tenant's referrals are not its.
        if (result?.account?.tenantId !== orgId) throw new NeedsSignInError(`signed in with an account of another tenant (${result?.account?.tenantId ?? 'none'})`);
        const now = this.clock.now().toISOString();
        await this.directory.setPartnerCenterLink(orgId, (link) => link && { ...link, status: 'connected', account: result?.account?.username ?? '', connectedDateTime: now, userCode: '', verificationUri: '' });
        this.onConnected(orgId);
      })
      .catch(async (e: Error) => {
        // Expired, refused, cancelled or another tenant's account: no half-made connection stays behind.
        const at = this.clock.now().toISOString();
        await this.directory
          .setPartnerCenterLink(orgId, (link) => (link?.status === 'signingIn' ? (e instanceof NeedsSignInError ? { ...link, status: 'needsSignIn', userCode: '', verificationUri: '', tokenCache: '', problems: [...link.problems, { at, message: `Sign-in refused: ${e.message}`.slice(0, 1000) }].slice(-20) } : undefined) : link))
          .catch(() => undefined);
      })
      .finally(() => this.pending.delete(orgId));
    this.pending.set(orgId, { request, done });
    return Promise.race([code, done.then(() => Promise.reject(new NeedsSignInError('Microsoft Entra gave no sign-in code.')))]);
  }

  /** A token for the organization's Partner Center calls, refreshed by MSAL when due (or when `refresh` asks). */
  async token(orgId: string, options: { refresh?: boolean } = {}): Promise<string> {
    const link = (await this.directory.organization(orgId))?.partnerCenter;
    if (link?.status !== 'connected') throw new NeedsSignInError('The organization is not connected to Partner Center.');
    const client = this.client(orgId);
    const [account] = await client.getAllAccounts();
    if (!account) {
      await this.markNeedsSignIn(orgId, 'no account in the token cache');
      throw new NeedsSignInError('The Partner Center sign-in is gone: an admin must connect again.');
    }
    try {
      return (await client.acquireTokenSilent({ account, scopes: [this.config.scope], forceRefresh: options.refresh ?? false })).accessToken;
    } catch (e) {
      if (!(e instanceof InteractionRequiredAuthError)) throw e;
      await this.markNeedsSignIn(orgId, (e as Error).message);
      throw new NeedsSignInError('The Partner Center sign-in expired: an admin must connect again.');
    }
  }

  private async markNeedsSignIn(orgId: string, why: string): Promise<void> {
    const at = this.clock.now().toISOString();
    let wasConnected = false;
    await this.directory.setPartnerCenterLink(orgId, (link) => {
      wasConnected = link?.status === 'connected';
      return link && { ...link, status: 'needsSignIn', problems: [...link.problems, { at, message: `Sign-in needed: ${why}`.slice(0, 1000) }].slice(-20) };
    });
    if (wasConnected) await this.onSignInLost(orgId);
  }

  /** Disconnects: the tokens are forgotten and a sign-in still polling stops. */
  async disconnect(orgId: string): Promise<void> {
    await this.cancel(orgId);
    await this.directory.setPartnerCenterLink(orgId, () => undefined);
  }

  private async cancel(orgId: string): Promise<void> {
    const running = this.pending.get(orgId);
    if (!running) return;
    running.request.cancel = true;
    await running.done;
  }

  /** Stops every sign-in still polling (at shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((orgId) => this.cancel(orgId)));
  }
}
