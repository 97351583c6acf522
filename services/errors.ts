import type { z } from 'zod';
import { t } from './i18n.js';

/**
 * Why an operation was refused, in words a seller understands. `code` lets the bot and the
 * HTTP layer choose a status; `fields` names the inputs at fault so a card can show each
 * message next to its field.
 */
export type ErrorCode = 'validation' | 'not_found' | 'forbidden' | 'conflict' | 'not_allowed';

export class CoSellError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'CoSellError';
  }
}

export const notFound = () => new CoSellError('not_found', t('error.notFound'));

export function validationError(fields: Record<string, string>): CoSellError {
  const lines = Object.entries(fields).map(([field, message]) => (field ? `${field}: ${message}` : message));
  return new CoSellError('validation', t('error.pleaseFix', { problems: lines.join(' ') }), fields);
}

/** Every problem of an input at once, one plain message per field; the parsed value when there are none. */
export function inputProblems<S extends z.ZodType>(schema: S, input: unknown): { data?: z.infer<S>; fields: Record<string, string> } {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { data: result.data, fields: {} };
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.join('.');
    fields[path] ??= issue.code === 'invalid_type' && issue.input === undefined ? t('error.required') : issue.message;
  }
  return { fields };
}

/** Parses input with a schema, turning zod issues into one plain message per field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const { data, fields } = inputProblems(schema, input);
  if (Object.keys(fields).length > 0) throw validationError(fields);
  return data as z.infer<S>;
}

/** The value when it parses on its own, so rules can check one part while another is still wrong. */
export function parsedPart<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}
