// Expands a card template with its data. Templates are JSON files next to their builders;
// builders hand over complete data (no missing paths) so nothing stays unexpanded.
import { Template } from 'adaptivecards-templating';

export type Card = Record<string, unknown>;

export function expand(template: object, data: object): Card {
  return new Template(template).expand({ $root: data }) as Card;
}

export interface Banner {
  show: boolean;
  style: 'good' | 'attention' | 'warning' | 'accent';
  text: string;
}

export const noBanner: Banner = { show: false, style: 'accent', text: '' };
export const banner = (style: Banner['style'], text: string): Banner => ({ show: true, style, text });

/** A form field as templates see it: its value, and the error shown under it. */
export interface Field {
  value: string;
  error: string;
  hasError: boolean;
}

/** Builds the named fields from kept values and service errors (keyed by the same names). */
export function fields<N extends string>(names: readonly N[], values: Record<string, unknown>, errors: Record<string, string>): Record<N, Field> {
  const out = {} as Record<N, Field>;
  for (const name of names) {
    const value = values[name];
    const error = errors[name] ?? '';
    out[name] = { value: value === undefined || value === null ? '' : String(value), error, hasError: error !== '' };
  }
  return out;
}
