// The two languages the bot speaks, and how dates, times and money read in each. The language and
// time zone are those of the person being spoken to: the bot sets them for each turn and for each
// alert it delivers, and everything below reads them from there, so cards and services need not pass
// them along (tIn names a language only where none is set: a turn that already failed).
import { AsyncLocalStorage } from 'node:async_hooks';
import { IntlMessageFormat } from 'intl-messageformat';
import { z } from 'zod';
import en from '../locales/en.json' with { type: 'json' };
import esCatalogue from '../locales/es.json' with { type: 'json' };

export type MessageKey = keyof typeof en;
// `satisfies` makes the compiler refuse a Spanish catalogue that lacks a key.
const es = esCatalogue satisfies Record<MessageKey, string>;

export const languages = ['en', 'es'] as const;
export type Lang = (typeof languages)[number];
export const catalogues: Record<Lang, Record<MessageKey, string>> = { en, es };

/** Where the language's conventions come from: English dates read "15 Dec 2026", amounts "$1,200.50". */
const intlTags: Record<Lang, { dates: string; numbers: string }> = { en: { dates: 'en-GB', numbers: 'en-US' }, es: { dates: 'es-ES', numbers: 'es-ES' } };

/** A Teams locale (`es-ES`, `es-MX`, `en-US`) as one of our languages: any Spanish is Spanish, anything else English. */
export const langOf = (tag: string | undefined): Lang => (/^es(-|_|$)/i.test(tag ?? '') ? 'es' : 'en');

const knownZones = new Set<string>();
/** Whether Intl knows the IANA time zone a client sent (checked once per zone: the check builds a formatter). */
export function isTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (zone === '' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return false;
  }
  knownZones.add(zone);
  return true;
}

export interface Locale {
  lang: Lang;
  /** IANA time zone (Europe/Madrid) that times are shown in. */
  timeZone: string;
}

export const defaultLocale: Locale = { lang: 'en', timeZone: 'UTC' };

/** What a Teams client says of its user with each activity: its language tag and IANA time zone ('' when unknown). */
export interface ClientLocale {
  locale: string;
  timeZone: string;
}

/**
 * How to speak to a person: the language they chose, else their client's (this activity's, or the
 * last one seen, for alerts); times in the client's time zone, else UTC.
 */
export function personLocale(person: { language?: Lang; locale: string; timeZone: string } | undefined, client?: ClientLocale): Locale {
  const timeZone = client?.timeZone || person?.timeZone || '';
  return { lang: person?.language ?? langOf(client?.locale || person?.locale), timeZone: isTimeZone(timeZone) ? timeZone : 'UTC' };
}
const ambient = new AsyncLocalStorage<Locale>();

/** Runs `fn` speaking to someone in this language and time zone. */
export const inLocale = <T>(locale: Locale, fn: () => T): T => ambient.run(locale, fn);
export const currentLocale = (): Locale => ambient.getStore() ?? defaultLocale;
export const lang = (): Lang => currentLocale().lang;

/** A value of a stored message: text, a number, another message, or a moment (shown in the reader's time zone). */
export type MsgValue = string | number | Msg | { at: string };
/** A message to be put in words later, in its reader's language (an alert is written before anyone reads it). */
export interface Msg {
  key: string;
  values?: Record<string, MsgValue>;
}
export const Msg: z.ZodType<Msg> = z.lazy(() =>
  z.object({ key: z.string().max(200), values: z.record(z.string(), z.union([z.string().max(4000), z.number(), Msg, z.object({ at: z.iso.datetime({ offset: true }) })])).optional() }),
);
export const msg = (key: MessageKey, values?: Record<string, MsgValue>): Msg => (values ? { key, values } : { key });

/** Each message compiled once per language; one with no placeholder (or quote) is its own text. Cards word dozens per render. */
const compiled: Record<Lang, Map<MessageKey, IntlMessageFormat | string>> = { en: new Map(), es: new Map() };
function formatter(language: Lang, key: MessageKey): IntlMessageFormat | string {
  let f = compiled[language].get(key);
  if (f === undefined) {
    const message = catalogues[language][key];
    f = /[{}']/.test(message) ? new IntlMessageFormat(message, intlTags[language].numbers, undefined, { ignoreTag: true }) : message;
    compiled[language].set(key, f);
  }
  return f;
}

/** A message of the catalogue in the current language. */
export function t(key: MessageKey, values?: Record<string, string | number>): string {
  return tIn(lang(), key, values);
}

export function tIn(language: Lang, key: MessageKey, values?: Record<string, string | number>): string {
  const f = formatter(language, key);
  return typeof f === 'string' ? f : String(f.format(values));
}

export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/** A stored message in the current language; a key this version no longer knows reads as its values. */
export function say(m: Msg | string): string {
  if (typeof m === 'string') return m;
  const values = Object.fromEntries(Object.entries(m.values ?? {}).map(([k, v]) => [k, typeof v !== 'object' ? v : 'at' in v ? dateTime(v.at) : say(v)]));
  return isMessageKey(m.key) ? t(m.key, values) : Object.values(values).join(' ') || m.key;
}

// zod's own messages, for the checks that carry none of ours, in the reader's language too.
const zodLocales: Record<Lang, { localeError: z.core.$ZodErrorMap }> = { en: z.locales.en(), es: z.locales.es() };
z.config({ localeError: (issue) => zodLocales[lang()].localeError(issue) });

/** A zod check's message in the language of whoever's input is being checked, worded when it fails. */
export const zmsg = (key: MessageKey, values?: Record<string, string | number>) => ({ error: () => t(key, values) });

const decimalSeparator: Record<Lang, '.' | ','> = { en: '.', es: ',' };

/**
 * An amount as a person types it: "125,000.50" in English, "125.000,50" in Spanish, or plain
 * "125000.5" in either. With both separators the last one is the decimal one; a lone separator is
 * the language's decimal one, or groups thousands when three digits follow it ("50.000" in
 * Spanish, "50,000" in English). Anything else is NaN, for the schema to refuse.
 */
export function parseAmount(text: string): number {
  const typed = text.replace(/[\s\u00a0\u202f]/g, '');
  // A minus is read, so that the schema can say the amount must be more than 0.
  const sign = typed.startsWith('-') ? -1 : 1;
  const s = sign < 0 ? typed.slice(1) : typed;
  if (!/^\d[\d.,]*$/.test(s)) return Number.NaN;
  const last = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  if (last < 0) return sign * Number(s);
  const sep = s[last]!;
  const other = sep === '.' ? ',' : '.';
  if (s.includes(other)) return sign * Number(s.split(other).join('').replace(sep, '.'));
  if (s.indexOf(sep) !== last) return sign * Number(s.split(sep).join(''));
  const thousands = sep !== decimalSeparator[lang()] && s.length - last - 1 === 3;
  return sign * Number(thousands ? s.replace(sep, '') : s.replace(sep, '.'));
}

/**
 * An amount to put in a form, in the reader's way of writing decimals. Three decimals get a fourth
 * zero so that whoever reads the form back, in either language, never takes them for thousands.
 */
export function amountText(value: number): string {
  const [whole, fraction] = String(value).split('.');
  if (fraction === undefined) return whole!;
  return `${whole}${decimalSeparator[lang()]}${fraction.length === 3 ? `${fraction}0` : fraction}`;
}

// Formatters are costly to build and cards show many amounts and dates: each is built once.
type Formatter = Intl.NumberFormat | Intl.DateTimeFormat | Intl.ListFormat;
const formats = new Map<string, Formatter>();
function cached<F extends Formatter>(key: string, make: () => F): F {
  let f = formats.get(key) as F | undefined;
  if (!f) {
    f = make();
    formats.set(key, f);
  }
  return f;
}

const currencyFormat = (currency: string, digits?: number) =>
  cached(`money|${lang()}|${currency}|${digits ?? ''}`, () => {
    const fraction = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
    return new Intl.NumberFormat(intlTags[lang()].numbers, { style: 'currency', currency, ...fraction });
  });

/** The amount stored, exactly: cents are dropped only when they are zero (125000.5 EUR is €125,000.50, 125.000,50 €). */
export function money(value: number, currency: string): string {
  const text = String(value);
  const decimals = Number.isInteger(value) ? 0 : text.includes('e') ? 20 : (text.split('.')[1] ?? '').length;
  try {
    const minor = currencyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
    return currencyFormat(currency, decimals === 0 ? 0 : Math.min(20, Math.max(minor, decimals))).format(value);
  } catch {
    return `${number(value)} ${currency}`;
  }
}

/** "a, b and c" / "a, b y c"; with 'disjunction', "a or b" / "a u b" (Intl knows the euphony rules). */
export const listOf = (items: string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string =>
  cached(`list|${lang()}|${type}`, () => new Intl.ListFormat(intlTags[lang()].numbers, { type })).format(items);

export const number = (value: number): string => cached(`number|${lang()}`, () => new Intl.NumberFormat(intlTags[lang()].numbers, { maximumFractionDigits: 20 })).format(value);

/** 2027-03-31T00:00:00Z -> "31 Mar 2027" / "31 mar 2027": close dates are days, the same everywhere. */
export const day = (iso: string): string => cached(`day|${lang()}`, () => new Intl.DateTimeFormat(intlTags[lang()].dates, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })).format(new Date(iso));

/** An ISO weekday (1 Monday … 7 Sunday) by name: "Monday" / "lunes". */
export const weekday = (isoDay: number): string =>
  cached(`weekday|${lang()}`, () => new Intl.DateTimeFormat(intlTags[lang()].dates, { weekday: 'long', timeZone: 'UTC' })).format(new Date(Date.UTC(2024, 0, isoDay))); // 1 Jan 2024 was a Monday

/** A moment in the reader's time zone, which it names: "15 Dec 2026, 23:49 CET". */
export function dateTime(iso: string): string {
  const { lang: language, timeZone } = currentLocale();
  return cached(`time|${language}|${timeZone}`, () =>
    new Intl.DateTimeFormat(intlTags[language].dates, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }),
  ).format(new Date(iso));
}
