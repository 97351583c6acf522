// POST /api/messages: authenticate, then run the turn. The SDK's own handler answers 500 (and prints
// a stack trace) when a token cannot even be checked, e.g. an unknown signing algorithm with the key
// metadata out of reach; here every rejected token is a 401 and every line logged is our JSON.
import { CloudAdapter, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import type restify from 'restify';
import type { Logger } from './log.js';

/** The activity in a request body, with its timestamps as dates (what the SDK's validator does); undefined when it is none. */
function activityOf(body: unknown): Activity | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const activity = body as Activity & Record<string, unknown>;
  if (typeof activity.type !== 'string' || activity.type === '') return undefined;
  for (const field of ['timestamp', 'expiration', 'localTimestamp'] as const) {
    const value = activity[field] as unknown;
    if (typeof value === 'string') Object.assign(activity, { [`raw${field[0]!.toUpperCase()}${field.slice(1)}`]: value, [field]: new Date(value) });
  }
  return activity;
}

export class NotAuthenticated extends Error {}

/** A CloudAdapter whose caller hears of every authentication failure as one kind of error, before any turn runs. */
export class FailClosedAdapter extends CloudAdapter {
  async turn(activity: Activity, authHeader: string, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    let identity;
    try {
      identity = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (e) {
      throw new NotAuthenticated((e as Error).message);
    }
    return this.processActivity(identity, activity, logic);
  }
}

export function messagesEndpoint(deps: { adapter: FailClosedAdapter; log: Logger; run: (context: TurnContext) => Promise<void> }): restify.RequestHandler {
  return async (req, res) => {
    const activity = activityOf(req.body);
    if (!activity) {
      deps.log.warn('rejected a request that is not an activity', {});
      res.json(400, { error: { code: 'BadRequest', message: 'The request body is not a Bot Framework activity.' } });
      return;
    }
    try {
      const invoke = await deps.adapter.turn(activity, req.header('authorization') ?? '', deps.run);
      if (invoke?.body !== undefined) res.json(invoke.status ?? 200, invoke.body);
      else {
        res.status(invoke?.status ?? 200);
        res.end();
      }
    } catch (e) {
      if (e instanceof NotAuthenticated) {
        // Fails closed: whatever kept the token from being checked, the request is not authenticated.
        deps.log.warn('rejected a request to /api/messages: not authenticated', { reason: e.message });
        if (!res.headersSent) res.json(401, { error: { code: 'Unauthorized', message: 'The request is not authenticated.' } });
        return;
      }
      deps.log.error('a turn failed outside the turn handler', { error: (e as Error).message, stack: (e as Error).stack });
      if (!res.headersSent) res.json(500, { error: { code: 'InternalError', message: 'Sorry, something went wrong on our side.' } });
    }
  };
}
