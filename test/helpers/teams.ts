// Teams-shaped Bot Framework activities, as Teams would POST them to /api/messages.
// Outbound calls go to `serviceUrl`: pass it in opts, or set it once with setServiceUrl(connector.url).
import { randomUUID } from 'node:crypto';

export interface TeamsUser {
  tenantId: string;
  aadObjectId: string;
  name: string;
  email: string;
}

export interface ActivityOptions {
  /** Defaults to the one set with setServiceUrl. */
  serviceUrl?: string;
  /** Defaults to the user's personal chat with the bot: personalConversationId(user). */
  conversationId?: string;
  conversationType?: 'personal' | 'groupChat' | 'channel';
  id?: string;
  replyToId?: string;
  timestamp?: string;
  /** The Teams client's language tag; en-US by default. */
  locale?: string;
  /** The Teams client's IANA time zone (Teams sends it as localTimezone); none by default. */
  localTimezone?: string;
}

export interface TeamsActivity {
  type: string;
  id: string;
  timestamp: string;
  channelId: 'msteams';
  serviceUrl: string;
  from: { id: string; aadObjectId: string; name: string };
  recipient: { id: string; name: string };
  conversation: { id: string; conversationType: string; tenantId: string };
  channelData: { tenant: { id: string }; [key: string]: unknown };
  locale: string;
  text?: string;
  textFormat?: string;
  name?: string;
  value?: unknown;
  action?: string;
  replyToId?: string;
  membersAdded?: { id: string; aadObjectId?: string; name?: string }[];
  [key: string]: unknown;
}

export const BOT = { id: '28:bot', name: 'Co-sell Bot' } as const;

let defaultServiceUrl: string | undefined;

/** The serviceUrl used when an activity's opts give none (normally the fake connector's url). */
export function setServiceUrl(url: string | undefined): void {
  defaultServiceUrl = url;
}

let counter = 0;
const nextId = () => `act-${++counter}-${randomUUID().slice(0, 8)}`;

/** The user's Bot Framework id (MRI) as Teams sends it in `from.id`. */
export const userMri = (user: TeamsUser) => `29:${user.aadObjectId}`;

/** The conversation id of the user's personal chat with the bot. */
export const personalConversationId = (user: TeamsUser) => `a:personal-${user.aadObjectId}`;

function base(user: TeamsUser, type: string, opts: ActivityOptions = {}): TeamsActivity {
  const serviceUrl = opts.serviceUrl ?? defaultServiceUrl;
  if (!serviceUrl) throw new Error('teams helpers: no serviceUrl; pass opts.serviceUrl or call setServiceUrl(connector.url)');
  const activity: TeamsActivity = {
    type,
    id: opts.id ?? nextId(),
    timestamp: opts.timestamp ?? new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: userMri(user), aadObjectId: user.aadObjectId, name: user.name },
    recipient: { ...BOT },
    conversation: {
      id: opts.conversationId ?? personalConversationId(user),
      conversationType: opts.conversationType ?? 'personal',
      tenantId: user.tenantId,
    },
    channelData: { tenant: { id: user.tenantId } },
    locale: opts.locale ?? 'en-US',
    ...(opts.localTimezone ? { localTimezone: opts.localTimezone } : {}),
  };
  if (opts.replyToId !== undefined) activity.replyToId = opts.replyToId;
  return activity;
}

export function message(user: TeamsUser, text: string, opts?: ActivityOptions): TeamsActivity {
  return { ...base(user, 'message', opts), text, textFormat: 'plain' };
}

/** A file the user sent the bot in a chat (the manifest says supportsFiles): Teams gives a download URL. */
export function fileMessage(user: TeamsUser, name: string, downloadUrl: string, opts?: ActivityOptions): TeamsActivity {
  return {
    ...base(user, 'message', opts),
    text: '',
    attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', contentUrl: downloadUrl, name, content: { downloadUrl, uniqueId: randomUUID(), fileType: name.split('.').pop() ?? '' } }],
  };
}

/** An Action.Execute press on an adaptive card (Universal Actions). */
export function invokeAction(
  user: TeamsUser,
  verb: string,
  data: Record<string, unknown> = {},
  opts?: ActivityOptions,
): TeamsActivity {
  return {
    ...base(user, 'invoke', opts),
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', id: '', verb, data }, trigger: 'manual' },
  };
}

/** Where Teams lets the bot put a file the user accepted (fileConsent/invoke's uploadInfo). */
export interface UploadInfo {
  name: string;
  uploadUrl: string;
  contentUrl: string;
  uniqueId: string;
  fileType: string;
}

/** The user's answer to a FileConsentCard: accept comes with where to upload the file, and the card's acceptContext (or declineContext). */
export function fileConsentInvoke(user: TeamsUser, action: 'accept' | 'decline', context: unknown, uploadInfo?: UploadInfo, opts?: ActivityOptions): TeamsActivity {
  return {
    ...base(user, 'invoke', opts),
    name: 'fileConsent/invoke',
    value: { type: 'fileUpload', action, context, ...(uploadInfo ? { uploadInfo } : {}) },
  };
}

/** A typeahead query from an Input.ChoiceSet with choices.data (Data.Query). */
export function searchInvoke(
  user: TeamsUser,
  dataset: string,
  queryText: string,
  data?: Record<string, unknown>,
  opts?: ActivityOptions,
): TeamsActivity {
  return {
    ...base(user, 'invoke', opts),
    name: 'application/search',
    value: { kind: 'search', queryText, queryOptions: { skip: 0, top: 15 }, dataset, data },
  };
}

export function installationUpdate(user: TeamsUser, action: 'add' | 'remove', opts?: ActivityOptions): TeamsActivity {
  return { ...base(user, 'installationUpdate', opts), action };
}

/** conversationUpdate with members added: by default the bot (what Teams sends when the app is installed). */
export function membersAdded(
  user: TeamsUser,
  opts: ActivityOptions & { who?: 'bot' | 'user' | 'both' } = {},
): TeamsActivity {
  const who = opts.who ?? 'bot';
  const added: { id: string; aadObjectId?: string; name?: string }[] = [];
  if (who !== 'user') added.push({ id: BOT.id });
  if (who !== 'bot') added.push({ id: userMri(user), aadObjectId: user.aadObjectId, name: user.name });
  return { ...base(user, 'conversationUpdate', opts), membersAdded: added };
}

/** POSTs an activity to the bot like the Bot Connector would (unsigned: local mode only). */
export async function postActivity(
  baseUrl: string,
  activity: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  return { status: res.status, body };
}
