// Who is acting in a turn: the tenant is the organization, the Entra object id the user.
import { createHash } from 'node:crypto';
import { TeamsInfo, type Activity, type TurnContext } from 'botbuilder';
import type { Caller, Directory } from '../services/directory.js';
import type { Person } from '../services/model.js';
import type { Logger } from './log.js';

export class UnknownTenantError extends Error {}

/** A guest or anonymous user of the tenant (Teams roster `userRole`): never a member of its organization. */
export class NotAMemberError extends Error {
  constructor() {
    super('Co-sell Bot is for the members of this organization: guests and anonymous users cannot see or change its deals.');
  }
}

/** Teams roster `userRole`: guests and anonymous users are never members of the organization. */
export const isGuest = (member: { userRole?: string }) => member.userRole === 'guest' || member.userRole === 'anonymous';

/** A roster entry's email: Teams gives the user principal name where the email is missing. */
export const emailOf = (member: { email?: string; userPrincipalName?: string }) => member.email ?? member.userPrincipalName ?? '';

const tenantOf = (activity: Activity) => (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? activity.conversation?.tenantId;

/**
 * The request an activity is: the same one again is a redelivery. An activity id is unique within its
 * conversation only (another tenant's same id is another activity); hashed, it is short and says nothing.
 */
export function requestIdOf(activity: Activity): string | undefined {
  return activity.id ? createHash('sha256').update(`${tenantOf(activity) ?? ''}|${activity.conversation?.id ?? ''}|${activity.id}`).digest('base64url') : undefined;
}

export function callerOf(context: TurnContext): Caller {
  const activity = context.activity;
  const tenantId = tenantOf(activity);
  if (!tenantId) throw new UnknownTenantError('The activity has no tenant: Co-sell Bot works inside a Microsoft Teams tenant.');
  const requestId = requestIdOf(activity);
  return { tenantId, userId: activity.from.aadObjectId ?? activity.from.id, ...(requestId ? { requestId } : {}) };
}

/** The acting person, registered on first sight with their name and email from the Teams roster. */
export async function actingPerson(context: TurnContext, directory: Directory, log: Logger): Promise<{ caller: Caller; person: Person }> {
  const caller = callerOf(context);
  const from = context.activity.from;
  const known = await directory.person(caller.tenantId, caller.userId);
  if (known?.usedBot && known.channelUserId === from.id) return { caller, person: known };
  let name = from.name ?? '';
  let email: string | undefined;
  if (!known) {
    try {
      const member = await TeamsInfo.getMember(context, from.id);
      if (isGuest(member)) throw new NotAMemberError();
      name = member.name || name;
      email = emailOf(member);
    } catch (e) {
      if (e instanceof NotAMemberError) throw e;
      log.warn('roster lookup failed; registering the user with the name Teams sent', { userId: caller.userId, error: (e as Error).message });
    }
  }
  const person = await directory.ensurePerson(caller, { name: name || known?.name || 'Teams user', email, channelUserId: from.id });
  return { caller, person };
}
