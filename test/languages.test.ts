// English and Spanish: both catalogues hold every message with the same placeholders, every card
// template's words are in them, and every card of the gallery reads wholly in the reader's language.
import { readdirSync, readFileSync } from 'node:fs';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { MAX_CARD_BYTES, templateKeys } from '../cards/render.js';
import { cardProblems } from './helpers/card-check.js';
import { leaks } from './helpers/words.js';
import { cardGallery, type GalleryCard } from '../scripts/card-gallery.js';
import { amountText, catalogues, inLocale, isMessageKey, languages, parseAmount, type Lang } from '../services/i18n.js';

interface Node {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Node[] }>;
}
/** A message's arguments by name (placeholders, plurals and selects, however deep), and which of them are counts. */
function argumentsOf(message: string): { names: string[]; counts: string[] } {
  const names = new Set<string>();
  const counts = new Set<string>();
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      // Literal (0) and pound (7) nodes name no argument; every other kind does.
      if (n.type !== 0 && n.type !== 7 && typeof n.value === 'string') names.add(n.value);
      if (n.type === 6) counts.add(n.value as string);
      for (const option of Object.values(n.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(message, 'en', undefined, { ignoreTag: true }).getAst() as Node[]);
  return { names: [...names].sort(), counts: [...counts] };
}

describe('the catalogues', () => {
  it('hold the same keys, each message valid ICU with the same arguments in both languages', () => {
    expect(Object.keys(catalogues.es).sort()).toEqual(Object.keys(catalogues.en).sort());
    for (const [key, english] of Object.entries(catalogues.en)) {
      const spanish = catalogues.es[key as keyof typeof catalogues.es];
      const { names, counts } = argumentsOf(english);
      expect(argumentsOf(spanish).names, key).toEqual(names);
      // Every argument given (a count for plurals, a word otherwise), each message reads as text.
      const values = Object.fromEntries(names.map((a) => [a, counts.includes(a) ? 2 : 'x']));
      for (const [language, message] of [['en', english], ['es', spanish]] as const) {
        const text = new IntlMessageFormat(message, language, undefined, { ignoreTag: true }).format(values);
        expect(typeof text === 'string' && text.trim() !== '', `${language} ${key}`).toBe(true);
      }
    }
  });

  it('hold every word the card templates name', () => {
    const dir = new URL('../cards/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const keys = templateKeys(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
      expect(keys.length, file).toBeGreaterThan(0);
      expect(keys.filter((k) => !isMessageKey(k)), file).toEqual([]);
    }
  });
});

describe('amounts as people type them', () => {
  const inLanguage = <T>(language: Lang, fn: () => T) => inLocale({ lang: language, timeZone: 'UTC' }, fn);
  it('reads either language’s separators, a lone one by the reader’s conventions', () => {
    const cases: [string, number, number][] = [
      // typed, read in English, read in Spanish
      ['125000', 125000, 125000],
      ['125000.5', 125000.5, 125000.5],
      ['125000,5', 125000.5, 125000.5],
      ['125,000.50', 125000.5, 125000.5],
      ['125.000,50', 125000.5, 125000.5],
      ['50,000', 50000, 50],
      ['50.000', 50, 50000],
      ['1.250.000', 1250000, 1250000],
      ['1 250 000,75', 1250000.75, 1250000.75],
    ];
    for (const [typed, english, spanish] of cases) {
      expect(inLanguage('en', () => parseAmount(typed)), typed).toBe(english);
      expect(inLanguage('es', () => parseAmount(typed)), typed).toBe(spanish);
    }
    expect(parseAmount('-3')).toBe(-3);
    for (const bad of ['about 50k', '--3', '1e5', '', '12..5x']) expect(parseAmount(bad), bad).toBeNaN();
  });

  it('a form’s amount reads back as the same number in both languages, whoever renders or sends it', () => {
    for (const value of [125000, 125000.5, 12.345, 0.25, 999.999]) {
      for (const writer of languages) {
        const text = inLanguage(writer, () => amountText(value));
        for (const reader of languages) expect(inLanguage(reader, () => parseAmount(text)), `${value} written in ${writer}, read in ${reader}`).toBe(value);
      }
    }
    expect(inLanguage('es', () => amountText(125000.5))).toBe('125000,5');
  });
});

describe('every card of the gallery', () => {
  const galleries = new Map<Lang, Promise<{ cards: GalleryCard[]; people: string[] }>>();
  const gallery = (language: Lang) => {
    if (!galleries.has(language)) galleries.set(language, inLocale({ lang: language, timeZone: language === 'es' ? 'Europe/Madrid' : 'UTC' }, () => cardGallery()));
    return galleries.get(language)!;
  };

  it.each(languages)('reads wholly in %s: no word of the other language is left, and the card is valid and fits Teams', async (language) => {
    const { cards, people } = await gallery(language);
    expect(cards.length).toBeGreaterThanOrEqual(20);
    const found: string[] = [];
    for (const { name, card } of cards) {
      expect(cardProblems(card), name).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(card)), name).toBeLessThanOrEqual(MAX_CARD_BYTES);
      found.push(...leaks(card, language, people).map((leak) => `${name}: ${leak}`));
    }
    expect(found).toEqual([]);
  }, 30_000);
});
