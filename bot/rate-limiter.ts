// Teams' limits for proactive messages (developer docs, "rate limiting for bots"): per bot per
// conversation 7 per second, 8 per 2 s, 60 per 30 s, 1,800 per hour; per app per tenant 50
// per second. A send may go only when every window it falls in has room. Teams counts where the
// messages arrive, after delays that vary: a tenant gets 47 per second (94%), at most 50 in any
// 1,050 ms (so 50 ms of varying delay cannot put 51 in one of Teams' seconds), and one send per
// 18 ms at most, so that sends are spread rather than bunched.

interface Window {
  ms: number;
  max: number;
}

export const conversationWindows: Window[] = [
  { ms: 1_000, max: 7 },
  { ms: 2_000, max: 8 },
  { ms: 30_000, max: 60 },
  { ms: 3_600_000, max: 1_800 },
];
export const tenantWindows: Window[] = [
  { ms: 1_000, max: 47 },
  { ms: 1_050, max: 50 },
];
export const TENANT_SPACING_MS = 18;

/** How long a key's sends are kept: a busy tenant's hour of sends would make every check slow. */
const horizon = (windows: Window[]) => Math.max(...windows.map((w) => w.ms));

export class RateLimiter {
  private readonly sends = new Map<string, number[]>();
  private readonly windows: { c: Window[]; t: Window[] };

  /** `slackMs` widens every window: for sends whose delay from slot to Teams varies more (several instances). */
  constructor(slackMs = 0) {
    const widen = (list: Window[]) => list.map((w) => ({ ms: w.ms + slackMs, max: w.max }));
    this.windows = { c: widen(conversationWindows), t: widen(tenantWindows) };
  }

  /** Takes a slot for a send to this conversation of this tenant at `now`, or says no. */
  tryTake(conversationId: string, tenantId: string, now: number): boolean {
    if (this.waitMs(conversationId, tenantId, now) > 0) return false;
    this.record(conversationId, tenantId, now);
    return true;
  }

  /** Milliseconds until a send to this conversation of this tenant could go (0: now). */
  waitMs(conversationId: string, tenantId: string, now: number): number {
    return Math.max(this.tenantWaitMs(tenantId, now), windowWait(this.recent(`c:${conversationId}`, now), this.windows.c, now));
  }

  /** Milliseconds until the tenant has room for a send to any conversation (0: now). */
  tenantWaitMs(tenantId: string, now: number): number {
    const tenant = this.recent(`t:${tenantId}`, now);
    const last = tenant.at(-1);
    return Math.max(last === undefined ? 0 : last + TENANT_SPACING_MS - now, windowWait(tenant, this.windows.t, now));
  }

  /** Counts a send made earlier (for example by the process before a restart). */
  record(conversationId: string, tenantId: string, at: number): void {
    for (const times of [this.recent(`c:${conversationId}`, at), this.recent(`t:${tenantId}`, at)]) {
      times.push(at);
      // A restart's sends come in store order: keep them in time order for recent().
      if (times.length > 1 && times.at(-2)! > at) times.sort((a, b) => a - b);
    }
  }

  private recent(key: `${'c' | 't'}:${string}`, now: number): number[] {
    const times = this.sends.get(key) ?? [];
    // Sends are recorded in time order (a restart's are older): the expired ones are at the front.
    const kind = key[0] as 'c' | 't';
    const since = now - horizon(this.windows[kind]);
    let drop = 0;
    while (drop < times.length && times[drop]! <= since) drop++;
    const kept = drop > 0 ? times.slice(drop) : times;
    this.sends.set(key, kept);
    return kept;
  }
}

/** When each full window frees a slot: when its oldest send that keeps it full drops out. Times are in order. */
function windowWait(times: number[], windows: Window[], now: number): number {
  let wait = 0;
  for (const w of windows) {
    const inWindow = times.filter((t) => t > now - w.ms);
    if (inWindow.length >= w.max) wait = Math.max(wait, inWindow[inWindow.length - w.max]! + w.ms - now);
  }
  return wait;
}
