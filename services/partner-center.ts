// The Partner Center referral resource as it arrives on the intake webhook, and its mapping
// onto our referral: the field names are the same, so this is a mapping, not a rewrite.
import { z } from 'zod';
import { Address, Contact, CustomerSize, HelpType, id, MarketplaceIntent, Money, SalesStage } from './model.js';

const PcContact = Contact.extend({
  contactPreference: z.object({ locale: z.string().optional(), disableNotifications: z.boolean().optional() }).optional(),
});

/** The intake carries every limit the store has: a referral that parses here is one the store accepts. */
export const PartnerCenterReferral = z.object({
  id: z.string().trim().max(200).optional(),
  externalReferenceId: z.string().trim().max(100).optional(),
  name: z.string().trim().min(1, 'name is required').max(200),
  status: z.enum(['New', 'Active', 'Closed']).optional(),
  substatus: z.enum(['Pending', 'Received', 'Accepted', 'Engaged', 'Declined', 'Expired', 'Won', 'Lost', 'Error']).optional(),
  statusReason: z.string().max(500).optional(),
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
    closingDateTime: z.iso.datetime({ offset: true, message: 'details.closingDateTime must be an ISO date-time' }),
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
}).refine((r) => Boolean(r.id) || Boolean(r.externalReferenceId), {
  message: 'A referral needs its Partner Center id or an externalReferenceId, so that a redelivery is recognized.',
  path: ['id'],
});
export type PartnerCenterReferral = z.infer<typeof PartnerCenterReferral>;

/** The parts of a referral that the sender owns: what an import sets and a repeated delivery may change. */
export interface ImportedReferral {
  partnerCenterId: string;
  externalReferenceId: string;
  /** When Partner Center last changed the referral, in ISO form; '' when it did not say. */
  senderUpdatedDateTime: string;
  name: string;
  senderOrgId: string;
  senderName: string;
  inviteNotes: string;
  customerProfile: { name: string; address: z.infer<typeof Address>; duns?: string; size?: CustomerSize; team: Contact[] };
  consent: { consentToShareInfoWithOthers: boolean; consentToContact: boolean; consentToShareReferralWithMicrosoftSellers: boolean };
  salesStage: SalesStage;
  customerMarketplaceIntent: MarketplaceIntent;
  details: { dealValue: number; currency: string; closingDateTime: string; assistanceRequestCode: HelpType };
  team: Contact[];
  solutionIds: string[];
  notes: string;
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
    senderUpdatedDateTime: pc.updatedDateTime ? new Date(pc.updatedDateTime).toISOString() : '',
    externalReferenceId: pc.externalReferenceId ?? '',
    name: pc.name,
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
      closingDateTime: new Date(pc.details.closingDateTime).toISOString(),
      assistanceRequestCode: pc.details.assistanceRequestCode ?? 'None',
    },
    team: pc.team.map(stripPreference),
    solutionIds: pc.target.filter((t) => t.type === 'SolutionProfile').map((t) => t.id),
    notes: pc.details.notes,
  };
}
