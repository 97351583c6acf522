// The members of a team the bot is installed in, from its Teams roster: registered so that admins can
// give them roles, and alerts reach them, before they ever write to the bot.
import { TeamsInfo, type TeamsChannelAccount, type TurnContext } from 'botbuilder';
import type { Directory } from '../services/directory.js';
import { isGuest } from './identity.js';

/** Teams gives at most 500 members a page. */
const PAGE_SIZE = 500;
/** Beyond this a team is read no further: people past it are registered when they first write. */
const MAX_MEMBERS = 25_000;

/** Registers every member of the team; returns how many were new. */
export async function registerTeamRoster(context: TurnContext, tenantId: string, teamId: string, directory: Directory): Promise<number> {
  const members: TeamsChannelAccount[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await TeamsInfo.getPagedTeamMembers(context, teamId, PAGE_SIZE, continuationToken);
    members.push(...page.members);
    continuationToken = page.continuationToken;
  } while (continuationToken && members.length < MAX_MEMBERS);
  return registerAccounts(tenantId, members, directory);
}

/** Registers roster accounts as people of the organization: never a guest, an anonymous user or another tenant's user. */
export function registerAccounts(tenantId: string, accounts: Partial<TeamsChannelAccount>[], directory: Directory): Promise<number> {
  const people = accounts
    .filter((a) => a.id && a.aadObjectId && !isGuest(a) && (!a.tenantId || a.tenantId === tenantId))
    .map((a) => ({ userId: a.aadObjectId!, name: a.name ?? '', email: a.email ?? a.userPrincipalName ?? '', channelUserId: a.id! }));
  return directory.registerMembers(tenantId, people);
}
