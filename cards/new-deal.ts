// The guided "new deal" sequence: one card per step, the draft so far travelling in the
// actions' data, so any step can be shown again (with the user's values and errors).
import type { Contact, Customer, Organization, Solution } from '../services/model.js';
import { helpTypes } from '../services/model.js';
import template from './new-deal.json' with { type: 'json' };
import { coSellStatusLabels, currencies, helpTypeLabels } from './format.js';
import { expand, fields, noBanner, type Banner, type Card } from './render.js';

export const newDealSteps = ['customer', 'contact', 'details', 'team', 'solutions', 'help', 'partners', 'review'] as const;
export type NewDealStep = (typeof newDealSteps)[number];

const stepTitles: Record<NewDealStep, string> = {
  customer: 'Customer',
  contact: 'Customer contact',
  details: 'Deal details',
  team: 'Team',
  solutions: 'Solutions',
  help: 'Help from Microsoft',
  partners: 'Partner invitations',
  review: 'Review and create',
};

export const newDealFieldNames = [
  'customerId', 'newCustomerName', 'newCustomerCity', 'newCustomerCountry', 'newCustomerDuns',
  'contactFirstName', 'contactLastName', 'contactPhone', 'contactEmail', 'consentToShare',
  'name', 'dealValue', 'currency', 'closingDateTime', 'externalReferenceId', 'campaignId', 'notes',
  'recent', 'm0FirstName', 'm0LastName', 'm0Phone', 'm0Email', 'm1FirstName', 'm1LastName', 'm1Phone', 'm1Email', 'team',
  'solutionIds', 'helpType',
  'partnerOrgId', 'partnerDealValue', 'partnerCurrency', 'partnerClosingDateTime', 'partnerSolutionIds', 'partnerHelpType', 'partnerNotes',
] as const;
export type NewDealField = (typeof newDealFieldNames)[number];

export const customerChoice = (c: Customer) => ({
  title: `${c.name} · ${[c.address.city, c.address.country].filter(Boolean).join(', ')}${c.duns ? ` · D-U-N-S ${c.duns}` : ''}`,
  value: c.id,
});

export interface NewDealCardData {
  step: NewDealStep;
  /** The draft as JSON: carried by every action of the card. */
  draft: string;
  values: Partial<Record<NewDealField, unknown>>;
  errors?: Partial<Record<NewDealField, string>>;
  banner?: Banner;
  customers: Customer[];
  solutions: Solution[];
  partners: Organization[];
  recent: Contact[];
  partnersAdded: string[];
  summary: { title: string; value: string }[];
}

const helpChoices = (keys: readonly string[]) => keys.map((value) => ({ title: helpTypeLabels[value as keyof typeof helpTypeLabels], value }));
/** A choice set needs one static choice to be valid; typeahead replaces it as the user types. */
const orPlaceholder = (choices: { title: string; value: string }[], title: string) => (choices.length > 0 ? choices : [{ title, value: 'none' }]);

export function newDealCard(d: NewDealCardData): Card {
  const index = newDealSteps.indexOf(d.step);
  return expand(template, {
    step: d.step,
    stepTitle: stepTitles[d.step],
    progress: `Step ${index + 1} of ${newDealSteps.length}`,
    draft: d.draft,
    banner: d.banner ?? noBanner,
    f: fields(newDealFieldNames, d.values, d.errors ?? {}),
    partnersText: d.partnersAdded.length > 0 ? d.partnersAdded.join(', ') : 'nobody yet',
    summary: d.summary,
    choices: {
      customers: orPlaceholder(d.customers.map(customerChoice), 'Type to search customers'),
      currencies: currencies.map((v) => ({ title: v, value: v })),
      solutions: orPlaceholder(
        d.solutions.map((s) => ({ title: `${s.name} (${coSellStatusLabels[s.coSellStatus]})`, value: s.id })),
        'No co-sell ready solution in the directory',
      ),
      helpTypes: helpChoices(helpTypes),
      partnerHelpTypes: helpChoices(helpTypes.filter((h) => h !== 'None')),
      partners: orPlaceholder(d.partners.map((p) => ({ title: p.name, value: p.id })), 'Type to search partners'),
      recent: d.recent.map((m) => ({ title: `${m.firstName} ${m.lastName} · ${m.email}`.replace('  ', ' '), value: m.email })),
    },
  });
}
