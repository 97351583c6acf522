// Who is acting in a turn: the tenant is the organization, the Entra object id the user.
import { createHash } from 'node:crypto';
import { TeamsInfo, type Activity, type TurnContext } from 'botbuilder';
import type { Caller, Directory } from '../services/directory.js';
import { isTimeZone, t, type ClientLocale } from '../services/i18n.js';
import type { Person } from '../services/model.js';
import type { Logger } from './log.js';

export class UnknownTenantError extends Error {}

/** A guest or anonymous user of the tenant (Teams roster `userRole`): never a member of its organization. */
export class NotAMemberError extends Error {
  constructor() {
    super(t('bot.notAMember'));
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

/** The language and time zone the Teams client sent: on the activity, or in its clientInfo entity. */
export function clientLocaleOf(activity: Activity): ClientLocale {
  const info = activity.entities?.find((e) => e.type === 'clientInfo') as { locale?: unknown; timezone?: unknown } | undefined;
  const locale = activity.locale || (typeof info?.locale === 'string' ? info.locale : '');
  const zone = activity.localTimezone || (typeof info?.timezone === 'string' ? info.timezone : '');
  return { locale: /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/.test(locale) ? locale.slice(0, 35) : '', timeZone: isTimeZone(zone) ? zone : '' };
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
  const client = clientLocaleOf(context.activity);
  const seen = (field: 'locale' | 'timeZone') => client[field] === '' || known?.[field] === client[field];
  if (known?.usedBot && known.channelUserId === from.id && seen('locale') && seen('timeZone')) return { caller, person: known };
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
  const person = await directory.ensurePerson(caller, { name: name || known?.name || 'Teams user', email, channelUserId: from.id, ...client });
  return { caller, person };
}
