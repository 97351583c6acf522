// The weekly digest: an organization's insights card for its referrals admins, once a week at
// the day and hour an admin chose, in the time zone they chose it in. Each week's digest is
// marked in the same commit as its messages, so a restart neither sends it again nor skips it.
import type { AlertPlanner } from './alerts.js';
import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import { msg } from './i18n.js';
import type { Organization } from './model.js';
import type { Store } from './store.js';

type Digest = NonNullable<Organization['digest']>;

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/** How far ahead of UTC the zone's clocks are at an instant (ms). */
function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The latest instant at or before `now` that is the digest's weekday and hour on the zone's clocks. */
export function lastSlot(digest: Pick<Digest, 'day' | 'hour' | 'timeZone'>, now: Date): Date {
  // Work on the zone's wall clock as if it were UTC, then come back with the offset of that instant.
  const wall = new Date(now.getTime() + offsetMs(now, digest.timeZone));
  const isoDay = ((wall.getUTCDay() + 6) % 7) + 1;
  const slotWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() - ((isoDay - digest.day + 7) % 7), digest.hour);
  const candidate = slotWall > wall.getTime() ? slotWall - WEEK_MS : slotWall;
  // The offset at the slot itself (a daylight-saving change may lie between it and now).
  const slot = candidate - offsetMs(new Date(candidate - offsetMs(now, digest.timeZone)), digest.timeZone);
  return new Date(slot > now.getTime() ? slot - WEEK_MS : slot);
}

export class WeeklyDigest {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly planner: AlertPlanner,
    private readonly clock: Clock,
  ) {}

  /** Plans the digests that are due and not yet planned: the latest slot of each organization. Returns how many organizations got one. */
  async planDue(): Promise<number> {
    const now = this.clock.now();
    let planned = 0;
    for (const org of await this.directory.organizations()) {
      if (!org.digest) continue;
      const slot = lastSlot(org.digest, now);
      // Turned on after this week's slot: the first digest is next week's.
      if (slot.getTime() < Date.parse(org.digest.since)) continue;
      const markId = `digest:${org.id}:${slot.toISOString()}`;
      if (await this.store.get('mark', markId)) continue;
      const sent = await this.store.exclusive(async (commit) => {
        if (await this.store.get('mark', markId)) return false;
        const messages = await this.planner.digest(org.id, msg('digest.headline'));
        await commit([{ kind: 'mark', put: { id: markId, orgId: org.id, at: now.toISOString() } }, ...messages]);
        return messages.length > 0;
      });
      if (sent) planned++;
    }
    return planned;
  }
}
