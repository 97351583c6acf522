// Co-sell insights: how an organization (or one seller) answers referrals and works its deals,
// read from the organization's own referrals only. The figures measure the seed's tips: answer
// quickly, be choosy about what you accept, report deal sizes, close dates and outcomes.
import { z } from 'zod';
import { DAY_MS, type Clock } from './clock.js';
import type { Directory } from './directory.js';
import { dealTypes, salesStages, type DealType, type Engagement, type Person, type Referral, type Stage } from './model.js';
import { canAct, closeDatePassed, dealTypeOf, hasLapsed } from './referral-rules.js';
import type { Store } from './store.js';

/** The trend's length, in calendar months (UTC) ending with the current one; the past figures count this window too. */
export const TREND_MONTHS = 12;
/** An answer within this many hours counts as quick (the card's "answered within 48 hours"). */
export const QUICK_ANSWER_HOURS = 48;
/** A referral waiting longer than this is named on the card: answering quickly brings more referrals. */
export const WAITING_DAYS = 3;
/** "Expiring soon": a Received referral whose deadline falls within this many days. */
export const EXPIRING_DAYS = 3;
/**
 * An accepted deal whose close date passed up to this many days ago needs a new date; one longer
 * ago most likely ended: it needs its outcome (won or lost). The two nudges never count a deal twice.
 */
export const OUTCOME_GRACE_DAYS = 30;

export const insightScopes = ['org', 'me'] as const;
export type InsightScope = (typeof insightScopes)[number];

/** Where an open deal stands: Received (waiting for the organization's answer), or its sales stage once accepted. */
export const pipelineStages = ['Received', ...salesStages] as const;
export type PipelineStage = (typeof pipelineStages)[number];

const count = z.number().int().min(0);
/** A share from 0 to 1; null when there is nothing to divide by (no answer yet, no deal decided). */
const rate = z.number().min(0).max(1).nullable();
const amount = { value: z.number().min(0), count };

/** Open deals in one currency: their total, by stage and by deal type (values are never converted between currencies). */
export const CurrencyPipeline = z.object({
  currency: z.string(),
  ...amount,
  byStage: z.array(z.object({ stage: z.enum(pipelineStages), ...amount })),
  byType: z.array(z.object({ type: z.enum(dealTypes), ...amount })),
});
export type CurrencyPipeline = z.infer<typeof CurrencyPipeline>;

/** The figures of the insights card: what the card shows, and what a digest would send. */
export const InsightFigures = z.object({
  scope: z.enum(insightScopes),
  asOf: z.iso.datetime({ offset: true }),
  /** The first instant of the window the past figures count: the first day (UTC) of the trend's first month. */
  since: z.iso.datetime({ offset: true }),
  /** Inbound referrals that reached the organization in the window. */
  received: count,
  /** Inbound referrals answered in the window: accepted or declined (expiry is no answer), and of them accepted and declined. */
  answered: count,
  accepted: count,
  declined: count,
  /** accepted / answered. */
  acceptanceRate: rate,
  /** The answers whose time is known (a referral imported already answered has none), the median of those times, and how many came within 48 hours. */
  timedAnswers: count,
  medianAnswerMs: z.number().min(0).nullable(),
  quickAnswers: count,
  /** quickAnswers / timedAnswers. */
  quickAnswerRate: rate,
  /** Deals (inbound or the organization's own) marked won or lost in the window; winRate = won / (won + lost). */
  won: count,
  lost: count,
  winRate: rate,
  /** Estimated values of the deals won in the window, per currency, most deals first. */
  wonValue: z.array(z.object({ currency: z.string(), ...amount })),
  /** Open deals now (Accepted, and Received still answerable), per currency, most deals first. */
  pipeline: z.array(CurrencyPipeline),
  /** Received referrals whose deadline falls within the next 3 days. */
  expiringSoon: count,
  /** One entry per month, oldest first: inbound referrals received, accepted, and deals won that month. */
  trend: z.array(z.object({ month: z.string().regex(/^\d{4}-\d{2}$/), received: count, accepted: count, won: count })).length(TREND_MONTHS),
  /** What the numbers call for: each shown only above zero. */
  nudges: z.object({ waiting: count, closeDatePassed: count, noOutcome: count }),
});
export type InsightFigures = z.infer<typeof InsightFigures>;

/** Who the figures are about: the whole organization, or one person's own deals. */
export type InsightSubject = { scope: 'org' } | { scope: 'me'; person: Person };

const HOUR_MS = 3_600_000;
const answeredStages: readonly Stage[] = ['Accepted', 'Declined', 'Won', 'Lost'];
const acceptedStages: readonly Stage[] = ['Accepted', 'Won', 'Lost'];

/** When the first stage move its history recorded that passes the test was made; undefined when none did. */
function move(r: Referral, test: (from: unknown, to: unknown) => boolean): string | undefined {
  return r.history.find((h) => h.changes.substatus !== undefined && test(h.changes.substatus.from, h.changes.substatus.to))?.at;
}

/**
 * The answer to an inbound referral: it left Received by the organization's choice (Accepted or
 * Declined, or straight on to Won or Lost in Partner Center); Expired is no answer. `at` is the
 * moment its history recorded, undefined for a referral that reached us already answered.
 */
export function answerOf(r: Referral): { accepted: boolean; at: string | undefined; byUserId: string | undefined } | undefined {
  if (r.direction !== 'Incoming' || !answeredStages.includes(r.substatus)) return undefined;
  const entry = r.history.find((h) => h.changes.substatus?.from === 'Received' && h.changes.substatus.to !== 'Expired');
  return { accepted: acceptedStages.includes(r.substatus), at: entry?.at, byUserId: entry?.byUserId };
}

/**
 * A person's own deals, as a seller would expect: those they would act on as a seller (created by
 * them, on their team, or handed to them; an admin's power over every deal aside), and the
 * referrals they answered.
 */
export function isOwnDeal(person: Person, r: Referral): boolean {
  return canAct({ ...person, roles: ['seller'] }, r) || answerOf(r)?.byUserId === person.userId;
}

/** Open now: accepted, or received and still answerable. */
export const isOpenDeal = (r: Referral, now: Date) => r.substatus === 'Accepted' || (r.substatus === 'Received' && !hasLapsed(r, now));

/** The calendar month (UTC) of an instant, as YYYY-MM. */
const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** The first instant (UTC) of the month `back` months before now's. */
function monthStart(now: Date, back: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** Totals by key, most deals first (then by key), so the card's order is stable. */
function tally<K extends string>(items: Iterable<[K, number]>): { key: K; value: number; count: number }[] {
  const totals = new Map<K, { key: K; value: number; count: number }>();
  for (const [key, value] of items) {
    const t = totals.get(key) ?? { key, value: 0, count: 0 };
    t.value += value;
    t.count += 1;
    totals.set(key, t);
  }
  return [...totals.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

/**
 * The figures, from one organization's referrals (the caller reads them; nothing here does I/O).
 * `dealTypeOfOpen` gives the deal type of each open referral in scope (the deal card's type).
 */
export function computeInsights(referrals: readonly Referral[], now: Date, subject: InsightSubject, dealTypeOfOpen: (r: Referral) => DealType): InsightFigures {
  const own = subject.scope === 'me' ? referrals.filter((r) => isOwnDeal(subject.person, r)) : referrals;
  const since = monthStart(now, TREND_MONTHS - 1);
  const from = since.getTime();
  const nowMs = now.getTime();
  const inWindow = (ms: number) => ms >= from && ms <= nowMs;
  // Each month's first instant, oldest first: an instant's month is found by comparing, not by formatting a date.
  const starts = Array.from({ length: TREND_MONTHS }, (_, i) => monthStart(now, TREND_MONTHS - 1 - i).getTime());
  const trend = starts.map((ms) => ({ month: monthOf(ms), received: 0, accepted: 0, won: 0 }));
  const bump = (ms: number, key: 'received' | 'accepted' | 'won') => {
    if (!inWindow(ms)) return;
    let i = TREND_MONTHS - 1;
    while (starts[i]! > ms) i -= 1;
    trend[i]![key] += 1;
  };

  let received = 0;
  let answered = 0;
  let accepted = 0;
  const answerTimes: number[] = [];
  let won = 0;
  let lost = 0;
  const wins: [string, number][] = [];
  const open: Referral[] = [];
  let expiringSoon = 0;
  const nudges = { waiting: 0, closeDatePassed: 0, noOutcome: 0 };
  const today = Date.parse(now.toISOString().slice(0, 10));

  for (const r of own) {
    // Only an inbound referral's arrival is a figure: parsed only there (a card reads thousands of referrals).
    const createdMs = r.direction === 'Incoming' ? Date.parse(r.createdDateTime) : Number.NaN;
    if (r.direction === 'Incoming') {
      if (inWindow(createdMs)) received += 1;
      bump(createdMs, 'received');
      const answer = answerOf(r);
      if (answer) {
        // An answer whose moment the history lacks counts when the referral reached us; it has no time to answer.
        const atMs = answer.at === undefined ? createdMs : Date.parse(answer.at);
        if (inWindow(atMs)) {
          answered += 1;
          if (answer.accepted) accepted += 1;
          if (answer.at !== undefined) answerTimes.push(Math.max(0, atMs - createdMs));
        }
        if (answer.accepted) bump(atMs, 'accepted');
      }
    }
    if (r.substatus === 'Won' || r.substatus === 'Lost') {
      // A closed referral changes no more but for a win's registration: the stage move says when it was decided.
      const decidedMs = Date.parse(move(r, (_, to) => to === r.substatus) ?? r.updatedDateTime);
      if (inWindow(decidedMs)) {
        if (r.substatus === 'Won') {
          won += 1;
          wins.push([r.details.currency, r.details.dealValue]);
        } else lost += 1;
      }
      if (r.substatus === 'Won') bump(decidedMs, 'won');
    }
    const isOpen = isOpenDeal(r, now);
    if (isOpen) open.push(r);
    if (isOpen && r.substatus === 'Received' && r.direction === 'Incoming') {
      if (r.expirationDateTime !== undefined && Date.parse(r.expirationDateTime) <= nowMs + EXPIRING_DAYS * DAY_MS) expiringSoon += 1;
      if (nowMs - createdMs > WAITING_DAYS * DAY_MS) nudges.waiting += 1;
    }
    if (closeDatePassed(r, now)) {
      if (Date.parse(r.details.closingDateTime.slice(0, 10)) < today - OUTCOME_GRACE_DAYS * DAY_MS) nudges.noOutcome += 1;
      else nudges.closeDatePassed += 1;
    }
  }

  const quickAnswers = answerTimes.filter((ms) => ms <= QUICK_ANSWER_HOURS * HOUR_MS).length;
  const stageOf = (r: Referral): PipelineStage => (r.substatus === 'Received' ? 'Received' : r.salesStage);
  const byCurrency = new Map<string, Referral[]>();
  for (const r of open) {
    const deals = byCurrency.get(r.details.currency);
    if (deals) deals.push(r);
    else byCurrency.set(r.details.currency, [r]);
  }
  const pipeline = tally(open.map((r): [string, number] => [r.details.currency, r.details.dealValue])).map(({ key: currency, value, count }) => {
    const deals = byCurrency.get(currency)!;
    return {
      currency,
      value,
      count,
      byStage: tally(deals.map((r): [PipelineStage, number] => [stageOf(r), r.details.dealValue]))
        .sort((a, b) => pipelineStages.indexOf(a.key) - pipelineStages.indexOf(b.key))
        .map(({ key, ...rest }) => ({ stage: key, ...rest })),
      byType: tally(deals.map((r): [DealType, number] => [dealTypeOfOpen(r), r.details.dealValue]))
        .sort((a, b) => dealTypes.indexOf(a.key) - dealTypes.indexOf(b.key))
        .map(({ key, ...rest }) => ({ type: key, ...rest })),
    };
  });

  return {
    scope: subject.scope,
    asOf: now.toISOString(),
    since: since.toISOString(),
    received,
    answered,
    accepted,
    declined: answered - accepted,
    acceptanceRate: share(accepted, answered),
    timedAnswers: answerTimes.length,
    medianAnswerMs: median(answerTimes),
    quickAnswers,
    quickAnswerRate: share(quickAnswers, answerTimes.length),
    won,
    lost,
    winRate: share(won, won + lost),
    wonValue: tally(wins).map(({ key, ...rest }) => ({ currency: key, ...rest })),
    pipeline,
    expiringSoon,
    trend,
    nudges,
  };
}

/** Reads an organization's referrals and the deal types of its open deals, then computes the figures. */
export class Insights {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly clock: Clock,
  ) {}

  /**
   * The figures for a person: of their organization, or of their own deals. Everyone in an
   * organization reads all of its referrals, so anyone may see the organization's figures.
   */
  async figures(person: Person, scope: InsightScope): Promise<InsightFigures> {
    const now = this.clock.now();
    const referrals = await this.store.list('referral', person.orgId);
    const subject: InsightSubject = scope === 'me' ? { scope, person } : { scope };
    const types = await this.dealTypes(referrals.filter((r) => isOpenDeal(r, now) && (scope === 'org' || isOwnDeal(person, r))), now);
    return computeInsights(referrals, now, subject, (r) => types.get(r.id) ?? 'private');
  }

  /**
   * The deal type of each open referral as its deal card shows it: from who takes part now (not the
   * organizations that declined or let their invitation lapse), and the creator's sharing with
   * Microsoft's sellers. Reads each deal's engagement and the other organizations' referrals on it,
   * each read started at once (thousands of open deals are one round of reads, not thousands).
   */
  private async dealTypes(open: Referral[], now: Date): Promise<Map<string, DealType>> {
    const known = new Map(open.map((r) => [r.id, r]));
    const engagements = await Promise.all(open.map((r) => this.store.get('engagement', r.engagementId)));
    const wanted = [...new Set(engagements.flatMap((e) => e?.participants.map((p) => p.referralId).filter((id) => !known.has(id)) ?? []))];
    for (const [i, r] of (await Promise.all(wanted.map((id) => this.store.get('referral', id)))).entries()) if (r) known.set(wanted[i]!, r);
    const types = new Map<string, DealType>();
    open.forEach((r, i) => {
      const engagement = engagements[i];
      if (!engagement) return;
      const left = (id: string) => {
        const o = known.get(id);
        return o !== undefined && id !== r.id && (o.substatus === 'Declined' || o.substatus === 'Expired' || hasLapsed(o, now));
      };
      const taking: Engagement = { ...engagement, participants: engagement.participants.filter((p) => !left(p.referralId)) };
      const creators = engagement.participants.find((p) => p.orgId === engagement.createdByOrgId);
      const shared = creators ? (known.get(creators.referralId)?.consent.consentToShareReferralWithMicrosoftSellers ?? false) : false;
      types.set(r.id, dealTypeOf(taking, this.directory.microsoftTenantId, shared));
    });
    return types;
  }
}
