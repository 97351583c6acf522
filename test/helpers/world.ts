// A complete service stack on a fresh data directory, with a clock that moves only when told.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../services/clock.js';
import { Directory, type Caller } from '../../services/directory.js';
import { LifecycleService } from '../../services/lifecycle.js';
import { openLowdbStore } from '../../services/lowdb-store.js';
import { freshPgStore } from './postgres.js';
import type { CreateDealInput } from '../../services/inputs.js';
import type { Store } from '../../services/store.js';
import { expect } from 'vitest';
import { CoSellError } from '../../services/errors.js';

export const MICROSOFT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CONTOSO_PARTNER = 'aaaaaaaa-0000-4000-8000-000000000001';
export const FABRIKAM = '6f1c2a10-0000-4000-8000-00000000fab1';
export const NORTHWIND = '6f1c2a10-0000-4000-8000-0000000a0d71';
export const ADATUM = '6f1c2a10-0000-4000-8000-0000000ada7a';
export const TAILSPIN = '6f1c2a10-0000-4000-8000-00000007a115';
export const START = '2026-11-21T09:00:00.000Z';

export interface World {
  dir: string;
  store: Store;
  directory: Directory;
  clock: ManualClock;
  service: LifecycleService;
  /** Our partner organization's first user (admin), a seller, and people of other organizations. */
  admin: Caller;
  seller: Caller;
  fabrikam: Caller;
  northwind: Caller;
  microsoft: Caller;
  close(): Promise<void>;
}

export async function makeWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'cosell-test-'));
  // The postgres test project runs the same tests on PostgreSQL (vitest.config.ts).
  const pg = process.env.TEST_STORE === 'postgres' ? await freshPgStore() : undefined;
  const store = pg?.store ?? (await openLowdbStore(dir));
  const directory = new Directory(store, MICROSOFT);
  await directory.seedIfEmpty();
  const clock = new ManualClock(START);
  const service = new LifecycleService(store, directory, clock);
  const register = async (tenantId: string, userId: string, name: string, email: string) => {
    const caller = { tenantId, userId };
    await directory.ensurePerson(caller, { name, email });
    return caller;
  };
  const world: World = {
    dir,
    store,
    directory,
    clock,
    service,
    admin: await register(CONTOSO_PARTNER, 'u-ana', 'Ana Admin', 'ana@partner.example'),
    seller: await register(CONTOSO_PARTNER, 'u-sam', 'Sam Seller', 'sam@partner.example'),
    fabrikam: await register(FABRIKAM, 'u-fay', 'Fay Fabrikam', 'fay@fabrikam.example'),
    northwind: await register(NORTHWIND, 'u-ned', 'Ned Northwind', 'ned@northwind.example'),
    microsoft: await register(MICROSOFT, 'u-mia', 'Mia Microsoft', 'mia@microsoft.example'),
    async close() {
      await (pg ? pg.dispose() : store.close());
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

export const member = (first: string, email = `${first.toLowerCase()}@partner.example`) => ({
  firstName: first,
  lastName: 'Tester',
  phoneNumber: '+1 425 555 0100',
  email,
});

export const customerContact = { firstName: 'Sue', lastName: 'Smith', phoneNumber: '1234567890', email: 'sue.smith@contoso.com' };

/** A valid private deal; override any field. */
export function dealInput(overrides: Partial<CreateDealInput> = {}): CreateDealInput {
  return {
    customer: { name: 'Contoso Ltd', duns: '080912345', address: { city: 'Redmond', country: 'US' } },
    name: 'Contoso supply chain',
    dealValue: 50000,
    currency: 'USD',
    closingDateTime: '2027-03-31',
    team: [member('Ana', 'ana@partner.example')],
    solutionIds: ['sol-ms-azure'],
    ...overrides,
  };
}

/** A co-sell ready solution each demo partner brings to a deal it is invited to. */
export const ownSolution: Record<string, string> = { [FABRIKAM]: 'sol-fab-migrate', [NORTHWIND]: 'sol-nw-insights', [ADATUM]: 'sol-ad-sentinel', [TAILSPIN]: 'sol-ts-landing' };

export function partnerInvitation(orgId: string, overrides: Record<string, unknown> = {}) {
  return {
    orgId,
    closingDateTime: '2027-02-28',
    dealValue: 12000,
    currency: 'USD',
    notes: 'Can you run the data migration?',
    team: [member('Ana', 'ana@partner.example')],
    solutionIds: [ownSolution[orgId] ?? 'sol-ts-landing'],
    helpType: 'CustomerTechnicalArchitecture' as const,
    ...overrides,
  };
}

/** The CoSellError a refused call rejects with (fails the test if the call succeeds). */
export async function refusal(call: Promise<unknown>): Promise<CoSellError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoSellError);
  return error as CoSellError;
}
