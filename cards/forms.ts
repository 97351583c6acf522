// A form is defined once: its fields (label, input kind, choices, required or not, which service
// errors belong next to them) and how its submitted values become the service's input. The card's
// inputs, the reading of what Teams sends back and the placing of errors all come from that.
import { z } from 'zod';
import type { PartnerInvitation } from '../services/inputs.js';
import { t, type MessageKey } from '../services/i18n.js';
import type { Contact } from '../services/model.js';
import { clip, heading, plain, type Element } from './render.js';

export type FieldKind = 'text' | 'multiline' | 'email' | 'tel' | 'number' | 'date' | 'choice' | 'multi' | 'toggle' | 'typeahead';

/** Lists the card builders fill at render time. */
export type ChoiceSource =
  | 'currencies'
  | 'salesStages'
  | 'registrable'
  | 'registrationStatuses'
  | 'marketplaceIntents'
  | 'customerSizes'
  | 'declineReasons'
  | 'lostReasons'
  | 'helpTypes'
  | 'dealHelpTypes'
  | 'solutions'
  | 'partnerSolutions'
  | 'partners'
  | 'customers'
  | 'recent'
  | 'team'
  | 'people'
  | 'ownSolutions'
  | 'coSellStatuses'
  | 'weekdays'
  | 'hours';

export interface Choice {
  title: string;
  value: string;
}
export type Choices = Partial<Record<ChoiceSource, Choice[]>>;

/**
 * A field's texts are message keys, worded when the card is drawn: a form is defined once, at load,
 * and read in each reader's language.
 */
export interface FieldDef {
  id: string;
  label: MessageKey;
  kind: FieldKind;
  /** Teams checks it before sending (isRequired); the service checks it again. */
  required?: boolean;
  /** What Teams says when the value is missing or does not match `regex`. */
  errorMessage?: MessageKey;
  regex?: string;
  maxLength?: number;
  placeholder?: MessageKey;
  choices?: ChoiceSource;
  /** For typeahead: the dataset the bot answers in application/search. */
  dataset?: 'customers' | 'partners';
  /** A toggle's text. */
  title?: MessageKey;
  /** A line above the field, e.g. to open a section of the form. */
  hint?: MessageKey;
  /** Sits beside the next half field. */
  half?: boolean;
  /** Fields of a group are shown or left out together. */
  group?: string;
  /** A picker left out while it has nothing to offer (e.g. no recent contacts yet). */
  skipWhenEmpty?: boolean;
  /** Service error keys shown next to this field (a key ending in "." takes every key under it); default: the id. */
  errors?: readonly string[];
}

export type FieldIds<F extends readonly FieldDef[]> = F[number]['id'];
export type Values<F extends readonly FieldDef[]> = Record<FieldIds<F>, string>;

/** Placeholder value of a choice set that has nothing to offer yet (a choice set needs one choice). */
export const NO_CHOICE = 'none';

/**
 * Reads what a form submitted. Teams leaves emptied inputs out of the data, so every field the form
 * showed and the data lacks is empty: an emptied optional field is cleared, never kept.
 */
export function submitted<const F extends readonly FieldDef[]>(fields: F, data: Record<string, unknown>): Values<F> {
  return schemaOf(fields).parse(data) as Values<F>;
}

const FieldValue = z.unknown().optional().transform((v) => {
  const text = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v).trim() : '';
  return text === NO_CHOICE ? '' : text;
});
const schemas = new WeakMap<readonly FieldDef[], z.ZodType<Record<string, string>>>();
/** The zod schema of what a form submits: one text per field, derived once per form. */
function schemaOf(fields: readonly FieldDef[]): z.ZodType<Record<string, string>> {
  let schema = schemas.get(fields);
  if (!schema) {
    schema = z.object(Object.fromEntries(fields.map((f) => [f.id, FieldValue])));
    schemas.set(fields, schema);
  }
  return schema;
}

/** Service errors (keyed by input path) placed on the form's fields; the ones no field claims stay for the banner. */
export function placeErrors<const F extends readonly FieldDef[]>(fields: F, errors: Record<string, string>): { byField: Partial<Values<F>>; unplaced: string[] } {
  const byField: Partial<Record<string, string>> = {};
  const unplaced: string[] = [];
  for (const [key, message] of Object.entries(errors)) {
    const field = fields.find((f) => claims(f, key));
    if (!field) unplaced.push(message);
    else byField[field.id] = byField[field.id] ? `${byField[field.id]} ${message}` : message;
  }
  return { byField: byField as Partial<Values<F>>, unplaced };
}

/** Whether a service error key belongs next to this field. */
export const claims = (field: FieldDef, key: string) => (field.errors ?? [field.id]).some((pattern) => keyMatches(pattern, key));

/** "a.*.b" matches "a.0.b"; "a." matches every key under a. */
function keyMatches(pattern: string, key: string): boolean {
  const want = pattern.split('.');
  const got = key.split('.');
  if (pattern.endsWith('.')) return got.length >= want.length - 1 && want.slice(0, -1).every((w, i) => w === '*' || w === got[i]);
  return want.length === got.length && want.every((w, i) => w === '*' || w === got[i]);
}

/** A form as defined: its title and submit button as message keys. */
export interface FormSpec<F extends readonly FieldDef[], In, Ctx> {
  title: MessageKey;
  fields: F;
  submit: { title: MessageKey; style?: 'positive' | 'destructive' };
  /** The service's input from the submitted values: typed, so a field renamed on one side fails to compile. */
  toInput: (values: Values<F>, ctx: Ctx) => In;
}

/** A form as its card reads it: the title and submit title are worded, in the reader's language, each time they are read. */
export interface FormDef<F extends readonly FieldDef[], In, Ctx> {
  readonly title: string;
  fields: F;
  submit: { readonly title: string; style?: 'positive' | 'destructive' };
  toInput: (values: Values<F>, ctx: Ctx) => In;
}

export const defineForm = <const F extends readonly FieldDef[], In, Ctx>(spec: FormSpec<F, In, Ctx>): FormDef<F, In, Ctx> => ({
  get title() {
    return t(spec.title);
  },
  fields: spec.fields,
  submit: {
    get title() {
      return t(spec.submit.title);
    },
    style: spec.submit.style,
  },
  toInput: spec.toInput,
});

export interface FormState {
  values: Partial<Record<string, string>>;
  errors: Partial<Record<string, string>>;
  choices: Choices;
  /** Groups left out of the card. */
  hidden?: ReadonlySet<string>;
  /** Choice titles are cut to this length when a card must shrink to fit Teams. */
  titleChars?: number;
  /**
   * Whether Teams checks required fields and patterns before sending (default true). A step that can
   * be left with Back turns them off: Back must carry what was typed, even half done.
   */
  clientChecks?: boolean;
  /** Elements placed right after a field (a Search button after the search box). */
  after?: Partial<Record<string, Element[]>>;
}

/** The card elements of the fields: each input with its error under it; half fields in pairs. */
export function inputsOf(fields: readonly FieldDef[], state: FormState): Element[] {
  const shown = fields.filter((f) => (!f.group || !state.hidden?.has(f.group)) && !(f.skipWhenEmpty && !state.choices[f.choices!]?.length));
  const out: Element[] = [];
  for (let i = 0; i < shown.length; i++) {
    const field = shown[i]!;
    if (field.hint) out.push(heading(t(field.hint), { weight: 'Bolder', spacing: 'Medium' }));
    const next = shown[i + 1];
    if (field.half && next?.half && !next.hint) {
      out.push({
        type: 'ColumnSet',
        columns: [field, next].map((f) => ({ type: 'Column', width: 'stretch', items: withError(f, state) })),
      });
      i++;
    } else out.push(...withError(field, state));
    out.push(...(state.after?.[field.id] ?? []));
  }
  return out;
}

function withError(field: FieldDef, state: FormState): Element[] {
  const error = state.errors[field.id];
  return [inputOf(field, state), ...(error ? [plain(error, { color: 'Attention', size: 'Small', spacing: 'None' })] : [])];
}

function inputOf(f: FieldDef, state: FormState): Element {
  const value = state.values[f.id] ?? '';
  const client = state.clientChecks ?? true;
  const text = t(f.label);
  const placeholder = f.placeholder && t(f.placeholder);
  const checks = client
    ? {
        ...(f.required ? { isRequired: true } : {}),
        ...(f.errorMessage || f.required ? { errorMessage: f.errorMessage ? t(f.errorMessage) : t('form.fillIn', { label: text.toLowerCase() }) } : {}),
      }
    : {};
  // Without Teams' own check (and its asterisk) a required field says so in its label.
  const label = { id: f.id, label: f.required && !client ? t('form.requiredLabel', { label: text }) : text, ...checks };
  switch (f.kind) {
    case 'date':
      return { type: 'Input.Date', ...label, value };
    case 'toggle':
      return { type: 'Input.Toggle', ...label, title: f.title ? t(f.title) : text, value: value === 'true' ? 'true' : 'false', valueOn: 'true', valueOff: 'false' };
    case 'choice':
    case 'multi':
    case 'typeahead': {
      const max = state.titleChars;
      const offered = (state.choices[f.choices!] ?? []).map((c) => (max ? { title: clip(c.title, max), value: c.value } : c));
      return {
        type: 'Input.ChoiceSet',
        ...label,
        value,
        choices: offered.length > 0 ? offered : [{ title: placeholder || t('form.nothingToChoose'), value: NO_CHOICE }],
        style: f.kind === 'typeahead' ? 'filtered' : 'compact',
        ...(f.kind === 'multi' ? { isMultiSelect: true } : {}),
        ...(f.kind === 'typeahead' ? { 'choices.data': { type: 'Data.Query', dataset: f.dataset } } : {}),
        ...(placeholder && f.kind !== 'multi' ? { placeholder } : {}),
      };
    }
    default:
      return {
        type: 'Input.Text',
        ...label,
        value,
        ...(f.kind === 'multiline' ? { isMultiline: true } : {}),
        ...(f.kind === 'email' ? { style: 'Email' } : f.kind === 'tel' ? { style: 'Tel' } : {}),
        ...(f.maxLength ? { maxLength: f.maxLength } : {}),
        ...(f.regex && client ? { regex: f.regex } : {}),
        ...(placeholder ? { placeholder } : {}),
      };
  }
}

// ---- fields several forms share ----

export const patterns = {
  /** 50000, 50,000 or 125000.50 */
  // Either language's separators; the service reads which is which (parseAmount).
  amount: '^\\s*\\d[\\d.,\\s]*\\s*$',
  email: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  phone: '^[+()\\d\\s.-]{5,40}$',
  duns: '^\\d{9}$',
  date: '^\\d{4}-\\d{2}-\\d{2}$',
} as const;

/** The deal's own fields, on the new-deal details and solutions steps and on the accept and edit forms. */
export const dealFields = {
  name: { id: 'name', label: 'form.dealName', kind: 'text', required: true, maxLength: 200, errorMessage: 'form.dealName.error' },
  dealValue: { id: 'dealValue', label: 'form.dealValue', kind: 'text', required: true, half: true, regex: patterns.amount, placeholder: 'form.dealValue.placeholder', errorMessage: 'form.dealValue.error' },
  currency: { id: 'currency', label: 'form.currency', kind: 'choice', choices: 'currencies', required: true, half: true, errorMessage: 'form.currency.error' },
  closingDateTime: { id: 'closingDateTime', label: 'form.closeDate', kind: 'date', required: true, errorMessage: 'form.closeDate.error' },
  externalReferenceId: { id: 'externalReferenceId', label: 'form.crmId', kind: 'text', maxLength: 100, half: true },
  campaignId: { id: 'campaignId', label: 'form.campaignId', kind: 'text', maxLength: 100, half: true },
  // Partner Center's pipeline: a new deal starts at Qualify, and the customer has not decided (its own defaults).
  salesStage: { id: 'salesStage', label: 'form.salesStage', kind: 'choice', choices: 'salesStages', half: true, placeholder: 'salesStage.Qualify' },
  customerMarketplaceIntent: { id: 'customerMarketplaceIntent', label: 'form.marketplaceIntent', kind: 'choice', choices: 'marketplaceIntents', half: true, placeholder: 'intent.HaveNotDecided' },
  shareWithMicrosoftSellers: { id: 'shareWithMicrosoftSellers', label: 'form.shareWithSellers', kind: 'toggle', title: 'form.shareWithSellers.title' },
  notes: (label: MessageKey) => ({ id: 'notes', label, kind: 'multiline', maxLength: 4000 }) as const,
  solutionIds: { id: 'solutionIds', label: 'form.solutionIds', kind: 'multi', choices: 'solutions', required: true, errorMessage: 'input.solutions.min' },
} as const satisfies Record<string, FieldDef | ((label: MessageKey) => FieldDef)>;

/** A person's four fields under a prefix, with the service error keys under `errorPath`. */
export function contactFields<const A extends string, const B extends string, const C extends string, const D extends string>(
  ids: { firstName: A; lastName: B; phone: C; email: D },
  errorPath: string,
  o: { required?: boolean; hint?: MessageKey; group?: string; /** More error keys shown by the first name, e.g. "the team is empty". */ alsoErrors?: string[] } = {},
) {
  const required = o.required ?? false;
  return [
    { id: ids.firstName, label: 'form.firstName', kind: 'text', maxLength: 100, half: true, required, errorMessage: 'form.firstName.error', hint: o.hint, group: o.group, errors: [`${errorPath}.firstName`, errorPath, ...(o.alsoErrors ?? [])] },
    { id: ids.lastName, label: 'form.lastName', kind: 'text', maxLength: 100, half: true, group: o.group, errors: [`${errorPath}.lastName`] },
    { id: ids.phone, label: 'form.phone', kind: 'tel', maxLength: 40, half: true, required, regex: patterns.phone, errorMessage: 'input.phoneNumber', group: o.group, errors: [`${errorPath}.phoneNumber`] },
    { id: ids.email, label: 'form.email', kind: 'email', maxLength: 200, half: true, required, regex: patterns.email, errorMessage: 'input.email', group: o.group, errors: [`${errorPath}.email`] },
  ] as const satisfies readonly FieldDef[];
}

/** A contact typed in a form, or undefined when every one of its fields is empty. */
export function contactOf(first: string, last: string, phone: string, email: string) {
  const contact = { firstName: first, lastName: last, phoneNumber: phone, email };
  return Object.values(contact).some((v) => v !== '') ? contact : undefined;
}

/** The fields of one partner invitation, on the invite form and on the new-deal partners step. */
export const partnerFields = [
  { id: 'partnerOrgId', label: 'form.partner', kind: 'typeahead', dataset: 'partners', choices: 'partners', placeholder: 'form.partner.placeholder', hint: 'form.partner.hint', errors: ['partners.*.orgId'] },
  { id: 'partnerDealValue', label: 'form.partnerValue', kind: 'text', regex: patterns.amount, half: true, placeholder: 'form.partnerValue.placeholder', errorMessage: 'form.partnerValue.error', errors: ['partners.*.dealValue'] },
  { id: 'partnerCurrency', label: 'form.currency', kind: 'choice', choices: 'currencies', half: true, errors: ['partners.*.currency'] },
  { id: 'partnerClosingDateTime', label: 'form.partnerCloseDate', kind: 'date', errors: ['partners.*.closingDateTime'] },
  { id: 'partnerTeam', label: 'form.partnerTeam', kind: 'multi', choices: 'team', errors: ['partners.*.team', 'partners.*.team.'] },
  { id: 'partnerSolutionIds', label: 'form.partnerSolutions', kind: 'multi', choices: 'partnerSolutions', placeholder: 'form.partnerSolutions.placeholder', errors: ['partners.*.solutionIds'] },
  { id: 'partnerHelpType', label: 'form.partnerHelp', kind: 'choice', choices: 'helpTypes', errors: ['partners.*.helpType'] },
  { id: 'partnerNotes', label: 'form.partnerNotes', kind: 'multiline', maxLength: 4000, errors: ['partners.*.notes'] },
] as const satisfies readonly FieldDef[];
export type PartnerValues = Partial<Values<typeof partnerFields>>;

/** One partner invitation from its fields; the caller picks the team members from the partnerTeam choice. */
export function partnerInvitationOf(v: PartnerValues, team: Contact[]): PartnerInvitation {
  return {
    orgId: v.partnerOrgId ?? '',
    dealValue: v.partnerDealValue ?? '',
    currency: v.partnerCurrency ?? '',
    closingDateTime: v.partnerClosingDateTime ?? '',
    notes: v.partnerNotes ?? '',
    team,
    solutionIds: v.partnerSolutionIds ?? '',
    helpType: v.partnerHelpType || 'GeneralOrOther',
  };
}

/** The values picked in a multi-select choice set ("a,b,c"). */
export const picked = (list: string | undefined) => new Set((list ?? '').split(',').map((e) => e.trim()).filter(Boolean));
