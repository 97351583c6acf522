// The running bot: store, services, Bot Framework adapter and the HTTP server.
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import restify from 'restify';
import { systemClock, type Clock } from '../services/clock.js';
import { langOf, msg, tIn } from '../services/i18n.js';
import { Directory } from '../services/directory.js';
import { LifecycleService } from '../services/lifecycle.js';
import { Insights } from '../services/insights.js';
import { WeeklyDigest } from '../services/digest.js';
import { openLowdbStore } from '../services/lowdb-store.js';
import { AlertPlanner } from '../services/alerts.js';
import { ConversationRegistry } from '../services/conversations.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';
import type { Delivery } from './delivery.js';
import type { SharedAnswers } from './pg-answers.js';
import { FailClosedAdapter, messagesEndpoint } from './messages-endpoint.js';
import { referralIntake } from './referral-intake.js';
import type { Store } from '../services/store.js';
import { CardUpdates } from './card-updates.js';
import { CoSellBot, DUPLICATE_WINDOW_MS } from './co-sell-bot.js';
import { botAuthSettings, ConfigError, storeLabel, type Config, type PartnerCenterConfig } from './config.js';
import { partnerCenterEvents } from './partner-center-events.js';
import type { INetworkModule } from '@azure/msal-node';
import type { PartnerCenterAuth } from '../services/partner-center-auth.js';
import { PartnerCenterSync } from '../services/partner-center-sync.js';
import { PartnerCenterWriter } from '../services/partner-center-writer.js';
import type { PartnerCenterTrust } from '../services/partner-center-events.js';
import { SealedBox } from '../services/sealed.js';
import { createLogger, type Logger } from './log.js';
import { clientLocaleOf } from './identity.js';

export interface RunningApp {
  /** Where the server can be reached from this machine, e.g. http://127.0.0.1:3978 */
  url: string;
  /** The port actually listened on (the one the OS chose when config.PORT is 0). */
  port: number;
  server: restify.Server;
  adapter: CloudAdapter;
  store: Store;
  lifecycle: LifecycleService;
  directory: Directory;
  dispatcher: OutboxDispatcher;
  /** Card messages being replaced for everyone after a click. */
  cardUpdates: CardUpdates;
  /** Runs the deadline clock once: expiries, reminders and weekly digests that are due (it also runs every minute). */
  runDeadlines(): Promise<void>;
  /** Partner Center sign-in and sync, when configured (PARTNER_CENTER_CLIENT_ID). */
  partnerCenter?: { auth: PartnerCenterAuth; sync: PartnerCenterSync; writer: PartnerCenterWriter };
  /** Stops accepting requests, then closes the store (releasing the data directory). Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** How often the deadline clock runs (expiries, reminders); default one minute. */
  deadlineIntervalMs?: number;
  /** How often an idle delivery loop looks at the outbox (commits of alerts wake it anyway). */
  outboxIdleMs?: number;
  /** Tests: where MSAL's requests to Microsoft Entra go (a local fake). */
  partnerCenterNetwork?: INetworkModule;
  /** Tests: how an event's signing certificate is downloaded. */
  fetchCertificate?: (url: string) => Promise<Buffer>;
}


/** How long close() lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/**
 * adapter.onTurnError: logs the failure with the activity it came from and, for a message,
 * sends the user a short apology (never the error itself). Invoke failures are answered by
 * the bot's own error responses, so nothing is sent for them here.
 */
export function turnErrorHandler(log: Logger): (context: TurnContext, error: Error) => Promise<void> {
  return async (context, error) => {
    const activity = context.activity;
    const err = error instanceof Error ? error : new Error(String(error));
    log.error('turn failed', {
      activityId: activity?.id,
      type: activity?.type,
      name: activity?.name,
      conversationId: activity?.conversation?.id,
      error: err.message,
      stack: err.stack,
    });
    if (activity?.type !== 'message') return;
    try {
      // The turn's language is gone with the turn: the client's own says which to use.
      await context.sendActivity(tIn(langOf(clientLocaleOf(activity).locale), 'bot.wentWrong'));
    } catch (sendError) {
      log.warn('could not send the apology for a failed turn', {
        activityId: activity.id,
        error: sendError instanceof Error ? sendError.message : String(sendError),
      });
    }
  };
}

export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger();
  const version = await packageVersion();
  const started = performance.now();

  const { store, delivery, answers } = await openStore(config);
  let server: restify.Server | undefined;
  try {
    const directory = new Directory(store, config.MICROSOFT_TENANT_ID);
    // Demo partners only where it is a demo: a deployment starts with an empty directory.
    if (config.demoData && (await directory.seedIfEmpty())) log.info('seeded the directory with the demo organizations', { store: storeLabel(config) });
    await directory.ensureMicrosoft();
    const planner = new AlertPlanner(store, directory, clock);
    const lifecycle = new LifecycleService(store, directory, clock, planner);
    const registry = new ConversationRegistry(store, clock);
    const digest = new WeeklyDigest(store, directory, planner, clock);

    const auth = botAuthSettings(config);
    const authWith = () => new ConfigurationBotFrameworkAuthentication(auth, new ConfigurationServiceClientCredentialFactory(auth));
    const adapter = new FailClosedAdapter(authWith());
    adapter.onTurnError = turnErrorHandler(log);
    const cardUpdates = new CardUpdates(adapter, config.MicrosoftAppId, log);
    const partnerCenter = config.partnerCenter ? await partnerCenterLink(config.partnerCenter, { store, directory, lifecycle, planner, clock, log, microsoftTenantId: config.MICROSOFT_TENANT_ID, network: options.partnerCenterNetwork }) : undefined;
    const bot = new CoSellBot({ store, lifecycle, insights: new Insights(store, directory, clock), directory, clock, log, registry, cardUpdates, anyFileHost: config.localMode, partnerCenter: partnerCenter?.auth, ...(answers ? { answers } : {}) });
    // Proactive messages go through an adapter of their own (its turn errors are the outbox's to handle);
    // they retry through the outbox only (see withoutClientRetries).
    const proactive = new CloudAdapter(authWith());
    const dispatcher = new OutboxDispatcher({
      store,
      adapter: proactive,
      appId: config.MicrosoftAppId,
      registry,
      planner,
      render: (m, c) => bot.renderAlert(m, c),
      log,
      retentionMs: config.OUTBOX_RETENTION_DAYS * 86_400_000,
      ...(delivery ? { delivery } : {}),
    });

    if (config.localMode) {
      log.warn(
        'Bot Framework authentication is OFF (local mode, for the Agents Playground and tests); set MicrosoftAppId/BOT_ID to turn it on.',
      );
    }

    const srv = restify.createServer({ name: 'co-sell-bot' });
    server = srv;
    srv.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024 }));
    srv.post('/api/messages', messagesEndpoint({ adapter, log, run: (context) => bot.run(context) }));
    srv.post('/api/tenants/:tenantId/referrals', referralIntake({ secret: config.REFERRALS_WEBHOOK_SECRET, lifecycle, microsoftTenantId: config.MICROSOFT_TENANT_ID, log, now: () => clock.now() }));
    if (partnerCenter) {
      srv.post(
        '/api/partner-center/events/:tenantId',
        partnerCenterEvents({ directory, sync: partnerCenter.sync, trust: partnerCenter.trust, fetchCertificate: options.fetchCertificate ?? downloadCertificate, log, now: () => clock.now() }),
      );
    }
    srv.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
      res.header('Cache-Control', 'no-store');
      // An operator's view: can we write, and is delivery keeping up.
      const pending = await store.list('outbox', undefined, { open: true });
      const oldest = pending.reduce((min, m) => (m.createdDateTime < min ? m.createdDateTime : min), clock.now().toISOString());
      const writeProblem = store.writeProblem();
      res.json(writeProblem ? 503 : 200, {
        status: writeProblem ? 'failing' : 'ok',
        ...(writeProblem ? { reason: `${config.DATABASE_URL ? 'The database' : 'The data folder'} cannot be written: ${writeProblem}` } : {}),
        version,
        localMode: config.localMode,
        uptimeSeconds: Math.floor((performance.now() - started) / 1000),
        outbox: { pending: pending.length, oldestPendingSeconds: Math.max(0, Math.round((clock.now().getTime() - Date.parse(oldest)) / 1000)) },
      });
    });

    await new Promise<void>((resolve, reject) => {
      // restify re-emits the http server's 'error' on itself, and throws if nobody listens there.
      const onError = (e: Error) => reject(e);
      srv.once('error', onError);
      const ready = () => {
        srv.off('error', onError);
        resolve();
      };
      // Without an app id nothing is authenticated: only this machine may call the bot.
      if (config.localMode) srv.listen(config.PORT, '127.0.0.1', ready);
      else srv.listen(config.PORT, ready);
    });
    // `localhost` may resolve to ::1 first (the Agents Playground uses it): the same handler listens there too.
    const ipv6 = config.localMode ? await listenIpv6Loopback(srv, log) : undefined;
    srv.on('error', (e: Error) => log.error('server error', { error: e.message, stack: e.stack }));
    // Deadlines are data in the store: after a restart, what fell due meanwhile is caught up once.
    // Every instance schedules the clock; one runs it at a time.
    const runDeadlines = async () => {
      try {
        await store.alone('deadlines', async () => {
          const expired = await lifecycle.expireDue();
          const reminded = await lifecycle.remindDue();
          const digests = await digest.planDue();
          if (expired.length + reminded + digests > 0) log.info('deadline clock', { expired: expired.length, reminded, digests });
        });
      } catch (e) {
        log.error('deadline clock failed', { error: (e as Error).message });
      }
    };
    await runDeadlines();
    const deadlines = setInterval(runDeadlines, options.deadlineIntervalMs ?? 60_000);
    deadlines.unref();
    // An alert leaves the moment it is committed, not at the delivery loop's next look.
    store.onCommit((writes) => {
      if (writes.some((w) => w.kind === 'outbox' && 'put' in w && w.put.status === 'pending')) dispatcher.wake();
      // A change for Partner Center leaves at once too; what cannot go now is retried by the timer below.
      if (!partnerCenter) return;
      const orgs = new Set(writes.flatMap((w) => (w.kind === 'referral' && 'put' in w && w.put.partnerCenterSync?.state === 'pending' && !w.put.partnerCenterSync.retryAt ? [w.put.orgId] : [])));
      for (const orgId of orgs) void partnerCenter.writer.flush(orgId).catch((e: Error) => log.error('partner center write failed', { error: e.message }));
    });
    dispatcher.start(options.outboxIdleMs);
    // Partner Center is read every few minutes besides its events: a missed or late event is caught up.
    const syncs = partnerCenter && setInterval(() => void partnerCenter.sync.syncAll().catch((e: Error) => log.error('partner center sync failed', { error: e.message })), partnerCenter.syncMinutes * 60_000);
    syncs?.unref();
    const writes = partnerCenter && setInterval(() => void partnerCenter.writer.flushAll().catch((e: Error) => log.error('partner center write failed', { error: e.message })), 30_000);
    writes?.unref();
    const port = (srv.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    log.info('listening', {
      url,
      port,
      on: config.localMode ? `loopback only (${ipv6 ? '127.0.0.1 and ::1' : '127.0.0.1'}): no app id, so no authentication` : 'every interface',
      localMode: config.localMode,
      store: storeLabel(config),
      version,
    });

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        clearInterval(deadlines);
        if (syncs) clearInterval(syncs);
        if (writes) clearInterval(writes);
        if (ipv6) await closeHttp(ipv6);
        await closeServer(srv);
        await partnerCenter?.auth.close();
        await partnerCenter?.sync.idle();
        await partnerCenter?.writer.idle();
        await cardUpdates.drain();
        await dispatcher.stop();
        await store.close();
        log.info('closed', { url });
      })());

    return { url, port, server: srv, adapter, store, lifecycle, directory, dispatcher, cardUpdates, runDeadlines, close, ...(partnerCenter ? { partnerCenter: { auth: partnerCenter.auth, sync: partnerCenter.sync, writer: partnerCenter.writer } } : {}) };
  } catch (e) {
    if (server?.server.listening) await closeServer(server);
    await store.close();
    throw e;
  }
}

/**
 * PostgreSQL when DATABASE_URL says so (several instances may share it, and deliver together),
 * else the embedded store in DATA_DIR. The PostgreSQL client is loaded only by a deployment that uses it.
 */
async function openStore(config: Config): Promise<{ store: Store; delivery?: Delivery; answers?: SharedAnswers }> {
  if (!config.DATABASE_URL) return { store: await openLowdbStore(config.DATA_DIR) };
  const [{ openPgStore }, { PgDelivery }, { PgAnswers }] = await Promise.all([import('../services/pg-store.js'), import('./pg-delivery.js'), import('./pg-answers.js')]);
  const store = await openPgStore(config.DATABASE_URL, config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {});
  return { store, delivery: new PgDelivery(store), answers: new PgAnswers(store, DUPLICATE_WINDOW_MS) };
}

/** Sign-in, sync and event trust for Partner Center, from its configuration. */
async function partnerCenterLink(
  pc: PartnerCenterConfig,
  deps: { store: Store; directory: Directory; lifecycle: LifecycleService; planner: AlertPlanner; clock: Clock; log: Logger; microsoftTenantId: string; network?: INetworkModule },
) {
  const { store, directory, lifecycle, clock, log } = deps;
  // A newly connected organization is read at once, not at the next tick.
  const firstSync = (orgId: string) => void sync.syncOrganization(orgId).catch((e: Error) => log.error('partner center sync failed', { orgId, error: e.message }));
  // The admins hear once that the sign-in stopped working; the card says what to do.
  const signInLost = async (orgId: string) => {
    const writes = await deps.planner.adminNotice(orgId, msg('alert.pcSignInLost'));
    if (writes.length > 0) await store.exclusive((commit) => commit(writes));
  };
  // MSAL is loaded only by a deployment that connects to Partner Center: the others do not carry it.
  const { PartnerCenterAuth } = await import('../services/partner-center-auth.js');
  const auth = new PartnerCenterAuth({ clientId: pc.clientId, authority: pc.authority, scope: pc.scope, box: new SealedBox(pc.tokenKey), ...(deps.network ? { networkClient: deps.network } : {}) }, directory, clock, firstSync, signInLost);
  const sync: PartnerCenterSync = new PartnerCenterSync({ directory, lifecycle, auth, clock, apiUrl: pc.apiUrl, microsoftTenantId: deps.microsoftTenantId });
  let trust: PartnerCenterTrust | undefined;
  if (pc.eventsCaFile) {
    const pem = await readFile(pc.eventsCaFile, 'utf8').catch((e: Error) => {
      throw new ConfigError([`PARTNER_CENTER_EVENTS_CA_FILE cannot be read: ${e.message}`]);
    });
    const caPem = pem.split(/(?<=-----END CERTIFICATE-----)/).map((c) => c.trim()).filter((c) => c.startsWith('-----BEGIN CERTIFICATE-----'));
    if (caPem.length === 0) throw new ConfigError([`PARTNER_CENTER_EVENTS_CA_FILE (${pc.eventsCaFile}) holds no PEM certificate`]);
    trust = { caPem, issuerOrganization: pc.eventsIssuer, certificateHosts: pc.eventsCertificateHosts };
  }
  const writer = new PartnerCenterWriter({ store, directory, sync, clock });
  return { auth, sync, writer, trust, syncMinutes: pc.syncMinutes };
}

/** A signing certificate, downloaded with a time and size limit: a stalled download must not hold every event. */
async function downloadCertificate(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!response.ok) throw new Error(`certificate download answered ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > 64 * 1024) throw new Error('certificate over 64 KB');
  return body;
}

/** A second server on ::1 and the same port, answering with restify's handler; none where the machine has no IPv6. */
async function listenIpv6Loopback(srv: restify.Server, log: Logger): Promise<HttpServer | undefined> {
  const { port } = srv.address() as AddressInfo;
  const ipv6 = createHttpServer((req, res) => srv.server.emit('request', req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      ipv6.once('error', reject);
      ipv6.listen(port, '::1', () => resolve());
    });
    return ipv6;
  } catch (e) {
    log.info('not listening on ::1 (no IPv6 loopback here)', { error: (e as Error).message });
    return undefined;
  }
}

function closeServer(server: restify.Server): Promise<void> {
  return closeHttp(server.server);
}

async function closeHttp(http: HttpServer): Promise<void> {
  if (!http.listening) return;
  await new Promise<void>((resolve) => {
    // Idle keep-alive connections close now (Node >= 19 does it in close()); busy ones get a grace period.
    const force = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
    force.unref();
    http.close(() => {
      clearTimeout(force);
      resolve();
    });
    http.closeIdleConnections();
  });
}
