// Checks a card the way the issue asks: the official parser at version 1.5 reports nothing,
// no template expression is left, every Action.Execute has a verb, and it fits in Teams' 40 KB.
import { createRequire } from 'node:module';
import type * as AC from 'adaptivecards';

const require = createRequire(import.meta.url);
const ac = require('adaptivecards/dist/adaptivecards.js') as typeof AC;

/** Teams refuses a message over about 40 KB, the card and the activity around it together. */
export const MAX_CARD_BYTES = 40 * 1024;

/** Teams accepts dynamic typeahead (choices.data) on 1.5 cards; the 1.5 parser only knows it from 1.6. */
const tolerated = /^Property "choices\.data" is supported in version 1\.6/;

/**
 * Teams' chart elements: the parser knows none of them and renders their fallback instead, which it
 * checks like any element. A chart is accepted when it is one of these, has its data, and carries a
 * fallback element; the parser's "unknown element type" for it is then no problem.
 */
const charts = new Set(['Chart.Donut', 'Chart.Pie', 'Chart.VerticalBar', 'Chart.VerticalBar.Grouped', 'Chart.HorizontalBar', 'Chart.HorizontalBar.Stacked', 'Chart.Line', 'Chart.Gauge']);
const chartWithFallback = /^Unknown element type "(Chart\.[\w.]+)"\. Fallback will be used if present\.$/;

export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  const json = JSON.stringify(card);
  if (Buffer.byteLength(json) > MAX_CARD_BYTES) problems.push(`card is ${Buffer.byteLength(json)} bytes, over ${MAX_CARD_BYTES}`);
  if (json.includes('${')) problems.push(`unexpanded template expression: ${json.slice(json.indexOf('${') - 60, json.indexOf('${') + 60)}`);
  const root = card as { version?: string; type?: string };
  if (root.type !== 'AdaptiveCard' || root.version !== '1.5') problems.push(`not an AdaptiveCard 1.5 (type ${root.type}, version ${root.version})`);
  walk(card, (node) => {
    if (node.type === 'Action.Execute' && (typeof node.verb !== 'string' || node.verb === '')) problems.push(`Action.Execute "${String(node.title)}" has no verb`);
    if (node.type === 'Action.Submit') problems.push(`Action.Submit "${String(node.title)}": use Action.Execute`);
    if (typeof node.type === 'string' && node.type.startsWith('Chart.')) {
      if (!charts.has(node.type)) problems.push(`${node.type} is no chart element Teams knows`);
      if (node.type !== 'Chart.Gauge' && !Array.isArray(node.data)) problems.push(`${node.type} "${String(node.title)}" has no data array`);
      const fallback = node.fallback as { type?: unknown } | undefined;
      if (typeof fallback !== 'object' || fallback === null || typeof fallback.type !== 'string') problems.push(`${node.type} "${String(node.title)}" has no fallback element for hosts without charts`);
    }
  });
  const parsed = new ac.AdaptiveCard();
  parsed.maxVersion = ac.Versions.v1_5;
  const context = new ac.SerializationContext(ac.Versions.v1_5);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    const chart = chartWithFallback.exec(event.message)?.[1];
    if (chart !== undefined && charts.has(chart)) continue;
    if (!tolerated.test(event.message)) problems.push(`parse: ${ac.ValidationEvent[event.event]}: ${event.message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validation: ${ac.ValidationEvent[event.event]}: ${event.message}`);
  return problems;
}

function walk(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}
