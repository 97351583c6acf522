// The forms of the deal card, one definition each: what the seller fills in, and the input of the
// lifecycle operation it becomes. The key of each form is the verb its submit button sends.
import type { z } from 'zod';
import type { ReferralView } from '../services/lifecycle.js';
import type { Contact } from '../services/model.js';
import type { AcceptInput, AssignInput, DeclineInput, EditInput, InviteInput, LostInput, NoteInput, RegisterInput, RegistrationStatusInput, RemoveMemberInput, SolutionsInput, TeamInput, TeamMemberInput, WonInput } from '../services/inputs.js';
import { contactFields, contactOf, dealFields, defineForm, partnerFields, partnerInvitationOf, patterns, picked, type FieldDef } from './forms.js';

export interface DealFormContext {
  view: ReferralView;
  /** Recent contacts of the organization, offered by the team form. */
  recent: Contact[];
  /** What the button itself carried besides the inputs (the team member a form is about). */
  action: Record<string, unknown>;
}

/** The team member a form is about, as its button carried them. */
const memberEmail = (ctx: DealFormContext) => (typeof ctx.action.memberEmail === 'string' ? ctx.action.memberEmail : '');

const { name: dealName, dealValue, currency, closingDateTime: closeDate, externalReferenceId: crmId, campaignId, notes, solutionIds } = dealFields;
const reason = (choices: 'declineReasons' | 'lostReasons') => ({ id: 'reason', label: 'Reason', kind: 'choice', choices, required: true, placeholder: 'Pick a reason', errorMessage: 'Pick a reason from the list.' }) as const;

export const dealForms = {
  accept: defineForm({
    title: 'Accept this referral',
    fields: [
      dealName,
      dealValue,
      currency,
      closeDate,
      notes('Notes (optional, only your organization reads them)'),
      crmId,
      campaignId,
      ...contactFields({ firstName: 'firstName', lastName: 'lastName', phone: 'phoneNumber', email: 'email' }, 'team.*', {
        hint: 'Add someone from your company to the team (optional when the team has people)',
        alsoErrors: ['team'],
      }),
    ],
    submit: { title: 'Accept', style: 'positive' },
    toInput: (v): AcceptInput => {
      const member = contactOf(v.firstName, v.lastName, v.phoneNumber, v.email);
      const { name, dealValue, currency, closingDateTime, notes, externalReferenceId, campaignId } = v;
      return { name, dealValue, currency, closingDateTime, notes, externalReferenceId, campaignId, team: member ? [member] : [] };
    },
  }),
  decline: defineForm({
    title: 'Decline this referral',
    fields: [reason('declineReasons'), notes('Notes (optional, only your organization reads them)')],
    submit: { title: 'Decline', style: 'destructive' },
    toInput: (v): DeclineInput => ({ reason: v.reason, notes: v.notes }),
  }),
  edit: defineForm({
    title: 'Edit the deal',
    fields: [dealName, dealValue, currency, closeDate, dealFields.salesStage, dealFields.customerMarketplaceIntent, crmId, campaignId, dealFields.shareWithMicrosoftSellers, notes('Add a note (optional, only your organization reads it)')],
    submit: { title: 'Save', style: 'positive' },
    toInput: (v): EditInput => ({ ...v }),
  }),
  addTeam: defineForm({
    title: 'Add team members',
    fields: [
      { id: 'recent', label: 'People from your recent deals', kind: 'multi', choices: 'recent', skipWhenEmpty: true },
      ...contactFields({ firstName: 'firstName', lastName: 'lastName', phone: 'phoneNumber', email: 'email' }, 'members.*', { hint: 'Someone new', alsoErrors: ['members'] }),
    ],
    submit: { title: 'Add to team', style: 'positive' },
    toInput: (v, ctx: DealFormContext): z.input<typeof TeamInput> => {
      const chosen = picked(v.recent);
      const member = contactOf(v.firstName, v.lastName, v.phoneNumber, v.email);
      return { members: [...ctx.recent.filter((c) => chosen.has(c.email)), ...(member ? [member] : [])] };
    },
  }),
  solutions: defineForm({
    title: 'Solutions on this deal',
    fields: [solutionIds],
    submit: { title: 'Save solutions', style: 'positive' },
    toInput: (v): z.input<typeof SolutionsInput> => ({ solutionIds: v.solutionIds }),
  }),
  addNote: defineForm({
    title: 'Add a note',
    fields: [
      { id: 'text', label: 'Note (every organization on the deal reads it)', kind: 'multiline', required: true, maxLength: 4000, errorMessage: 'Write the note first.' },
      { id: 'internal', label: 'Who reads it', kind: 'toggle', title: 'Only my organization: an internal note' },
    ],
    submit: { title: 'Add note', style: 'positive' },
    toInput: (v): z.input<typeof NoteInput> => ({ text: v.text, internal: v.internal === 'true' }),
  }),
  editMember: defineForm({
    title: 'Change a team member',
    fields: contactFields({ firstName: 'firstName', lastName: 'lastName', phone: 'phoneNumber', email: 'email' }, 'member', { required: true }),
    submit: { title: 'Save member', style: 'positive' },
    toInput: (v, ctx: DealFormContext): z.input<typeof TeamMemberInput> => ({ email: memberEmail(ctx), member: { firstName: v.firstName, lastName: v.lastName, phoneNumber: v.phoneNumber, email: v.email } }),
  }),
  removeMember: defineForm({
    title: 'Remove a team member',
    fields: [],
    submit: { title: 'Remove', style: 'destructive' },
    toInput: (_v, ctx: DealFormContext): z.input<typeof RemoveMemberInput> => ({ email: memberEmail(ctx) }),
  }),
  assign: defineForm({
    title: 'Hand this referral to someone',
    fields: [{ id: 'userId', label: 'Who takes it (they are alerted, and may then act on it)', kind: 'choice', choices: 'people', required: true, placeholder: 'Pick a person', errorMessage: 'Pick who takes this referral.' }],
    submit: { title: 'Assign', style: 'positive' },
    toInput: (v): z.input<typeof AssignInput> => ({ userId: v.userId }),
  }),
  invite: defineForm({
    title: 'Invite to this deal',
    fields: [
      { id: 'inviteMicrosoft', label: 'Microsoft', kind: 'toggle', title: 'Ask Microsoft for help (Microsoft has 14 days to answer)', group: 'microsoft', hint: 'Microsoft' },
      { id: 'helpType', label: 'Help you need from Microsoft', kind: 'choice', choices: 'helpTypes', group: 'microsoft', errors: ['microsoft.helpType'] },
      { id: 'microsoftNotes', label: 'Notes for Microsoft', kind: 'multiline', maxLength: 4000, group: 'microsoft', errors: ['microsoft.notes'] },
      ...contactFields({ firstName: 'contactFirstName', lastName: 'contactLastName', phone: 'contactPhone', email: 'contactEmail' }, 'microsoft.customerContact', {
        hint: 'The customer’s contact (required for Microsoft’s help)',
        group: 'contact',
      }),
      { id: 'consentToShare', label: 'Consent', kind: 'toggle', title: 'The customer agreed to share their contact with Microsoft', group: 'microsoft', errors: ['microsoft.consentToShare'] },
      // The people working with the partner are picked by their place on the team: the card's version pins the team.
      ...partnerFields.map((f) => ({ ...f, group: 'partner' })),
    ],
    submit: { title: 'Send invitation', style: 'positive' },
    toInput: (v, { view }: DealFormContext): InviteInput => {
      const people = picked(v.partnerTeam);
      return {
        microsoft:
          view.invitations.microsoft.allowed && v.inviteMicrosoft === 'true'
            ? {
                helpType: v.helpType,
                notes: v.microsoftNotes,
                customerContact: contactOf(v.contactFirstName, v.contactLastName, v.contactPhone, v.contactEmail),
                consentToShare: v.consentToShare === 'true',
              }
            : undefined,
        partners:
          view.invitations.partners.allowed && v.partnerOrgId !== ''
            ? [partnerInvitationOf(v, view.referral.team.filter((_, i) => people.has(String(i))))]
            : [],
      };
    },
  }),
  won: defineForm({
    title: 'Mark the deal Won',
    fields: [notes('Notes (optional, only your organization reads them)')],
    submit: { title: 'Mark won', style: 'positive' },
    toInput: (v): WonInput => ({ notes: v.notes }),
  }),
  register: defineForm({
    title: 'Register the win with Partner Center',
    fields: [
      { id: 'contractValue', label: 'Contract value', kind: 'text', required: true, half: true, regex: patterns.amount, errorMessage: 'Enter the value as a number, such as 50000.' },
      { id: 'regCurrency', label: 'Currency', kind: 'choice', choices: 'currencies', required: true, half: true, errors: ['currency'] },
      { id: 'signDate', label: 'Signed on', kind: 'date', required: true, half: true, errorMessage: 'Pick the date the contract was signed.' },
      { id: 'termMonths', label: 'Term (months)', kind: 'text', required: true, half: true, regex: '^\\d{1,3}$', errorMessage: 'Give the term in months, such as 12.' },
      { id: 'startDate', label: 'Contract starts', kind: 'date', required: true, half: true, errorMessage: 'Pick the contract’s start date.' },
      { id: 'endDate', label: 'Contract ends', kind: 'date', required: true, half: true, errorMessage: 'Pick the contract’s end date.' },
      { id: 'azureSolutionIds', label: 'Deployed on Azure', kind: 'multi', choices: 'registrable' },
      { id: 'marketplaceSolutionIds', label: 'Transacted through the commercial marketplace', kind: 'multi', choices: 'registrable' },
    ],
    submit: { title: 'Register', style: 'positive' },
    toInput: (v): RegisterInput => ({
      contractValue: v.contractValue,
      currency: v.regCurrency,
      signDate: v.signDate,
      termMonths: v.termMonths,
      startDate: v.startDate,
      endDate: v.endDate,
      azureSolutionIds: v.azureSolutionIds,
      marketplaceSolutionIds: v.marketplaceSolutionIds,
    }),
  }),
  registrationStatus: defineForm({
    title: 'Where the registration stands',
    fields: [
      { id: 'status', label: 'Status in Partner Center', kind: 'choice', choices: 'registrationStatuses', required: true, errorMessage: 'Pick a status from the list.' },
      { id: 'statusReason', label: 'What Partner Center said (optional)', kind: 'multiline', maxLength: 500 },
    ],
    submit: { title: 'Save status', style: 'positive' },
    toInput: (v): RegistrationStatusInput => ({ status: v.status, statusReason: v.statusReason }),
  }),
  lost: defineForm({
    title: 'Mark the deal Lost',
    fields: [reason('lostReasons'), notes('Notes (optional, only your organization reads them)')],
    submit: { title: 'Mark lost', style: 'destructive' },
    toInput: (v): LostInput => ({ reason: v.reason, notes: v.notes }),
  }),
} as const;

export type DealFormId = keyof typeof dealForms;
export const dealFormIds = Object.keys(dealForms) as DealFormId[];

/** Any deal form, for code that treats them alike (rendering, placing errors). */
export type AnyDealForm = { title: string; fields: readonly FieldDef[]; submit: { title: string; style?: 'positive' | 'destructive' } };
