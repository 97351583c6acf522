// The search message extension (manifest composeExtensions, command "searchDeals"): the caller's
// deals by name, customer or CRM id, each result a deal card to insert into any chat or channel.
// Teams gives a query about 5 seconds: one find, then per result (at most 25) one get and one deal
// card (well under a millisecond each, templates being compiled once); past RENDER_BUDGET_MS it
// answers what it has, so a stalled host still answers in time.
import {
  CardFactory,
  type MessagingExtensionAttachment,
  type MessagingExtensionQuery,
  type MessagingExtensionResponse,
  type TurnContext,
} from 'botbuilder';
import { dealCard } from '../cards/deal.js';
import { money, stageLabel } from '../cards/format.js';
import type { Clock } from '../services/clock.js';
import type { Caller, Directory } from '../services/directory.js';
import { t } from '../services/i18n.js';
import type { LifecycleService, ReferralView } from '../services/lifecycle.js';
import { callerOf, UnknownTenantError } from './identity.js';
import type { Logger } from './log.js';

export interface MessageExtensionDeps {
  lifecycle: LifecycleService;
  directory: Directory;
  clock: Clock;
  log: Logger;
  /** Overrides RENDER_BUDGET_MS (tests). */
  renderBudgetMs?: number;
}

/** The command id in manifest/manifest.json (composeExtensions[0].commands[0].id). */
export const SEARCH_COMMAND = 'searchDeals';
/** The parameter name in the manifest. */
export const QUERY_PARAMETER = 'query';
/** Teams shows at most 25 results per query. */
export const MAX_RESULTS = 25;
/** Above this a query is logged as slow: Teams gives up after about 5 seconds. */
const SLOW_MS = 2_000;
/** No new card is rendered after this: what is ready is answered; a slow or busy host answers fewer, in time. */
export const RENDER_BUDGET_MS = 3_000;

/** A text-only answer shown in the message extension's result pane. */
export function messageResponse(text: string): MessagingExtensionResponse {
  return { composeExtension: { type: 'message', text } };
}

function parameter(query: MessagingExtensionQuery, name: string): unknown {
  return query.parameters?.find((p) => p.name === name)?.value;
}

const whole = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.floor(v) : fallback);

/** The preview line under the deal name: customer · stage · value. */
export function previewText(view: ReferralView): string {
  const r = view.referral;
  return [r.customerProfile.name, stageLabel(r.substatus), money(r.details.dealValue, r.details.currency)].join(' · ');
}

/**
 * Answers a `composeExtension/query` for the searchDeals command. An empty query or the initial run
 * lists the caller's most recent deals; otherwise deals whose name, customer or CRM id contains the text.
 */
export async function searchDeals(deps: MessageExtensionDeps, caller: Caller, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse> {
  const started = performance.now();
  const { lifecycle, directory, clock, log } = deps;
  if (query.commandId !== undefined && query.commandId !== SEARCH_COMMAND) {
    return messageResponse(t('search.unknownCommand', { command: query.commandId }));
  }
  const person = await directory.person(caller.tenantId, caller.userId);
  if (!person) return messageResponse(t('search.notRegistered'));

  const initialRun = String(parameter(query, 'initialRun')) === 'true';
  const raw = parameter(query, QUERY_PARAMETER);
  const text = initialRun || raw === undefined || raw === null ? '' : String(raw).trim();
  const count = Math.min(MAX_RESULTS, Math.max(1, whole(query.queryOptions?.count, MAX_RESULTS)));
  const skip = Math.max(0, whole(query.queryOptions?.skip, 0));

  // find('') matches every deal of the organization, most recent first.
  const [found, people] = await Promise.all([lifecycle.find(caller, text, 0, skip + count), directory.people(person.orgId)]);
  // As on the cards the bot sends: everyone of the organization gets their own buttons by refresh.
  const refreshUserIds = [person.channelUserId, ...people.map((p) => p.channelUserId)].filter((id, i, all) => id !== '' && all.indexOf(id) === i);
  const now = clock.now();

  // One card at a time, so that a slow host answers fewer results rather than too late.
  const attachments: MessagingExtensionAttachment[] = [];
  let cut = false;
  for (const item of found.items.slice(skip, skip + count)) {
    if (performance.now() - started > (deps.renderBudgetMs ?? RENDER_BUDGET_MS)) {
      cut = true;
      break;
    }
    try {
      const view = await lifecycle.get(caller, item.referral.id);
      attachments.push({
        ...CardFactory.adaptiveCard(dealCard(view, { now, refreshUserIds })),
        // Teams formats a preview's text (HTML, markdown) but never its title or subtitle: people's words go there.
        preview: CardFactory.thumbnailCard(view.referral.name, [], [], { subtitle: previewText(view) }),
      });
    } catch (e) {
      // Gone between find and get: leave it out.
      log.warn('message extension: skipped a deal it could not read', { referralId: item.referral.id, error: (e as Error).message });
    }
  }

  const ms = Math.round(performance.now() - started);
  if (cut || ms > SLOW_MS) log.warn('message extension query was slow', { ms, results: attachments.length, total: found.total, cut });
  return { composeExtension: { type: 'result', attachmentLayout: 'list', attachments } };
}

/**
 * The whole handler for TeamsActivityHandler.handleTeamsMessagingExtensionQuery: who is asking
 * (without registering anyone: a search is read-only), then searchDeals. Failures become a message
 * in the result pane, never an HTTP error Teams would show as "something went wrong".
 */
export async function onMessageExtensionQuery(context: TurnContext, deps: MessageExtensionDeps, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse> {
  try {
    return await searchDeals(deps, callerOf(context), query ?? {});
  } catch (e) {
    if (e instanceof UnknownTenantError) return messageResponse(e.message);
    deps.log.error('message extension query failed', { activityId: context.activity.id, error: (e as Error).message, stack: (e as Error).stack });
    return messageResponse(t('search.failed'));
  }
}
