// Teams' limits for proactive messages (developer docs, "rate limiting for bots"): per bot per
// conversation 7 per second, 8 per 2 s, 60 per 30 s, 1,800 per hour; per app per tenant 50
// per second. A send may go only when every window it falls in has room. Sends to a tenant are
// also paced evenly (one per 25 ms at most), so that delays on the way cannot bunch them into a
// burst over the limit where Teams counts them.

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
export const tenantWindows: Window[] = [{ ms: 1_000, max: 40 }];
export const TENANT_SPACING_MS = 25;

export class RateLimiter {
  private readonly sends = new Map<string, number[]>();

  /** Takes a slot for a send to this conversation of this tenant at `now`, or says no. */
  tryTake(conversationId: string, tenantId: string, now: number): boolean {
    const conversation = this.recent(`c:${conversationId}`, now);
    const tenant = this.recent(`t:${tenantId}`, now);
    const fits = (times: number[], windows: Window[]) => windows.every((w) => times.filter((t) => t > now - w.ms).length < w.max);
    const last = tenant.at(-1);
    if (last !== undefined && now - last < TENANT_SPACING_MS) return false;
    if (!fits(conversation, conversationWindows) || !fits(tenant, tenantWindows)) return false;
    this.record(conversationId, tenantId, now);
    return true;
  }

  /** Milliseconds until a send to this conversation of this tenant could go (0: now). */
  waitMs(conversationId: string, tenantId: string, now: number): number {
    const conversation = [...this.recent(`c:${conversationId}`, now)].sort((a, b) => a - b);
    const tenant = [...this.recent(`t:${tenantId}`, now)].sort((a, b) => a - b);
    const waits = [0];
    const last = tenant.at(-1);
    if (last !== undefined) waits.push(last + TENANT_SPACING_MS - now);
    for (const [times, windows] of [[conversation, conversationWindows], [tenant, tenantWindows]] as const) {
      for (const w of windows) {
        const inWindow = times.filter((t) => t > now - w.ms);
        // The window frees a slot when its oldest send that keeps it full drops out.
        if (inWindow.length >= w.max) waits.push(inWindow[inWindow.length - w.max]! + w.ms - now);
      }
    }
    return Math.max(...waits);
  }

  /** Counts a send made earlier (for example by the process before a restart). */
  record(conversationId: string, tenantId: string, at: number): void {
    this.recent(`c:${conversationId}`, at).push(at);
    this.recent(`t:${tenantId}`, at).push(at);
  }

  private recent(key: string, now: number): number[] {
    const kept = (this.sends.get(key) ?? []).filter((t) => t > now - 3_600_000);
    this.sends.set(key, kept);
    return kept;
  }
}
