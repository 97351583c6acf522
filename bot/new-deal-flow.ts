// The "new deal" sequence. The draft (every value typed so far and the partners added) travels
// in the card's action data, so the bot keeps no conversation state and any step can be re-shown.
import { z } from 'zod';
import { customerChoice, newDealCard, newDealSteps, type NewDealField, type NewDealStep } from '../cards/new-deal.js';
import { banner, type Banner, type Card } from '../cards/render.js';
import { day, helpTypeLabels, money } from '../cards/format.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError, parseInput } from '../services/errors.js';
import { CreateDealInput, PartnerInvitation } from '../services/inputs.js';
import { closeDateProblem } from '../services/referral-rules.js';
import type { LifecycleService, ReferralView } from '../services/lifecycle.js';
import type { Contact, Person } from '../services/model.js';
import { BadActionData } from './deal-actions.js';

const Values = z.record(z.string(), z.string());
const Draft = z.object({ values: Values, partners: z.array(Values).max(20) });
type Draft = z.infer<typeof Draft>;

const Step = z.object({
  draft: z.string().transform((text, ctx) => {
    try {
      return Draft.parse(JSON.parse(text));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'the draft is not readable' });
      return z.NEVER;
    }
  }),
  step: z.enum(newDealSteps),
  go: z.enum(['next', 'back', 'addPartner']),
});

const partnerFields = ['partnerOrgId', 'partnerDealValue', 'partnerCurrency', 'partnerClosingDateTime', 'partnerSolutionIds', 'partnerHelpType', 'partnerNotes'] as const;

/** The step each field of the create input is entered on. */
function stepOf(key: string): NewDealStep {
  const top = key.split('.')[0]!;
  if (top === 'customer') return 'customer';
  if (top === 'customerContact' || top === 'consentToShare') return 'contact';
  if (top === 'team') return 'team';
  if (top === 'solutionIds') return 'solutions';
  if (top === 'helpType') return 'help';
  if (top === 'partners') return 'partners';
  return 'details';
}

/** The card field a create-input error is shown next to. */
function fieldOf(key: string): NewDealField {
  const map: Record<string, NewDealField> = {
    'customer.name': 'newCustomerName',
    'customer.address.country': 'newCustomerCountry',
    'customer.address.city': 'newCustomerCity',
    'customer.duns': 'newCustomerDuns',
    'customerContact.firstName': 'contactFirstName',
    'customerContact.lastName': 'contactLastName',
    'customerContact.phoneNumber': 'contactPhone',
    'customerContact.email': 'contactEmail',
    customerContact: 'contactFirstName',
    consentToShare: 'consentToShare',
  };
  if (map[key]) return map[key];
  const parts = key.split('.');
  if (parts[0] === 'team') return 'team';
  if (parts[0] === 'partners') return `partner${parts.at(-1)!.charAt(0).toUpperCase()}${parts.at(-1)!.slice(1)}` as NewDealField;
  return parts[0] as NewDealField;
}

export interface NewDealResult {
  card: Card;
  created?: ReferralView;
}

export class NewDealFlow {
  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly directory: Directory,
    private readonly now: () => Date,
  ) {}

  /** The first step, empty. */
  start(caller: Caller, person: Person): Promise<Card> {
    const date = new Date(this.now().getTime() + 90 * 86_400_000).toISOString().slice(0, 10);
    return this.show(caller, person, 'customer', { values: { currency: 'USD', closingDateTime: date, helpType: 'None', partnerCurrency: 'USD', partnerHelpType: 'GeneralOrOther' }, partners: [] });
  }

  /** Next, Back or Add partner on a step: keep what was typed, check this step, move. */
  async step(caller: Caller, person: Person, data: Record<string, unknown>): Promise<Card> {
    const { draft, step, go } = parse(Step, data);
    const merged = merge(draft, data);
    const index = newDealSteps.indexOf(step);
    if (go === 'back') return this.show(caller, person, newDealSteps[Math.max(0, index - 1)]!, merged);
    if (go === 'addPartner') return this.addPartner(caller, person, merged);
    const errors = await this.errorsUpTo(caller, merged, step);
    if (Object.keys(errors).length > 0) return this.show(caller, person, step, merged, errors);
    return this.show(caller, person, newDealSteps[Math.min(newDealSteps.length - 1, index + 1)]!, merged);
  }

  /** Create deal on the review step. */
  async create(caller: Caller, person: Person, data: Record<string, unknown>): Promise<NewDealResult> {
    const draft = parse(Step.pick({ draft: true }), data).draft;
    try {
      const created = await this.lifecycle.createDeal(caller, await this.input(caller, draft));
      return { card: newDealCard({ ...(await this.cardData(caller, person, 'review', draft)), banner: banner('good', `Deal “${created.referral.name}” created.`) }), created };
    } catch (e) {
      if (!(e instanceof CoSellError) || e.code !== 'validation') throw e;
      const first = newDealSteps.find((s) => Object.keys(e.fields).some((k) => stepOf(k) === s)) ?? 'review';
      return { card: await this.show(caller, person, first, draft, e.fields) };
    }
  }

  private async addPartner(caller: Caller, person: Person, draft: Draft): Promise<Card> {
    const input = await this.input(caller, draft);
    const partner = Object.fromEntries(partnerFields.map((f) => [f, draft.values[f] ?? '']));
    const result = PartnerInvitation.safeParse(toPartner(partner, input.team));
    if (!result.success) {
      const errors = Object.fromEntries(result.error.issues.map((i) => [`partners.0.${i.path.join('.')}`, i.message]));
      return this.show(caller, person, 'partners', draft, errors);
    }
    const cleared = { ...draft.values, partnerOrgId: '', partnerDealValue: '', partnerNotes: '' };
    return this.show(caller, person, 'partners', { values: cleared, partners: [...draft.partners, partner] }, {}, banner('good', 'Partner added. Add another or review the deal.'));
  }

  /** The create input so far; checks stop at the given step (later steps are not filled yet). */
  private async errorsUpTo(caller: Caller, draft: Draft, step: NewDealStep): Promise<Record<string, string>> {
    const limit = newDealSteps.indexOf(step);
    let fields: Record<string, string> = {};
    try {
      parseInput(CreateDealInput, await this.input(caller, draft));
    } catch (e) {
      if (!(e instanceof CoSellError)) throw e;
      fields = { ...e.fields };
    }
    // The service's own rule, checked here too so the date is fixed on its own step.
    const date = draft.values.closingDateTime ?? '';
    const past = /^\d{4}-\d{2}-\d{2}$/.test(date) ? closeDateProblem(date, this.now()) : undefined;
    if (past) fields.closingDateTime ??= past;
    return Object.fromEntries(Object.entries(fields).filter(([k]) => newDealSteps.indexOf(stepOf(k)) <= limit));
  }

  private async input(caller: Caller, draft: Draft): Promise<CreateDealInput> {
    const v = draft.values;
    const get = (k: NewDealField) => v[k] ?? '';
    const known = get('customerId') && get('customerId') !== 'none' ? await this.directory.customer(get('customerId')) : undefined;
    const contact = (first: NewDealField, last: NewDealField, phone: NewDealField, email: NewDealField): Contact | undefined => {
      const c = { firstName: get(first), lastName: get(last), phoneNumber: get(phone), email: get(email) };
      return Object.values(c).some((x) => x !== '') ? c : undefined;
    };
    const recent = await this.recentByEmail(caller, v);
    const team = [...recent, contact('m0FirstName', 'm0LastName', 'm0Phone', 'm0Email'), contact('m1FirstName', 'm1LastName', 'm1Phone', 'm1Email')].filter(
      (m): m is Contact => m !== undefined,
    );
    return {
      customer: known
        ? { name: known.name, address: known.address, duns: known.duns }
        : { name: get('newCustomerName'), address: { city: get('newCustomerCity'), country: get('newCustomerCountry').toUpperCase() }, duns: get('newCustomerDuns') },
      customerContact: contact('contactFirstName', 'contactLastName', 'contactPhone', 'contactEmail'),
      consentToShare: get('consentToShare') === 'true',
      name: get('name'),
      dealValue: get('dealValue') as never,
      currency: get('currency'),
      closingDateTime: get('closingDateTime'),
      externalReferenceId: get('externalReferenceId'),
      campaignId: get('campaignId'),
      notes: get('notes'),
      team,
      solutionIds: get('solutionIds') as never,
      helpType: (get('helpType') || 'None') as never,
      partners: draft.partners.map((p) => toPartner(p, team)),
    };
  }

  /** The recent contacts the user ticked, looked up in their own organization's deals. */
  private async recentByEmail(caller: Caller, values: Record<string, string>): Promise<Contact[]> {
    const emails = (values.recent ?? '').split(',').filter(Boolean).map((e) => e.toLowerCase());
    if (emails.length === 0) return [];
    const recent = await this.lifecycle.recentContacts(caller, 50);
    return recent.filter((c) => emails.includes(c.email.toLowerCase()));
  }

  private async show(caller: Caller, person: Person, step: NewDealStep, draft: Draft, errors: Record<string, string> = {}, note?: Banner): Promise<Card> {
    const cardErrors: Partial<Record<NewDealField, string>> = {};
    for (const [key, message] of Object.entries(errors)) cardErrors[fieldOf(key)] ??= key.startsWith('team.') ? `Team member ${Number(key.split('.')[1]) + 1}: ${message}` : message;
    const placed = Object.keys(errors).length > 0 ? banner('attention', 'Please fix the fields marked below.') : undefined;
    return newDealCard({ ...(await this.cardData(caller, person, step, draft)), errors: cardErrors, banner: note ?? placed });
  }

  private async cardData(caller: Caller, person: Person, step: NewDealStep, draft: Draft) {
    const [customers, solutions, partners, recent] = await Promise.all([
      this.directory.searchCustomers('', 15),
      this.directory.attachableSolutions(person.orgId),
      this.directory.searchPartners('', person.orgId, 15),
      this.lifecycle.recentContacts(caller),
    ]);
    const names = new Map([...partners, ...(await Promise.all(draft.partners.map((p) => this.directory.organization(p.partnerOrgId ?? ''))))].filter((o) => o !== undefined).map((o) => [o.id, o.name]));
    const v = draft.values;
    const known = v.customerId ? customers.find((c) => c.id === v.customerId) ?? (await this.directory.customer(v.customerId)) : undefined;
    const summary =
      step === 'review'
        ? [
            { title: 'Customer', value: known ? customerChoice(known).title : `${v.newCustomerName ?? ''} · ${v.newCustomerCountry ?? ''}` },
            { title: 'Contact', value: v.contactEmail ? `${v.contactFirstName ?? ''} ${v.contactLastName ?? ''} · ${v.contactEmail}` : 'none' },
            { title: 'Deal', value: v.name ?? '' },
            { title: 'Value', value: Number(v.dealValue) > 0 ? money(Number(v.dealValue), v.currency || 'USD') : v.dealValue ?? '' },
            { title: 'Close date', value: v.closingDateTime ? day(v.closingDateTime) : '' },
            { title: 'Team', value: (await this.input(caller, draft)).team.map((m) => `${m.firstName} ${m.lastName}`.trim()).join(', ') },
            { title: 'Solutions', value: (v.solutionIds ?? '').split(',').filter(Boolean).map((id) => solutions.find((s) => s.id === id)?.name ?? id).join(', ') },
            { title: 'Microsoft help', value: helpTypeLabels[(v.helpType || 'None') as keyof typeof helpTypeLabels] ?? v.helpType ?? '' },
            { title: 'Partners', value: draft.partners.map((p) => names.get(p.partnerOrgId ?? '') ?? p.partnerOrgId).join(', ') || 'none' },
          ]
        : [];
    return {
      step,
      draft: JSON.stringify(draft),
      values: v as Partial<Record<NewDealField, unknown>>,
      customers: known && !customers.includes(known) ? [known, ...customers.slice(0, 14)] : customers,
      solutions,
      partners,
      recent,
      partnersAdded: draft.partners.map((p) => names.get(p.partnerOrgId ?? '') ?? p.partnerOrgId ?? ''),
      summary,
    };
  }
}

function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new BadActionData(`The new-deal card sent incomplete data: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}.`);
  return result.data;
}

/** The values typed on the card join the draft; the action's own keys are not values. */
function merge(draft: Draft, data: Record<string, unknown>): Draft {
  const typed = Object.fromEntries(
    Object.entries(data).filter(([k, v]) => !['draft', 'step', 'go'].includes(k) && typeof v === 'string').map(([k, v]) => [k, (v as string).trim()]),
  );
  return { values: { ...draft.values, ...typed }, partners: draft.partners };
}

function toPartner(p: Record<string, string>, team: CreateDealInput["team"]) {
  return {
    orgId: p.partnerOrgId === 'none' ? '' : p.partnerOrgId ?? '',
    dealValue: (p.partnerDealValue ?? '') as never,
    currency: p.partnerCurrency ?? '',
    closingDateTime: p.partnerClosingDateTime ?? '',
    notes: p.partnerNotes ?? '',
    team,
    solutionIds: (p.partnerSolutionIds ?? '') as never,
    helpType: (p.partnerHelpType || 'GeneralOrOther') as never,
  };
}
