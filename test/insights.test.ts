// Insights: the figures on seeded sets whose answers are worked out by hand, the nudges coming and
// going, the card's numbers and chart data (valid with its fallbacks, in both languages), the
// service over real deals, and the command over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../bot/commands.js';
import { CHART_CURRENCIES, insightsCard, nudgeTexts } from '../cards/insights.js';
import { MAX_CARD_BYTES } from '../cards/render.js';
import { inLocale, type Lang } from '../services/i18n.js';
import { computeInsights, InsightFigures, Insights, isOwnDeal } from '../services/insights.js';
import type { DealType, HistoryEntry, Referral, Stage } from '../services/model.js';
import { ana, cardText, startHarness, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import { makePerson, makeReferral } from './helpers/records.js';
import { leaks } from './helpers/words.js';
import { customerContact, dealInput, FABRIKAM, makeWorld, member, partnerInvitation, type World } from './helpers/world.js';

const ORG = 'org-contoso';
const NOW = new Date('2026-11-21T09:00:00.000Z');
const HOUR = 3_600_000;
const at = (iso: string, hours = 0) => new Date(Date.parse(iso) + hours * HOUR).toISOString();

/** A history entry moving the referral between stages, as the lifecycle records it. */
const moved = (when: string, from: Stage, to: Stage, byUserId = 'u-ana'): HistoryEntry => ({ at: when, byOrgId: ORG, byUserId, byName: 'Ana', action: 'moved', changes: { substatus: { from, to } } });
const arrived = (when: string): HistoryEntry => ({ at: when, byOrgId: 'org-sender', byUserId: 'u-sender', byName: 'Sender', action: 'received', changes: {} });

/** An inbound referral received at `received`, then moved through `moves` ([hours after receipt, stage]). */
function inbound(received: string, moves: [number, Stage][], details: Partial<Referral['details']> = {}, extra: Partial<Referral> = {}): Referral {
  let from: Stage = 'Received';
  const history = [arrived(received)];
  for (const [hours, to] of moves) {
    history.push(moved(at(received, hours), from, to));
    from = to;
  }
  return makeReferral({
    orgId: ORG,
    direction: 'Incoming',
    substatus: from,
    createdDateTime: received,
    updatedDateTime: history.at(-1)!.at,
    expirationDateTime: at(received, 14 * 24),
    team: [],
    details: { dealValue: 50000, currency: 'USD', closingDateTime: '2027-01-31T00:00:00.000Z', assistanceRequestCode: 'None', ...details },
    history,
    ...extra,
  });
}

/** An outbound deal of the organization, Accepted from its creation. */
function own(details: Partial<Referral['details']>, extra: Partial<Referral> = {}): Referral {
  const created = '2026-06-01T09:00:00.000Z';
  return makeReferral({
    orgId: ORG,
    direction: 'Outgoing',
    substatus: 'Accepted',
    createdDateTime: created,
    updatedDateTime: created,
    details: { dealValue: 10000, currency: 'USD', closingDateTime: '2027-01-31T00:00:00.000Z', assistanceRequestCode: 'None', ...details },
    history: [{ at: created, byOrgId: ORG, byUserId: 'u-ana', byName: 'Ana', action: 'created', changes: {} }],
    ...extra,
  });
}

const anyType = (): DealType => 'private';
const figuresOf = (referrals: Referral[], now = NOW, types: (r: Referral) => DealType = anyType) => computeInsights(referrals, now, { scope: 'org' }, types);

/**
 * The example: 4 received, 3 accepted (1 won, 2 lost), 1 declined: 75% acceptance, 33% win rate.
 * Answer times 6, 48, 96 and 24 hours: median 36 hours, 3 of 4 within 48 hours.
 */
const answeredFour = () => [
  inbound('2026-11-01T09:00:00.000Z', [[6, 'Accepted'], [9 * 24, 'Won']], { dealValue: 50000, currency: 'USD' }),
  inbound('2026-10-10T09:00:00.000Z', [[48, 'Accepted'], [23 * 24, 'Lost']], { dealValue: 20000, currency: 'USD' }),
  inbound('2026-09-01T00:00:00.000Z', [[96, 'Accepted'], [49 * 24, 'Lost']], { dealValue: 30000, currency: 'EUR' }),
  inbound('2026-08-01T00:00:00.000Z', [[24, 'Declined']]),
  // Before the window (it starts 1 Dec 2025): counts nowhere.
  inbound('2025-11-20T00:00:00.000Z', [[2, 'Accepted'], [4, 'Won']], { dealValue: 999, currency: 'GBP' }),
];

/** Open deals now, in two currencies, with one of each nudge and one referral expiring soon. */
const openSet = () => ({
  develop: own({ dealValue: 100000, currency: 'USD', closingDateTime: '2027-01-31T00:00:00.000Z' }, { salesStage: 'Develop' }),
  // Its close date passed 11 days ago: it needs a new one.
  staleDate: own({ dealValue: 40000, currency: 'USD', closingDateTime: '2026-11-10T00:00:00.000Z' }, { salesStage: 'Propose' }),
  // Its close date passed 52 days ago: it needs its outcome.
  noOutcome: own({ dealValue: 70000, currency: 'EUR', closingDateTime: '2026-09-30T00:00:00.000Z' }, { salesStage: 'Qualify' }),
  // Waiting 6 days for an answer; 8 days left.
  waiting: inbound('2026-11-15T09:00:00.000Z', [], { dealValue: 20000, currency: 'EUR' }),
  // Waiting exactly 3 days (not more), 2 days left: expiring soon.
  expiring: inbound('2026-11-18T09:00:00.000Z', [], { dealValue: 10000, currency: 'USD' }, { expirationDateTime: '2026-11-23T09:00:00.000Z' }),
  // Past its deadline, not yet marked Expired by the clock: no longer open, waiting or expiring.
  lapsed: inbound('2026-11-01T09:00:00.000Z', [], { dealValue: 5000, currency: 'USD' }),
});

describe('the figures', () => {
  it('the issue’s example: 4 received, 3 accepted, 1 won, 2 lost: 75% acceptance, 33% win rate, median and 48-hour share', () => {
    const f = figuresOf(answeredFour());
    // The figures are what their schema says (a digest may store them).
    expect(InsightFigures.parse(f)).toEqual(f);
    expect(f.since).toBe('2025-12-01T00:00:00.000Z');
    expect({ received: f.received, answered: f.answered, accepted: f.accepted, declined: f.declined }).toEqual({ received: 4, answered: 4, accepted: 3, declined: 1 });
    expect(f.acceptanceRate).toBe(0.75);
    expect({ won: f.won, lost: f.lost }).toEqual({ won: 1, lost: 2 });
    expect(f.winRate).toBeCloseTo(1 / 3);
    expect(f.timedAnswers).toBe(4);
    expect(f.medianAnswerMs).toBe(36 * HOUR);
    // 6, 24 and exactly 48 hours are within 48 hours; 96 is not.
    expect({ quick: f.quickAnswers, rate: f.quickAnswerRate }).toEqual({ quick: 3, rate: 0.75 });
    expect(f.wonValue).toEqual([{ currency: 'USD', value: 50000, count: 1 }]);
    expect(f.pipeline).toEqual([]);
    expect(f.trend).toHaveLength(12);
    expect(f.trend[0]!.month).toBe('2025-12');
    const months = Object.fromEntries(f.trend.filter((m) => m.received + m.accepted + m.won > 0).map(({ month, ...counts }) => [month, counts]));
    expect(months).toEqual({
      '2026-08': { received: 1, accepted: 0, won: 0 },
      '2026-09': { received: 1, accepted: 1, won: 0 },
      '2026-10': { received: 1, accepted: 1, won: 0 },
      '2026-11': { received: 1, accepted: 1, won: 1 },
    });
  });

  it('win rate counts decided deals only: an open accepted deal lowers it no more than an expiry answers a referral', () => {
    const expired = inbound('2026-10-01T00:00:00.000Z', [[14 * 24, 'Expired']]);
    const f = figuresOf([...answeredFour(), own({}), expired]);
    expect(f.winRate).toBeCloseTo(1 / 3);
    expect({ received: f.received, answered: f.answered, acceptanceRate: f.acceptanceRate }).toEqual({ received: 5, answered: 4, acceptanceRate: 0.75 });
    // An outbound win counts in the win rate and the won value (its own currency), never in the answers.
    const outboundWin = own({ dealValue: 8000, currency: 'EUR' }, { substatus: 'Won', status: 'Closed', history: [moved('2026-11-02T00:00:00.000Z', 'Accepted', 'Won')] });
    const g = figuresOf([...answeredFour(), outboundWin]);
    expect({ won: g.won, winRate: g.winRate, answered: g.answered }).toEqual({ won: 2, winRate: 0.5, answered: 4 });
    expect(g.wonValue).toEqual([
      { currency: 'EUR', value: 8000, count: 1 },
      { currency: 'USD', value: 50000, count: 1 },
    ]);
  });

  it('with nothing to divide, rates and the median are null, not zero', () => {
    const f = figuresOf([]);
    expect([f.acceptanceRate, f.winRate, f.quickAnswerRate, f.medianAnswerMs]).toEqual([null, null, null, null]);
    expect(f.trend.every((m) => m.received + m.accepted + m.won === 0)).toBe(true);
  });

  it('a referral imported already answered counts as answered, without a time to answer', () => {
    const imported = inbound('2026-11-02T00:00:00.000Z', [], {}, { substatus: 'Accepted', status: 'Active' });
    const f = figuresOf([imported]);
    expect({ answered: f.answered, accepted: f.accepted, timed: f.timedAnswers, median: f.medianAnswerMs }).toEqual({ answered: 1, accepted: 1, timed: 0, median: null });
  });

  it('open pipeline per currency, by stage and by deal type; expiring soon; one of each nudge', () => {
    const s = openSet();
    const types = new Map<string, DealType>([
      [s.develop.id, 'co-sell'],
      [s.staleDate.id, 'p2p'],
      [s.expiring.id, 'co-sell'],
      [s.noOutcome.id, 'private'],
      [s.waiting.id, 'partner-led'],
    ]);
    const f = figuresOf(Object.values(s), NOW, (r) => types.get(r.id)!);
    expect(f.pipeline).toEqual([
      {
        currency: 'USD',
        value: 150000,
        count: 3,
        byStage: [
          { stage: 'Received', value: 10000, count: 1 },
          { stage: 'Develop', value: 100000, count: 1 },
          { stage: 'Propose', value: 40000, count: 1 },
        ],
        byType: [
          { type: 'co-sell', value: 110000, count: 2 },
          { type: 'p2p', value: 40000, count: 1 },
        ],
      },
      {
        currency: 'EUR',
        value: 90000,
        count: 2,
        byStage: [
          { stage: 'Received', value: 20000, count: 1 },
          { stage: 'Qualify', value: 70000, count: 1 },
        ],
        byType: [
          { type: 'private', value: 70000, count: 1 },
          { type: 'partner-led', value: 20000, count: 1 },
        ],
      },
    ]);
    expect(f.expiringSoon).toBe(1);
    expect(f.nudges).toEqual({ waiting: 1, closeDatePassed: 1, noOutcome: 1 });
  });

  it('the nudges go once the deals are seen to, and come as time passes', () => {
    const s = openSet();
    const answered = { ...s.waiting, substatus: 'Accepted' as const, status: 'Active' as const, history: [...s.waiting.history, moved('2026-11-21T08:00:00.000Z', 'Received', 'Accepted')] };
    const redated = { ...s.staleDate, details: { ...s.staleDate.details, closingDateTime: '2027-03-31T00:00:00.000Z' } };
    const decided = { ...s.noOutcome, substatus: 'Lost' as const, status: 'Closed' as const, history: [...s.noOutcome.history, moved('2026-11-21T08:30:00.000Z', 'Accepted', 'Lost')] };
    const f = figuresOf([s.develop, redated, decided, answered, s.expiring, s.lapsed]);
    expect(f.nudges).toEqual({ waiting: 0, closeDatePassed: 0, noOutcome: 0 });
    expect(nudgeTexts(f.nudges)).toEqual([]);
    // A day on, the referral received 3 days before has waited more than 3 days.
    const later = figuresOf([s.develop, redated, decided, answered, s.expiring, s.lapsed], new Date('2026-11-22T09:00:00.000Z'));
    expect(later.nudges).toEqual({ waiting: 1, closeDatePassed: 0, noOutcome: 0 });
    // The deal whose close date passed 11 days ago needs its outcome once 30 days have gone by.
    const month = figuresOf([s.staleDate], new Date('2026-12-11T09:00:00.000Z'));
    expect(month.nudges).toEqual({ waiting: 0, closeDatePassed: 0, noOutcome: 1 });
  });

  it('a seller’s own deals: created by them, on their team, handed to them, or answered by them', () => {
    const sam = makePerson({ orgId: ORG, userId: 'u-sam', email: 'sam@contoso.com', roles: ['seller', 'admin'] });
    const created = own({}, { history: [{ at: NOW.toISOString(), byOrgId: ORG, byUserId: 'u-sam', byName: 'Sam', action: 'created', changes: {} }], team: [] });
    const onTeam = own({}, { team: [{ firstName: 'Sam', lastName: 'S', phoneNumber: '+1 425 555 0100', email: 'SAM@contoso.com' }] });
    const handed = inbound('2026-11-20T09:00:00.000Z', [], {}, { assignedTo: { userId: 'u-sam', name: 'Sam' } });
    const answeredBySam = inbound('2026-11-01T09:00:00.000Z', [[2, 'Declined']]);
    answeredBySam.history[1] = { ...answeredBySam.history[1]!, byUserId: 'u-sam' };
    const others = [own({}, { team: [] }), inbound('2026-11-19T09:00:00.000Z', [])];
    // Being an admin gives power over every deal, not ownership of them.
    expect([created, onTeam, handed, answeredBySam].every((r) => isOwnDeal(sam, r))).toBe(true);
    expect(others.some((r) => isOwnDeal(sam, r))).toBe(false);
    const f = computeInsights([created, onTeam, handed, answeredBySam, ...others], NOW, { scope: 'me', person: sam }, anyType);
    expect(f.scope).toBe('me');
    expect({ received: f.received, answered: f.answered, declined: f.declined }).toEqual({ received: 2, answered: 1, declined: 1 });
    expect(f.pipeline).toEqual([{ currency: 'USD', value: 70000, count: 3, byStage: [{ stage: 'Received', value: 50000, count: 1 }, { stage: 'Qualify', value: 20000, count: 2 }], byType: [{ type: 'private', value: 70000, count: 3 }] }]);
  });
});

/** The card's facts, by title. */
function facts(card: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o.type === 'FactSet') for (const f of o.facts as { title: string; value: string }[]) out[f.title] = f.value;
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}

function elements(card: unknown, type: string): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      if ((n as { type?: unknown }).type === type) out.push(n as Record<string, any>);
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}

const inLanguage = <T>(language: Lang, fn: () => T) => inLocale({ lang: language, timeZone: 'UTC' }, fn);

describe('the card', () => {
  const s = openSet();
  const figures = (): InsightFigures => figuresOf([...answeredFour(), ...Object.values(s)], NOW, (r) => (r.direction === 'Incoming' ? 'co-sell' : 'p2p'));
  const card = (f = figures(), language: Lang = 'en') => inLanguage(language, () => insightsCard(f, { orgName: 'Contoso Partner', personName: 'Ana Admin' }));

  it('shows the figures, worded and formatted', () => {
    const c = card();
    expect(facts(c)).toMatchObject({
      'Referrals received': '7',
      Answered: '4 (3 accepted, 1 declined)',
      'Median time to answer': '36 hours',
      'Answered within 48 hours': '75% (3 of 4)',
      'Acceptance rate': '75% (3 of 4)',
      'Expiring within 3 days': '1',
      'Win rate': '33% (1 of 3)',
      'Won value': '$50,000 (1 deal)',
      'Open pipeline': '$150,000 (3 deals) and €90,000 (2 deals)',
    });
    const text = cardText(c);
    expect(text).toContain('Contoso Partner: the whole organization');
    expect(text).toContain('As of 21 Nov 2026. Past figures count the last 12 months, since Dec 2025.');
    expect(text).toContain('1 referral has waited more than 3 days for an answer');
    expect(text).toContain('1 accepted deal has a passed close date: give it a new one.');
    expect(text).toContain('1 accepted deal has no outcome 30 days after its close date: mark it won or lost.');
    expect(text).toContain('Win rate: won of won and lost');
  });

  it('carries the chart data: the 12-month trend and a donut by stage and by deal type per currency, each with its fallback', () => {
    const c = card();
    const [trend] = elements(c, 'Chart.VerticalBar.Grouped');
    expect(trend!.data.map((series: { legend: string }) => series.legend)).toEqual(['Received', 'Accepted', 'Won']);
    for (const series of trend!.data) expect(series.values).toHaveLength(12);
    expect(trend!.data[0].values[0]).toEqual({ x: 'Dec 2025', y: 0 });
    expect(trend!.data.map((series: { values: { y: number }[] }) => series.values.at(-1))).toEqual([
      { x: 'Nov 2026', y: 4 },
      { x: 'Nov 2026', y: 1 },
      { x: 'Nov 2026', y: 1 },
    ]);
    // Without charts, the same numbers in a table: a header and a row per month.
    expect(trend!.fallback.type).toBe('Table');
    expect(trend!.fallback.rows).toHaveLength(13);
    expect(cardText(trend!.fallback.rows.at(-1))).toBe(['Nov 2026', '4', '1', '1'].join('\n'));

    const donuts = elements(c, 'Chart.Donut');
    expect(donuts.map((d) => d.title)).toEqual(['By stage · USD', 'By deal type · USD', 'By stage · EUR', 'By deal type · EUR']);
    expect(donuts[0]!.data).toEqual([
      { legend: 'Awaiting your answer', value: 10000 },
      { legend: 'Develop', value: 100000 },
      { legend: 'Propose', value: 40000 },
    ]);
    expect(donuts[1]!.data).toEqual([
      { legend: 'Co-sell', value: 10000 },
      { legend: 'Partner to partner', value: 140000 },
    ]);
    expect(facts(donuts[3]!.fallback)).toEqual({ 'Co-sell': '€20,000 (1 deal)', 'Partner to partner': '€70,000 (1 deal)' });
  });

  it('is valid with its charts’ fallbacks, and fits Teams, in both languages; the Spanish one has no English word', () => {
    for (const language of ['en', 'es'] as const) {
      const c = card(figures(), language);
      expect(cardProblems(c), language).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThanOrEqual(MAX_CARD_BYTES);
      expect(leaks(c, language, ['Contoso Partner', 'Ana Admin']), language).toEqual([]);
    }
    const spanish = card(figures(), 'es');
    // Spanish puts a no-break space before % and the currency sign: read here as a space.
    const spaced = Object.fromEntries(Object.entries(facts(spanish)).map(([k, v]) => [k, v.replace(/[\u00a0\u202f]/g, ' ')]));
    expect(spaced).toMatchObject({ 'Tasa de aceptación': '75 % (3 de 4)', 'Tasa de éxito': '33 % (1 de 3)', 'Cartera abierta': '150.000 US$ (3 acuerdos) y 90.000 € (2 acuerdos)' });
    expect(elements(spanish, 'Chart.VerticalBar.Grouped')[0]!.data[0].values.at(-1)).toEqual({ x: 'nov 2026', y: 4 });
  });

  it('a chart without a fallback, or of a kind Teams does not have, fails the check', () => {
    const c = card();
    const [trend] = elements(c, 'Chart.VerticalBar.Grouped');
    delete trend!.fallback;
    expect(cardProblems(c).join('\n')).toMatch(/Chart.VerticalBar.Grouped .* has no fallback element/);
    trend!.type = 'Chart.Radar';
    trend!.fallback = { type: 'TextBlock', text: 'x' };
    expect(cardProblems(c).join('\n')).toMatch(/Chart.Radar is no chart element Teams knows/);
  });

  it('shows nudges only above zero, no charts for no open deal, and charts for at most 3 currencies', () => {
    const quiet = figuresOf(answeredFour());
    const c = card(quiet);
    expect(cardText(c)).not.toMatch(/waited|passed close date|no outcome/);
    expect(elements(c, 'Container').some((x) => x.style === 'warning')).toBe(false);
    expect(elements(c, 'Chart.Donut')).toEqual([]);
    expect(cardText(c)).toContain('No open deals.');

    const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'CHF'];
    const many = figuresOf(currencies.map((currency) => own({ currency, dealValue: 1000 })));
    const d = card(many);
    expect(elements(d, 'Chart.Donut')).toHaveLength(2 * CHART_CURRENCIES);
    expect(cardText(d)).toContain('Charts for the 3 currencies with the most open deals; the open pipeline above lists all 5.');
    expect(facts(d)['Open pipeline']).toContain('CHF');
  });

  it('draws no trend chart for twelve empty months (an axis of nothing reads as tiny fractions): a line says so', () => {
    const empty = card(figuresOf([]));
    expect(elements(empty, 'Chart.VerticalBar.Grouped')).toEqual([]);
    expect(cardText(empty)).toContain('Nothing received, accepted or won in these months.');
    const busy = card(figuresOf(answeredFour()));
    expect(elements(busy, 'Chart.VerticalBar.Grouped')).toHaveLength(1);
    expect(cardText(busy)).not.toContain('Nothing received');
  });

  it('offers the other view: the organization’s card a seller’s own, and back', () => {
    const execute = (c: unknown) => elements(c, 'Action.Execute').map((a) => ({ title: a.title, verb: a.verb, data: a.data }));
    expect(execute(card())).toEqual([
      { title: 'My deals', verb: 'insights', data: { scope: 'me' } },
      { title: 'Inbound referrals', verb: 'list', data: { box: 'inbound', page: 0 } },
    ]);
    const mine = card({ ...figures(), scope: 'me' });
    expect(execute(mine)[0]).toEqual({ title: 'Whole organization', verb: 'insights', data: { scope: 'org' } });
    expect(cardText(mine)).toContain('Ana Admin: your own deals');
  });
});

describe('the service, over real deals', () => {
  let w: World;
  afterEach(() => w?.close());

  it('answers and their times, and deal types as the deal cards show them, for each organization', async () => {
    w = await makeWorld();
    const { service, clock } = w;
    // Microsoft asks Fabrikam onto a co-sell deal; our organization invites Fabrikam to two deals of its own.
    await service.createDeal(w.microsoft, dealInput({ name: 'Woodgrove', customerContact, consentToShare: true, team: [member('Mia', 'mia@microsoft.example')], partners: [partnerInvitation(FABRIKAM, { dealValue: 80000 })] }));
    const p2pKept = await service.createDeal(w.admin, dealInput({ name: 'Litware', partners: [partnerInvitation(FABRIKAM, { dealValue: 30000, currency: 'EUR' })] }));
    await service.createDeal(w.admin, dealInput({ name: 'Relecloud', dealValue: 60000, partners: [partnerInvitation(FABRIKAM, { dealValue: 20000 })] }));
    const inbox = (await service.list(w.fabrikam, 'inbound')).items.map((i) => i.referral);
    const named = (name: string) => inbox.find((r) => r.name === name)!;
    clock.advance(6 * HOUR);
    const woodgrove = named('Woodgrove');
    await service.accept(w.fabrikam, woodgrove.id, woodgrove.version, { name: woodgrove.name, dealValue: 80000, currency: 'USD', closingDateTime: '2027-03-31', team: [] });
    clock.advance(48 * HOUR);
    const relecloud = named('Relecloud');
    await service.decline(w.fabrikam, relecloud.id, relecloud.version, { reason: 'NotAGoodFit' });

    const insights = new Insights(w.store, w.directory, clock);
    const fay = (await w.directory.person(w.fabrikam.tenantId, w.fabrikam.userId))!;
    const f = await insights.figures(fay, 'org');
    expect({ received: f.received, answered: f.answered, accepted: f.accepted, declined: f.declined }).toEqual({ received: 3, answered: 2, accepted: 1, declined: 1 });
    expect(f.medianAnswerMs).toBe(30 * HOUR);
    expect({ quick: f.quickAnswers, timed: f.timedAnswers }).toEqual({ quick: 1, timed: 2 });
    expect(f.pipeline.map((p) => ({ currency: p.currency, types: p.byType.map((t) => t.type) }))).toEqual([
      { currency: 'EUR', types: ['p2p'] },
      { currency: 'USD', types: ['co-sell'] },
    ]);

    // Ours: Fabrikam declined Relecloud, so it is private again; Litware is still partner to partner.
    const anaPerson = (await w.directory.person(w.admin.tenantId, w.admin.userId))!;
    const ours = await insights.figures(anaPerson, 'org');
    expect(ours.pipeline).toEqual([
      { currency: 'USD', value: 110000, count: 2, byStage: [{ stage: 'Qualify', value: 110000, count: 2 }], byType: [{ type: 'private', value: 60000, count: 1 }, { type: 'p2p', value: 50000, count: 1 }] },
    ]);
    expect(p2pKept.dealType).toBe('p2p');
    // Ana created both; Sam has no deal of his own.
    expect((await insights.figures(anaPerson, 'me')).pipeline[0]!.count).toBe(2);
    const sam = (await w.directory.person(w.seller.tenantId, w.seller.userId))!;
    expect((await insights.figures(sam, 'me')).pipeline).toEqual([]);
  });
});

describe('the command', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('reads in both languages', () => {
    expect(parseCommand('insights')).toEqual({ verb: 'insights', data: { scope: 'org' } });
    expect(parseCommand('Estadísticas')).toEqual(parseCommand('insights'));
    expect(parseCommand('insights me')).toEqual({ verb: 'insights', data: { scope: 'me' } });
    expect(parseCommand('estadísticas yo')).toEqual(parseCommand('insights me'));
    expect(parseCommand('mis estadísticas')).toEqual(parseCommand('insights me'));
  });

  it('over HTTP: the card arrives, and its button switches to the seller’s own deals', async () => {
    h = await startHarness();
    const org = await h.say(ana, 'insights');
    expect(cardText(org)).toContain('Co-sell insights');
    expect(cardText(org)).toContain(': the whole organization');
    expect(cardProblems(org)).toEqual([]);
    const { card: mine } = await h.press(ana, org, 'My deals');
    expect(cardText(mine)).toContain('Ana Admin: your own deals');
    const spanish = await h.say(ana, 'estadísticas yo', { locale: 'es-ES' });
    expect(cardText(spanish)).toContain('Estadísticas de venta conjunta');
    const bad = await h.click(ana, 'insights', { scope: 'everyone' });
    expect(bad.statusCode).toBe(400);
  });
});
