// Builders for valid records, one per kind. Every call gets fresh ids; pass overrides for the
// fields a test cares about. The results are what the schemas output (defaults filled in).
import { randomUUID } from 'node:crypto';
import { statusOf, type Customer, type Engagement, type Favorites, type Organization, type Person, type Referral, type Solution } from '../../services/model.js';

const now = () => new Date().toISOString();

export function makeOrganization(overrides: Partial<Organization> = {}): Organization {
  return { id: randomUUID(), name: 'Contoso Partners', kind: 'partner', inEcosystem: true, alertChannelId: '', partnerId: '', ...overrides };
}

export function makePerson(overrides: Partial<Person> = {}): Person {
  const orgId = overrides.orgId ?? randomUUID();
  const userId = overrides.userId ?? randomUUID();
  return { id: `${orgId}:${userId}`, orgId, userId, name: 'Ana Silva', email: 'ana@contoso.com', channelUserId: '', roles: ['seller'], roleChanges: [], usedBot: true, locale: '', timeZone: '', ...overrides };
}

export function makeCustomer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: randomUUID(),
    orgId: '',
    name: 'Fabrikam Inc.',
    address: { addressLine1: '1 Main Street', addressLine2: '', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
    ...overrides,
  };
}

export function makeSolution(overrides: Partial<Solution> = {}): Solution {
  return { id: randomUUID(), orgId: randomUUID(), name: 'Contoso Analytics', coSellStatus: 'CoSellReady', retired: false, ...overrides };
}

export function makeEngagement(overrides: Partial<Engagement> = {}): Engagement {
  const createdByOrgId = overrides.createdByOrgId ?? randomUUID();
  return {
    id: randomUUID(),
    createdByOrgId,
    createdDateTime: now(),
    participants: [{ orgId: createdByOrgId, referralId: randomUUID() }],
    ...overrides,
  };
}

export function makeFavorites(overrides: Partial<Favorites> = {}): Favorites {
  const orgId = overrides.orgId ?? randomUUID();
  return { id: `${orgId}:${randomUUID()}`, orgId, referralIds: [], ...overrides };
}

/** A referral in the given stage (Received by default), with status matching the stage. */
export function makeReferral(overrides: Partial<Referral> = {}): Referral {
  const at = now();
  const orgId = overrides.orgId ?? randomUUID();
  const substatus = overrides.substatus ?? 'Received';
  return {
    id: randomUUID(),
    engagementId: randomUUID(),
    orgId,
    name: 'Fabrikam data platform modernization',
    direction: 'Outgoing',
    status: statusOf[substatus],
    substatus,
    customerProfile: {
      name: 'Fabrikam Inc.',
      address: { addressLine1: '1 Main Street', addressLine2: '', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
      team: [{ firstName: 'Jon', lastName: 'Doe', phoneNumber: '+1 425 555 0100', email: 'jon@fabrikam.com' }],
    },
    consent: { consentToShareInfoWithOthers: true, consentToContact: true, consentToShareReferralWithMicrosoftSellers: false },
    salesStage: 'Qualify',
    customerMarketplaceIntent: 'HaveNotDecided',
    details: { dealValue: 250000, currency: 'USD', closingDateTime: '2026-12-31T00:00:00.000Z', assistanceRequestCode: 'GeneralOrOther' },
    team: [{ firstName: 'Ana', lastName: 'Silva', phoneNumber: '+1 206 555 0142', email: 'ana@contoso.com' }],
    solutionIds: [randomUUID()],
    notes: [],
    externalReferenceId: '',
    campaignId: '',
    statusReason: '',
    partnerCenterId: '',
    senderUpdatedDateTime: '',
    createdDateTime: at,
    updatedDateTime: at,
    version: 1,
    history: [{ at, byOrgId: orgId, byUserId: randomUUID(), byName: 'Ana Silva', action: 'Created', changes: {} }],
    ...overrides,
  };
}

/** The referral after one more edit: next version, new updatedDateTime, other fields as given. */
export function nextVersion(referral: Referral, changes: Partial<Referral> = {}): Referral {
  const status = changes.substatus ? statusOf[changes.substatus] : referral.status;
  return { ...referral, status, ...changes, version: referral.version + 1, updatedDateTime: now() };
}
