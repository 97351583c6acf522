// Card templates are compiled once per process and language (parsing a template costs far more
// than expanding it), and the small elements that builders put together are made here.
import { Template } from 'adaptivecards-templating';
import { isMessageKey, lang, tIn, type Lang } from '../services/i18n.js';

export type Card = Record<string, unknown>;
export type Element = Record<string, unknown>;

/** `{{deal.accept}}` in a template: the catalogue's words for the reader's language. */
const WORDS = /\{\{([\w.-]+)\}\}/g;

/** The template with its `{{key}}` words put in one language. */
function worded(node: unknown, language: Lang): unknown {
  if (typeof node === 'string') return node.replace(WORDS, (_, key: string) => (isMessageKey(key) ? tIn(language, key) : `{{${key}}}`));
  if (Array.isArray(node)) return node.map((n) => worded(n, language));
  if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, worded(v, language)]));
  return node;
}

/** The message keys a template uses, so a test can find each in both catalogues. */
export const templateKeys = (template: object): string[] => [...JSON.stringify(template).matchAll(WORDS)].map((m) => m[1]!);

/**
 * Compiles a template once per language (words are put in before compiling, so they cost nothing
 * per card); the returned function expands it with complete data (no missing paths).
 */
export function compile<D extends object>(template: object): (data: D) => Card {
  const compiled = new Map<Lang, Template>();
  return (data) => {
    const language = lang();
    let t = compiled.get(language);
    if (!t) {
      t = new Template(worded(template, language));
      compiled.set(language, t);
    }
    // expand() is synchronous, so one compiled template serves every caller in turn.
    return t.expand({ $root: data }) as Card;
  };
}

/** Teams refuses messages over about 40 KB; a card leaves room for the activity around it. */
export const MAX_CARD_BYTES = 36 * 1024;

export const cardBytes = (card: Card) => Buffer.byteLength(JSON.stringify(card));

/**
 * Renders at each level of detail in turn until the card fits Teams: the first level that fits, or
 * the least detailed one. Large cards are rare, so the usual cost is one render.
 */
export function fitted<L>(levels: readonly [L, ...L[]], build: (level: L) => Card): Card {
  let card = build(levels[0]);
  for (const level of levels.slice(1)) {
    if (cardBytes(card) <= MAX_CARD_BYTES) break;
    card = build(level);
  }
  return card;
}

export interface Banner {
  show: boolean;
  style: 'good' | 'attention' | 'warning' | 'accent';
  text: string;
}

export const noBanner: Banner = { show: false, style: 'accent', text: '' };
export const banner = (style: Banner['style'], text: string): Banner => ({ show: true, style, text });

export interface TextStyle {
  weight?: 'Bolder' | 'Default';
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  color?: 'Default' | 'Accent' | 'Good' | 'Warning' | 'Attention';
  isSubtle?: boolean;
  spacing?: 'None' | 'Small' | 'Default' | 'Medium';
}

/**
 * Text that may come from people (names, notes, reasons) or quote them: a TextRun, which never
 * renders markdown, so "[x](https://…)" or "**x**" reads exactly as typed.
 */
export function plain(text: string, style: TextStyle = {}): Element {
  const { spacing, ...run } = style;
  return { type: 'RichTextBlock', ...(spacing ? { spacing } : {}), inlines: [{ type: 'TextRun', text, ...run }] };
}

/** Bot-made text only (labels, headings): TextBlock renders markdown. */
export function heading(text: string, style: TextStyle = {}): Element {
  return { type: 'TextBlock', text, wrap: true, ...style };
}

export interface ExecuteOptions {
  style?: 'positive' | 'destructive';
  /** 'none' for buttons that leave a form (Cancel, Back): no input is checked or sent. */
  inputs?: 'auto' | 'none';
}

export function execute(title: string, verb: string, data: Record<string, unknown>, o: ExecuteOptions = {}): Element {
  return {
    type: 'Action.Execute',
    title,
    verb,
    data,
    ...(o.style ? { style: o.style } : {}),
    ...(o.inputs === 'none' ? { associatedInputs: 'none' } : {}),
  };
}

/** Shortens text for a card, saying so. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  // Never leave half of a surrogate pair (an emoji) at the end.
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
