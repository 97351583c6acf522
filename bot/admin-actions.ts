// The administration card's verbs: open it, save the organization's set-up, save people's roles.
// Admins only: the directory refuses anyone else, and the refusal is what they are shown.
import { adminCard, organizationForm, rolesSubmitted, solutionForm } from '../cards/admin.js';
import { placeErrors, submitted, type FieldDef, type FormDef } from '../cards/forms.js';
import { banner, type Banner, type Card } from '../cards/render.js';
import type { Clock } from '../services/clock.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import { t } from '../services/i18n.js';

export class AdminActions {
  constructor(private readonly deps: { directory: Directory; clock: Clock }) {}

  async open(caller: Caller, note?: Banner, form?: { values: Record<string, string>; errors: Record<string, string> }): Promise<Card> {
    const { directory } = this.deps;
    await directory.requireAdmin(caller, 'openAdmin');
    const org = await directory.organization(caller.tenantId);
    if (!org) throw new CoSellError('not_found', t('admin.notRegistered'));
    const [people, solutions, customers] = await Promise.all([directory.people(caller.tenantId), directory.ownSolutions(caller.tenantId), directory.ownCustomers(caller.tenantId)]);
    return adminCard({ org, people, solutions, customers: customers.length, banner: note, ...form });
  }

  async setUp(caller: Caller, data: Record<string, unknown>): Promise<Card> {
    return this.save(caller, organizationForm, data, async (input) => {
      await this.deps.directory.setUp(caller, input, this.deps.clock.now());
      return t('admin.saved');
    });
  }

  async saveSolution(caller: Caller, data: Record<string, unknown>): Promise<Card> {
    return this.save(caller, solutionForm, data, async (input) => t('admin.solutionSaved', { name: (await this.deps.directory.saveSolution(caller, input)).name }));
  }

  /** Saves what one of the card's forms sent: the card again with the outcome, or with the errors next to their fields. */
  private async save<const F extends readonly FieldDef[], In>(caller: Caller, form: FormDef<F, In, undefined>, data: Record<string, unknown>, apply: (input: In) => Promise<string>): Promise<Card> {
    const values = submitted(form.fields, data);
    try {
      return this.open(caller, banner('good', await apply(form.toInput(values, undefined))));
    } catch (e) {
      if (!(e instanceof CoSellError) || e.code !== 'validation') throw e;
      const { byField, unplaced } = placeErrors(form.fields, e.fields);
      const note = banner('attention', unplaced.length > 0 ? unplaced.join(' ') : t('form.fixFields'));
      return this.open(caller, note, { values, errors: byField as Record<string, string> });
    }
  }

  async retireSolution(caller: Caller, data: Record<string, unknown>): Promise<Card> {
    const retired = await this.deps.directory.retireSolution(caller, typeof data.solutionId === 'string' ? data.solutionId : '');
    return this.open(caller, banner('good', t('admin.retiredSolution', { name: retired.name })));
  }

  async setRoles(caller: Caller, data: Record<string, unknown>): Promise<Card> {
    try {
      const changed = await this.deps.directory.setRoles(caller, rolesSubmitted(data), this.deps.clock.now());
      return this.open(caller, banner('good', changed.length === 0 ? t('admin.noRoleChanged') : t('admin.rolesSaved', { names: changed.map((p) => p.name).join(', ') })));
    } catch (e) {
      if (!(e instanceof CoSellError) || e.code !== 'validation') throw e;
      return this.open(caller, banner('attention', Object.values(e.fields).join(' ') || e.message), { values: {}, errors: e.fields });
    }
  }
}
