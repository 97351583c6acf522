// What a card action sent, read once: a card that sends data we cannot read gets one clear message.
import { z } from 'zod';
import { t } from '../services/i18n.js';

export class BadActionData extends Error {}

/** Reads a card's data with a schema: a card from an older version, or altered, gets one clear message. */
export function parseActionData<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new BadActionData(t('bot.incompleteCard', { problems: problems.join('; ') }));
}

/** The heart on a deal card or a list row: on or off for one deal. */
export const FavoriteData = z.object({
  referralId: z.string().min(1, 'referralId is missing'),
  favorite: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
});
