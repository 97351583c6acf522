// The "new deal" sequence. The draft (every value typed so far and the partners added) is kept in
// the store under an id the cards carry, so any step can be shown again and Create is used up once.
import { z } from 'zod';
import { addressLine, choicesOf, currencies, customerChoice, day, helpLabel, intentLabel, money, partnerSolutionChoices, personChoice, pipelineChoices, salesStageLabel, sizeLabel, solutionChoices } from '../cards/format.js';
import { placeErrors, submitted, type Choices } from '../cards/forms.js';
import { draftInput, newDealCard, newDealSteps, partnerFieldIds, partnerInput, stepOfError, stepOrder, teamOf, type DraftValues, type NewDealStep } from '../cards/new-deal.js';
import { banner, type Banner, type Card } from '../cards/render.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import { amountText, parseAmount, t, zmsg } from '../services/i18n.js';
import type { LifecycleService, ReferralView } from '../services/lifecycle.js';
import { MAX_PARTNERS } from '../services/inputs.js';
import { customerSizes, helpTypes, marketplaceIntents, salesStages, type Contact, type CustomerSize, type Draft, type MarketplaceIntent, type Person, type SalesStage } from '../services/model.js';
import { parseActionData } from './action-data.js';

const Step = z.object({
  draftId: z.string().min(1, zmsg('newDeal.error.draftMissing')),
  step: z.enum(stepOrder as [NewDealStep, ...NewDealStep[]]),
  go: z.enum(['next', 'back', 'partners', 'addPartner', 'search']),
});
const Create = Step.pick({ draftId: true });
/** Team members of recent deals offered on the team step (and looked up when the draft becomes a deal). */
const RECENT = 20;

/** What the next partner invitation starts from: empty, and the rest prefilled from the deal again on the partners step. */
const partnerStart = { partnerOrgId: '', partnerDealValue: '', partnerSolutionIds: '', partnerNotes: '', partnerHelpType: 'GeneralOrOther', partnerTeam: undefined, partnerCurrency: undefined, partnerClosingDateTime: undefined };

export interface NewDealResult {
  card?: Card;
  created?: ReferralView;
}

export class NewDealFlow {
  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly directory: Directory,
    private readonly now: () => Date,
  ) {}

  /** The first step, empty. */
  async start(caller: Caller, person: Person): Promise<Card> {
    const date = new Date(this.now().getTime() + 90 * 86_400_000).toISOString().slice(0, 10);
    const values = { currency: 'USD', closingDateTime: date, helpType: 'None', partnerHelpType: 'GeneralOrOther' };
    return this.show(caller, person, 'deal', await this.lifecycle.saveDraft(caller, { values, partners: [] }));
  }

  /** Next, Back, Search, Invite partners or Add partner on a step: keep what was typed, check every step so far, move. */
  async step(caller: Caller, person: Person, data: Record<string, unknown>): Promise<Card> {
    const { draftId, step, go } = parseActionData(Step, data);
    const draft = await this.lifecycle.draft(caller, draftId);
    let values: DraftValues = { ...draft.values, ...submitted(newDealSteps[step].fields, data) };
    let partners = draft.partners;
    if (go === 'back') return this.show(caller, person, previous(step, partners), await this.save(caller, draft, values, partners));
    // A partner filled in but not added is added on the way to the review, never dropped.
    const pending = step === 'partners' && (go === 'addPartner' || (go === 'next' && (values.partnerOrgId ?? '') !== ''));
    if (pending) {
      if (partners.length >= MAX_PARTNERS) {
        return this.show(caller, person, 'partners', await this.save(caller, draft, values, partners), {}, banner('attention', t('newDeal.banner.maxPartners', { max: MAX_PARTNERS })));
      }
      const problems = await this.partnerProblems(caller, values, partners);
      if (Object.keys(problems).length > 0) return this.show(caller, person, 'partners', await this.save(caller, draft, values, partners), problems);
      partners = [...partners, Object.fromEntries(partnerFieldIds.map((id) => [id, values[id] ?? '']))];
      values = { ...values, ...partnerStart };
    }
    const saved = await this.save(caller, draft, values, partners);
    if (go === 'search') return this.show(caller, person, step, saved);
    if (go === 'addPartner') return this.show(caller, person, 'partners', saved, {}, banner('good', t('newDeal.banner.partnerAdded')));

    const index = stepOrder.indexOf(step);
    const errors = await this.problems(caller, saved);
    const first = stepOrder.find((s) => stepOrder.indexOf(s) <= index && Object.keys(errors).some((k) => stepOfError(k) === s));
    if (first) return this.show(caller, person, first, saved, onStep(errors, first));
    // Partners are optional: the help step goes on to the review unless the seller asked to invite some.
    const to = go === 'partners' ? 'partners' : step === 'help' ? 'review' : stepOrder[Math.min(stepOrder.length - 1, index + 1)]!;
    return this.show(caller, person, to, saved);
  }

  /** Create deal on the review step: the draft is used up with the deal, in one commit. */
  async create(caller: Caller, person: Person, data: Record<string, unknown>): Promise<NewDealResult> {
    const { draftId } = parseActionData(Create, data);
    const draft = await this.lifecycle.draft(caller, draftId);
    try {
      return { created: await this.lifecycle.createDeal(caller, await this.input(caller, draft.values, draft.partners), draftId) };
    } catch (e) {
      if (!(e instanceof CoSellError) || e.code !== 'validation') throw e;
      const first = stepOrder.find((s) => Object.keys(e.fields).some((k) => stepOfError(k) === s)) ?? 'review';
      return { card: await this.show(caller, person, first, draft, onStep(e.fields, first)) };
    }
  }

  private save(caller: Caller, draft: Draft, values: DraftValues, partners: DraftValues[]): Promise<Draft> {
    return this.lifecycle.saveDraft(caller, { id: draft.id, values: clean(values), partners: partners.map(clean) });
  }

  private async input(caller: Caller, values: DraftValues, partners: DraftValues[]) {
    const known = values.customerId ? await this.directory.customer(caller.tenantId, values.customerId) : undefined;
    return draftInput(values, partners, { customer: known, recent: await this.lifecycle.recentContacts(caller, RECENT) });
  }

  /** Everything wrong with the deal so far: the lifecycle's own checks, asked before anything is created. */
  private async problems(caller: Caller, draft: Draft): Promise<Record<string, string>> {
    return this.lifecycle.dealProblems(caller, await this.input(caller, draft.values, draft.partners));
  }

  /** The partner being added, checked as the lifecycle will check it: its problems keyed for its fields. */
  private async partnerProblems(caller: Caller, values: DraftValues, partners: DraftValues[]): Promise<Record<string, string>> {
    const input = await this.input(caller, values, partners);
    const pending = { ...input, partners: [...input.partners, partnerInput(values, input.team)] };
    const at = `partners.${partners.length}.`;
    const all = await this.lifecycle.dealProblems(caller, pending);
    return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(at)));
  }

  private async show(caller: Caller, person: Person, step: NewDealStep, draft: Draft, errors: Record<string, string> = {}, note?: Banner): Promise<Card> {
    const values: DraftValues = { ...draft.values };
    const recent = await this.lifecycle.recentContacts(caller, RECENT);
    const team = teamOf(values, recent);
    if (step === 'partners') {
      // The seed: the partner's close date is prefilled from the deal's, and everyone on the team works with them.
      values.partnerClosingDateTime ??= values.closingDateTime ?? '';
      values.partnerCurrency ??= values.currency ?? '';
      values.partnerTeam ??= team.map((m) => m.email).join(',');
    }
    // Problems of partners already added are told by partner; the partner fields are for the one being added.
    const added = Object.entries(errors).filter(([k]) => /^partners\.\d+\./.test(k) && Number(k.split('.')[1]) < draft.partners.length);
    const { byField, unplaced } = placeErrors(newDealSteps[step].fields, Object.fromEntries(Object.entries(errors).filter((e) => !added.includes(e))));
    unplaced.push(...added.map(([k, m]) => t('newDeal.banner.partnerProblem', { number: Number(k.split('.')[1]) + 1, problem: m })));
    const problems = Object.keys(errors).length > 0 ? banner('attention', unplaced.length > 0 ? unplaced.join(' ') : t('form.fixFields')) : undefined;
    return newDealCard({
      step,
      draftId: draft.id,
      values,
      errors: byField,
      banner: note ?? problems,
      choices: await this.choices(person, values, recent, team),
      summary: await this.summary(caller.tenantId, step, values, draft.partners, team),
      withPartners: draft.partners.length > 0 || (values.partnerOrgId ?? '') !== '',
    });
  }

  private async choices(person: Person, values: DraftValues, recent: Contact[], team: Contact[]): Promise<Choices> {
    const { directory } = this;
    const [customers, attachable, organizations, partners] = await Promise.all([
      directory.searchCustomers(person.orgId, values.customerSearch ?? '', 15),
      directory.attachableSolutions(person.orgId),
      directory.organizations(),
      directory.searchPartners('', person.orgId, 15),
    ]);
    const known = values.customerId ? await directory.customer(person.orgId, values.customerId) : undefined;
    const chosenPartner = organizations.find((o) => o.id === values.partnerOrgId);
    return {
      customers: [...(known && !customers.some((c) => c.id === known.id) ? [known] : []), ...customers].map(customerChoice),
      currencies: currenciesChoices,
      ...pipelineChoices(),
      solutions: solutionChoices(attachable, organizations, person.orgId),
      dealHelpTypes: choicesOf(helpTypes, helpLabel),
      helpTypes: choicesOf(helpTypes.filter((h) => h !== 'None'), helpLabel),
      // The partner picked stays offered by name, wherever the typeahead's first page ends.
      partners: [...(chosenPartner && !partners.some((p) => p.id === chosenPartner.id) ? [chosenPartner] : []), ...partners].map((p) => ({ title: p.name, value: p.id })),
      partnerSolutions: partnerSolutionChoices(attachable, organizations, person.orgId, values.partnerOrgId),
      recent: recent.map((m) => personChoice(m, m.email)),
      team: team.map((m) => personChoice(m, m.email)),
    };
  }

  private async summary(orgId: string, step: NewDealStep, v: DraftValues, partners: DraftValues[], team: Contact[]): Promise<{ title: string; value: string }[]> {
    const names = await Promise.all(partners.map(async (p) => (await this.directory.organization(p.partnerOrgId ?? ''))?.name ?? p.partnerOrgId ?? ''));
    const partnerLine = { title: t('newDeal.fact.partners'), value: names.join(', ') || t('newDeal.fact.noneYet') };
    if (step === 'partners') return [partnerLine];
    if (step !== 'review') return [];
    const known = v.customerId ? await this.directory.customer(orgId, v.customerId) : undefined;
    const solutions = await Promise.all((v.solutionIds ?? '').split(',').filter(Boolean).map(async (id) => (await this.directory.solution(id))?.name ?? id));
    const value = parseAmount(v.dealValue ?? '');
    return [
      {
        title: t('newDeal.fact.customer'),
        value: known
          ? customerChoice(known).title
          : [v.newCustomerName, addressLine({ addressLine1: v.newCustomerAddressLine1 ?? '', addressLine2: v.newCustomerAddressLine2 ?? '', city: v.newCustomerCity ?? '', state: v.newCustomerState ?? '', postalCode: v.newCustomerPostalCode ?? '', country: v.newCustomerCountry?.toUpperCase() ?? '' })].filter(Boolean).join(' · '),
      },
      ...(v.customerSize && (customerSizes as readonly string[]).includes(v.customerSize) ? [{ title: t('newDeal.fact.customerSize'), value: sizeLabel(v.customerSize as CustomerSize) }] : []),
      { title: t('newDeal.fact.salesStage'), value: (salesStages as readonly string[]).includes(v.salesStage || 'Qualify') ? salesStageLabel((v.salesStage || 'Qualify') as SalesStage) : v.salesStage ?? '' },
      { title: t('newDeal.fact.marketplace'), value: (marketplaceIntents as readonly string[]).includes(v.customerMarketplaceIntent || 'HaveNotDecided') ? intentLabel((v.customerMarketplaceIntent || 'HaveNotDecided') as MarketplaceIntent) : v.customerMarketplaceIntent ?? '' },
      { title: t('newDeal.fact.contact'), value: v.contactEmail ? `${v.contactFirstName ?? ''} ${v.contactLastName ?? ''} · ${v.contactEmail}` : t('newDeal.fact.none') },
      { title: t('newDeal.fact.deal'), value: v.name ?? '' },
      { title: t('newDeal.fact.value'), value: value > 0 ? money(value, v.currency || 'USD') : v.dealValue ?? '' },
      { title: t('newDeal.fact.closeDate'), value: v.closingDateTime ? day(v.closingDateTime) : '' },
      ...(v.externalReferenceId ? [{ title: t('newDeal.fact.crmId'), value: v.externalReferenceId }] : []),
      ...(v.campaignId ? [{ title: t('newDeal.fact.campaignId'), value: v.campaignId }] : []),
      ...(v.notes ? [{ title: t('newDeal.fact.notes'), value: v.notes }] : []),
      { title: t('newDeal.fact.team'), value: team.map((m) => `${m.firstName} ${m.lastName}`.trim()).join(', ') },
      { title: t('newDeal.fact.solutions'), value: solutions.join(', ') },
      { title: t('newDeal.fact.microsoftHelp'), value: helpLabel(v.helpType || 'None') },
      ...(v.shareWithMicrosoftSellers === 'true' ? [{ title: t('newDeal.fact.microsoftSellers'), value: t('newDeal.fact.sharedWithSellers') }] : []),
      { ...partnerLine, value: names.join(', ') || t('newDeal.fact.none') },
    ];
  }
}

const currenciesChoices = currencies.map((c) => ({ title: c, value: c }));

/** Back from a step: the review goes back to the partners only when there are some. */
function previous(step: NewDealStep, partners: DraftValues[]): NewDealStep {
  if (step === 'review' && partners.length === 0) return 'help';
  return stepOrder[Math.max(0, stepOrder.indexOf(step) - 1)]!;
}

/** The errors a step shows: those its fields claim. */
function onStep(errors: Record<string, string>, step: NewDealStep): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).filter(([k]) => stepOfError(k) === step));
}

/** The draft's amounts: kept as typed, each is read in the language of whoever typed it. */
const AMOUNTS = new Set(['dealValue', 'partnerDealValue']);

/**
 * Drafts keep text only: values left undefined are dropped. An amount that reads as a number is
 * kept in a form both languages read back alike, so the deal is the same whoever creates it.
 */
function clean(values: DraftValues): Record<string, string> {
  const text = Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string');
  return Object.fromEntries(text.map(([k, v]) => [k, AMOUNTS.has(k) && Number.isFinite(parseAmount(v)) ? amountText(parseAmount(v)) : v]));
}
