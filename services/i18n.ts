// The two languages the bot speaks, and how dates, times and money read in each. The language and
// time zone are those of the person being spoken to: the bot sets them for each turn and for each
// alert it delivers, and everything below reads them from there, so no signature carries them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { IntlMessageFormat } from 'intl-messageformat';
import { z } from 'zod';
import enCore from '../locales/en.json' with { type: 'json' };
import esCore from '../locales/es.json' with { type: 'json' };
import enDeal from '../locales/parts/deal.en.json' with { type: 'json' };
import esDeal from '../locales/parts/deal.es.json' with { type: 'json' };
import enFlow from '../locales/parts/flow.en.json' with { type: 'json' };
import esFlow from '../locales/parts/flow.es.json' with { type: 'json' };
import enAdmin from '../locales/parts/admin.en.json' with { type: 'json' };
import esAdmin from '../locales/parts/admin.es.json' with { type: 'json' };
import enRules from '../locales/parts/rules.en.json' with { type: 'json' };
import esRules from '../locales/parts/rules.es.json' with { type: 'json' };

const en = { ...enCore, ...enDeal, ...enFlow, ...enAdmin, ...enRules };
export type MessageKey = keyof typeof en;
// `satisfies` makes the compiler refuse a Spanish catalogue that lacks a key.
const es = { ...esCore, ...esDeal, ...esFlow, ...esAdmin, ...esRules } satisfies Record<MessageKey, string>;

export const languages = ['en', 'es'] as const;
export type Lang = (typeof languages)[number];
export const catalogues: Record<Lang, Record<MessageKey, string>> = { en, es };

/** Where the language's conventions come from: English dates read "15 Dec 2026", amounts "$1,200.50". */
const intlTags: Record<Lang, { dates: string; numbers: string }> = { en: { dates: 'en-GB', numbers: 'en-US' }, es: { dates: 'es-ES', numbers: 'es-ES' } };

/** A Teams locale (`es-ES`, `es-MX`, `en-US`) as one of our languages: any Spanish is Spanish, anything else English. */
export const langOf = (tag: string | undefined): Lang => (/^es(-|_|$)/i.test(tag ?? '') ? 'es' : 'en');

export const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
};

export interface Locale {
  lang: Lang;
  /** IANA time zone (Europe/Madrid) that times are shown in. */
  timeZone: string;
}

export const defaultLocale: Locale = { lang: 'en', timeZone: 'UTC' };
const ambient = new AsyncLocalStorage<Locale>();

/** Runs `fn` speaking to someone in this language and time zone. */
export const inLocale = <T>(locale: Locale, fn: () => T): T => ambient.run(locale, fn);
export const currentLocale = (): Locale => ambient.getStore() ?? defaultLocale;
export const lang = (): Lang => currentLocale().lang;

export type MsgValue = string | number | Msg;
/** A message to be put in words later, in its reader's language (an alert is written before anyone reads it). */
export interface Msg {
  key: string;
  values?: Record<string, MsgValue>;
}
export const Msg: z.ZodType<Msg> = z.lazy(() => z.object({ key: z.string().max(200), values: z.record(z.string(), z.union([z.string().max(4000), z.number(), Msg])).optional() }));
export const msg = (key: MessageKey, values?: Record<string, MsgValue>): Msg => (values ? { key, values } : { key });

const compiled = new Map<string, IntlMessageFormat>();
function formatter(language: Lang, key: MessageKey): IntlMessageFormat {
  const id = `${language}|${key}`;
  let f = compiled.get(id);
  if (!f) {
    f = new IntlMessageFormat(catalogues[language][key], intlTags[language].numbers, undefined, { ignoreTag: true });
    compiled.set(id, f);
  }
  return f;
}

/** A message of the catalogue in the current language. */
export function t(key: MessageKey, values?: Record<string, string | number>): string {
  return tIn(lang(), key, values);
}

export function tIn(language: Lang, key: MessageKey, values?: Record<string, string | number>): string {
  return String(formatter(language, key).format(values));
}

export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/** A stored message in the current language; a key this version no longer knows reads as its values. */
export function say(m: Msg | string): string {
  if (typeof m === 'string') return m;
  const values = Object.fromEntries(Object.entries(m.values ?? {}).map(([k, v]) => [k, typeof v === 'object' ? say(v) : v]));
  return isMessageKey(m.key) ? t(m.key, values) : Object.values(values).join(' ') || m.key;
}

/** A zod check's message in the language of whoever's input is being checked, worded when it fails. */
export const zmsg = (key: MessageKey, values?: Record<string, string | number>) => ({ error: () => t(key, values) });

// Formatters are costly to build and cards show many amounts and dates: each is built once.
const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => F): F {
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

export const number = (value: number): string => cached(`number|${lang()}`, () => new Intl.NumberFormat(intlTags[lang()].numbers, { maximumFractionDigits: 20 })).format(value);

/** 2027-03-31T00:00:00Z -> "31 Mar 2027" / "31 mar 2027": close dates are days, the same everywhere. */
export const day = (iso: string): string => cached(`day|${lang()}`, () => new Intl.DateTimeFormat(intlTags[lang()].dates, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })).format(new Date(iso));

/** A moment in the reader's time zone, which it names: "15 Dec 2026, 23:49 CET". */
export function dateTime(iso: string): string {
  const { lang: language, timeZone } = currentLocale();
  return cached(`time|${language}|${timeZone}`, () =>
    new Intl.DateTimeFormat(intlTags[language].dates, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }),
  ).format(new Date(iso));
}
