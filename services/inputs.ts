// What callers send to the lifecycle service. Card forms, the HTTP intake and tests all
// parse through these schemas, so a field means the same thing everywhere.
import { z } from 'zod';
import { parseAmount, t, zmsg } from './i18n.js';
import { Address, Contact, CustomerSize, DeclineReason, Duns, HelpType, LostReason, MarketplaceIntent, Money, RegistrationStatus, SalesStage, id } from './model.js';

/** Form inputs arrive as strings; an empty one means "not given". */
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
/** Control characters other than line breaks and tabs carry no meaning in a note and bloat cards. */
const withoutControls = (value: string) => value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');
const text = (max: number) => z.string().transform(withoutControls).pipe(z.string().trim().max(max, zmsg('input.tooLong', { max: String(max) })));
const optionalText = (max: number) => z.preprocess(blankToUndefined, text(max).optional());
/** An optional field a seller can clear: absent keeps the stored value, '' clears it. */
const clearableText = (max: number) => text(max).optional();
/** A choice from a fixed list: cards send it as text, the list's schema checks it. */
const choice = <S extends z.ZodType<string, string>>(schema: S) => z.string(zmsg('input.pick.one')).pipe(schema);

/** A date (2026-12-31) or a date-time, stored as an ISO date-time at midnight UTC. */
export const DateInput = z.preprocess(
  blankToUndefined,
  z
    .string(zmsg('input.date.missing'))
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, zmsg('input.date.format'))
    .refine((value) => !Number.isNaN(Date.parse(value)), zmsg('input.date.invalid'))
    .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString()),
);

/** An amount typed either language's way (parseAmount), checked by `schema`. */
const amountInput = (schema: z.ZodType<number>) => z.preprocess((value) => (typeof value === 'string' ? (value.trim() === '' ? undefined : parseAmount(value)) : value), schema);
const NumberInput = amountInput(Money.dealValue);

const CheckboxInput = z.preprocess((value) => value === true || value === 'true', z.boolean());

const IdList = z.preprocess(
  // Input.ChoiceSet with isMultiSelect sends "a,b,c".
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
  z.array(id),
);

export const SolutionIds = IdList.pipe(z.array(id).min(1, zmsg('input.solutions.min')).max(50, zmsg('input.solutions.max', { max: 50 })));

export const CustomerInput = z.object({
  name: z.string().trim().min(1, zmsg('input.required.customerName')).max(200),
  address: Address,
  duns: z.preprocess(blankToUndefined, Duns.optional()),
});

/** What Partner Center's pipeline asks of a deal besides its details; each has a default, so an omitted one is no error. */
const pipelineFields = {
  salesStage: z.preprocess(blankToUndefined, SalesStage.default('Qualify')),
  customerMarketplaceIntent: z.preprocess(blankToUndefined, MarketplaceIntent.default('HaveNotDecided')),
  customerSize: z.preprocess(blankToUndefined, CustomerSize.optional()),
  /** Shared with Microsoft's sellers without asking for help: partner-led. */
  shareWithMicrosoftSellers: CheckboxInput.default(false),
};
export type CustomerInput = z.infer<typeof CustomerInput>;

/** The most people one deal's team holds, and the most partners invited at once: cards must fit Teams. */
export const MAX_TEAM = 50;
export const MAX_PARTNERS = 10;

export const Team = z.array(Contact).min(1, zmsg('input.team.min')).max(MAX_TEAM, zmsg('input.team.max', { max: MAX_TEAM }));

export const PartnerInvitation = z.object({
  orgId: id,
  closingDateTime: DateInput,
  dealValue: NumberInput,
  currency: Money.currency,
  notes: optionalText(4000),
  team: Team,
  solutionIds: IdList.pipe(z.array(id).min(1, zmsg('input.solutions.minForPartner')).max(50, zmsg('input.solutions.max', { max: 50 }))),
  helpType: choice(HelpType).default('GeneralOrOther'),
});
export type PartnerInvitation = z.input<typeof PartnerInvitation>;

export const MicrosoftInvitation = z.object({
  helpType: choice(HelpType.exclude(['None'], zmsg('input.pick.microsoftHelp'))),
  notes: optionalText(4000),
  /** The customer's contact, when the deal does not have one yet. */
  customerContact: Contact.optional(),
  consentToShare: CheckboxInput.default(false),
});
export type MicrosoftInvitation = z.input<typeof MicrosoftInvitation>;

export const CreateDealInput = z.object({
  customer: CustomerInput,
  customerContact: Contact.optional(),
  /** The seller confirms the customer agreed to share their contact with Microsoft and invited partners. */
  consentToShare: CheckboxInput.default(false),
  name: z.string().trim().min(1, zmsg('input.required.dealName')).max(200),
  dealValue: NumberInput,
  currency: Money.currency,
  closingDateTime: DateInput,
  externalReferenceId: optionalText(100),
  campaignId: optionalText(100),
  notes: optionalText(4000),
  team: Team,
  solutionIds: SolutionIds,
  helpType: choice(HelpType).default('None'),
  ...pipelineFields,
  partners: z.array(PartnerInvitation).max(MAX_PARTNERS, zmsg('input.partners.max', { max: MAX_PARTNERS })).default([]),
});
export type CreateDealInput = z.input<typeof CreateDealInput>;

export const AcceptInput = z.object({
  name: z.string().trim().min(1, zmsg('input.required.dealName')).max(200),
  dealValue: NumberInput,
  currency: Money.currency,
  closingDateTime: DateInput,
  notes: optionalText(4000),
  externalReferenceId: clearableText(100),
  campaignId: clearableText(100),
  team: z.array(Contact).max(MAX_TEAM).default([]),
});
export type AcceptInput = z.input<typeof AcceptInput>;

export const DeclineInput = z.object({
  reason: choice(DeclineReason),
  notes: optionalText(4000),
});
export type DeclineInput = z.input<typeof DeclineInput>;

/** Only the fields the spec lets a seller edit on an Accepted referral; anything else is refused. */
export const EditInput = z
  .strictObject(
    {
      name: z.string().trim().min(1, zmsg('input.required.dealName')).max(200).optional(),
      dealValue: NumberInput.optional(),
      currency: Money.currency.optional(),
      closingDateTime: DateInput.optional(),
      notes: optionalText(4000),
      externalReferenceId: clearableText(100),
      campaignId: clearableText(100),
      salesStage: z.preprocess(blankToUndefined, SalesStage.optional()),
      customerMarketplaceIntent: z.preprocess(blankToUndefined, MarketplaceIntent.optional()),
      shareWithMicrosoftSellers: z.preprocess((v) => (v === undefined ? undefined : v === true || v === 'true'), z.boolean().optional()),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? t('input.notEditable', { fields: issue.keys.join(', ') }) : undefined) },
  );
export type EditInput = z.input<typeof EditInput>;

export const TeamInput = z.object({ members: Team });
export const SolutionsInput = z.object({ solutionIds: SolutionIds });
export const AssignInput = z.object({ userId: z.string().trim().min(1, zmsg('input.assignee')).max(200) });

export const NoteInput = z.object({
  text: text(4000).pipe(z.string().min(1, zmsg('input.note.empty'))),
  /** Only the author's organization reads it. */
  internal: CheckboxInput.default(false),
});

/** One of the organization's own team members, by email, and what they become. */
export const TeamMemberInput = z.object({ email: z.string().trim().min(1, zmsg('input.member.missing')), member: Contact });
export const RemoveMemberInput = z.object({ email: z.string().trim().min(1, zmsg('input.member.missing')) });

export const InviteInput = z
  .object({
    microsoft: MicrosoftInvitation.optional(),
    partners: z.array(PartnerInvitation).max(MAX_PARTNERS, zmsg('input.partners.max', { max: MAX_PARTNERS })).default([]),
  })
  .refine((input) => input.microsoft || input.partners.length > 0, zmsg('input.invite.none'));
export type InviteInput = z.input<typeof InviteInput>;

export const WonInput = z.object({ notes: optionalText(4000) });
export type WonInput = z.input<typeof WonInput>;

/** The registration of a won deal: the contract, and which of the registered solutions run on Azure or sold through the marketplace. */
export const RegisterInput = z
  .object({
    contractValue: amountInput(z.number(zmsg('input.contractValue.number')).positive(zmsg('input.contractValue.positive')).max(1e12, zmsg('input.contractValue.tooLarge'))),
    currency: Money.currency,
    startDate: DateInput,
    endDate: DateInput,
    signDate: DateInput,
    termMonths: z.coerce.number(zmsg('input.term.number')).int(zmsg('input.term.whole')).min(1, zmsg('input.term.min')).max(120, zmsg('input.term.max', { max: 120 })),
    azureSolutionIds: IdList.default([]),
    marketplaceSolutionIds: IdList.default([]),
  })
  .refine((r) => r.endDate >= r.startDate, { path: ['endDate'], ...zmsg('input.contract.endsAfterStart') });
export type RegisterInput = z.input<typeof RegisterInput>;

export const RegistrationStatusInput = z.object({ status: choice(RegistrationStatus), statusReason: optionalText(500) });
export type RegistrationStatusInput = z.input<typeof RegistrationStatusInput>;

export const LostInput = z.object({ reason: choice(LostReason), notes: optionalText(4000) });
export type LostInput = z.input<typeof LostInput>;

export const PageInput = z.object({
  page: z.coerce.number().int().min(0).default(0),
  pageSize: z.coerce.number().int().min(1).max(50).default(10),
});
export type PageInput = z.input<typeof PageInput>;
