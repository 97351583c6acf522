// The Partner Center referral resource as it arrives on the intake webhook, and its mapping
// onto our referral: the field names are the same, so this is a mapping, not a rewrite.
import { z } from 'zod';
import { Address, Contact, CustomerSize, HelpType, id, MarketplaceIntent, Money, SalesStage, statusOf, type Referral, type Stage } from './model.js';

const PcContact = Contact.extend({
  contactPreference: z.object({ locale: z.string().optional(), disableNotifications: z.boolean().optional() }).optional(),
});

const closedSubstatuses: readonly string[] = ['Won', 'Lost', 'Declined', 'Expired'];

/**
 * Our stage for Partner Center's status and substatus (allowed: New with Pending or Received,
 * Active with Accepted, Closed with Won, Lost, Declined or Expired). Engaged is taken as Accepted,
 * and so is any open referral the organization created: only one sent to it waits for an answer.
 */
export function stageOf(pc: Pick<PartnerCenterReferral, 'status' | 'substatus' | 'direction'>): Stage {
  if (pc.substatus && closedSubstatuses.includes(pc.substatus)) return pc.substatus as Stage;
  // The organization's own referral is never one it has to answer.
  if (pc.status === 'Active' || pc.substatus === 'Accepted' || pc.substatus === 'Engaged' || pc.direction === 'Outgoing') return 'Accepted';
  return 'Received';
}

/** The intake carries every limit the store has: a referral that parses here is one the store accepts. */
export const PartnerCenterReferral = z.object({
  id: z.string().trim().max(200).optional(),
  externalReferenceId: z.string().trim().max(100).optional(),
  // Partner Center's own answers may leave the name out (a referral read back after a change).
  name: z.string().trim().max(200).optional(),
  status: z.enum(['New', 'Active', 'Closed']).optional(),
  substatus: z.enum(['Pending', 'Received', 'Accepted', 'Engaged', 'Declined', 'Expired', 'Won', 'Lost', 'Error']).optional(),
  statusReason: z.string().max(500).optional(),
  /** Incoming: sent to the organization; Outgoing: created by it (in Partner Center itself). */
  direction: z.enum(['Incoming', 'Outgoing']).optional(),
  /** Partner Center's deadline for an answer, kept as the referral's own. */
  expirationDateTime: z.iso.datetime({ offset: true, message: 'expirationDateTime must be an ISO date-time' }).optional(),
  /** Partner Center's version of the referral: what a write back sends as If-Match. */
  eTag: z.string().max(200).optional(),
  updatedDateTime: z.iso.datetime({ offset: true, message: 'updatedDateTime must be an ISO date-time' }).optional(),
  qualification: z.enum(['Direct', 'SalesQualified', 'MarketingQualified', 'Unknown']).optional(),
  type: z.enum(['Independent', 'Shared', 'Unknown']).optional(),
  target: z.array(z.object({ type: z.string(), id })).max(50).default([]),
  customerProfile: z.object({
    name: z.string().trim().min(1, 'customerProfile.name is required').max(200),
    address: Address,
    size: CustomerSize.optional().catch(undefined),
    team: z.array(PcContact).max(50).default([]),
    ids: z.array(z.object({ type: z.string().optional(), id: z.string().optional(), value: z.string().optional() }).loose()).default([]),
  }),
  consent: z
    .object({
      // Partner Center spells it with a doubled "To"; accept both.
      consentToToShareInfoWithOthers: z.boolean().optional(),
      consentToShareInfoWithOthers: z.boolean().optional(),
      consentToContact: z.boolean().optional(),
      consentToShareReferralWithMicrosoftSellers: z.boolean().optional(),
    })
    .default({}),
  // Values Partner Center has and we do not know are taken as absent, never refused: a new stage must not drop a referral.
  salesStage: SalesStage.optional().catch(undefined),
  customerMarketplaceIntent: MarketplaceIntent.optional().catch(undefined),
  details: z.object({
    notes: z.string().trim().max(4000).default(''),
    dealValue: Money.dealValue,
    currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'details.currency must be a three-letter code such as USD'),
    // Also left out of some of Partner Center's answers: a referral already known keeps its own.
    closingDateTime: z.iso.datetime({ offset: true, message: 'details.closingDateTime must be an ISO date-time' }).optional(),
    assistanceRequestCode: HelpType.optional(),
    requirements: z.unknown().optional(),
  }),
  team: z.array(PcContact).max(50).default([]),
  inviteContext: z
    .object({
      notes: z.string().trim().max(4000).default(''),
      invitedBy: z.object({ organizationId: id, name: z.string().trim().max(200).optional() }).loose(),
    })
    .optional(),
})
  .refine((r) => Boolean(r.id) || Boolean(r.externalReferenceId), {
    message: 'A referral needs its Partner Center id or an externalReferenceId, so that a redelivery is recognized.',
    path: ['id'],
  })
  .refine((r) => r.status !== 'Closed' || (r.substatus !== undefined && closedSubstatuses.includes(r.substatus)), {
    message: 'A Closed referral needs its substatus: Won, Lost, Declined or Expired.',
    path: ['substatus'],
  });
export type PartnerCenterReferral = z.infer<typeof PartnerCenterReferral>;

/** The parts of a referral that the sender owns: what an import sets and a repeated delivery may change. */
export interface ImportedReferral {
  partnerCenterId: string;
  /** Partner Center's ETag of this version; '' when it did not say. */
  eTag: string;
  direction: 'Incoming' | 'Outgoing';
  /** Where Partner Center has the referral now. */
  stage: Stage;
  statusReason: string;
  /** Partner Center's deadline for an answer; '' when it did not say. */
  expirationDateTime: string;
  externalReferenceId: string;
  /** When Partner Center last changed the referral, in ISO form; '' when it did not say. */
  senderUpdatedDateTime: string;
  /** "" when Partner Center left it out. */
  name: string;
  senderOrgId: string;
  senderName: string;
  inviteNotes: string;
  customerProfile: { name: string; address: z.infer<typeof Address>; duns?: string; size?: CustomerSize; team: Contact[] };
  consent: { consentToShareInfoWithOthers: boolean; consentToContact: boolean; consentToShareReferralWithMicrosoftSellers: boolean };
  salesStage: SalesStage;
  customerMarketplaceIntent: MarketplaceIntent;
  /** closingDateTime is '' when Partner Center left it out. */
  details: { dealValue: number; currency: string; closingDateTime: string; assistanceRequestCode: HelpType };
  team: Contact[];
  solutionIds: string[];
  notes: string;
}

/**
 * A deal created in Teams as Partner Center's referral resource: the organization's own, so Active and
 * Accepted; help asked of Microsoft is its assistanceRequestCode on a Shared referral, which Microsoft's
 * sellers see; without it the referral is Independent.
 */
export function toPartnerCenter(r: Referral): Record<string, unknown> {
  const help = r.details.assistanceRequestCode;
  const shared = help !== 'None' || r.consent.consentToShareReferralWithMicrosoftSellers;
  return {
    name: r.name,
    ...(r.externalReferenceId ? { externalReferenceId: r.externalReferenceId } : {}),
    status: statusOf[r.substatus],
    substatus: r.substatus,
    type: shared ? 'Shared' : 'Independent',
    qualification: 'SalesQualified',
    customerProfile: {
      name: r.customerProfile.name,
      address: r.customerProfile.address,
      ...(r.customerProfile.size ? { size: r.customerProfile.size } : {}),
      team: r.customerProfile.team,
      ids: r.customerProfile.duns ? [{ profileType: 'Duns', id: r.customerProfile.duns }] : [],
    },
    consent: {
      consentToToShareInfoWithOthers: r.consent.consentToShareInfoWithOthers,
      consentToContact: r.consent.consentToContact,
      consentToShareReferralWithMicrosoftSellers: r.consent.consentToShareReferralWithMicrosoftSellers,
    },
    salesStage: r.salesStage,
    customerMarketplaceIntent: r.customerMarketplaceIntent,
    details: {
      dealValue: r.details.dealValue,
      currency: r.details.currency,
      closingDateTime: r.details.closingDateTime,
      notes: r.notes.find((n) => n.visibility === 'shared')?.text ?? '',
      ...(help !== 'None' ? { assistanceRequestCode: help } : {}),
    },
    team: r.team,
  };
}

/** The intent Partner Center also states among the requirements: `{attributes: [{id: "HaveNotDecided", type: "CustomerMarketplaceIntent"}]}`. */
function intentIn(requirements: unknown): MarketplaceIntent | undefined {
  const attributes = (requirements as { additionalRequirements?: { attributes?: unknown } } | undefined)?.additionalRequirements?.attributes;
  const found = Array.isArray(attributes) ? attributes.find((a) => (a as { type?: unknown })?.type === 'CustomerMarketplaceIntent') : undefined;
  const parsed = MarketplaceIntent.safeParse((found as { id?: unknown } | undefined)?.id);
  return parsed.success ? parsed.data : undefined;
}

const stripPreference = ({ contactPreference: _p, ...c }: z.infer<typeof PcContact>): Contact => c;

/** Maps a parsed resource; "msft" (Partner Center's name for Microsoft) becomes Microsoft's tenant. */
export function fromPartnerCenter(pc: PartnerCenterReferral, microsoftTenantId: string): ImportedReferral {
  const sender = pc.inviteContext?.invitedBy.organizationId ?? 'msft';
  const isMicrosoft = sender.toLowerCase() === 'msft' || sender === microsoftTenantId;
  const duns = pc.customerProfile.ids.find((i) => String(i.type ?? '').toLowerCase() === 'duns');
  return {
    partnerCenterId: pc.id ?? '',
    eTag: pc.eTag ?? '',
    direction: pc.direction ?? 'Incoming',
    stage: stageOf(pc),
    statusReason: pc.statusReason ?? '',
    expirationDateTime: pc.expirationDateTime ? new Date(pc.expirationDateTime).toISOString() : '',
    senderUpdatedDateTime: pc.updatedDateTime ? new Date(pc.updatedDateTime).toISOString() : '',
    externalReferenceId: pc.externalReferenceId ?? '',
    name: pc.name ?? '',
    senderOrgId: isMicrosoft ? microsoftTenantId : sender,
    senderName: isMicrosoft ? 'Microsoft' : (pc.inviteContext?.invitedBy.name ?? 'A partner (Partner Center)'),
    inviteNotes: pc.inviteContext?.notes ?? '',
    customerProfile: {
      name: pc.customerProfile.name,
      address: pc.customerProfile.address,
      duns: /^\d{9}$/.test(String(duns?.id ?? duns?.value ?? '')) ? String(duns?.id ?? duns?.value) : undefined,
      ...(pc.customerProfile.size ? { size: pc.customerProfile.size } : {}),
      team: pc.customerProfile.team.map(stripPreference),
    },
    consent: {
      consentToShareInfoWithOthers: pc.consent.consentToShareInfoWithOthers ?? pc.consent.consentToToShareInfoWithOthers ?? false,
      consentToContact: pc.consent.consentToContact ?? false,
      consentToShareReferralWithMicrosoftSellers: pc.consent.consentToShareReferralWithMicrosoftSellers ?? false,
    },
    salesStage: pc.salesStage ?? 'Qualify',
    customerMarketplaceIntent: pc.customerMarketplaceIntent ?? intentIn(pc.details.requirements) ?? 'HaveNotDecided',
    details: {
      dealValue: pc.details.dealValue,
      currency: pc.details.currency,
      closingDateTime: pc.details.closingDateTime ? new Date(pc.details.closingDateTime).toISOString() : '',
      assistanceRequestCode: pc.details.assistanceRequestCode ?? 'None',
    },
    team: pc.team.map(stripPreference),
    solutionIds: pc.target.filter((t) => t.type === 'SolutionProfile').map((t) => t.id),
    notes: pc.details.notes,
  };
}
