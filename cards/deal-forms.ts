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
const reason = (choices: 'declineReasons' | 'lostReasons') => ({ id: 'reason', label: 'dealForm.reason', kind: 'choice', choices, required: true, placeholder: 'dealForm.reason.placeholder', errorMessage: 'input.pick.reason' }) as const;
const optionalNotes = notes('dealForm.notes');

export const dealForms = {
  accept: defineForm({
    title: 'dealForm.accept.title',
    fields: [
      dealName,
      dealValue,
      currency,
      closeDate,
      optionalNotes,
      crmId,
      campaignId,
      ...contactFields({ firstName: 'firstName', lastName: 'lastName', phone: 'phoneNumber', email: 'email' }, 'team.*', {
        hint: 'dealForm.accept.teamHint',
        alsoErrors: ['team'],
      }),
    ],
    submit: { title: 'deal.button.accept', style: 'positive' },
    toInput: (v): AcceptInput => {
      const member = contactOf(v.firstName, v.lastName, v.phoneNumber, v.email);
      const { name, dealValue, currency, closingDateTime, notes, externalReferenceId, campaignId } = v;
      return { name, dealValue, currency, closingDateTime, notes, externalReferenceId, campaignId, team: member ? [member] : [] };
    },
  }),
  decline: defineForm({
    title: 'dealForm.decline.title',
    fields: [reason('declineReasons'), optionalNotes],
    submit: { title: 'dealForm.decline.submit', style: 'destructive' },
    toInput: (v): DeclineInput => ({ reason: v.reason, notes: v.notes }),
  }),
  edit: defineForm({
    title: 'dealForm.edit.title',
    fields: [dealName, dealValue, currency, closeDate, dealFields.salesStage, dealFields.customerMarketplaceIntent, crmId, campaignId, dealFields.shareWithMicrosoftSellers, notes('dealForm.edit.note')],
    submit: { title: 'dealForm.edit.submit', style: 'positive' },
    toInput: (v): EditInput => ({ ...v }),
  }),
  addTeam: defineForm({
    title: 'dealForm.addTeam.title',
    fields: [
      { id: 'recent', label: 'dealForm.addTeam.recent', kind: 'multi', choices: 'recent', skipWhenEmpty: true },
      ...contactFields({ firstName: 'firstName', lastName: 'lastName', phone: 'phoneNumber', email: 'email' }, 'members.*', { hint: 'dealForm.addTeam.someoneNew', alsoErrors: ['members'] }),
    ],
    submit: { title: 'dealForm.addTeam.submit', style: 'positive' },
    toInput: (v, ctx: DealFormContext): z.input<typeof TeamInput> => {
      const chosen = picked(v.recent);
      const member = contactOf(v.firstName, v.lastName, v.phoneNumber, v.email);
      return { members: [...ctx.recent.filter((c) => chosen.has(c.email)), ...(member ? [member] : [])] };
    },
  }),
  solutions: defineForm({
    title: 'dealForm.solutions.title',
    fields: [solutionIds],
    submit: { title: 'dealForm.solutions.submit', style: 'positive' },
    toInput: (v): z.input<typeof SolutionsInput> => ({ solutionIds: v.solutionIds }),
  }),
  addNote: defineForm({
    title: 'dealForm.addNote.title',
    fields: [
      { id: 'text', label: 'dealForm.addNote.text', kind: 'multiline', required: true, maxLength: 4000, errorMessage: 'input.note.empty' },
      { id: 'internal', label: 'dealForm.addNote.internal', kind: 'toggle', title: 'dealForm.addNote.internal.title' },
    ],
    submit: { title: 'deal.button.addNote', style: 'positive' },
    toInput: (v): z.input<typeof NoteInput> => ({ text: v.text, internal: v.internal === 'true' }),
  }),
  editMember: defineForm({
    title: 'dealForm.editMember.title',
    fields: contactFields({ firstName: 'firstName', lastName: 'lastName', phone: 'phoneNumber', email: 'email' }, 'member', { required: true }),
    submit: { title: 'dealForm.editMember.submit', style: 'positive' },
    toInput: (v, ctx: DealFormContext): z.input<typeof TeamMemberInput> => ({ email: memberEmail(ctx), member: { firstName: v.firstName, lastName: v.lastName, phoneNumber: v.phoneNumber, email: v.email } }),
  }),
  removeMember: defineForm({
    title: 'dealForm.removeMember.title',
    fields: [],
    submit: { title: 'log.button.remove', style: 'destructive' },
    toInput: (_v, ctx: DealFormContext): z.input<typeof RemoveMemberInput> => ({ email: memberEmail(ctx) }),
  }),
  assign: defineForm({
    title: 'dealForm.assign.title',
    fields: [{ id: 'userId', label: 'dealForm.assign.who', kind: 'choice', choices: 'people', required: true, placeholder: 'dealForm.assign.who.placeholder', errorMessage: 'input.assignee' }],
    submit: { title: 'deal.button.assign', style: 'positive' },
    toInput: (v): z.input<typeof AssignInput> => ({ userId: v.userId }),
  }),
  invite: defineForm({
    title: 'dealForm.invite.title',
    fields: [
      { id: 'inviteMicrosoft', label: 'dealForm.invite.microsoft', kind: 'toggle', title: 'dealForm.invite.microsoft.title', group: 'microsoft', hint: 'dealForm.invite.microsoft' },
      { id: 'helpType', label: 'dealForm.invite.helpType', kind: 'choice', choices: 'helpTypes', group: 'microsoft', errors: ['microsoft.helpType'] },
      { id: 'microsoftNotes', label: 'dealForm.invite.microsoftNotes', kind: 'multiline', maxLength: 4000, group: 'microsoft', errors: ['microsoft.notes'] },
      ...contactFields({ firstName: 'contactFirstName', lastName: 'contactLastName', phone: 'contactPhone', email: 'contactEmail' }, 'microsoft.customerContact', {
        hint: 'dealForm.invite.contactHint',
        group: 'contact',
      }),
      { id: 'consentToShare', label: 'dealForm.invite.consent', kind: 'toggle', title: 'dealForm.invite.consent.title', group: 'microsoft', errors: ['microsoft.consentToShare'] },
      // The people working with the partner are picked by their place on the team: the card's version pins the team.
      ...partnerFields.map((f) => ({ ...f, group: 'partner' })),
    ],
    submit: { title: 'dealForm.invite.submit', style: 'positive' },
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
    title: 'dealForm.won.title',
    fields: [optionalNotes],
    submit: { title: 'deal.button.markWon', style: 'positive' },
    toInput: (v): WonInput => ({ notes: v.notes }),
  }),
  register: defineForm({
    title: 'dealForm.register.title',
    fields: [
      { id: 'contractValue', label: 'dealForm.register.value', kind: 'text', required: true, half: true, regex: patterns.amount, errorMessage: 'dealForm.register.value.error' },
      { id: 'regCurrency', label: 'form.currency', kind: 'choice', choices: 'currencies', required: true, half: true, errors: ['currency'] },
      { id: 'signDate', label: 'dealForm.register.signDate', kind: 'date', required: true, half: true, errorMessage: 'dealForm.register.signDate.error' },
      { id: 'termMonths', label: 'dealForm.register.term', kind: 'text', required: true, half: true, regex: '^\\d{1,3}$', errorMessage: 'input.term.number' },
      { id: 'startDate', label: 'dealForm.register.startDate', kind: 'date', required: true, half: true, errorMessage: 'dealForm.register.startDate.error' },
      { id: 'endDate', label: 'dealForm.register.endDate', kind: 'date', required: true, half: true, errorMessage: 'dealForm.register.endDate.error' },
      { id: 'azureSolutionIds', label: 'dealForm.register.azure', kind: 'multi', choices: 'registrable' },
      { id: 'marketplaceSolutionIds', label: 'dealForm.register.marketplace', kind: 'multi', choices: 'registrable' },
    ],
    submit: { title: 'dealForm.register.submit', style: 'positive' },
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
    title: 'dealForm.registrationStatus.title',
    fields: [
      { id: 'status', label: 'dealForm.registrationStatus.status', kind: 'choice', choices: 'registrationStatuses', required: true, errorMessage: 'input.pick.registrationStatus' },
      { id: 'statusReason', label: 'dealForm.registrationStatus.reason', kind: 'multiline', maxLength: 500 },
    ],
    submit: { title: 'dealForm.registrationStatus.submit', style: 'positive' },
    toInput: (v): RegistrationStatusInput => ({ status: v.status, statusReason: v.statusReason }),
  }),
  lost: defineForm({
    title: 'dealForm.lost.title',
    fields: [reason('lostReasons'), optionalNotes],
    submit: { title: 'deal.button.markLost', style: 'destructive' },
    toInput: (v): LostInput => ({ reason: v.reason, notes: v.notes }),
  }),
} as const;

export type DealFormId = keyof typeof dealForms;
export const dealFormIds = Object.keys(dealForms) as DealFormId[];

/** Any deal form, for code that treats them alike (rendering, placing errors). */
export type AnyDealForm = { title: string; fields: readonly FieldDef[]; submit: { title: string; style?: 'positive' | 'destructive' } };
