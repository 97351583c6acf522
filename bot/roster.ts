// The members of a team the bot is installed in, from its Teams roster: registered so that admins can
// give them roles, and alerts reach them, before they ever write to the bot.
import { TeamsInfo, type ChannelAccount, type TeamsChannelAccount, type TurnContext } from 'botbuilder';
import type { Directory } from '../services/directory.js';
import { emailOf, isGuest } from './identity.js';

/** Teams gives at most 500 members a page. */
const PAGE_SIZE = 500;
/** Beyond this a team is read no further: people past it are registered when they first write. */
const MAX_MEMBERS = 25_000;

/** Registers every member of the team, a page at a time (a failure keeps the pages before it); returns how many were new. */
export async function registerTeamRoster(context: TurnContext, tenantId: string, teamId: string, directory: Directory): Promise<number> {
  let added = 0;
  let read = 0;
  let continuationToken: string | undefined;
  do {
    const page = await TeamsInfo.getPagedTeamMembers(context, teamId, PAGE_SIZE, continuationToken);
    added += await registerAccounts(tenantId, page.members, directory);
    read += page.members.length;
    continuationToken = page.continuationToken;
  } while (continuationToken && read < MAX_MEMBERS);
  return added;
}

/** Registers people who joined the team, each by their roster entry (which says whether they are a guest). */
export async function registerJoined(context: TurnContext, tenantId: string, teamId: string, joined: ChannelAccount[], directory: Directory): Promise<number> {
  const entries = await Promise.all(joined.map((account) => TeamsInfo.getTeamMember(context, teamId, account.id)));
  return registerAccounts(tenantId, entries, directory);
}

/** Registers roster entries as people of the organization: never a guest, an anonymous user or another tenant's user. */
function registerAccounts(tenantId: string, entries: TeamsChannelAccount[], directory: Directory): Promise<number> {
  const people = entries
    .filter((a) => a.id && a.aadObjectId && !isGuest(a) && (!a.tenantId || a.tenantId === tenantId))
    .map((a) => ({ userId: a.aadObjectId!, name: a.name ?? '', email: emailOf(a), channelUserId: a.id }));
  return directory.registerMembers(tenantId, people);
}
