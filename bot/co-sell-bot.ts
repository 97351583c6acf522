// Co-sell Bot in Teams: text commands, Universal Actions on the cards, and typeahead search.
// Handlers stay thin: they find out who is acting, call the services and send a card.
import {
  type Activity,
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type FileConsentCardResponse,
  type InvokeResponse,
  type MessagingExtensionQuery,
  type MessagingExtensionResponse,
} from 'botbuilder';
import { z } from 'zod';
import { customerChoice, roleLabel } from '../cards/format.js';
import { listCard, MAX_QUERY, type ListKind } from '../cards/list.js';
import { banner, type Banner, type Card } from '../cards/render.js';
import { welcomeCard } from '../cards/welcome.js';
import { insightsCard } from '../cards/insights.js';
import { insightScopes, type Insights } from '../services/insights.js';
import type { Clock } from '../services/clock.js';
import type { ConversationRegistry } from '../services/conversations.js';
import type { ConversationRef, OutboxMessage } from '../services/model.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import { boxes, type LifecycleService } from '../services/lifecycle.js';
import { currentLocale, inLocale, lang, personLocale, say, t, type Lang, type Locale } from '../services/i18n.js';
import type { Person } from '../services/model.js';
import { BadActionData, FavoriteData, parseActionData } from './action-data.js';
import { DealActions, dealVerbs } from './deal-actions.js';
import { actingPerson, callerOf, clientLocaleOf, NotAMemberError, requestIdOf, UnknownTenantError } from './identity.js';
import type { Logger } from './log.js';
import { NewDealFlow } from './new-deal-flow.js';
import { AdminActions } from './admin-actions.js';
import { CustomerImport, sentFile } from './customer-import.js';
import { chatKind, ReferralExport } from './referral-export.js';
import type { Store } from '../services/store.js';
import { registerJoined, registerTeamRoster } from './roster.js';
import { onMessageExtensionQuery } from './message-extension.js';
import { fold, languageWords, parseCommand } from './commands.js';
import type { CardUpdates } from './card-updates.js';
import type { SharedAnswers } from './pg-answers.js';
import type { PartnerCenterAuth } from '../services/partner-center-auth.js';

export type { Logger } from './log.js';

export interface BotDeps {
  lifecycle: LifecycleService;
  /** The insights card's figures, read from the organization's referrals. */
  insights: Insights;
  directory: Directory;
  clock: Clock;
  log: Logger;
  registry: ConversationRegistry;
  /** Replaces a card message for everyone once the clicker has their answer. */
  cardUpdates: CardUpdates;
  /** Local mode: a file sent to the bot may come from any host (the Agents Playground, tests). */
  anyFileHost?: boolean;
  /** Sign-in to Partner Center, when this deployment has an app registration for it. */
  partnerCenter?: PartnerCenterAuth;
  /** Card-action answers shared with the other instances of the deployment (PostgreSQL). */
  answers?: SharedAnswers;
  /** Read directly by the CSV export: the organization's referrals at once, not a list's pages. */
  store: Pick<Store, 'findReferrals' | 'getMany'>;
}

const CARD = 'application/vnd.microsoft.card.adaptive';
const ERROR = 'application/vnd.microsoft.error';
const SEARCH = 'application/vnd.microsoft.search.searchResponse';
/** Teams retries an unanswered invoke after about 15 s; remember answers well past that. */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

type Route = (caller: Caller, person: Person, data: Record<string, unknown>) => Promise<Reply>;

interface Reply {
  card: Card;
  /** The card that replaces the message for everyone, when the deal changed. */
  everyone?: Card;
  /** A card posted as a new message (a deal opened from a list, which stays where it was). */
  post?: Card;
  /** A message of another kind (a file offered for download): sent in place of the card to a typed command, besides it to a button. */
  message?: Partial<Activity>;
}

/** The list a row's action came from. */
const listOf = (data: Record<string, unknown>): Record<string, unknown> => (typeof data.list === 'object' && data.list !== null ? (data.list as Record<string, unknown>) : {});

/** Everyone in an organization reads all of its referrals, so anyone may see its figures; 'me' is their own deals. */
const InsightsData = z.object({ scope: z.enum(insightScopes).default('org') });

const ListData = z.object({ box: z.enum([...boxes, 'find']).default('inbound'), page: z.coerce.number().int().min(0).default(0), query: z.string().default('').transform((q) => q.slice(0, MAX_QUERY)) });

export class CoSellBot extends TeamsActivityHandler {
  private readonly deals: DealActions;
  private readonly newDeal: NewDealFlow;
  private readonly admin: AdminActions;
  private readonly customerImport: CustomerImport;
  private readonly referralExport: ReferralExport;
  /** Invoke answers by activity id, so a redelivered action is answered, not applied twice. */
  private readonly answered = new Map<string, { at: number; response: Promise<InvokeResponse> }>();

  constructor(readonly deps: BotDeps) {
    super();
    this.deals = new DealActions(deps);
    this.newDeal = new NewDealFlow(deps.lifecycle, deps.directory, () => deps.clock.now());
    this.admin = new AdminActions(deps);
    this.customerImport = new CustomerImport(deps);
    this.referralExport = new ReferralExport(deps);

    this.onMessage(async (context, next) => {
      await this.onText(context);
      await next();
    });
    // Teams (and the Agents Playground) send both an installation update and the bot joining the
    // conversation when the app is added: the installation alone introduces us, once.
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.welcome(context);
      await next();
    });
    // In a team: its members become people of the organization (sellers), reachable before they write.
    this.onMembersAdded(async (context, next) => {
      await this.registerMembers(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.deps.registry.forget(context.activity.conversation.id);
      await next();
    });
    this.onMembersRemoved(async (context, next) => {
      if (context.activity.membersRemoved?.some((m) => m.id === context.activity.recipient.id)) await this.deps.registry.forget(context.activity.conversation.id);
      await next();
    });
    this.onTeamsTeamDeletedEvent(async (team, context, next) => {
      await this.deps.registry.forgetTeam(callerOf(context).tenantId, team.id ?? '');
      await next();
    });
  }

  /** Every turn refreshes where this conversation can be reached, except the ones that remove it. */
  override async run(context: TurnContext): Promise<void> {
    const a = context.activity;
    const leaving = (a.type === 'installationUpdate' && a.action?.startsWith('remove')) || a.membersRemoved?.some((m) => m.id === a.recipient.id);
    const where = leaving ? undefined : conversationOf(context);
    if (where) {
      try {
        await this.deps.registry.remember(where);
      } catch (e) {
        this.deps.log.warn('could not record the conversation', { activityId: a.id, error: (e as Error).message });
      }
    }
    await inLocale(await this.localeOf(context), () => super.run(context));
  }

  /** The sender's language and time zone: what they chose, else what their Teams client sent. */
  private async localeOf(context: TurnContext): Promise<Locale> {
    const client = clientLocaleOf(context.activity);
    let person: Person | undefined;
    try {
      const { tenantId, userId } = callerOf(context);
      person = await this.deps.directory.person(tenantId, userId);
    } catch (e) {
      // No tenant: the turn is refused further on; its answer follows the client's language.
      if (!(e instanceof UnknownTenantError)) throw e;
    }
    return personLocale(person, client);
  }

  /** The card for an outbox message, as the recipient's organization sees the referral now. */
  async renderAlert(message: OutboxMessage, conversation: ConversationRef): Promise<{ activity: Partial<Activity>; referralVersion: number } | undefined> {
    const { directory, lifecycle } = this.deps;
    const people = await directory.people(conversation.orgId);
    const viewer =
      people.find((p) => conversation.kind === 'personal' && p.userId === conversation.userId) ??
      people.find((p) => p.roles.includes('referrals-admin')) ??
      people.find((p) => p.roles.includes('admin'));
    if (!viewer) return undefined;
    // A personal chat reads in its person's language; a channel in that of the admin it is rendered for.
    if (message.kind === 'digest') return inLocale(personLocale(viewer), () => this.digestCard(message, viewer));
    if (message.referralId === '') return inLocale(personLocale(viewer), () => ({ activity: MessageFactory.text(say(message.headline)), referralVersion: 0 }));
    return inLocale(personLocale(viewer), () => this.alertCard(message, viewer));
  }

  /** The organization's insights as they are when the digest goes out. */
  private async digestCard(message: OutboxMessage, viewer: Person): Promise<{ activity: Partial<Activity>; referralVersion: number }> {
    const org = await this.deps.directory.organization(viewer.orgId);
    const card = insightsCard(await this.deps.insights.figures(viewer, 'org'), { orgName: org?.name ?? viewer.orgId, personName: viewer.name });
    return { activity: { ...MessageFactory.attachment(CardFactory.adaptiveCard(card)), summary: say(message.headline) }, referralVersion: 0 };
  }

  private async alertCard(message: OutboxMessage, viewer: Person): Promise<{ activity: Partial<Activity>; referralVersion: number } | undefined> {
    const { lifecycle } = this.deps;
    const caller = { tenantId: viewer.orgId, userId: viewer.userId };
    const view = await lifecycle.get(caller, message.referralId).catch(() => undefined);
    if (!view) return undefined;
    const card = await this.deals.card(caller, viewer, view, { banner: banner(message.kind === 'reminder' || message.kind === 'unreachable' ? 'warning' : 'accent', say(message.headline)) });
    return { activity: { ...MessageFactory.attachment(CardFactory.adaptiveCard(card)), summary: say(message.headline) }, referralVersion: view.referral.version };
  }

  /** The search message extension (manifest composeExtensions, command searchDeals). */
  protected override async handleTeamsMessagingExtensionQuery(context: TurnContext, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse> {
    return onMessageExtensionQuery(context, this.deps, query);
  }

  /** The seller allowed the file `export` offered: Teams gets its HTTP 200 once the file is uploaded and shown. */
  protected override async handleTeamsFileConsentAccept(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    await this.referralExport.accept(context, response);
  }

  protected override async handleTeamsFileConsentDecline(context: TurnContext): Promise<void> {
    await this.referralExport.decline(context);
  }

  /** Answers card actions and typeahead ourselves: Teams expects HTTP 200 with the outcome in the body. */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const name = context.activity.name;
    if (name !== 'adaptiveCard/action' && name !== 'application/search') return super.onInvokeActivity(context);
    const id = requestIdOf(context.activity) ?? '';
    const now = this.deps.clock.now().getTime();
    for (const [key, entry] of this.answered) if (now - entry.at > DUPLICATE_WINDOW_MS) this.answered.delete(key);
    const seen = id ? this.answered.get(id) : undefined;
    if (seen) return seen.response;
    const response = name === 'application/search' ? this.search(context) : this.answerOnce(id, context);
    if (id && name === 'adaptiveCard/action') this.answered.set(id, { at: now, response });
    return response;
  }

  /** A card action, unless another instance of the deployment has answered it already. */
  private async answerOnce(id: string, context: TurnContext): Promise<InvokeResponse> {
    const { answers, log } = this.deps;
    const earlier = id && answers ? await answers.get(id, DUPLICATE_WINDOW_MS).catch((e: Error) => log.warn('shared answers unavailable', { error: e.message })) : undefined;
    if (earlier) return earlier;
    const response = await this.action(context);
    if (id && answers) await answers.put(id, response).catch((e: Error) => log.warn('could not share the answer', { activityId: id, error: e.message }));
    return response;
  }

  private async action(context: TurnContext): Promise<InvokeResponse> {
    const value = context.activity.value as { action?: { type?: string; verb?: unknown; data?: unknown } } | undefined;
    const verb = value?.action?.verb;
    const data = value?.action?.data ?? {};
    if (typeof verb !== 'string' || verb === '' || typeof data !== 'object' || data === null || Array.isArray(data)) {
      return invokeError(400, 'BadRequest', 'The card action has no verb or its data is not an object.');
    }
    try {
      const { caller, person } = await actingPerson(context, this.deps.directory, this.deps.log);
      // Which chat this is comes from Teams, never from the card's data.
      if (verb === 'export') Object.assign(data, { conversationType: chatKind(context.activity) });
      const reply = await this.route(verb, caller, person, data as Record<string, unknown>);
      const messageId = context.activity.replyToId;
      if (reply.everyone && messageId) this.deps.cardUpdates.schedule(TurnContext.getConversationReference(context.activity), messageId, reply.everyone);
      if (reply.post) await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(reply.post)));
      if (reply.message) await context.sendActivity(reply.message);
      return card(reply.card);
    } catch (e) {
      return this.failure(context, e);
    }
  }

  /** Every verb a card or a text command can send, and what answers it. */
  private readonly routes: Record<string, Route> = {
    help: async (_caller, person) => ({ card: await this.welcomeFor(person) }),
    newDeal: async (caller, person, data) => ({ card: 'draftId' in data ? await this.newDeal.step(caller, person, data) : await this.newDeal.start(caller, person) }),
    createDeal: async (caller, person, data) => {
      const { created, card } = await this.newDeal.create(caller, person, data);
      return { card: created ? await this.deals.card(caller, person, created, { banner: banner('good', t('bot.created', { name: created.referral.name })) }) : card! };
    },
    alerts: async (caller, person, data) => ({ card: await this.alertSettings(caller, person, data) }),
    language: async (caller, person, data) => ({ card: await this.language(caller, person, data) }),
    admin: async (caller) => ({ card: await this.admin.open(caller) }),
    setUp: async (caller, _person, data) => ({ card: await this.admin.setUp(caller, data) }),
    setDigest: async (caller, _person, data) => ({ card: await this.admin.setDigest(caller, data) }),
    setRoles: async (caller, _person, data) => ({ card: await this.admin.setRoles(caller, data) }),
    connectPartnerCenter: async (caller) => ({ card: await this.admin.connectPartnerCenter(caller) }),
    disconnectPartnerCenter: async (caller) => ({ card: await this.admin.disconnectPartnerCenter(caller) }),
    saveSolution: async (caller, _person, data) => ({ card: await this.admin.saveSolution(caller, data) }),
    retireSolution: async (caller, _person, data) => ({ card: await this.admin.retireSolution(caller, data) }),
    list: async (caller, _person, data) => ({ card: await this.list(caller, data) }),
    insights: async (_caller, person, data) => {
      const { scope } = parseActionData(InsightsData, data);
      const org = await this.deps.directory.organization(person.orgId);
      return { card: insightsCard(await this.deps.insights.figures(person, scope), { orgName: org?.name ?? person.orgId, personName: person.name }) };
    },
    find: async (caller, _person, data) => ({ card: await this.list(caller, { ...data, box: 'find' }) }),
    export: async (caller, person, data) => {
      const message = await this.referralExport.offer(caller, data);
      return { card: await this.welcomeFor(person, banner('accent', t('export.offered'))), message };
    },
    ...Object.fromEntries(dealVerbs.map((verb): [string, Route] => [verb, (caller, person, data) => this.deals.run(verb, caller, person, data)])),
    // From a list row: the deal comes as a new card, the heart answers with the list; the list keeps its place.
    open: async (caller, person, data) => {
      const { card: deal } = await this.deals.run('open', caller, person, data);
      return data.list === undefined ? { card: deal } : { card: await this.list(caller, listOf(data)), post: deal };
    },
    favorite: async (caller, person, data) => {
      if (data.list === undefined) return this.deals.run('favorite', caller, person, data);
      const { referralId, favorite } = parseActionData(FavoriteData, data);
      const { referral } = await this.deps.lifecycle.setFavorite(caller, referralId, favorite);
      return { card: await this.list(caller, listOf(data), banner('good', t(favorite ? 'bot.favoriteAdded' : 'bot.favoriteRemoved', { name: referral.name }))) };
    },
  };

  /** Routes a verb (from a card action, or a text command turned into one) to the card it answers with. */
  private route(verb: string, caller: Caller, person: Person, data: Record<string, unknown>): Promise<Reply> {
    const handler = Object.hasOwn(this.routes, verb) ? this.routes[verb] : undefined;
    if (!handler) throw new BadActionData(`Unknown action "${verb}".`);
    return handler(caller, person, data);
  }

  private async list(caller: Caller, data: Record<string, unknown>, note?: Banner): Promise<Card> {
    const { box, page, query } = parseActionData(ListData, data);
    const { lifecycle, clock } = this.deps;
    const result = box === 'find' ? await lifecycle.find(caller, query, page) : await lifecycle.list(caller, box, page);
    return listCard({ kind: box as ListKind, page: result, now: clock.now(), query, banner: note });
  }

  /** Admins route new-referral alerts: "alerts here" in a team channel, "alerts off" to stop it. */
  private async alertSettings(caller: Caller, person: Person, data: Record<string, unknown>): Promise<Card> {
    const { directory } = this.deps;
    const setting = data.setting === 'here' || data.setting === 'off' ? data.setting : 'show';
    if (setting !== 'show') {
      const channel = setting === 'here' ? channelOf(String(data.conversationId ?? '')) : '';
      if (setting === 'here' && data.conversationType !== 'channel') throw new BadActionData(t('bot.alertsHereOnly'));
      await directory.setAlertChannel(caller, channel);
    }
    const org = await directory.organization(person.orgId);
    const people = await directory.people(person.orgId);
    const admins = people.filter((p) => p.roles.includes('referrals-admin'));
    const who = (admins.length > 0 ? admins : people.filter((p) => p.roles.includes('admin'))).map((p) => p.name).join(', ') || t('bot.nobodyYet');
    return this.welcomeFor(person, banner('accent', t('bot.alertsWho', { who, channel: org?.alertChannelId ? 'yes' : 'no' })));
  }

  /** `language spanish`: the person's choice over their Teams client's, the answer already in it; `language` alone says which applies. */
  private async language(caller: Caller, person: Person, data: Record<string, unknown>): Promise<Card> {
    const asked = typeof data.language === 'string' ? fold(data.language) : '';
    if (asked === '') return this.welcomeFor(person, banner('accent', t('bot.language.show', { language: lang(), chosen: person.language ? 'yes' : 'no' })));
    const choice = Object.entries(languageWords).find(([, words]) => (words as readonly string[]).includes(asked))?.[0] as Lang | 'auto' | undefined;
    if (!choice) return this.welcomeFor(person, banner('attention', t('bot.language.unknown')));
    const updated = await this.deps.directory.setLanguage(caller, choice === 'auto' ? undefined : choice);
    return inLocale({ ...currentLocale(), lang: personLocale(updated).lang }, () => this.welcomeFor(updated, banner('good', t(choice === 'auto' ? 'bot.language.auto' : 'bot.language.chosen'))));
  }

  /** The acting person, or undefined after telling a guest why the bot will not serve them. */
  private async member(context: TurnContext): Promise<{ caller: Caller; person: Person } | undefined> {
    try {
      return await actingPerson(context, this.deps.directory, this.deps.log);
    } catch (e) {
      if (!(e instanceof NotAMemberError)) throw e;
      await context.sendActivity(MessageFactory.text(e.message));
      return undefined;
    }
  }

  private async onText(context: TurnContext): Promise<void> {
    const acting = await this.member(context);
    if (!acting) return;
    const { caller, person } = acting;
    // Clients without Universal Actions send Action.Submit data as a message value: same routes.
    const submitted = context.activity.value as { verb?: unknown } | undefined;
    const command = typeof submitted?.verb === 'string' ? { verb: submitted.verb, data: submitted as Record<string, unknown> } : parseCommand(TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '');
    if (command?.verb === 'alerts') Object.assign(command.data, { conversationId: context.activity.conversation.id, conversationType: context.activity.conversation.conversationType });
    if (command?.verb === 'export') command.data.conversationType = chatKind(context.activity);
    let reply: Reply;
    try {
      const file = sentFile(context.activity);
      if (file) reply = { card: await this.customerImport.run(caller, context.activity, file) };
      else reply = command ? await this.route(command.verb, caller, person, command.data) : { card: await this.welcomeFor(person, banner('accent', t('bot.notCaught'))) };
    } catch (e) {
      if (!(e instanceof CoSellError) && !(e instanceof BadActionData)) throw e;
      reply = { card: await this.welcomeFor(person, banner('attention', e.message)) };
    }
    await context.sendActivity(reply.message ?? MessageFactory.attachment(CardFactory.adaptiveCard(reply.card)));
    if (reply.post) await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(reply.post)));
  }

  /** The bot joining a team reads its whole roster; people joining later are registered as they come. */
  private async registerMembers(context: TurnContext): Promise<void> {
    const teamId = (context.activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
    if (!teamId) return;
    const { tenantId } = callerOf(context);
    const added = context.activity.membersAdded ?? [];
    const botJoined = added.some((m) => m.id === context.activity.recipient.id);
    try {
      const count = botJoined ? await registerTeamRoster(context, tenantId, teamId, this.deps.directory) : await registerJoined(context, tenantId, teamId, added, this.deps.directory);
      if (count > 0) this.deps.log.info('team members registered', { tenantId, teamId, count });
    } catch (e) {
      // Those not registered are when they first write; until then no alert is planned for them.
      this.deps.log.warn('registering the team’s members failed part way', { tenantId, teamId, error: (e as Error).message });
    }
  }

  private async welcome(context: TurnContext): Promise<void> {
    const acting = await this.member(context);
    if (!acting) return;
    // The first admin of a new organization sets it up before anything else.
    const org = await this.deps.directory.organization(acting.person.orgId);
    const card = acting.person.roles.includes('admin') && !org?.setUpDateTime ? await this.admin.open(acting.caller) : await this.welcomeFor(acting.person);
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }

  private async welcomeFor(person: Person, note?: Banner): Promise<Card> {
    const org = await this.deps.directory.organization(person.orgId);
    return welcomeCard({ userName: person.name, orgName: org?.name ?? person.orgId, role: person.roles.map(roleLabel).join(', '), banner: note });
  }

  /** Typeahead for customers and partners: at most 15 results, an empty query answered too. */
  private async search(context: TurnContext): Promise<InvokeResponse> {
    const value = context.activity.value as { dataset?: unknown; queryText?: unknown; queryOptions?: { top?: unknown } } | undefined;
    const query = typeof value?.queryText === 'string' ? value.queryText : '';
    const top = Math.min(15, Math.max(1, Number(value?.queryOptions?.top) || 15));
    try {
      const { person } = await actingPerson(context, this.deps.directory, this.deps.log);
      const { directory } = this.deps;
      let results: { title: string; value: string }[];
      if (value?.dataset === 'customers') results = (await directory.searchCustomers(person.orgId, query, top)).map(customerChoice);
      else if (value?.dataset === 'partners') results = (await directory.searchPartners(query, person.orgId, top)).map((o) => ({ title: o.name, value: o.id }));
      else return invokeError(400, 'BadRequest', `Unknown search dataset "${String(value?.dataset)}": use customers or partners.`);
      return { status: 200, body: { statusCode: 200, type: SEARCH, value: { results } } };
    } catch (e) {
      return this.failure(context, e);
    }
  }

  /** An invoke that failed still gets an answer the client can show, never an empty 501. */
  private failure(context: TurnContext, e: unknown): InvokeResponse {
    if (e instanceof CoSellError) return invokeError(e.code === 'not_found' ? 404 : e.code === 'forbidden' ? 403 : 400, e.code, e.message);
    if (e instanceof BadActionData || e instanceof UnknownTenantError) return invokeError(400, 'BadRequest', e.message);
    if (e instanceof NotAMemberError) return invokeError(403, 'forbidden', e.message);
    this.deps.log.error('card action failed', { activityId: context.activity.id, name: context.activity.name, error: (e as Error).message, stack: (e as Error).stack });
    return invokeError(500, 'InternalError', t('bot.wentWrong'));
  }
}

/**
 * Where this turn's conversation is, to reach it later without being spoken to; undefined when it is
 * no place of the bot's. A message-extension query comes from whatever chat the user types in (a
 * chat between two people, where the bot is no member). Teams names the type; a chat that names none
 * and is no group is the personal one (the Agents Playground sends no type there).
 */
function conversationOf(context: TurnContext) {
  const a = context.activity;
  if (!a.conversation?.id || !a.serviceUrl || a.name?.startsWith('composeExtension/')) return undefined;
  const type = a.conversation.conversationType ?? (a.conversation.isGroup ? undefined : 'personal');
  if (type !== 'personal' && type !== 'channel' && type !== 'groupChat') return undefined;
  const caller = callerOf(context);
  const teamId = (a.channelData as { team?: { id?: string } } | undefined)?.team?.id ?? '';
  return {
    id: type === 'channel' ? channelOf(a.conversation.id) : a.conversation.id,
    orgId: caller.tenantId,
    userId: type === 'personal' ? caller.userId : '',
    channelUserId: type === 'personal' ? a.from.id : '',
    kind: type,
    serviceUrl: a.serviceUrl,
    teamId,
  } as const;
}

/** A channel thread's conversation id is the channel's plus `;messageid=`: alerts go to the channel, never into one thread. */
const channelOf = (conversationId: string) => conversationId.replace(/;messageid=.*$/, '');

function card(content: Card): InvokeResponse<AdaptiveCardInvokeResponse> {
  return { status: 200, body: { statusCode: 200, type: CARD, value: content } };
}

function invokeError(statusCode: number, code: string, message: string): InvokeResponse<AdaptiveCardInvokeResponse> {
  return { status: 200, body: { statusCode, type: ERROR, value: { code, message } } };
}
