// The co-sell domain as zod schemas: the one source of the types. Field names follow the
// Partner Center referral resource (dealValue, closingDateTime, status/substatus,
// customerProfile, inviteContext, ...) so import and export are a mapping.
import { z } from 'zod';
import { isTimeZone, languages, Msg, t, zmsg, type MessageKey } from './i18n.js';

export const id = z.string().min(1).max(200);
// The limit as plain digits ("4000"), not a grouped number.
const text = (max: number) => z.string().trim().max(max, zmsg('input.tooLong', { max: String(max) }));
/** A field that must be filled: its message names the field ("Deal name is required."). */
const required = (message: MessageKey, max = 200) => text(max).min(1, zmsg(message));
const isoDateTime = z.iso.datetime({ offset: true, ...zmsg('input.date.format') });

export const roles = ['admin', 'referrals-admin', 'seller'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

/** An organization's connection to Partner Center: how its sign-in stands, its tokens (sealed), and how the sync goes. */
export const PartnerCenterLink = z.object({
  status: z.enum(['signingIn', 'connected', 'needsSignIn']),
  /** While signing in: the code an admin enters at the verification address, until it expires. */
  userCode: z.string().max(50).default(''),
  verificationUri: z.string().max(500).default(''),
  codeExpiresDateTime: isoDateTime.optional(),
  /** The Partner Center user who signed in, and the admin who started it. */
  account: z.string().max(200).default(''),
  byUserId: z.string().max(200).default(''),
  connectedDateTime: isoDateTime.optional(),
  /** MSAL's token cache, sealed with the configured key: never stored readable. */
  tokenCache: z.string().max(200_000).default(''),
  /** Partner Center's updatedDateTime up to which its referrals have been read. */
  syncedUpTo: isoDateTime.optional(),
  lastSyncDateTime: isoDateTime.optional(),
  /** The sync's recent problems, newest last. */
  problems: z.array(z.object({ at: isoDateTime, message: z.string().max(1000) })).max(20).default([]),
});
export type PartnerCenterLink = z.infer<typeof PartnerCenterLink>;

export const Organization = z.object({
  /** The organization's Microsoft Entra tenant id. */
  id,
  name: required('input.required.organizationName'),
  kind: z.enum(['partner', 'microsoft']),
  /** Listed in the co-sell ecosystem: other organizations can find and invite it. */
  inEcosystem: z.boolean().default(true),
  /** A team channel (conversation id) that also gets new-referral alerts; empty for none. */
  alertChannelId: z.string().max(500).default(''),
  /** The organization's Partner ID in Partner Center (the former MPN ID); empty until an admin gives it. */
  partnerId: z.string().max(20).default(''),
  /** When an admin first saved the set-up card; until then the organization still has its placeholder name. */
  setUpDateTime: isoDateTime.optional(),
  /** Absent until an admin connects the organization to Partner Center. */
  partnerCenter: PartnerCenterLink.optional(),
  /** The weekly insights card for the referrals admins; absent: off. */
  digest: z
    .object({
      /** ISO weekday: 1 is Monday, 7 Sunday. */
      day: z.number().int().min(1).max(7),
      hour: z.number().int().min(0).max(23),
      /** The day and hour are this zone's (the admin's who turned it on). */
      timeZone: z.string().max(64).refine(isTimeZone),
      /** When it was turned on: the first digest is the first slot after this. */
      since: isoDateTime,
    })
    .optional(),
});

/** The weekly digest's day and hour, as an admin picks them (the zone is theirs). */
export const DigestSettings = z.object({
  day: z.number().int().min(1).max(7, zmsg('admin.digest.dayError')),
  hour: z.number().int().min(0, zmsg('admin.digest.hourError')).max(23, zmsg('admin.digest.hourError')),
});
export type DigestSettings = z.infer<typeof DigestSettings>;

/** What an admin sets on the set-up card. */
export const OrganizationSettings = z.object({
  name: required('input.required.organizationName'),
  partnerId: z
    .string()
    .trim()
    .regex(/^(\d{6,10})?$/, zmsg('input.partnerId')),
  inEcosystem: z.boolean(),
});
export type OrganizationSettings = z.infer<typeof OrganizationSettings>;
export type Organization = z.infer<typeof Organization>;

export const Person = z.object({
  id, // `${orgId}:${userId}`
  orgId: id,
  userId: id,
  name: required('input.required.name'),
  email: z.string().trim().max(200).default(''),
  /** The user's id in the chat channel (Teams: 29:...), to address them; empty until seen there. */
  channelUserId: z.string().max(500).default(''),
  roles: z.array(Role).min(1),
  /** Every change of roles: who made it, when, from what to what. */
  roleChanges: z
    .array(z.object({ at: isoDateTime, byUserId: id, byName: z.string(), from: z.array(Role), to: z.array(Role) }))
    .max(200)
    .default([]),
  /** False for someone known only from a team's roster, until they first use the bot. */
  usedBot: z.boolean().default(true),
  /** When the organization's admins were told the bot cannot reach this person in Teams; cleared once it does. */
  unreachableReportedDateTime: isoDateTime.optional(),
  /** The language and time zone their Teams client last sent: alerts to them are written in these. */
  locale: z.string().max(35).default(''),
  timeZone: z.string().max(64).default(''),
  /** The language they chose with the language command, over their Teams client's. */
  language: z.enum(languages).optional(),
});
export type Person = z.infer<typeof Person>;

export const Address = z.object({
  addressLine1: text(200).default(''),
  addressLine2: text(200).default(''),
  city: text(100).default(''),
  state: text(100).default(''),
  postalCode: text(20).default(''),
  // The pattern bounds the length: its message says what to give, where a length limit's would not.
  country: z.string().trim().min(1, zmsg('input.required.country')).regex(/^[A-Z]{2}$/, zmsg('input.countryCode')),
});
export type Address = z.infer<typeof Address>;

export const Duns = z.string().trim().regex(/^\d{9}$/, zmsg('input.duns'));

export const Customer = z.object({
  id,
  /** The organization whose customer directory holds it; '' for the demo directory every organization sees. */
  orgId: z.string().max(200).default(''),
  name: required('input.required.customerName'),
  address: Address,
  duns: Duns.optional(),
});
export type Customer = z.infer<typeof Customer>;

export const coSellStatuses = [
  'NotCoSellReady',
  'CoSellReady',
  'AzureIpCoSellIncentivized',
  'BizAppsCoSellIncentivizedStandard',
  'BizAppsCoSellIncentivizedPremium',
] as const;
export const CoSellStatus = z.enum(coSellStatuses, zmsg('input.pick.coSellStatus'));
export type CoSellStatus = z.infer<typeof CoSellStatus>;

export const Solution = z.object({
  id,
  orgId: id,
  name: required('input.required.solutionName'),
  coSellStatus: CoSellStatus,
  /** Retired by its organization: no new deal carries it; the deals that do keep it. */
  retired: z.boolean().default(false),
});
export type Solution = z.infer<typeof Solution>;

/** What an admin sets on one of the organization's solutions; no id: a new one. */
export const SolutionSettings = z.object({ id: z.string().max(200).optional(), name: required('input.required.solutionName'), coSellStatus: CoSellStatus });
export type SolutionSettings = z.infer<typeof SolutionSettings>;

/** Partner Center's assistanceRequestCode values, plus None (a private deal). */
export const helpTypes = [
  'None',
  'GeneralOrOther',
  'CustomerTechnicalArchitecture',
  'ProofOfConceptOrDemo',
  'QuotesOrLicensing',
  'PostSalesCustomerSuccess',
  'WorkloadSpecificValueProposition',
] as const;
export const HelpType = z.enum(helpTypes, zmsg('input.pick.helpType'));
export type HelpType = z.infer<typeof HelpType>;

export const Contact = z.object({
  firstName: required('input.required.firstName', 100),
  lastName: text(100).default(''),
  phoneNumber: required('input.required.phoneNumber', 40).regex(/^[+()\d\s.-]{5,40}$/, zmsg('input.phoneNumber')),
  email: required('input.required.email', 200).pipe(z.email(zmsg('input.email'))),
});
export type Contact = z.infer<typeof Contact>;

export const stages = ['Received', 'Accepted', 'Won', 'Lost', 'Declined', 'Expired'] as const;
export const Stage = z.enum(stages);
export type Stage = z.infer<typeof Stage>;
export const terminalStages: readonly Stage[] = ['Won', 'Lost', 'Declined', 'Expired'];
export const isTerminal = (stage: Stage) => terminalStages.includes(stage);

/** Partner Center's status for each substatus (our stage). */
export const statusOf = { Received: 'New', Accepted: 'Active', Won: 'Closed', Lost: 'Closed', Declined: 'Closed', Expired: 'Closed' } as const;
export const Status = z.enum(['New', 'Active', 'Closed']);

export const declineReasons = ['NotAGoodFit', 'NoCapacity', 'InsufficientInformation', 'CustomerNotInterested', 'OutsideOurRegion', 'Duplicate', 'Other'] as const;
export const DeclineReason = z.enum(declineReasons, zmsg('input.pick.reason'));
export type DeclineReason = z.infer<typeof DeclineReason>;

export const lostReasons = ['LostToCompetitor', 'NoBudget', 'NoDecision', 'CustomerChoseNotToProceed', 'Other'] as const;
export const LostReason = z.enum(lostReasons, zmsg('input.pick.reason'));
export type LostReason = z.infer<typeof LostReason>;

export const Note = z.object({
  at: isoDateTime,
  byOrgId: id,
  byName: z.string(),
  text: required('input.required.note', 4000),
  /**
   * Shared notes are read by every organization on the deal; an internal one only by the author's.
   * Notes written before notes were shared were private to their organization: they stay internal.
   */
  visibility: z.enum(['shared', 'internal']).default('internal'),
  /** What the note goes with (why a deal was declined or lost), worded in each reader's language. */
  about: Msg.optional(),
});
export type Note = z.infer<typeof Note>;

/** Partner Center's deal registration states. */
export const registrationStatuses = ['ReviewPending', 'ActionRequired', 'Approved', 'Failed'] as const;
export const RegistrationStatus = z.enum(registrationStatuses, zmsg('input.pick.registrationStatus'));
export type RegistrationStatus = z.infer<typeof RegistrationStatus>;

/** A registration stored before registrations followed Partner Center: the won value and signature date became its contract. */
function fromEarlierRegistration(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('contractSignedDate' in value)) return value;
  const old = value as { contractSignedDate: string; wonValue: number; currency: string; contractId?: string; azureSubscriptionId?: string; notes?: string };
  const day = old.contractSignedDate;
  // Nothing it held is lost: the contract number, the subscription and the notes become the status's words.
  const words = [old.contractId && t('rules.registration.earlierContract', { id: old.contractId }), old.azureSubscriptionId && t('rules.registration.earlierSubscription', { id: old.azureSubscriptionId }), old.notes].filter(Boolean).join('. ');
  return {
    registrationDateTime: day,
    status: 'ReviewPending',
    statusReason: words,
    contract: { value: old.wonValue, currency: old.currency, startDateTime: day, endDateTime: day, signDateTime: day, term: 1 },
    solutionDetails: [],
  };
}

/** A won deal's registration with Partner Center: the contract, each incentive-eligible solution, and where the review stands. */
export const Registration = z.preprocess(
  fromEarlierRegistration,
  z.object({
    registrationDateTime: isoDateTime,
    /** Who registered it: they (or Partner Center) change its status. */
    byUserId: z.string().max(200).default(''),
    byName: z.string().max(200).default(''),
    status: RegistrationStatus.default('ReviewPending'),
    // Room for what a registration of the earlier form carried in its notes.
    statusReason: text(2600).default(''),
    contract: z.object({
      value: z.number().positive(zmsg('input.contractValue.positive')),
      currency: z.string().regex(/^[A-Z]{3}$/, zmsg('input.currency')),
      startDateTime: isoDateTime,
      endDateTime: isoDateTime,
      signDateTime: isoDateTime,
      /** Months. */
      term: z.number().int().min(1).max(120),
    }),
    solutionDetails: z
      .array(z.object({ id, name: z.string().max(200), isDeployedOnAzure: z.boolean(), isMarketplaceTransacted: z.boolean() }))
      .max(50)
      .default([]),
  }),
);
export type Registration = z.infer<typeof Registration>;

export const Change = z.object({ from: z.unknown(), to: z.unknown() });
export const HistoryEntry = z.object({
  at: isoDateTime,
  byOrgId: id,
  byUserId: id,
  byName: z.string(),
  /** What was done, worded in each reader's language; records from before were written as text. */
  action: z.union([z.string(), Msg]),
  changes: z.record(z.string(), Change).default({}),
  /** The request that made the change: a redelivery of it finds it here, even after a restart, and changes nothing. */
  requestId: z.string().max(100).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const Money = {
  dealValue: z.number(zmsg('input.dealValue.number')).positive(zmsg('input.dealValue.positive')).max(1e12, zmsg('input.dealValue.tooLarge')),
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, zmsg('input.currency')),
};

/** Partner Center's sales stages of an open deal. */
export const salesStages = ['Qualify', 'Develop', 'Propose', 'Close'] as const;
export const SalesStage = z.enum(salesStages, zmsg('input.pick.salesStage'));
export type SalesStage = z.infer<typeof SalesStage>;

/** Whether the customer means to buy through the commercial marketplace (Partner Center's CustomerMarketplaceIntent). */
export const marketplaceIntents = ['Yes', 'No', 'HaveNotDecided'] as const;
export const MarketplaceIntent = z.enum(marketplaceIntents, zmsg('input.pick.marketplaceIntent'));
export type MarketplaceIntent = z.infer<typeof MarketplaceIntent>;

/** Partner Center's customer size bands. */
export const customerSizes = [
  '1to9employees',
  '10to50employees',
  '51to250employees',
  '251to1000employees',
  '1001to5000employees',
  '5001to10000employees',
  '10001to20000employees',
  'Morethan20000employees',
  '1to50employees',
  '51to500employees',
  'Morethan500employees',
] as const;
export const CustomerSize = z.enum(customerSizes, zmsg('input.pick.customerSize'));
export type CustomerSize = z.infer<typeof CustomerSize>;

export const Referral = z.object({
  id,
  engagementId: id,
  orgId: id,
  name: required('input.required.dealName'),
  direction: z.enum(['Incoming', 'Outgoing']),
  status: Status,
  substatus: Stage,
  customerProfile: z.object({
    name: required('input.required.customerName'),
    address: Address,
    duns: Duns.optional(),
    size: CustomerSize.optional(),
    team: z.array(Contact).default([]),
  }),
  consent: z.object({
    consentToShareInfoWithOthers: z.boolean().default(false),
    consentToContact: z.boolean().default(false),
    /** Shared with Microsoft's sellers without asking for their help: a partner-led deal. */
    consentToShareReferralWithMicrosoftSellers: z.boolean().default(false),
  }),
  salesStage: SalesStage.default('Qualify'),
  customerMarketplaceIntent: MarketplaceIntent.default('HaveNotDecided'),
  details: z.object({
    dealValue: Money.dealValue,
    currency: Money.currency,
    closingDateTime: isoDateTime,
    assistanceRequestCode: HelpType.default('None'),
  }),
  team: z.array(Contact),
  solutionIds: z.array(id),
  /** The person of the organization a referrals admin handed the referral to: they may act on it. */
  assignedTo: z.object({ userId: id, name: z.string().max(200) }).optional(),
  notes: z.array(Note).default([]),
  externalReferenceId: text(100).default(''),
  campaignId: text(100).default(''),
  inviteContext: z
    .object({
      invitedBy: z.object({ organizationId: id, organizationName: z.string(), userName: z.string() }),
      notes: text(4000).default(''),
      /** The inviter's people who work with the invited organization; the rest of the inviter's team is on its own referral. */
      contacts: z.array(Contact).max(50).default([]),
      invitedDateTime: isoDateTime,
    })
    .optional(),
  /** When a Received referral expires without an answer. */
  expirationDateTime: isoDateTime.optional(),
  statusReason: z.string().default(''),
  registration: Registration.optional(),
  /** The Partner Center referral id when the referral came from Partner Center. */
  partnerCenterId: z.string().max(200).default(''),
  /** Partner Center's ETag of the version last read from it. */
  partnerCenterETag: z.string().max(200).optional(),
  /**
   * Whether Partner Center has this referral's last change: a change made here is 'pending' in the
   * same commit, until the writer puts it there ('synced') or Partner Center refuses it ('refused').
   */
  partnerCenterSync: z
    .object({
      state: z.enum(['pending', 'synced', 'refused']),
      /** The referral's version Partner Center must get. */
      version: z.number().int().min(0),
      attempts: z.number().int().min(0).default(0),
      /** No attempt before this (Partner Center throttled, or was down). */
      retryAt: isoDateTime.optional(),
      problem: z.string().max(1000).default(''),
      /** When the state last changed. */
      at: isoDateTime,
    })
    .optional(),
  /** Partner Center's updatedDateTime of the last version applied: an older one is not applied again. */
  senderUpdatedDateTime: z.string().max(40).default(''),
  createdDateTime: isoDateTime,
  updatedDateTime: isoDateTime,
  version: z.number().int().positive(),
  history: z.array(HistoryEntry),
});
export type Referral = z.infer<typeof Referral>;

export const Engagement = z.object({
  id,
  createdByOrgId: id,
  createdDateTime: isoDateTime,
  participants: z.array(z.object({ orgId: id, referralId: id })).min(1),
});
export type Engagement = z.infer<typeof Engagement>;

/** One user's hearts: the referrals they marked as favorites. */
export const Favorites = z.object({
  id, // `${orgId}:${userId}`
  orgId: id,
  referralIds: z.array(id),
});
export type Favorites = z.infer<typeof Favorites>;

export const dealTypes = ['private', 'partner-led', 'co-sell', 'p2p'] as const;
export type DealType = (typeof dealTypes)[number];

/** Where the bot can reach someone: a personal chat, or a team channel. Channel-neutral. */
export const ConversationRef = z.object({
  id, // the conversation id
  orgId: id,
  /** Set for personal chats: whose chat it is. */
  userId: z.string().default(''),
  channelUserId: z.string().default(''),
  kind: z.enum(['personal', 'channel', 'groupChat']),
  serviceUrl: z.url(),
  teamId: z.string().default(''),
  updatedDateTime: isoDateTime,
});
export type ConversationRef = z.infer<typeof ConversationRef>;

export const alertKinds = ['received', 'reminder', 'answered', 'update', 'assigned', 'unreachable', 'notice', 'digest'] as const;

/** A proactive message: written before it is sent, marked when the channel accepted it. */
export const OutboxMessage = z.object({
  id,
  orgId: id,
  /** Where it goes; '' when it is for a person whose personal chat the delivery must open first. */
  conversationId: z.string().max(500),
  /** The person it is for when it goes to their personal chat; '' for a channel. */
  userId: z.string().max(200).default(''),
  kind: z.enum(alertKinds),
  /** The deal it is about; '' for a notice about no deal (the organization's Partner Center sign-in). */
  referralId: z.string().max(200),
  /** The line on top of the card: why this message was sent. */
  /** A message key and its values, worded in the recipient's language when sent; older records hold text. */
  headline: z.union([z.string().max(500), Msg]),
  /** For updates: the message to replace. */
  replaceActivityId: z.string().default(''),
  status: z.enum(['pending', 'sent', 'dropped']),
  attempts: z.number().int().min(0),
  /** Wall-clock time of the next attempt after a failure (set by the delivery loop). */
  retryAt: isoDateTime.optional(),
  createdDateTime: isoDateTime,
  sentDateTime: isoDateTime.optional(),
  /** The id the channel gave the sent message, so it can be updated later. */
  activityId: z.string().default(''),
  /** The referral's version the sent card showed. */
  referralVersion: z.number().int().min(0).default(0),
  lastError: z.string().default(''),
});
export type OutboxMessage = z.infer<typeof OutboxMessage>;

/** A deadline already acted on (a reminder sent), so restarts catch up once and never twice. */
export const DeadlineMark = z.object({ id, orgId: id, at: isoDateTime });
export type DeadlineMark = z.infer<typeof DeadlineMark>;

/** A new deal being filled in, step by step: kept by the bot so cards carry only its id. */
export const Draft = z.object({
  id,
  orgId: id,
  userId: id,
  /** Every field typed so far, by the card field's id. */
  values: z.record(z.string(), z.string().max(4000)),
  /** The partner invitations added so far, each by the card field's id. */
  partners: z.array(z.record(z.string(), z.string().max(4000))).max(10),
  /** The deal this draft became: Create again gives it back instead of a second deal. */
  createdReferralId: z.string().max(200).default(''),
  updatedDateTime: isoDateTime,
});
export type Draft = z.infer<typeof Draft>;
