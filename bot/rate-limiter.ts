// Teams' limits for proactive messages (developer docs, "rate limiting for bots"): per bot per
// conversation 7 per second, 8 per 2 s, 60 per 30 s, 1,800 per hour; per app per tenant 50
// per second. A send may go only when every window it falls in has room.

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
export const tenantWindows: Window[] = [{ ms: 1_000, max: 50 }];

export class RateLimiter {
  private readonly sends = new Map<string, number[]>();

  /** Takes a slot for a send to this conversation of this tenant at `now`, or says no. */
  tryTake(conversationId: string, tenantId: string, now: number): boolean {
    const conversation = this.recent(`c:${conversationId}`, now);
    const tenant = this.recent(`t:${tenantId}`, now);
    const fits = (times: number[], windows: Window[]) => windows.every((w) => times.filter((t) => t > now - w.ms).length < w.max);
    if (!fits(conversation, conversationWindows) || !fits(tenant, tenantWindows)) return false;
    conversation.push(now);
    tenant.push(now);
    return true;
  }

  private recent(key: string, now: number): number[] {
    const kept = (this.sends.get(key) ?? []).filter((t) => t > now - 3_600_000);
    this.sends.set(key, kept);
    return kept;
  }
}
