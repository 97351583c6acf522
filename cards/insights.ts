// The insights card: an organization's (or a seller's) co-sell figures, nudges where the numbers
// call for them, and Teams' chart elements, each with a table or facts for hosts without charts.
// A pure function of the figures and the reader's language: the bot and a digest both send it.
import { DAY_MS } from '../services/clock.js';
import { day, listOf, money, number, t, type MessageKey } from '../services/i18n.js';
import { OUTCOME_GRACE_DAYS, QUICK_ANSWER_HOURS, TREND_MONTHS, WAITING_DAYS, EXPIRING_DAYS, type CurrencyPipeline, type InsightFigures, type PipelineStage } from '../services/insights.js';
import template from './insights.json' with { type: 'json' };
import { dealTypeLabel, salesStageLabel } from './format.js';
import { compile, noBanner, type Banner, type Card } from './render.js';

const render = compile<object>(template);

/** Charts for this many currencies (those with the most open deals); the open pipeline fact lists them all. */
export const CHART_CURRENCIES = 3;

export interface InsightsCardOptions {
  /** The organization's name, and for a person's own view their name: shown as typed. */
  orgName: string;
  personName?: string;
  banner?: Banner;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** A share with what it is of ("75% (3 of 4)"), or a dash when there is nothing to divide. */
const share = (rate: number | null, part: number, whole: number) => (rate === null ? t('insights.noFigure') : t('insights.value.share', { rate, part: number(part), whole: number(whole) }));

/** A time to answer in the unit that reads best: minutes under an hour, hours under two days, then days to a tenth. */
function duration(ms: number | null): string {
  if (ms === null) return t('insights.noFigure');
  if (ms < HOUR_MS) return t('insights.duration.minutes', { minutes: Math.round(ms / MINUTE_MS) });
  if (ms < 48 * HOUR_MS) return t('insights.duration.hours', { hours: Math.round(ms / HOUR_MS) });
  return t('insights.duration.days', { days: Math.round((ms / DAY_MS) * 10) / 10 });
}

/** Amounts per currency, never added across currencies: "$80,000 (1 deal) and €64,000 (2 deals)". */
const amounts = (list: { currency: string; value: number; count: number }[]) =>
  list.length === 0 ? t('insights.noFigure') : listOf(list.map((a) => t('insights.value.amount', { amount: money(a.value, a.currency), count: a.count })));

/** "Nov 2026" / "nov 2026": the reader's day format without the day (the middle of the month, so no time zone moves it). */
const monthLabel = (month: string) => day(`${month}-15T12:00:00.000Z`).replace(/^\d+\s+/, '');

const stageLabel = (s: PipelineStage) => (s === 'Received' ? t('insights.stage.Received') : salesStageLabel(s));

/** One donut and the facts that stand for it where charts are not rendered. */
function donut(title: string, slices: { label: string; value: number; count: number }[], currency: string) {
  return {
    title,
    data: slices.map((s) => ({ legend: s.label, value: s.value })),
    facts: slices.map((s) => ({ title: s.label, value: t('insights.value.amount', { amount: money(s.value, currency), count: s.count }) })),
  };
}

function pipelineCharts(p: CurrencyPipeline) {
  return {
    byStage: donut(t('insights.pipeline.byStage', { currency: p.currency }), p.byStage.map((s) => ({ label: stageLabel(s.stage), value: s.value, count: s.count })), p.currency),
    byType: donut(t('insights.pipeline.byType', { currency: p.currency }), p.byType.map((s) => ({ label: dealTypeLabel(s.type), value: s.value, count: s.count })), p.currency),
  };
}

/** The nudges the numbers call for, each only when its count is above zero. */
export function nudgeTexts(n: InsightFigures['nudges']): string[] {
  const lines: [number, MessageKey, Record<string, number>][] = [
    [n.waiting, 'insights.nudge.waiting', { days: WAITING_DAYS }],
    [n.closeDatePassed, 'insights.nudge.closeDate', {}],
    [n.noOutcome, 'insights.nudge.noOutcome', { days: OUTCOME_GRACE_DAYS }],
  ];
  return lines.filter(([count]) => count > 0).map(([count, key, values]) => t(key, { count, ...values }));
}

export function insightsCard(f: InsightFigures, o: InsightsCardOptions): Card {
  const trend = f.trend.map((m) => ({ ...m, label: monthLabel(m.month) }));
  const series = (key: 'received' | 'accepted' | 'won', color: string) => ({
    legend: t(`insights.trend.${key}`),
    color,
    values: trend.map((m) => ({ x: m.label, y: m[key] })),
  });
  return render({
    subtitle: f.scope === 'me' ? t('insights.subtitle.me', { name: o.personName ?? '' }) : t('insights.subtitle.org', { org: o.orgName }),
    asOf: t('insights.asOf', { date: day(f.asOf), months: TREND_MONTHS, since: monthLabel(f.since.slice(0, 7)) }),
    banner: o.banner ?? noBanner,
    nudges: nudgeTexts(f.nudges).map((text) => ({ text })),
    answering: [
      { title: t('insights.fact.received'), value: number(f.received) },
      { title: t('insights.fact.answered'), value: t('insights.value.answered', { answered: number(f.answered), accepted: f.accepted, declined: f.declined }) },
      { title: t('insights.fact.median'), value: duration(f.medianAnswerMs) },
      { title: t('insights.fact.quick', { hours: QUICK_ANSWER_HOURS }), value: share(f.quickAnswerRate, f.quickAnswers, f.timedAnswers) },
      { title: t('insights.fact.acceptance'), value: share(f.acceptanceRate, f.accepted, f.answered) },
      { title: t('insights.fact.expiring', { days: EXPIRING_DAYS }), value: number(f.expiringSoon) },
    ],
    deals: [
      { title: t('insights.fact.winRate'), value: share(f.winRate, f.won, f.won + f.lost) },
      { title: t('insights.fact.wonValue'), value: amounts(f.wonValue) },
      { title: t('insights.fact.pipeline'), value: amounts(f.pipeline) },
    ],
    trend: {
      heading: t('insights.trend', { months: TREND_MONTHS }),
      // A chart of nothing draws an axis of tiny fractions: a line says it instead.
      any: trend.some((m) => m.received + m.accepted + m.won > 0),
      series: [series('received', 'categoricalBlue'), series('accepted', 'categoricalTeal'), series('won', 'good')],
      rows: trend.map((m) => ({ month: m.label, received: number(m.received), accepted: number(m.accepted), won: number(m.won) })),
    },
    pipeline: f.pipeline.slice(0, CHART_CURRENCIES).map(pipelineCharts),
    moreCurrencies: f.pipeline.length > CHART_CURRENCIES ? t('insights.pipeline.more', { shown: CHART_CURRENCIES, count: f.pipeline.length }) : '',
    // The other view: a seller's own deals, or the whole organization's.
    other: f.scope === 'me' ? { title: t('insights.button.org'), data: { scope: 'org' } } : { title: t('insights.button.me'), data: { scope: 'me' } },
  });
}
