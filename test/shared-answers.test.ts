// Two instances on one PostgreSQL database: Teams may redeliver a card action to the instance
// that did not answer it; that one gives the same answer and changes nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { ana, button, cardText, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { future } from './helpers/fixtures.js';
import { dropSchema, newSchema, postgresProblem, testDatabaseUrl } from './helpers/postgres.js';
import { invokeAction, postActivity, setServiceUrl } from './helpers/teams.js';

const problem = await postgresProblem();
const schema = newSchema();
const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
  if (!problem) await dropSchema(schema);
});

describe.skipIf(problem !== undefined)('card actions across instances', () => {
  it('an Accept redelivered to the other instance gets the first answer, even after the deal moved on, and is applied once', async () => {
    const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema };
    const a = await startHarness({ env });
    harnesses.push(a);
    const b = await startHarness({ env });
    harnesses.push(b);
    // One Teams: its messages name A's fake connector (invoke answers come back over HTTP anyway).
    setServiceUrl(a.connector.url);
    await a.say(ana, 'help');
    const created = await a.postReferral({ ...future, id: 'pc-redelivered' });
    const card = await a.clickCard(ana, 'open', { referralId: created.body.id });
    const accept = button(card, 'Accept');
    const activity = invokeAction(ana, accept.verb, accept.data, { id: 'teams-activity-shared' });
    const first = await postActivity(a.app.url, activity);
    expect(cardText((first.body as { value: Card }).value)).toContain('Accepted by Ana Admin.');

    // Meanwhile Ana adds a note through the other instance: the deal moves on.
    const opened = await b.clickCard(ana, 'open', { referralId: created.body.id });
    await b.press(ana, (await b.press(ana, opened, 'Add note')).card, 'Add note', { text: 'Called the customer.' });
    expect((await b.app.store.get('referral', created.body.id))!.version).toBe(3);

    // Teams lost A's answer and sends the same activity to B: the answer A gave, not the deal as it is now.
    const again = await postActivity(b.app.url, activity);
    expect(again.body).toEqual(first.body);
    const stored = (await b.app.store.get('referral', created.body.id))!;
    expect(stored.history.filter((x) => JSON.stringify(x.action).includes('accepted'))).toHaveLength(1);
  });
});
