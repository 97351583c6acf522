// Organizations, people, customers and solutions: who takes part and what can be sold.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CoSellError, parseInput, validationError } from './errors.js';
import { languages, listOf, t, type Lang } from './i18n.js';
import { type CustomerInput } from './inputs.js';
import { Customer, DigestSettings, Organization, OrganizationSettings, Person, Role, Solution, SolutionSettings, type PartnerCenterLink } from './model.js';
import { isAttachable } from './referral-rules.js';
import type { Store, Write } from './store.js';

/** The id that stands for Microsoft's tenant in directory files, replaced by the configured one. */
const MICROSOFT_PLACEHOLDER = 'microsoft';

export const DirectoryFile = z.object({
  organizations: z.array(Organization),
  customers: z.array(Customer),
  solutions: z.array(Solution),
});
export type DirectoryFile = z.infer<typeof DirectoryFile>;

export const demoDirectoryPath = new URL('./demo-directory.json', import.meta.url);

export interface Caller {
  tenantId: string;
  userId: string;
  /** Names the request this call answers (a Teams activity): the same request again acts no more. */
  requestId?: string;
}

/** Lower case without accents, so "nandu" finds "Ñandú" and "MADRID" finds "Madrid". */
const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
// A country is found by its name in every language the bot speaks: "Spain" and "España" find ES.
const countryNames = languages.map((language) => new Intl.DisplayNames([language], { type: 'region' }));
const countryName = (code: string) => {
  try {
    return countryNames.map((names) => names.of(code) ?? '').join(' ');
  } catch {
    return '';
  }
};

/** Every word of the query appears in one of the values: "contoso ltd", "madrid", "080912399". */
const matches = (query: string, ...values: (string | undefined)[]) => {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const haystack = fold(values.filter(Boolean).join(' '));
  return words.every((word) => haystack.includes(word));
};

/** An address field a customer file may leave out: a customer already in the directory keeps its own value of it. */
export type OptionalCustomerField = 'addressLine1' | 'addressLine2' | 'city' | 'state' | 'postalCode';

/** One row of a customer import: its line in the file, the customer it names, and the fields the file does not carry. */
export interface CustomerRow {
  row: number;
  customer: CustomerInput;
  absent: OptionalCustomerField[];
}

export interface ImportReport {
  added: number;
  updated: number;
  unchanged: number;
  refused: { row: number; reason: string }[];
}

/** The one rule of when two records name the same customer: the same D-U-N-S number, or, without one, the same name, city and country. */
export function sameCustomer(a: CustomerInput, b: CustomerInput): boolean {
  if (a.duns && b.duns) return a.duns === b.duns;
  const key = (c: CustomerInput) => [c.name, c.address.city, c.address.country].map((v) => fold(v).replace(/\s+/g, ' ').trim()).join('|');
  return key(a) === key(b);
}

/** What Teams tells of a person; what it leaves empty keeps its stored value. */
type Profile = { name?: string; email?: string; channelUserId?: string; locale?: string; timeZone?: string };
const profileFields = ['name', 'email', 'channelUserId', 'locale', 'timeZone'] as const;
/** Whether the profile says something new of the person (a write is needed). */
const changes = (known: Person, profile: Profile) => profileFields.some((f) => profile[f] !== undefined && profile[f] !== '' && profile[f] !== known[f]);

/** What only an admin may do, each worded as `directory.task.<task>` to complete "Only an admin … can …". */
export type AdminTask = 'openAdmin' | 'importCustomers' | 'changeSolutions' | 'retireSolutions' | 'changeRoles' | 'setUp' | 'chooseAlerts' | 'connectPartnerCenter' | 'chooseDigest';

/** A person's record from what is known of them now; what the profile leaves empty keeps its stored value. */
function personRecord(orgId: string, userId: string, current: Person | undefined, profile: Profile & { usedBot: boolean }, roles: Role[]): Person {
  return Person.parse({
    ...current,
    id: `${orgId}:${userId}`,
    orgId,
    userId,
    name: (profile.name || current?.name || 'Teams user').slice(0, 200),
    email: (profile.email || current?.email || '').slice(0, 200),
    channelUserId: profile.channelUserId || current?.channelUserId || '',
    locale: profile.locale || current?.locale || '',
    timeZone: profile.timeZone || current?.timeZone || '',
    usedBot: profile.usedBot,
    roles,
  });
}

/** A row's customer with the address fields its file leaves out taken from a customer already in the directory. */
function filledFrom(row: CustomerRow, stored: Customer): CustomerInput {
  const address = { ...row.customer.address };
  for (const field of row.absent) address[field] = stored.address[field];
  return { ...row.customer, address };
}

export class Directory {
  constructor(
    private readonly store: Store,
    readonly microsoftTenantId: string,
  ) {}

  /** Loads a directory file (the demo one by default) when the store has no organizations yet. */
  async seedIfEmpty(path: URL | string = demoDirectoryPath): Promise<boolean> {
    return this.store.exclusive(async (commit) => {
      if ((await this.store.list('organization')).length > 0) return false;
      const file = DirectoryFile.parse(JSON.parse(await readFile(path, 'utf8')));
      const tenant = (id: string) => (id === MICROSOFT_PLACEHOLDER ? this.microsoftTenantId : id);
      const writes: Write[] = [
        ...file.organizations.map((o): Write => ({ kind: 'organization', put: { ...o, id: tenant(o.id) } })),
        ...file.customers.map((c): Write => ({ kind: 'customer', put: c })),
        ...file.solutions.map((s): Write => ({ kind: 'solution', put: { ...s, orgId: tenant(s.orgId) } })),
      ];
      await commit(writes);
      return true;
    });
  }

  /** Microsoft is always an organization of the ecosystem: every partner can ask for its help. */
  async ensureMicrosoft(): Promise<boolean> {
    return this.store.exclusive(async (commit) => {
      if (await this.store.get('organization', this.microsoftTenantId)) return false;
      await commit([{ kind: 'organization', put: { id: this.microsoftTenantId, name: 'Microsoft', kind: 'microsoft', inEcosystem: true } }]);
      return true;
    });
  }

  organizations(): Promise<Organization[]> {
    return this.store.list('organization');
  }

  organization(orgId: string): Promise<Organization | undefined> {
    return this.store.get('organization', orgId);
  }

  /** The caller's organization, created on first contact (a Teams tenant is an organization). */
  async ensureOrganization(tenantId: string, name?: string): Promise<Organization> {
    const existing = await this.store.get('organization', tenantId);
    if (existing) return existing;
    return this.store.exclusive(async (commit) => {
      const again = await this.store.get('organization', tenantId);
      if (again) return again;
      const org = Organization.parse({
        id: tenantId,
        name: name ?? `Organization ${tenantId.slice(0, 8)}`,
        kind: tenantId === this.microsoftTenantId ? 'microsoft' : 'partner',
        inEcosystem: false,
      });
      await commit([{ kind: 'organization', put: org }]);
      return org;
    });
  }

  person(orgId: string, userId: string): Promise<Person | undefined> {
    return this.store.get('person', `${orgId}:${userId}`);
  }

  /** Registers a user seen for the first time; the first user of an organization becomes its admin. */
  async ensurePerson(caller: Caller, profile: Profile & { name: string }): Promise<Person> {
    const org = await this.ensureOrganization(caller.tenantId);
    const known = await this.person(org.id, caller.userId);
    if (known?.usedBot && !changes(known, profile)) return known;
    return this.store.exclusive(async (commit) => {
      const current = await this.person(org.id, caller.userId);
      // The first to use the bot is its admin, even if a team's roster made them known before.
      const noAdmin = !(await this.store.list('person', org.id)).some((p) => p.roles.includes('admin'));
      const roles: Role[] = noAdmin ? ['admin'] : (current?.roles ?? ['seller']);
      const person = personRecord(org.id, caller.userId, current, { ...profile, usedBot: true }, roles);
      await commit([{ kind: 'person', put: person }]);
      return person;
    });
  }

  /** The language a person chose over their Teams client's; none: their client's again. */
  async setLanguage(caller: Caller, language: Lang | undefined): Promise<Person> {
    return this.store.exclusive(async (commit) => {
      const current = await this.person(caller.tenantId, caller.userId);
      if (!current) throw new CoSellError('not_found', t('directory.unknownPerson'));
      const { language: _previous, ...rest } = current;
      const person = Person.parse(language ? { ...rest, language } : rest);
      await commit([{ kind: 'person', put: person }]);
      return person;
    });
  }

  /**
   * Registers the members of a team the bot is installed in (its Teams roster, guests left out by the
   * caller) as sellers, so admins can give them roles and alerts can reach them before they ever write.
   * Known people keep their roles; their name, email and chat id are refreshed. Returns how many were new.
   */
  async registerMembers(orgId: string, members: { userId: string; name: string; email: string; channelUserId: string }[]): Promise<number> {
    await this.ensureOrganization(orgId);
    return this.store.exclusive(async (commit) => {
      const known = new Map((await this.store.list('person', orgId)).map((p) => [p.userId, p]));
      const writes: Write[] = [];
      let added = 0;
      for (const m of new Map(members.map((m) => [m.userId, m])).values()) {
        const current = known.get(m.userId);
        const person = personRecord(orgId, m.userId, current, { ...m, usedBot: current?.usedBot ?? false }, current?.roles ?? ['seller']);
        if (current && JSON.stringify(person) === JSON.stringify(current)) continue;
        if (!current) added++;
        writes.push({ kind: 'person', put: person });
      }
      if (writes.length > 0) await commit(writes);
      return added;
    });
  }

  /** The organization's own solutions, retired ones included, by name. */
  async ownSolutions(orgId: string): Promise<Solution[]> {
    return (await this.store.list('solution')).filter((s) => s.orgId === orgId).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** An admin adds a solution of the organization, or changes one (its name, its co-sell status). */
  async saveSolution(caller: Caller, settings: unknown): Promise<Solution> {
    return this.store.exclusive(async (commit) => {
      await this.requireAdmin(caller, 'changeSolutions');
      const input = parseInput(SolutionSettings, settings);
      const existing = input.id ? await this.store.get('solution', input.id) : undefined;
      if (input.id && existing?.orgId !== caller.tenantId) throw validationError({ id: t('directory.solution.notOurs') });
      const solution: Solution = { id: existing?.id ?? randomUUID(), orgId: caller.tenantId, name: input.name, coSellStatus: input.coSellStatus, retired: existing?.retired ?? false };
      await commit([{ kind: 'solution', put: solution }]);
      return solution;
    });
  }

  /** An admin retires a solution: no new deal may carry it, the deals that do keep it. */
  async retireSolution(caller: Caller, solutionId: string): Promise<Solution> {
    return this.store.exclusive(async (commit) => {
      await this.requireAdmin(caller, 'retireSolutions');
      const existing = await this.store.get('solution', solutionId);
      if (existing?.orgId !== caller.tenantId) throw new CoSellError('not_found', t('directory.solution.notOurs'));
      const retired = { ...existing, retired: true };
      await commit([{ kind: 'solution', put: retired }]);
      return retired;
    });
  }

  /** The acting admin of the caller's organization, or a refusal that says what only an admin may do, and whom to ask. */
  async requireAdmin(caller: Caller, what: AdminTask): Promise<Person> {
    const actor = await this.person(caller.tenantId, caller.userId);
    if (actor?.roles.includes('admin')) return actor;
    const admins = (await this.people(caller.tenantId)).filter((p) => p.roles.includes('admin')).map((p) => p.name);
    const whom = admins.length > 0 ? listOf(admins, 'disjunction') : t('directory.anAdmin');
    throw new CoSellError('forbidden', t('directory.onlyAdmin', { what: t(`directory.task.${what}`), whom }));
  }

  /** An admin's change to the organization's own record. */
  private updateOrganization(caller: Caller, what: AdminTask, change: (org: Organization) => Organization): Promise<Organization> {
    return this.store.exclusive(async (commit) => {
      await this.requireAdmin(caller, what);
      const org = await this.store.get('organization', caller.tenantId);
      if (!org) throw new CoSellError('not_found', t('directory.notRegistered'));
      const updated = change(org);
      await commit([{ kind: 'organization', put: updated }]);
      return updated;
    });
  }

  /** Turns the weekly digest on at a day and hour of the admin's time zone (from now on), or off. */
  setDigest(caller: Caller, settings: z.input<typeof DigestSettings> | undefined, timeZone: string, now: Date): Promise<Organization> {
    const chosen = settings && parseInput(DigestSettings, settings);
    return this.updateOrganization(caller, 'chooseDigest', ({ digest: _off, ...org }) => (chosen ? { ...org, digest: { ...chosen, timeZone, since: now.toISOString() } } : org));
  }

  /**
   * The organization's Partner Center connection, changed in one write: `change` gets the current one
   * (none when not connected) and returns the new one, or undefined to disconnect. Sign-in and sync
   * call this, not a person: the admin check is the caller's.
   */
  setPartnerCenterLink(orgId: string, change: (link: PartnerCenterLink | undefined) => PartnerCenterLink | undefined): Promise<Organization> {
    return this.store.exclusive(async (commit) => {
      const org = await this.store.get('organization', orgId);
      if (!org) throw new CoSellError('not_found', t('directory.notRegistered'));
      const { partnerCenter, ...rest } = org;
      const link = change(partnerCenter);
      const updated = Organization.parse(link ? { ...rest, partnerCenter: link } : rest);
      await commit([{ kind: 'organization', put: updated }]);
      return updated;
    });
  }

  /** An admin changes people's roles in their own organization, all at once; one admin at least remains. Each change is recorded. */
  async setRoles(caller: Caller, changes: Record<string, Role[]>, now: Date): Promise<Person[]> {
    return this.store.exclusive(async (commit) => {
      const actor = await this.requireAdmin(caller, 'changeRoles');
      const people = await this.store.list('person', caller.tenantId);
      const fields: Record<string, string> = {};
      const updated: Person[] = [];
      for (const [userId, wanted] of Object.entries(changes)) {
        const target = people.find((p) => p.userId === userId);
        const roles = z.array(Role).min(1).safeParse(wanted);
        const to = roles.success ? [...new Set(roles.data)] : [];
        if (!target) fields[`role:${userId}`] = t('error.unknownPerson');
        else if (!roles.success) fields[`role:${userId}`] = t('directory.role.none');
        else if (to.join() !== target.roles.join()) {
          updated.push({ ...target, roles: to, roleChanges: [...target.roleChanges, { at: now.toISOString(), byUserId: actor.userId, byName: actor.name, from: target.roles, to }].slice(-200) });
        }
      }
      if (Object.keys(fields).length > 0) throw validationError(fields);
      const after = people.map((p) => updated.find((u) => u.id === p.id) ?? p);
      if (!after.some((p) => p.roles.includes('admin'))) {
        throw new CoSellError('validation', t('directory.role.keepAdmin'), { roles: t('directory.role.keepAdminShort') });
      }
      if (updated.length > 0) await commit(updated.map((put): Write => ({ kind: 'person', put })));
      return updated;
    });
  }

  /** An admin sets the organization's name, Partner ID and whether other partners can find and invite it. */
  setUp(caller: Caller, settings: unknown, now: Date): Promise<Organization> {
    return this.updateOrganization(caller, 'setUp', (org) => ({ ...org, ...parseInput(OrganizationSettings, settings), setUpDateTime: org.setUpDateTime ?? now.toISOString() }));
  }

  /** An admin picks the team channel (conversation id) that also gets new-referral alerts; '' for none. */
  setAlertChannel(admin: Caller, conversationId: string): Promise<Organization> {
    return this.updateOrganization(admin, 'chooseAlerts', (org) => ({ ...org, alertChannelId: conversationId }));
  }

  async people(orgId: string): Promise<Person[]> {
    return this.store.list('person', orgId);
  }

  /** Ecosystem partners an organization can invite, matching a typed name. */
  async searchPartners(query: string, exceptOrgId: string, limit = 15): Promise<Organization[]> {
    const orgs = await this.store.list('organization');
    return orgs
      .filter((o) => o.kind === 'partner' && o.inEcosystem && o.id !== exceptOrgId && matches(query, o.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .slice(0, limit);
  }

  /** The organization's own customer directory. */
  ownCustomers(orgId: string): Promise<Customer[]> {
    return this.store.list('customer', orgId);
  }

  /** The customers an organization sees: its own directory's, and the demo directory's. */
  private async customersOf(orgId: string): Promise<Customer[]> {
    const [own, shared] = await Promise.all([this.store.list('customer', orgId), this.store.list('customer', '')]);
    return [...own, ...shared];
  }

  /** Customers by any word of name, city, country or D-U-N-S number: same-named entities are told apart by D-U-N-S. */
  async searchCustomers(orgId: string, query: string, limit = 15): Promise<Customer[]> {
    return (await this.customersOf(orgId))
      .filter((c) => matches(query, c.name, c.duns, c.address.city, c.address.country, countryName(c.address.country)))
      .sort((a, b) => a.name.localeCompare(b.name) || a.address.city.localeCompare(b.address.city))
      .slice(0, limit);
  }

  /** A customer the organization sees; another organization's is not found. */
  async customer(orgId: string, id: string): Promise<Customer | undefined> {
    const customer = await this.store.get('customer', id);
    return customer && (customer.orgId === orgId || customer.orgId === '') ? customer : undefined;
  }

  /**
   * The write that keeps a customer a seller typed by hand in the organization's directory, for the
   * next deal; none when the organization already sees that customer. Reads only: call it in the writer's section.
   */
  async keepCustomer(orgId: string, typed: CustomerInput): Promise<Write | undefined> {
    if ((await this.customersOf(orgId)).some((c) => sameCustomer(c, typed))) return undefined;
    return { kind: 'customer', put: { id: randomUUID(), orgId, ...typed } };
  }

  /**
   * An admin imports customers into the organization's directory, all in one commit: a row naming a
   * customer already there (same D-U-N-S number, or same name, city and country) updates it, any
   * other is added. Nothing is removed. A row naming the same customer as an earlier row is refused.
   */
  async importCustomers(caller: Caller, rows: CustomerRow[]): Promise<ImportReport> {
    return this.store.exclusive(async (commit) => {
      await this.requireAdmin(caller, 'importCustomers');
      const existing = await this.store.list('customer', caller.tenantId);
      const report: ImportReport = { added: 0, updated: 0, unchanged: 0, refused: [] };
      const taken: CustomerRow[] = [];
      /** Each customer already in the directory that a row updates, with that row: one row per customer. */
      const claimed = new Map<string, number>();
      const writes: Write[] = [];
      for (const row of rows) {
        const earlier = taken.find((t) => sameCustomer(t.customer, row.customer));
        if (earlier) {
          const why = row.customer.duns && earlier.customer.duns === row.customer.duns ? t('directory.import.sameDuns', { duns: row.customer.duns, row: earlier.row }) : t('directory.import.sameRow', { row: earlier.row });
          report.refused.push({ row: row.row, reason: why });
          continue;
        }
        const match = existing.find((c) => sameCustomer(c, filledFrom(row, c)));
        if (match && claimed.has(match.id)) {
          report.refused.push({ row: row.row, reason: t('directory.import.sameStored', { row: claimed.get(match.id)!, name: match.name }) });
          continue;
        }
        taken.push(row);
        if (match) claimed.set(match.id, row.row);
        // A D-U-N-S number names the customer: a row without one never takes it away.
        const customer = match ? { ...filledFrom(row, match), duns: row.customer.duns ?? match.duns } : row.customer;
        const next = Customer.parse({ id: match?.id ?? randomUUID(), orgId: caller.tenantId, ...customer });
        if (!match) report.added++;
        else if (JSON.stringify(match) === JSON.stringify(next)) {
          report.unchanged++;
          continue;
        } else report.updated++;
        writes.push({ kind: 'customer', put: next });
      }
      if (writes.length > 0) await commit(writes);
      return report;
    });
  }

  solution(id: string): Promise<Solution | undefined> {
    return this.store.get('solution', id);
  }

  /** Solutions a deal may carry: Microsoft's, and partners' co-sell ready or incentivized ones, own first. */
  async attachableSolutions(orgId: string): Promise<Solution[]> {
    const [solutions, orgs] = await Promise.all([this.store.list('solution'), this.store.list('organization')]);
    const byId = new Map(orgs.map((o) => [o.id, o]));
    const rank = (s: Solution) => (s.orgId === orgId ? 0 : byId.get(s.orgId)?.kind === 'microsoft' ? 1 : 2);
    return solutions
      .filter((s) => isAttachable(s, byId.get(s.orgId)))
      .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  }
}
