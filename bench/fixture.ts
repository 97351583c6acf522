// The data directory bench/cards.ts starts Co-sell Bot on: one organization with many referrals,
// a few hundred of them inbound and waiting for an answer (Received), the demo directory, and the
// organization's admin plus a sales team. Written with one commit per file, as bench/store-write.ts does.
import { randomUUID } from 'node:crypto';
import { DAY_MS } from '../services/clock.js';
import { Directory } from '../services/directory.js';
import { openLowdbStore, recordFile } from '../services/lowdb-store.js';
import type { Engagement, Referral, Stage } from '../services/model.js';
import type { Store, Write } from '../services/store.js';
import { makeReferral } from '../test/helpers/records.js';
import type { TeamsUser } from '../test/helpers/teams.js';

export const MICROSOFT_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** Our partner organization (the Teams tenant of every activity). */
export const ORG_ID = 'bbbbbbbb-0000-4000-8000-00000000be9c';
/** Fabrikam Consulting in the demo directory: who sent the inbound referrals. */
const SENDER = { id: '6f1c2a10-0000-4000-8000-00000000fab1', name: 'Fabrikam Consulting' };

export const admin: TeamsUser = { tenantId: ORG_ID, aadObjectId: '00000000-0000-4000-8000-0000000be9a1', name: 'Ana Admin', email: 'ana@partner.example' };
/** Sellers besides the admin: the deal card lists everyone's Teams id for refresh. */
const SELLERS = 24;
/** The load phase's people: each answers referrals, so each is a referrals admin. */
export const loadUsers: TeamsUser[] = Array.from({ length: 200 }, (_, n) => ({
  tenantId: ORG_ID,
  aadObjectId: `00000000-0000-4000-8000-${(0x10000 + n).toString(16).padStart(12, '0')}`,
  name: `Load User ${n + 1}`,
  email: `load${n + 1}@partner.example`,
}));

const CUSTOMERS = [
  ['Contoso Ltd', 'Redmond', 'US'],
  ['Woodgrove Bank', 'Seattle', 'US'],
  ['Litware Inc', 'Boston', 'US'],
  ['Tailspin Toys', 'Denver', 'US'],
  ['Wide World Importers', 'Toronto', 'CA'],
  ['Adventure Works', 'Munich', 'DE'],
  ['Northwind Traders', 'London', 'GB'],
  ['Fourth Coffee', 'Lisbon', 'PT'],
  ['Alpine Ski House', 'Zurich', 'CH'],
  ['Proseware', 'Madrid', 'ES'],
] as const;
const TOPICS = ['data platform modernization', 'security assessment', 'Teams Phone rollout', 'ERP migration', 'analytics pilot', 'landing zone', 'Copilot adoption'];
const SOLUTIONS = [['sol-ms-azure', 'sol-fab-migrate'], ['sol-ms-m365'], ['sol-ms-d365', 'sol-fab-advisory'], ['sol-ms-azure']];
const CLOSED: Stage[] = ['Won', 'Lost', 'Declined', 'Expired'];

/**
 * What the accept form sends besides referralId and version, as strings like the card's inputs.
 * Adjust here when the accept verb's data changes.
 */
export const acceptForm = (now: number) => ({
  name: 'Woodgrove Bank data platform modernization (accepted)',
  dealValue: '12000',
  currency: 'USD',
  closingDateTime: new Date(now + 90 * DAY_MS).toISOString().slice(0, 10),
});

/** The customer every search in the benchmark looks for: about a tenth of the deals match. */
export const SEARCH_TEXT = 'woodgrove';

export interface Fixture {
  /** Received inbound referrals, version 1, in the order to use them (one accept each). */
  receivedIds: string[];
  referrals: number;
  /** How many deals SEARCH_TEXT matches. */
  searchHits: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

function referral(i: number, stage: Stage, now: number): Referral {
  const [customer, city, country] = pick(CUSTOMERS, i);
  const inbound = stage === 'Received' || i % 2 === 0;
  // Received referrals arrived in the last two days (14 to answer); the rest over the last year.
  const created = stage === 'Received' ? now - ((i % 48) + 1) * 3_600_000 : now - ((i * 7919) % 365) * DAY_MS - 3_600_000;
  const updated = stage === 'Received' ? created : Math.min(now - 60_000, created + ((i % 30) + 1) * DAY_MS);
  const base = makeReferral({ orgId: ORG_ID, substatus: stage });
  const by = { at: iso(created), byOrgId: inbound ? SENDER.id : ORG_ID, byUserId: randomUUID(), byName: inbound ? 'Fay Fabrikam' : 'Ana Admin' };
  const later = stage === 'Received' ? [] : ['accepted', 'edited', 'note added', stage === 'Accepted' ? 'edited' : stage.toLowerCase()];
  return {
    ...base,
    name: `${customer} ${pick(TOPICS, i)}`,
    direction: inbound ? 'Incoming' : 'Outgoing',
    customerProfile: { ...base.customerProfile, name: customer, address: { ...base.customerProfile.address, city, country } },
    details: {
      dealValue: 10_000 + (i % 97) * 2_500,
      currency: 'USD',
      closingDateTime: iso(now + (60 + (i % 120)) * DAY_MS),
      assistanceRequestCode: 'GeneralOrOther',
    },
    solutionIds: pick(SOLUTIONS, i),
    externalReferenceId: i % 3 === 0 ? `CRM-${100000 + i}` : '',
    notes: stage === 'Received' ? [] : [{ at: iso(updated), byOrgId: ORG_ID, byName: 'Ana Admin', text: 'Customer wants a proof of concept before the end of the quarter.', visibility: 'shared' as const }],
    ...(inbound
      ? {
          inviteContext: {
            invitedBy: { organizationId: SENDER.id, organizationName: SENDER.name, userName: 'Fay Fabrikam' },
            notes: 'Can you run the migration assessment? The customer expects a proposal within two weeks.',
            contacts: [],
            invitedDateTime: iso(created),
          },
        }
      : {}),
    ...(stage === 'Received' ? { expirationDateTime: iso(created + 14 * DAY_MS) } : {}),
    ...(stage === 'Lost' || stage === 'Declined' ? { statusReason: 'Other' } : stage === 'Expired' ? { statusReason: 'NoResponse' } : {}),
    createdDateTime: iso(created),
    updatedDateTime: iso(updated),
    history: [{ ...by, action: inbound ? 'received' : 'created', changes: {} }, ...later.map((action) => ({ ...by, at: iso(updated), byOrgId: ORG_ID, byName: 'Ana Admin', action, changes: {} }))],
  };
}

/** Partner Center style: the engagement lists our referral only (the sender is not on Co-sell Bot). */
const engagementOf = (r: Referral): Engagement => ({
  id: r.engagementId,
  createdByOrgId: r.direction === 'Incoming' ? SENDER.id : ORG_ID,
  createdDateTime: r.createdDateTime,
  participants: [{ orgId: ORG_ID, referralId: r.id }],
});

async function registerPeople(store: Store): Promise<void> {
  const directory = new Directory(store, MICROSOFT_TENANT_ID);
  await directory.seedIfEmpty();
  // The first person of an organization becomes its admin. Their Teams id is known, so the bot
  // never needs a roster look-up for them.
  await directory.ensurePerson({ tenantId: ORG_ID, userId: admin.aadObjectId }, { name: admin.name, email: admin.email, channelUserId: `29:${admin.aadObjectId}` });
  const sellers: Write[] = Array.from({ length: SELLERS }, (_, n) => {
    const userId = randomUUID();
    return { kind: 'person', put: { id: `${ORG_ID}:${userId}`, orgId: ORG_ID, userId, name: `Seller ${n + 1}`, email: `seller${n + 1}@partner.example`, channelUserId: `29:${userId}`, roles: ['seller'] } };
  });
  const answering: Write[] = loadUsers.map((u) => ({
    kind: 'person',
    put: { id: `${ORG_ID}:${u.aadObjectId}`, orgId: ORG_ID, userId: u.aadObjectId, name: u.name, email: u.email, channelUserId: `29:${u.aadObjectId}`, roles: ['seller', 'referrals-admin'] },
  }));
  await store.commit([...sellers, ...answering]);
}

/**
 * Fills dataDir: `total` referrals of ORG_ID with an engagement each; `received` of them Received,
 * the others 80% Accepted and 20% closed (archived). `store` is left open for the caller to read.
 */
export async function fill(dataDir: string, total: number, received: number, now: number): Promise<{ store: Store; fixture: Fixture }> {
  const store = await openLowdbStore(dataDir);
  try {
    await registerPeople(store);
    const byFile = new Map<string, Write[]>();
    const add = (write: Extract<Write, { put: unknown }>) => {
      const file = recordFile(write);
      const list = byFile.get(file);
      if (list) list.push(write);
      else byFile.set(file, [write]);
    };
    const receivedIds: string[] = [];
    let searchHits = 0;
    for (let i = 0; i < total; i++) {
      const stage: Stage = i < received ? 'Received' : i % 5 === 0 ? pick(CLOSED, i) : 'Accepted';
      const r = referral(i, stage, now);
      if (stage === 'Received') receivedIds.push(r.id);
      if ([r.name, r.customerProfile.name, r.externalReferenceId].some((v) => v.toLowerCase().includes(SEARCH_TEXT))) searchHits++;
      add({ kind: 'referral', put: r });
      add({ kind: 'engagement', put: engagementOf(r) });
    }
    for (const writes of byFile.values()) await store.commit(writes);
    return { store, fixture: { receivedIds, referrals: total, searchHits } };
  } catch (e) {
    await store.close();
    throw e;
  }
}
