// The search message extension: searchDeals directly, and a composeExtension/query invoke over HTTP
// the way Teams sends it (the HTTP part needs the handler wired into CoSellBot).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { t } from '../services/i18n.js';
import { searchDeals, type MessageExtensionDeps } from '../bot/message-extension.js';
import type { CreateDealInput } from '../services/inputs.js';
import { ana, fay, OUR_TENANT, sam, startHarness, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import { invokeAction, postActivity, type TeamsUser } from './helpers/teams.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const anaCaller = { tenantId: OUR_TENANT, userId: ana.aadObjectId };

function deal(name: string, customer: string, extra: Partial<CreateDealInput> = {}): CreateDealInput {
  return {
    customer: { name: customer, address: { country: 'US' } },
    name,
    dealValue: 50000,
    currency: 'USD',
    closingDateTime: '2027-01-01',
    team: [{ firstName: 'Ana', lastName: 'Admin', phoneNumber: '555 0100', email: 'ana@partner.example' }],
    solutionIds: ['sol-ms-azure'],
    ...extra,
  };
}

/** Ana registered (she said help) with three deals, created a second apart: newest last. */
async function threeDeals(): Promise<void> {
  await h.say(ana, 'help');
  for (const input of [
    deal('Supply chain', 'Contoso Ltd'),
    deal('Woodgrove payments', 'Woodgrove Bank', { externalReferenceId: 'CRM-42' }),
    deal('Data platform', 'Tailspin Toys', { externalReferenceId: 'CONTOSO-7' }),
  ]) {
    h.clock.advance(1000);
    await h.app.lifecycle.createDeal(anaCaller, input);
  }
}

interface Result {
  composeExtension: {
    type: string;
    text?: string;
    attachmentLayout?: string;
    attachments?: { contentType: string; content: { version?: string }; preview?: { contentType: string; content: { title?: string; subtitle?: string } } }[];
  };
}

function queryActivity(user: TeamsUser, parameters: { name: string; value: unknown }[], queryOptions = { skip: 0, count: 25 }, commandId = 'searchDeals') {
  return { ...invokeAction(user, 'unused'), name: 'composeExtension/query', value: { commandId, parameters, queryOptions } };
}

async function query(user: TeamsUser, parameters: { name: string; value: unknown }[], queryOptions?: { skip: number; count: number }, commandId?: string): Promise<Result> {
  const res = await postActivity(h.app.url, queryActivity(user, parameters, queryOptions, commandId));
  expect(res.status).toBe(200);
  return res.body as Result;
}

const titles = (r: Result) => (r.composeExtension.attachments ?? []).map((a) => a.preview?.content.title);

function expectWellFormed(r: Result): void {
  expect(r.composeExtension.type).toBe('result');
  expect(r.composeExtension.attachmentLayout).toBe('list');
  for (const a of r.composeExtension.attachments ?? []) {
    expect(a.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardProblems(a.content)).toEqual([]);
    expect(a.preview?.contentType).toBe('application/vnd.microsoft.card.thumbnail');
    expect(a.preview?.content.title).toBeTruthy();
  }
}

describe('searchDeals (called directly)', () => {
  const deps = (): MessageExtensionDeps => ({ lifecycle: h.app.lifecycle, directory: h.app.directory, clock: h.clock, log: h.log });

  it('finds deals by name, customer or CRM id, newest first, each a valid deal card with a preview', async () => {
    await threeDeals();
    const r = (await searchDeals(deps(), anaCaller, { commandId: 'searchDeals', parameters: [{ name: 'query', value: 'contoso' }] })) as Result;
    expectWellFormed(r);
    // "Data platform" matches by its CRM id CONTOSO-7, "Supply chain" by its customer.
    expect(titles(r)).toEqual(['Data platform', 'Supply chain']);
    expect(r.composeExtension.attachments![1]!.preview!.content.subtitle).toBe('Contoso Ltd · Accepted · $50,000');
    expect(titles((await searchDeals(deps(), anaCaller, { commandId: 'searchDeals', parameters: [{ name: 'query', value: 'crm-42' }] })) as Result)).toEqual(['Woodgrove payments']);
  });

  it('the initial run and an empty query list the most recent deals', async () => {
    await threeDeals();
    const initial = (await searchDeals(deps(), anaCaller, { commandId: 'searchDeals', parameters: [{ name: 'initialRun', value: 'true' }] })) as Result;
    expect(titles(initial)).toEqual(['Data platform', 'Woodgrove payments', 'Supply chain']);
    const empty = (await searchDeals(deps(), anaCaller, { commandId: 'searchDeals', parameters: [{ name: 'query', value: '  ' }] })) as Result;
    expect(titles(empty)).toEqual(titles(initial));
  });

  it('past the time budget it answers the cards it has rendered, and logs it', async () => {
    await threeDeals();
    const r = (await searchDeals({ ...deps(), renderBudgetMs: -1 }, anaCaller, { commandId: 'searchDeals', parameters: [] })) as Result;
    expect(r.composeExtension).toMatchObject({ type: 'result', attachments: [] });
    expect(h.log.entries.some((e) => e.msg === 'message extension query was slow' && e.cut === true)).toBe(true);
  });

  it('someone not registered yet is told to say hello first', async () => {
    const r = (await searchDeals(deps(), { tenantId: OUR_TENANT, userId: sam.aadObjectId }, { commandId: 'searchDeals', parameters: [] })) as Result;
    expect(r.composeExtension).toEqual({ type: 'message', text: t('search.notRegistered') });
  });
});

describe('composeExtension/query over HTTP (needs the handler wired into CoSellBot)', () => {
  it('answers a search for "contoso" with the matching deals, each with a preview and a valid card', async () => {
    await threeDeals();
    const r = await query(ana, [{ name: 'query', value: 'contoso' }]);
    expectWellFormed(r);
    expect(titles(r)).toEqual(['Data platform', 'Supply chain']);
    expect(r.composeExtension.attachments!.map((a) => a.preview!.content.subtitle)).toEqual(['Tailspin Toys · Accepted · $50,000', 'Contoso Ltd · Accepted · $50,000']);
  });

  it('initialRun and an empty query answer the most recent deals', async () => {
    await threeDeals();
    const initial = await query(ana, [{ name: 'initialRun', value: true }]);
    expectWellFormed(initial);
    expect(titles(initial)).toEqual(['Data platform', 'Woodgrove payments', 'Supply chain']);
    expect(titles(await query(ana, [{ name: 'query', value: '' }]))).toEqual(titles(initial));
  });

  it('answers at most 25 results and pages with skip, well within the 5-second budget', async () => {
    await h.say(ana, 'help');
    for (let i = 0; i < 30; i++) {
      h.clock.advance(1000);
      await h.app.lifecycle.createDeal(anaCaller, deal(`Deal ${i}`, 'Woodgrove Bank'));
    }
    const started = performance.now();
    const first = await query(ana, [{ name: 'initialRun', value: true }]);
    const ms = performance.now() - started;
    expectWellFormed(first);
    expect(first.composeExtension.attachments).toHaveLength(25);
    expect(titles(first)[0]).toBe('Deal 29');
    expect(ms).toBeLessThan(4_000);
    const next = await query(ana, [{ name: 'query', value: 'deal' }], { skip: 25, count: 25 });
    expect(titles(next)).toEqual(['Deal 4', 'Deal 3', 'Deal 2', 'Deal 1', 'Deal 0']);
  });

  it('never shows another organization’s deals', async () => {
    await threeDeals();
    await h.say(fay, 'help');
    const r = await query(fay, [{ name: 'query', value: 'contoso' }]);
    expect(r.composeExtension).toMatchObject({ type: 'result', attachments: [] });
  });

  it('a user who never talked to the bot gets a message, and is not registered by searching', async () => {
    const r = await query(sam, [{ name: 'query', value: 'contoso' }]);
    expect(r.composeExtension).toEqual({ type: 'message', text: t('search.notRegistered') });
    expect(await h.app.directory.person(OUR_TENANT, sam.aadObjectId)).toBeUndefined();
  });

  it('an unknown command id is answered with a message, not an error', async () => {
    await h.say(ana, 'help');
    const r = await query(ana, [{ name: 'query', value: 'x' }], undefined, 'somethingElse');
    expect(r.composeExtension.type).toBe('message');
  });
});
