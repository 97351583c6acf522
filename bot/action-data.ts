// What a card action sent, read once: a card that sends data we cannot read gets one clear message.
import { z } from 'zod';

export class BadActionData extends Error {}

/** Reads a card's data with a schema; `source` names the card in the message ("The list card…"). */
export function parseActionData<S extends z.ZodType>(schema: S, data: unknown, source = 'card'): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new BadActionData(`The ${source} sent incomplete data: ${problems.join('; ')}.`);
}

/** The heart on a deal card or a list row: on or off for one deal. */
export const FavoriteData = z.object({
  referralId: z.string().min(1, 'referralId is missing'),
  favorite: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
});
