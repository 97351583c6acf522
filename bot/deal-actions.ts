// The verbs of the deal card: each parses the card's data, calls the lifecycle service and
// answers with the card to show. Service refusals come back on the card, next to the field.
import { z } from 'zod';
import { dealCard, type DealCardOptions, type DealField, type DealForm, dealForms } from '../cards/deal.js';
import { banner, type Card } from '../cards/render.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import type { LifecycleService, ReferralView } from '../services/lifecycle.js';
import type { Clock } from '../services/clock.js';
import type { Person } from '../services/model.js';

export const dealVerbs = ['open', 'refresh', 'showForm', 'favorite', 'accept', 'decline', 'edit', 'addTeam', 'solutions', 'addNote', 'invite', 'won', 'lost'] as const;
export type DealVerb = (typeof dealVerbs)[number];

/** The verbs that change a deal: their new card replaces the message for everyone. */
const changing: readonly DealVerb[] = ['accept', 'decline', 'edit', 'addTeam', 'solutions', 'addNote', 'invite', 'won', 'lost'];

export class BadActionData extends Error {}

const Ref = z.object({ referralId: z.string().min(1, 'referralId is missing') });
const VersionedRef = Ref.extend({ version: z.coerce.number({ message: 'version must be a number' }).int().positive() });
const str = (data: Record<string, unknown>, key: string) => (typeof data[key] === 'string' ? (data[key] as string).trim() : '');

function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new BadActionData(`The card sent incomplete data: ${result.error.issues.map((i) => i.message).join('; ')}.`);
  return result.data;
}

export interface DealActionResult {
  card: Card;
  /** The card for everyone who sees the message, when the deal changed. */
  everyone?: Card;
}

export interface DealActionDeps {
  lifecycle: LifecycleService;
  directory: Directory;
  clock: Clock;
}

export class DealActions {
  constructor(private readonly deps: DealActionDeps) {}

  async run(verb: DealVerb, caller: Caller, person: Person, data: Record<string, unknown>): Promise<DealActionResult> {
    const { lifecycle } = this.deps;
    const { referralId } = parse(Ref, data);
    if (verb === 'open' || verb === 'refresh') return { card: await this.card(caller, person, await lifecycle.get(caller, referralId)) };
    if (verb === 'favorite') {
      const view = await lifecycle.setFavorite(caller, referralId, data.favorite === true || data.favorite === 'true');
      return { card: await this.card(caller, person, view, { banner: banner('good', view.favorite ? 'Added to your favorites.' : 'Removed from your favorites.') }) };
    }
    const { version } = parse(VersionedRef, data);
    if (verb === 'showForm') {
      const form = parse(z.object({ form: z.enum(dealForms) }), data).form;
      const view = await lifecycle.get(caller, referralId);
      if (view.referral.version !== version) return { card: await this.card(caller, person, view, { banner: staleBanner(view) }) };
      return { card: await this.card(caller, person, view, { form }) };
    }
    const form = formOf[verb as Exclude<DealVerb, 'open' | 'refresh' | 'favorite' | 'showForm'>];
    const current = await lifecycle.get(caller, referralId);
    // A click on a card drawn before the last change applies nothing (the service checks again under its lock).
    if (current.referral.version !== version) return { card: await this.card(caller, person, current, { banner: staleBanner(current) }) };
    try {
      const view = await this.apply(verb, caller, referralId, version, data, current);
      const done = banner('good', `${successText[form]} by ${person.name}.`);
      const card = await this.card(caller, person, view, { banner: done });
      return { card, everyone: changing.includes(verb) ? card : undefined };
    } catch (e) {
      if (!(e instanceof CoSellError)) throw e;
      if (e.code === 'not_found') throw e;
      const view = await lifecycle.get(caller, referralId);
      if (e.code === 'validation') {
        const errors = formErrors(e.fields);
        const unplaced = Object.entries(e.fields).filter(([key]) => !formFieldOf(key)).map(([, m]) => m);
        return {
          card: await this.card(caller, person, view, {
            form,
            values: data as DealCardOptions['values'],
            errors,
            banner: banner('attention', unplaced.length > 0 ? unplaced.join(' ') : 'Please fix the fields marked below.'),
          }),
        };
      }
      // A conflict, a rule that says no, or a permission: show the deal as it is now and say why.
      return { card: await this.card(caller, person, view, { banner: banner(e.code === 'conflict' ? 'warning' : 'attention', e.message) }) };
    }
  }

  private apply(verb: DealVerb, caller: Caller, id: string, version: number, d: Record<string, unknown>, current: ReferralView): Promise<ReferralView> {
    const { lifecycle } = this.deps;
    const member = contactFrom(d, { firstName: 'firstName', lastName: 'lastName', phoneNumber: 'phoneNumber', email: 'email' });
    switch (verb) {
      case 'accept':
        return lifecycle.accept(caller, id, version, { ...dealDetails(d), team: member ? [member] : [] });
      case 'decline':
        return lifecycle.decline(caller, id, version, { reason: str(d, 'reason') as never, notes: str(d, 'notes') });
      case 'edit':
        return lifecycle.edit(caller, id, version, dealDetails(d));
      case 'addTeam':
        return lifecycle.addTeamMembers(caller, id, version, { members: member ? [member] : [] });
      case 'solutions':
        return lifecycle.setSolutions(caller, id, version, { solutionIds: str(d, 'solutionIds') as never });
      case 'addNote':
        return lifecycle.addNote(caller, id, version, { text: str(d, 'text') });
      case 'invite': {
        const partnerOrgId = str(d, 'partnerOrgId');
        const askMicrosoft = current.invitations.microsoft.allowed && str(d, 'inviteMicrosoft') === 'true';
        return lifecycle.invite(caller, id, version, {
          microsoft: askMicrosoft
            ? {
                helpType: str(d, 'helpType') as never,
                notes: str(d, 'microsoftNotes'),
                customerContact: contactFrom(d, { firstName: 'contactFirstName', lastName: 'contactLastName', phoneNumber: 'contactPhone', email: 'contactEmail' }),
                consentToShare: str(d, 'consentToShare') === 'true',
              }
            : undefined,
          partners:
            current.invitations.partners.allowed && partnerOrgId !== '' && partnerOrgId !== 'none'
              ? [
                  {
                    orgId: partnerOrgId,
                    dealValue: str(d, 'partnerDealValue') as never,
                    currency: str(d, 'partnerCurrency'),
                    closingDateTime: str(d, 'partnerClosingDateTime'),
                    notes: str(d, 'partnerNotes'),
                    team: current.referral.team,
                    solutionIds: str(d, 'partnerSolutionIds') as never,
                    helpType: str(d, 'partnerHelpType') as never,
                  },
                ]
              : [],
        });
      }
      case 'won':
        return lifecycle.markWon(caller, id, version, {
          registration: current.needsRegistration
            ? {
                contractSignedDate: str(d, 'contractSignedDate'),
                wonValue: str(d, 'wonValue') as never,
                currency: str(d, 'regCurrency'),
                contractId: str(d, 'contractId'),
                azureSubscriptionId: str(d, 'azureSubscriptionId'),
                notes: str(d, 'regNotes'),
              }
            : undefined,
        });
      case 'lost':
        return lifecycle.markLost(caller, id, version, { reason: str(d, 'reason') as never, notes: str(d, 'notes') });
      default:
        throw new BadActionData(`Unknown deal action "${verb}".`);
    }
  }

  /** The deal card for this person, with what the forms need to offer. */
  async card(caller: Caller, person: Person, view: ReferralView, options: Omit<DealCardOptions, 'now'> = {}): Promise<Card> {
    const { directory, lifecycle, clock } = this.deps;
    const form = options.form;
    const [attachable, partners, recentContacts, people] = await Promise.all([
      form === 'solutions' || form === 'invite' ? directory.attachableSolutions(person.orgId) : undefined,
      form === 'invite' ? directory.searchPartners('', person.orgId) : undefined,
      form === 'team' ? lifecycle.recentContacts(caller) : undefined,
      directory.people(person.orgId),
    ]);
    // Everyone of this organization the bot can address gets their own view (their buttons) by refresh.
    const refreshUserIds = [person.channelUserId, ...people.map((p) => p.channelUserId)].filter((id, i, all) => id !== '' && all.indexOf(id) === i);
    return dealCard(view, { ...options, now: clock.now(), attachable, partners, recentContacts, refreshUserIds });
  }
}

/** The deal fields the accept and edit forms share. */
function dealDetails(d: Record<string, unknown>) {
  return {
    name: str(d, 'name'),
    dealValue: str(d, 'dealValue') as never,
    currency: str(d, 'currency'),
    closingDateTime: str(d, 'closingDateTime'),
    notes: str(d, 'notes'),
    externalReferenceId: str(d, 'externalReferenceId'),
    campaignId: str(d, 'campaignId'),
  };
}

/** The form each deal-changing verb belongs to. */
export const formOf = {
  accept: 'accept',
  decline: 'decline',
  edit: 'edit',
  addTeam: 'team',
  solutions: 'solutions',
  addNote: 'note',
  invite: 'invite',
  won: 'won',
  lost: 'lost',
} as const satisfies Record<string, DealForm>;

const successText: Record<DealForm, string> = {
  accept: 'Accepted',
  decline: 'Declined',
  edit: 'Saved',
  team: 'Team member added',
  solutions: 'Solutions saved',
  note: 'Note added',
  invite: 'Invitation sent',
  won: 'Marked won',
  lost: 'Marked lost',
};

function staleBanner(view: ReferralView) {
  const last = view.referral.history.at(-1)!;
  return banner('warning', `This deal changed since the card was drawn (${last.action} by ${last.byName}); here it is as it is now.`);
}

/** A contact typed in a form, or undefined when the user left it all blank. */
function contactFrom(d: Record<string, unknown>, keys: { firstName: string; lastName: string; phoneNumber: string; email: string }) {
  const contact = { firstName: str(d, keys.firstName), lastName: str(d, keys.lastName), phoneNumber: str(d, keys.phoneNumber), email: str(d, keys.email) };
  return Object.values(contact).some((v) => v !== '') ? contact : undefined;
}

/** The form field a service error key belongs to (team.0.email -> email, partners.0.dealValue -> partnerDealValue). */
function formFieldOf(key: string): DealField | undefined {
  const parts = key.split('.');
  const last = parts.at(-1)!;
  const map: Record<string, DealField> = {
    'microsoft.customerContact': 'contactFirstName',
    'microsoft.consentToShare': 'consentToShare',
    'microsoft.helpType': 'helpType',
    'microsoft.notes': 'microsoftNotes',
    'registration.currency': 'regCurrency',
    'registration.notes': 'regNotes',
    members: 'firstName',
    team: 'firstName',
  };
  if (map[key]) return map[key];
  if (parts[0] === 'partners') return `partner${last.charAt(0).toUpperCase()}${last.slice(1)}` as DealField;
  if (parts[0] === 'microsoft' && parts[1] === 'customerContact') {
    return ({ firstName: 'contactFirstName', lastName: 'contactLastName', phoneNumber: 'contactPhone', email: 'contactEmail' } as const)[last as 'email'];
  }
  const known = new Set<string>(['name', 'dealValue', 'currency', 'closingDateTime', 'notes', 'externalReferenceId', 'campaignId', 'firstName', 'lastName', 'phoneNumber', 'email', 'reason', 'solutionIds', 'text', 'contractSignedDate', 'wonValue', 'contractId', 'azureSubscriptionId']);
  return known.has(last) ? (last as DealField) : undefined;
}

function formErrors(fields: Record<string, string>): Partial<Record<DealField, string>> {
  const out: Partial<Record<DealField, string>> = {};
  for (const [key, message] of Object.entries(fields)) {
    const field = formFieldOf(key);
    if (field) out[field] ??= message;
  }
  return out;
}
