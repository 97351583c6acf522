// The Partner Center referral the tests post to the webhook, as Partner Center sends it.
import { readFileSync } from 'node:fs';

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/referral-inbound-from-microsoft.json', import.meta.url), 'utf8')) as Record<string, any>;

/** The same referral closing in the future, so that it can be accepted as it came. */
export const future = { ...fixture, details: { ...fixture.details, closingDateTime: '2027-06-30T00:00:00Z' } };
