// The guided "new deal" sequence: one card per step, each step's fields defined once here. The
// draft (every value typed so far and the partners added) is kept by the bot; cards carry its id.
import type { CreateDealInput, PartnerInvitation } from '../services/inputs.js';
import { t } from '../services/i18n.js';
import type { Contact, Customer } from '../services/model.js';
import template from './new-deal.json' with { type: 'json' };
import { claims, contactFields, contactOf, dealFields, inputsOf, partnerFields, partnerInvitationOf, patterns, picked, type Choices, type FieldDef } from './forms.js';
import { clip, compile, execute, fitted, noBanner, type Banner, type Card, type Element } from './render.js';

// Step titles are getters: each read is worded in the current reader's language.
export const newDealSteps = {
  deal: {
    get title() {
      return t('newDeal.step.deal');
    },
    fields: [
      { id: 'customerId', label: 'newDeal.field.customer', kind: 'typeahead', dataset: 'customers', choices: 'customers', placeholder: 'newDeal.field.customer.placeholder' },
      { id: 'customerSearch', label: 'newDeal.field.customerSearch', kind: 'text', maxLength: 200, placeholder: 'newDeal.field.customerSearch.placeholder' },
      { id: 'newCustomerName', label: 'newDeal.field.newCustomerName', kind: 'text', maxLength: 200, hint: 'newDeal.hint.newCustomer', errors: ['customer.name', 'customer'] },
      { id: 'newCustomerAddressLine1', label: 'newDeal.field.addressLine1', kind: 'text', maxLength: 200, half: true, errors: ['customer.address.addressLine1'] },
      { id: 'newCustomerAddressLine2', label: 'newDeal.field.addressLine2', kind: 'text', maxLength: 200, half: true, errors: ['customer.address.addressLine2'] },
      { id: 'newCustomerCity', label: 'newDeal.field.city', kind: 'text', maxLength: 100, half: true, errors: ['customer.address.city'] },
      { id: 'newCustomerPostalCode', label: 'newDeal.field.postalCode', kind: 'text', maxLength: 20, half: true, errors: ['customer.address.postalCode'] },
      { id: 'newCustomerState', label: 'newDeal.field.state', kind: 'text', maxLength: 100, half: true, errors: ['customer.address.state'] },
      { id: 'newCustomerCountry', label: 'newDeal.field.country', kind: 'text', maxLength: 2, half: true, regex: '^[A-Za-z]{2}$', errorMessage: 'input.countryCode', errors: ['customer.address.country', 'customer.address'] },
      { id: 'newCustomerDuns', label: 'newDeal.field.duns', kind: 'text', maxLength: 9, half: true, regex: patterns.duns, errorMessage: 'input.duns', errors: ['customer.duns'] },
      { id: 'customerSize', label: 'newDeal.field.customerSize', kind: 'choice', choices: 'customerSizes', half: true, placeholder: 'newDeal.field.customerSize.placeholder' },
      { ...dealFields.name, hint: 'newDeal.hint.deal' },
      dealFields.dealValue,
      dealFields.currency,
      dealFields.closingDateTime,
      dealFields.salesStage,
      dealFields.customerMarketplaceIntent,
      dealFields.externalReferenceId,
      dealFields.campaignId,
      dealFields.notes('newDeal.field.notes'),
    ],
  },
  team: {
    get title() {
      return t('newDeal.step.team');
    },
    fields: [
      { id: 'recent', label: 'dealForm.addTeam.recent', kind: 'multi', choices: 'recent', skipWhenEmpty: true },
      ...contactFields({ firstName: 'm0FirstName', lastName: 'm0LastName', phone: 'm0Phone', email: 'm0Email' }, 'team.0', { hint: 'newDeal.hint.member', alsoErrors: ['team'] }),
      ...contactFields({ firstName: 'm1FirstName', lastName: 'm1LastName', phone: 'm1Phone', email: 'm1Email' }, 'team.1', { hint: 'newDeal.hint.anotherMember' }),
      { ...dealFields.solutionIds, hint: 'newDeal.hint.solutions' },
    ],
  },
  help: {
    get title() {
      return t('newDeal.step.help');
    },
    fields: [
      { id: 'helpType', label: 'newDeal.field.helpType', kind: 'choice', choices: 'dealHelpTypes' },
      ...contactFields({ firstName: 'contactFirstName', lastName: 'contactLastName', phone: 'contactPhone', email: 'contactEmail' }, 'customerContact', {
        hint: 'newDeal.hint.contact',
      }),
      { id: 'consentToShare', label: 'newDeal.field.consent', kind: 'toggle', title: 'newDeal.field.consent.title' },
      dealFields.shareWithMicrosoftSellers,
    ],
  },
  partners: {
    get title() {
      return t('newDeal.step.partners');
    },
    fields: partnerFields,
  },
  review: {
    get title() {
      return t('newDeal.step.review');
    },
    fields: [],
  },
} as const satisfies Record<string, { title: string; fields: readonly FieldDef[] }>;

export type NewDealStep = keyof typeof newDealSteps;
export const stepOrder = Object.keys(newDealSteps) as NewDealStep[];
type StepFields = (typeof newDealSteps)[NewDealStep]['fields'][number];
export type NewDealField = StepFields['id'];
export type DraftValues = Partial<Record<NewDealField, string>>;
export const partnerFieldIds = partnerFields.map((f) => f.id);

/** The step whose field shows a service error; undefined when no field claims it. */
export function stepOfError(key: string): NewDealStep | undefined {
  return stepOrder.find((step) => newDealSteps[step].fields.some((f: FieldDef) => claims(f, key)));
}

/** The deal's team: the members typed on the team step first, then the recent contacts ticked. */
export function teamOf(v: DraftValues, recent: Contact[]): Contact[] {
  const g = (k: NewDealField) => v[k] ?? '';
  const chosen = picked(v.recent);
  const typed = [contactOf(g('m0FirstName'), g('m0LastName'), g('m0Phone'), g('m0Email')), contactOf(g('m1FirstName'), g('m1LastName'), g('m1Phone'), g('m1Email'))];
  return [...typed.filter((m) => m !== undefined), ...recent.filter((c) => chosen.has(c.email))];
}

/** One partner invitation of the draft; the people working with the partner are picked by email. */
export function partnerInput(p: DraftValues, team: Contact[]): PartnerInvitation {
  const chosen = picked(p.partnerTeam);
  return partnerInvitationOf(p, team.filter((m) => chosen.has(m.email)));
}

/** The create input from the draft: the one mapping of the new-deal fields to the service's input. */
export function draftInput(v: DraftValues, partners: DraftValues[], ctx: { customer?: Customer; recent: Contact[] }): CreateDealInput & { team: Contact[]; partners: PartnerInvitation[] } {
  const g = (k: NewDealField) => v[k] ?? '';
  const team = teamOf(v, ctx.recent);
  const known = ctx.customer;
  return {
    customer: known
      ? { name: known.name, address: known.address, duns: known.duns }
      : {
          name: g('newCustomerName'),
          address: { addressLine1: g('newCustomerAddressLine1'), addressLine2: g('newCustomerAddressLine2'), city: g('newCustomerCity'), state: g('newCustomerState'), postalCode: g('newCustomerPostalCode'), country: g('newCustomerCountry').toUpperCase() },
          duns: g('newCustomerDuns'),
        },
    customerSize: g('customerSize'),
    salesStage: g('salesStage'),
    customerMarketplaceIntent: g('customerMarketplaceIntent'),
    shareWithMicrosoftSellers: g('shareWithMicrosoftSellers') === 'true',
    customerContact: contactOf(g('contactFirstName'), g('contactLastName'), g('contactPhone'), g('contactEmail')),
    consentToShare: g('consentToShare') === 'true',
    name: g('name'),
    dealValue: g('dealValue'),
    currency: g('currency'),
    closingDateTime: g('closingDateTime'),
    externalReferenceId: g('externalReferenceId'),
    campaignId: g('campaignId'),
    notes: g('notes'),
    team,
    solutionIds: g('solutionIds'),
    helpType: g('helpType') || 'None',
    partners: partners.map((p) => partnerInput(p, team)),
  };
}

export interface NewDealCardData {
  step: NewDealStep;
  draftId: string;
  values: DraftValues;
  errors?: Partial<Record<string, string>>;
  banner?: Banner;
  choices: Choices;
  /** Review lines (and, on the partners step, the partners added so far). */
  summary: { title: string; value: string }[];
  /** The seller is inviting partners: the partners step counts among the steps. */
  withPartners?: boolean;
}

const render = compile<object>(template);

/** "Step 3 of 4": the partners step counts only for a seller who invites partners. */
function progress(step: NewDealStep, withPartners: boolean): string {
  const steps = stepOrder.filter((s) => s !== 'partners' || withPartners || step === 'partners');
  return t('newDeal.progress', { step: steps.indexOf(step) + 1, steps: steps.length });
}

export function newDealCard(d: NewDealCardData): Card {
  const go = (to: string) => ({ draftId: d.draftId, step: d.step, go: to });
  // Back sends what was typed too, so nothing is lost; the bot checks a step when the seller goes on.
  const back = execute(t('newDeal.button.back'), 'newDeal', go('back'));
  const next = (title: string, to = 'next') => execute(title, 'newDeal', go(to), { style: 'positive' });
  const buttons: Record<NewDealStep, Element[]> = {
    deal: [execute(t('newDeal.button.cancel'), 'help', {}, { inputs: 'none' }), next(t('newDeal.button.next'))],
    team: [back, next(t('newDeal.button.next'))],
    help: [back, execute(t('newDeal.button.invitePartners'), 'newDeal', go('partners')), next(t('newDeal.button.review'))],
    partners: [back, execute(t('newDeal.button.addPartner'), 'newDeal', go('addPartner')), next(t('newDeal.button.review'))],
    review: [back, execute(t('newDeal.button.create'), 'createDeal', { draftId: d.draftId }, { style: 'positive' })],
  };
  const after = { customerSearch: [{ type: 'ActionSet', actions: [execute(t('newDeal.button.search'), 'newDeal', go('search'))] }] };
  // Long pickers shrink (shorter choice titles) until the card fits Teams.
  return fitted([undefined, 60, 30], (titleChars) =>
    render({
      stepTitle: newDealSteps[d.step].title,
      progress: progress(d.step, d.withPartners ?? false),
      banner: d.banner ?? noBanner,
      summary: d.summary.map((line) => ({ ...line, value: titleChars ? clip(line.value, titleChars * 4) : line.value })),
      stepItems: inputsOf(newDealSteps[d.step].fields, { values: d.values, errors: d.errors ?? {}, choices: d.choices, titleChars, clientChecks: false, after }),
      buttons: buttons[d.step],
    }),
  );
}
