// The verbs of the deal card, routed by one table: each changing verb names its form, the allowed
// action that lets a viewer use it, what the card says when it worked, and the lifecycle operation.
// The form's one definition turns what Teams sent into the operation's input and places its errors.
import { z } from 'zod';
import { FavoriteData, parseActionData as parse } from './action-data.js';
import { dealCard, dealLogCard, type DealCardOptions } from '../cards/deal.js';
import { dealForms, dealFormIds, type DealFormContext, type DealFormId } from '../cards/deal-forms.js';
import { SHORT_ID_LENGTH, stageLabel } from '../cards/format.js';
import { placeErrors, submitted, type FieldDef, type FormDef } from '../cards/forms.js';
import { banner, type Card } from '../cards/render.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import { say, t, type MessageKey } from '../services/i18n.js';
import { actedOn, type LifecycleService, type ReferralView } from '../services/lifecycle.js';
import type { Clock } from '../services/clock.js';
import type { Person } from '../services/model.js';
import type { AllowedActions } from '../services/referral-rules.js';


type Run<In> = (lifecycle: LifecycleService, caller: Caller, referralId: string, version: number, input: In) => Promise<ReferralView>;

interface ChangingVerb {
  fields: readonly FieldDef[];
  /** The allowed action that lets the viewer use this verb now. */
  may: keyof AllowedActions;
  /** The banner after it worked: "<done> by <name>." */
  done: MessageKey;
  /** Reads what the form sent and applies the operation. */
  apply: (lifecycle: LifecycleService, caller: Caller, referralId: string, version: number, data: Record<string, unknown>, ctx: DealFormContext) => Promise<ReferralView>;
}

/** A table row: the form's typed input goes straight into the operation. */
const verb = <const F extends readonly FieldDef[], In>(form: FormDef<F, In, DealFormContext>, may: keyof AllowedActions, done: MessageKey, run: Run<In>): ChangingVerb => ({
  fields: form.fields,
  may,
  done,
  apply: (lifecycle, caller, referralId, version, data, ctx) => run(lifecycle, caller, referralId, version, form.toInput(submitted(form.fields, data), ctx)),
});

/** Every verb that changes a deal; its new card replaces the message for everyone. */
export const changingVerbs = {
  accept: verb(dealForms.accept, 'accept', 'bot.done.accept', (l, c, id, v, input) => l.accept(c, id, v, input)),
  decline: verb(dealForms.decline, 'decline', 'bot.done.decline', (l, c, id, v, input) => l.decline(c, id, v, input)),
  edit: verb(dealForms.edit, 'edit', 'bot.done.edit', (l, c, id, v, input) => l.edit(c, id, v, input)),
  addTeam: verb(dealForms.addTeam, 'addTeam', 'bot.done.addTeam', (l, c, id, v, input) => l.addTeamMembers(c, id, v, input)),
  solutions: verb(dealForms.solutions, 'solutions', 'bot.done.solutions', (l, c, id, v, input) => l.setSolutions(c, id, v, input)),
  addNote: verb(dealForms.addNote, 'addNote', 'bot.done.addNote', (l, c, id, v, input) => l.addNote(c, id, v, input)),
  editMember: verb(dealForms.editMember, 'addTeam', 'bot.done.editMember', (l, c, id, v, input) => l.editTeamMember(c, id, v, input)),
  removeMember: verb(dealForms.removeMember, 'addTeam', 'bot.done.removeMember', (l, c, id, v, input) => l.removeTeamMember(c, id, v, input)),
  assign: verb(dealForms.assign, 'assign', 'bot.done.assign', (l, c, id, v, input) => l.assign(c, id, v, input)),
  invite: verb(dealForms.invite, 'invite', 'bot.done.invite', (l, c, id, v, input) => l.invite(c, id, v, input)),
  won: verb(dealForms.won, 'won', 'bot.done.won', (l, c, id, v, input) => l.markWon(c, id, v, input)),
  register: verb(dealForms.register, 'register', 'bot.done.register', (l, c, id, v, input) => l.register(c, id, v, input)),
  registrationStatus: verb(dealForms.registrationStatus, 'registrationStatus', 'bot.done.registrationStatus', (l, c, id, v, input) => l.setRegistrationStatus(c, id, v, input)),
  lost: verb(dealForms.lost, 'lost', 'bot.done.lost', (l, c, id, v, input) => l.markLost(c, id, v, input)),
} satisfies Record<DealFormId, ChangingVerb>;

/** The verbs that only read or show: open (a deal, its notes or team), refresh, showForm, favorite. */
export const readingVerbs = ['open', 'refresh', 'showForm', 'favorite'] as const;
export const dealVerbs = [...readingVerbs, ...dealFormIds] as const;
export type DealVerb = (typeof dealVerbs)[number];

const Ref = z.object({ referralId: z.string().min(1, 'referralId is missing') });
const VersionedRef = Ref.extend({ version: z.coerce.number({ message: 'version must be a number' }).int().positive() });
const Open = Ref.extend({ view: z.enum(['deal', 'notes', 'team', 'history']).default('deal'), page: z.coerce.number().int().min(0).default(0) });
const ShowForm = VersionedRef.extend({ form: z.enum(dealFormIds as [DealFormId, ...DealFormId[]]), memberEmail: z.string().optional() });

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
    switch (verb) {
      case 'open':
      case 'refresh': {
        const { referralId, view, page } = parse(Open, data);
        // `deal 6e46aef7`: people type the short id the cards show.
        const current = await lifecycle.getByIdOrPrefix(caller, referralId, SHORT_ID_LENGTH);
        return { card: view === 'deal' ? await this.card(caller, person, current) : dealLogCard(current, view, page) };
      }
      case 'favorite': {
        const { referralId, favorite } = parse(FavoriteData, data);
        const view = await lifecycle.setFavorite(caller, referralId, favorite);
        return { card: await this.card(caller, person, view, { banner: banner('good', t(view.favorite ? 'bot.favoriteOn' : 'bot.favoriteOff')) }) };
      }
      case 'showForm': {
        const { referralId, version, form, memberEmail } = parse(ShowForm, data);
        const view = await lifecycle.get(caller, referralId);
        if (view.referral.version !== version) return { card: await this.card(caller, person, view, { banner: staleBanner(view) }) };
        if (!view.allowed[changingVerbs[form].may]) return { card: await this.card(caller, person, view, { banner: banner('attention', notNow(view)) }) };
        if (form !== 'editMember') return { card: await this.card(caller, person, view, { form }) };
        // A team member's form starts from what is stored of them, and carries who they were.
        const member = view.referral.team.find((m) => m.email.toLowerCase() === (memberEmail ?? '').toLowerCase());
        if (!member) return { card: await this.card(caller, person, view, { banner: banner('attention', t('error.team.notMember')) }) };
        return { card: await this.card(caller, person, view, { form, values: { ...member }, carried: { memberEmail: member.email } }) };
      }
      default:
        return this.change(verb, caller, person, data);
    }
  }

  private async change(id: DealFormId, caller: Caller, person: Person, data: Record<string, unknown>): Promise<DealActionResult> {
    const { lifecycle } = this.deps;
    const { referralId, version } = parse(VersionedRef, data);
    const current = await lifecycle.get(caller, referralId);
    // A click on a card drawn before the last change applies nothing (the service checks again under its
    // lock), unless it made that change: a redelivery is answered as the first delivery was.
    if (current.referral.version !== version && !actedOn(current.referral, caller)) return { card: await this.card(caller, person, current, { banner: staleBanner(current) }) };
    const entry = changingVerbs[id];
    const recent = id === 'addTeam' ? await lifecycle.recentContacts(caller, 20) : [];
    try {
      const view = await entry.apply(lifecycle, caller, referralId, version, data, { view: current, recent, action: data });
      const card = await this.card(caller, person, view, { banner: banner('good', t('bot.doneBy', { what: t(entry.done), name: person.name })) });
      return { card, everyone: card };
    } catch (e) {
      if (!(e instanceof CoSellError) || e.code === 'not_found') throw e;
      const view = await lifecycle.get(caller, referralId);
      if (e.code === 'validation') {
        const values = submitted(entry.fields, data);
        const { byField, unplaced } = placeErrors(entry.fields, e.fields);
        const note = unplaced.length > 0 ? unplaced.join(' ') : t('form.fixFields');
        const carried = typeof data.memberEmail === 'string' ? { memberEmail: data.memberEmail } : undefined;
        return { card: await this.card(caller, person, view, { form: id, values, errors: byField, banner: banner('attention', note), carried }) };
      }
      // A conflict, a rule that says no, or a permission: show the deal as it is now and say why.
      return { card: await this.card(caller, person, view, { banner: banner(e.code === 'conflict' ? 'warning' : 'attention', e.message) }) };
    }
  }

  /** The deal card for this person, with what the open form needs to offer. */
  async card(caller: Caller, person: Person, view: ReferralView, options: Omit<DealCardOptions, 'now'> = {}): Promise<Card> {
    const { directory, lifecycle, clock } = this.deps;
    const form = options.form;
    const picks = form === 'solutions' || form === 'invite';
    const [attachable, organizations, partners, recentContacts, people] = await Promise.all([
      picks ? directory.attachableSolutions(person.orgId) : undefined,
      picks ? directory.organizations() : undefined,
      form === 'invite' ? directory.searchPartners('', person.orgId) : undefined,
      form === 'addTeam' ? lifecycle.recentContacts(caller, 20) : undefined,
      directory.people(person.orgId),
    ]);
    // Everyone of this organization the bot can address gets their own view (their buttons) by refresh.
    const refreshUserIds = [person.channelUserId, ...people.map((p) => p.channelUserId)].filter((id, i, all) => id !== '' && all.indexOf(id) === i);
    return dealCard(view, { ...options, now: clock.now(), attachable, organizations, partners, recentContacts, refreshUserIds, people: form === 'assign' ? people : undefined });
  }
}

function staleBanner(view: ReferralView) {
  const last = view.referral.history.at(-1)!;
  return banner('warning', t('bot.stale', { action: say(last.action), name: last.byName }));
}

function notNow(view: ReferralView): string {
  const r = view.referral;
  return r.status === 'Closed' ? t('rules.transition.archived', { stage: stageLabel(r.substatus) }) : t('bot.notYours');
}
