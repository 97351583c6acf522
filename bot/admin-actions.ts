// The administration card's verbs: open it, save the organization's set-up, save people's roles.
// Admins only: the directory refuses anyone else, and the refusal is what they are shown.
import { adminCard, digestForm, organizationForm, rolesSubmitted, solutionForm } from '../cards/admin.js';
import { placeErrors, submitted, type FieldDef, type FormDef } from '../cards/forms.js';
import { banner, type Banner, type Card } from '../cards/render.js';
import type { Clock } from '../services/clock.js';
import type { Caller, Directory } from '../services/directory.js';
import { CoSellError } from '../services/errors.js';
import { currentLocale, t, weekday } from '../services/i18n.js';
import { NeedsSignInError } from '../services/partner-center-api.js';
import type { PartnerCenterAuth, SignInCode } from '../services/partner-center-auth.js';
import { BadActionData } from './action-data.js';

export class AdminActions {
  /** `partnerCenter` when this deployment can connect organizations to Partner Center. */
  constructor(private readonly deps: { directory: Directory; clock: Clock; partnerCenter?: PartnerCenterAuth }) {}

  async open(caller: Caller, note?: Banner, form?: { values: Record<string, string>; errors: Record<string, string> }): Promise<Card> {
    const { directory } = this.deps;
    await directory.requireAdmin(caller, 'openAdmin');
    const org = await directory.organization(caller.tenantId);
    if (!org) throw new CoSellError('not_found', t('admin.notRegistered'));
    const [people, solutions, customers] = await Promise.all([directory.people(caller.tenantId), directory.ownSolutions(caller.tenantId), directory.ownCustomers(caller.tenantId)]);
    const timeZone = currentLocale().timeZone;
    return adminCard({ org, people, solutions, customers: customers.length, banner: note, timeZone, ...form, ...(this.deps.partnerCenter ? { partnerCenter: { now: this.deps.clock.now() } } : {}) });
  }

  /** Starts an admin's sign-in to Partner Center: the card shows the code to enter, and the connection follows once entered. */
  async connectPartnerCenter(caller: Caller): Promise<Card> {
    const auth = this.partnerCenter();
    await this.deps.directory.requireAdmin(caller, 'connectPartnerCenter');
    let code: SignInCode;
    try {
      code = await auth.startSignIn(caller.tenantId, caller.userId);
    } catch (e) {
      if (!(e instanceof NeedsSignInError)) throw e;
      return this.open(caller, banner('attention', t('admin.pc.unavailable')));
    }
    // The code is on the banner too: the section below may already say connected by the time it is drawn.
    return this.open(caller, banner('accent', t('admin.pc.started', { uri: code.verificationUri, code: code.userCode })));
  }

  async disconnectPartnerCenter(caller: Caller): Promise<Card> {
    const auth = this.partnerCenter();
    await this.deps.directory.requireAdmin(caller, 'connectPartnerCenter');
    await auth.disconnect(caller.tenantId);
    return this.open(caller, banner('good', t('admin.pc.disconnected')));
  }

  private partnerCenter(): PartnerCenterAuth {
    if (!this.deps.partnerCenter) throw new BadActionData(t('admin.pc.notConfigured'));
    return this.deps.partnerCenter;
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

  /** The weekly digest on (at the day and hour chosen, in the admin's own time zone) or off. */
  async setDigest(caller: Caller, data: Record<string, unknown>): Promise<Card> {
    const { directory, clock } = this.deps;
    if (data.off === true) {
      await directory.setDigest(caller, undefined, 'UTC', clock.now());
      return this.open(caller, banner('good', t('admin.digest.stopped')));
    }
    return this.save(caller, digestForm, data, async (input) => {
      const { digest } = await directory.setDigest(caller, input, currentLocale().timeZone, clock.now());
      return t('admin.digest.saved', { day: weekday(digest!.day), hour: `${String(digest!.hour).padStart(2, '0')}:00`, zone: digest!.timeZone });
    });
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
