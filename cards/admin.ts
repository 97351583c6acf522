// The administration card, for admins only: the organization's set-up (name, Partner ID, listed in
// the co-sell ecosystem), where new-referral alerts go, and the people with their roles.
import { t, weekday } from '../services/i18n.js';
import { coSellStatuses, roles, type Organization, type OrganizationSettings, type Person, type Role, type Solution } from '../services/model.js';
import { customerFileHelp } from './customer-import.js';
import { choicesOf, coSellStatusLabel, dateTime, number, roleLabel } from './format.js';
import { defineForm, inputsOf, NO_CHOICE, picked } from './forms.js';
import { execute, fitted, heading, noBanner, plain, type Banner, type Card, type Element } from './render.js';

/** The weekly digest's day and hour; the zone is the admin's own, said next to it. */
export const digestForm = defineForm({
  title: 'admin.digest.form',
  fields: [
    { id: 'digestDay', label: 'admin.digest.day', kind: 'choice', choices: 'weekdays', required: true, half: true, errorMessage: 'admin.digest.dayError', errors: ['day'] },
    { id: 'digestHour', label: 'admin.digest.hour', kind: 'choice', choices: 'hours', required: true, half: true, errorMessage: 'admin.digest.hourError', errors: ['hour'] },
  ] as const,
  submit: { title: 'admin.digest.save', style: 'positive' },
  toInput: (v): { day: number; hour: number } => ({ day: Number(v.digestDay), hour: Number(v.digestHour) }),
});

const hourText = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** Whether the digest is on and when, and the form that sets it (in the reader's zone, which it names). */
function digestItems(d: AdminCardData, readers: Person[]): Element[] {
  const digest = d.org.digest;
  const zone = digest?.timeZone ?? d.timeZone ?? 'UTC';
  return [
    heading(t('admin.digest.title'), { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
    // People's names are in it: a text run, never markdown.
    digest
      ? plain(t('admin.digest.on', { day: weekday(digest.day), hour: hourText(digest.hour), zone: digest.timeZone, to: readers.map((p) => p.name).join(', ') || t('admin.alerts.nobody') }), { isSubtle: true })
      : heading(t('admin.digest.off'), { isSubtle: true }),
    ...inputsOf(digestForm.fields, {
      values: { digestDay: String(digest?.day ?? 1), digestHour: String(digest?.hour ?? 9), ...d.values },
      errors: d.errors ?? {},
      choices: {
        weekdays: [1, 2, 3, 4, 5, 6, 7].map((n) => ({ title: weekday(n), value: String(n) })),
        hours: Array.from({ length: 24 }, (_, h) => ({ title: hourText(h), value: String(h) })),
      },
    }),
    heading(t('admin.digest.zone', { zone }), { isSubtle: true, size: 'Small', spacing: 'None' }),
    { type: 'ActionSet', actions: [execute(digestForm.submit.title, 'setDigest', {}, { style: 'positive' }), ...(digest ? [execute(t('admin.digest.turnOff'), 'setDigest', { off: true }, { inputs: 'none' })] : [])] },
  ];
}

export const organizationForm = defineForm({
  title: 'admin.org.title',
  fields: [
    { id: 'name', label: 'admin.org.name', kind: 'text', required: true, maxLength: 200 },
    {
      id: 'partnerId',
      label: 'admin.org.partnerId',
      kind: 'text',
      maxLength: 10,
      regex: '^(\\d{6,10})?$',
      errorMessage: 'admin.org.partnerIdError',
    },
    { id: 'inEcosystem', label: 'admin.org.ecosystem', kind: 'toggle', title: 'admin.org.ecosystemListed' },
  ] as const,
  submit: { title: 'admin.org.save', style: 'positive' },
  toInput: (v): OrganizationSettings => ({ name: v.name, partnerId: v.partnerId, inEcosystem: v.inEcosystem === 'true' }),
});

/** No client checks on it: Teams checks every input of the card on any button, and the other forms' buttons must work with it empty. */
export const solutionForm = defineForm({
  title: 'admin.solution.formTitle',
  fields: [
    { id: 'solutionId', label: 'admin.solution.solution', kind: 'choice', choices: 'ownSolutions', errors: ['id'] },
    { id: 'solutionName', label: 'admin.solution.name', kind: 'text', required: true, maxLength: 200, errors: ['name'] },
    { id: 'coSellStatus', label: 'admin.solution.status', kind: 'choice', choices: 'coSellStatuses', required: true, placeholder: 'admin.solution.statusPlaceholder' },
  ] as const,
  submit: { title: 'admin.solution.save', style: 'positive' },
  toInput: (v) => ({ ...(v.solutionId ? { id: v.solutionId } : {}), name: v.solutionName, coSellStatus: v.coSellStatus }),
});

/** The input of a person's roles: one per person, so one Save sets everyone's. */
export const roleInputId = (userId: string) => `role:${userId}`;

/**
 * The roles each person shown on the card was given, by user id. Teams leaves an emptied input out
 * of the data: a person the card showed and the data lacks has no role left (which is refused).
 */
export function rolesSubmitted(data: Record<string, unknown>): Record<string, Role[]> {
  const known = new Set<string>(roles);
  const shown = Array.isArray(data.shown) ? data.shown.filter((id): id is string => typeof id === 'string') : [];
  return Object.fromEntries(
    shown.map((userId) => {
      const raw = data[roleInputId(userId)];
      return [userId, [...picked(typeof raw === 'string' ? raw : '')].filter((r): r is Role => known.has(r))];
    }),
  );
}

export interface AdminCardData {
  org: Organization;
  people: Person[];
  /** The organization's own solutions, retired ones included. */
  solutions: Solution[];
  /** How many customers the organization's own directory holds. */
  customers: number;
  banner?: Banner;
  values?: Partial<Record<string, string>>;
  errors?: Partial<Record<string, string>>;
  /** Whether this deployment can connect organizations to Partner Center (it has an app registration). */
  partnerCenter?: { now: Date };
  /** The reader's time zone: a digest turned on now keeps it. */
  timeZone?: string;
}

/** The Partner Center connection: how it stands, what to do, and the sync's problems of the last day. */
function partnerCenterItems(org: Organization, now: Date): Element[] {
  const link = org.partnerCenter;
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const problems = (link?.problems ?? []).filter((p) => p.at >= dayAgo).slice(-5);
  const state =
    link?.status === 'signingIn' && link.userCode
      ? [plain(t('admin.pc.signingIn', { uri: link.verificationUri, code: link.userCode, until: link.codeExpiresDateTime ? dateTime(link.codeExpiresDateTime) : '' }), { weight: 'Bolder' })]
      : link?.status === 'connected'
        ? [plain(t('admin.pc.connected', { account: link.account, since: dateTime(link.connectedDateTime ?? now.toISOString()) })), heading(link.lastSyncDateTime ? t('admin.pc.lastSync', { at: dateTime(link.lastSyncDateTime) }) : t('admin.pc.notSyncedYet'), { isSubtle: true, spacing: 'None' })]
        : [heading(t(link?.status === 'needsSignIn' ? 'admin.pc.needsSignIn' : 'admin.pc.notConnected'), { isSubtle: true })];
  const connect = execute(t('admin.pc.connect'), 'connectPartnerCenter', {}, { style: 'positive' });
  const disconnect = execute(t(link?.status === 'signingIn' ? 'admin.pc.cancel' : 'admin.pc.disconnect'), 'disconnectPartnerCenter', {});
  const actions = !link || link.status === 'needsSignIn' ? [connect, ...(link ? [disconnect] : [])] : link.status === 'signingIn' ? [execute(t('admin.pc.signedIn'), 'admin', {}), disconnect] : [disconnect];
  return [
    heading(t('admin.pc.title'), { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
    ...state,
    ...(problems.length > 0 ? [heading(t('admin.pc.problems'), { weight: 'Bolder', size: 'Small' }), ...problems.map((p) => plain(`${dateTime(p.at)} · ${p.message}`, { size: 'Small', color: 'Attention', spacing: 'None' }))] : []),
    { type: 'ActionSet', actions },
  ];
}

/** How much of the growing lists a card shows. */
interface Level {
  people: number;
  solutions: number;
  titleChars?: number;
}

const rolesText = (list: Role[]) => list.map(roleLabel).join(', ');

/** The last role changes of the organization, newest first. */
function recentChanges(people: Person[], max: number): Element[] {
  const changes = people
    .flatMap((p) => p.roleChanges.map((c) => ({ ...c, who: p.name })))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, max);
  if (changes.length === 0) return [];
  return [
    heading(t('admin.roleChanges.title'), { weight: 'Bolder', spacing: 'Medium' }),
    ...changes.map((c) => plain(t('admin.roleChanges.change', { at: dateTime(c.at), by: c.byName, who: c.who, to: rolesText(c.to), from: rolesText(c.from) }), { size: 'Small', spacing: 'None' })),
  ];
}

/** The organization's solutions with a Retire button each, and the form that adds or changes one. */
function solutionItems(d: AdminCardData, level: Level): Element[] {
  const active = d.solutions.filter((s) => !s.retired);
  const retired = d.solutions.length - active.length;
  const shown = active.slice(0, level.solutions);
  return [
    heading(t('admin.solutions.title', { count: number(active.length) }), { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
    heading(t('admin.solutions.intro'), { isSubtle: true, spacing: 'None' }),
    ...shown.flatMap((s) => [
      {
        type: 'ColumnSet',
        columns: [
          { type: 'Column', width: 'stretch', items: [plain(s.name), heading(coSellStatusLabel(s.coSellStatus), { isSubtle: true, size: 'Small', spacing: 'None' })] },
          { type: 'Column', width: 'auto', items: [{ type: 'ActionSet', actions: [execute(t('admin.solutions.retire'), 'retireSolution', { solutionId: s.id }, { inputs: 'none' })] }] },
        ],
      },
    ]),
    ...(shown.length < active.length ? [heading(t('admin.moreNotShown', { count: active.length - shown.length }), { isSubtle: true })] : []),
    ...(retired > 0 ? [heading(t('admin.solutions.retired', { count: retired }), { isSubtle: true })] : []),
    heading(solutionForm.title, { weight: 'Bolder', spacing: 'Medium' }),
    ...inputsOf(solutionForm.fields, {
      values: { solutionId: NO_CHOICE, ...d.values },
      errors: d.errors ?? {},
      clientChecks: false,
      titleChars: level.titleChars,
      choices: {
        ownSolutions: [{ title: t('admin.solution.new'), value: NO_CHOICE }, ...active.map((s) => ({ title: s.name, value: s.id }))],
        coSellStatuses: choicesOf(coSellStatuses, coSellStatusLabel),
      },
    }),
    { type: 'ActionSet', actions: [execute(solutionForm.submit.title, 'saveSolution', {}, { style: 'positive' })] },
  ];
}

export function adminCard(d: AdminCardData): Card {
  const { org } = d;
  const people = [...d.people].sort((a, b) => a.name.localeCompare(b.name));
  const referralsAdmins = people.filter((p) => p.roles.includes('referrals-admin'));
  const alerted = referralsAdmins.length > 0 ? referralsAdmins : people.filter((p) => p.roles.includes('admin'));
  const values = { name: org.name, partnerId: org.partnerId, inEcosystem: String(org.inEcosystem), ...d.values };
  const banner = d.banner ?? noBanner;
  // People and solutions are the parts that grow: fewer rows, and shorter choice titles, until the card fits Teams.
  const levels: [Level, ...Level[]] = [
    { people: people.length, solutions: d.solutions.length },
    { people: 40, solutions: 25, titleChars: 60 },
    { people: 15, solutions: 10, titleChars: 40 },
  ];
  return fitted(levels, (level) => ({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    fallbackText: t('admin.fallback'),
    body: [
      heading(t('admin.title'), { size: 'Large', weight: 'Bolder' }),
      ...(org.setUpDateTime ? [] : [heading(t('admin.setUpFirst'), { isSubtle: true })]),
      ...(banner.show ? [{ type: 'Container', style: banner.style, items: [plain(banner.text, { weight: 'Bolder' })] }] : []),
      heading(organizationForm.title, { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      ...inputsOf(organizationForm.fields, { values, errors: d.errors ?? {}, choices: {} }),
      { type: 'ActionSet', actions: [execute(organizationForm.submit.title, 'setUp', {}, { style: 'positive' })] },
      ...solutionItems(d, level),
      heading(t('admin.customers.title', { count: number(d.customers) }), { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading(t('admin.customers.intro', { fileHelp: customerFileHelp() }), { isSubtle: true, spacing: 'None' }),
      ...(d.partnerCenter ? partnerCenterItems(org, d.partnerCenter.now) : []),
      heading(t('admin.alerts.title'), { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading(t('admin.alerts.where', { to: referralsAdmins.length > 0 ? 'referralsAdmins' : 'admins', channel: org.alertChannelId ? 'yes' : 'no' }), { isSubtle: true }),
      plain(alerted.map((p) => p.name).join(', ') || t('admin.alerts.nobody'), { spacing: 'None' }),
      ...digestItems(d, alerted),
      heading(t('admin.people.title', { count: number(people.length) }), { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading(t('admin.people.intro'), { isSubtle: true, spacing: 'None' }),
      ...people.slice(0, level.people).flatMap((p) => [
        plain(p.email ? `${p.name} · ${p.email}` : p.name, { spacing: 'Small' }),
        {
          type: 'Input.ChoiceSet',
          id: roleInputId(p.userId),
          isMultiSelect: true,
          style: 'compact',
          value: p.roles.join(','),
          choices: choicesOf(roles, roleLabel),
        },
        ...(d.errors?.[roleInputId(p.userId)] ? [plain(d.errors[roleInputId(p.userId)]!, { color: 'Attention', size: 'Small', spacing: 'None' })] : []),
      ]),
      ...(level.people < people.length ? [heading(t('admin.moreNotShown', { count: people.length - level.people }), { isSubtle: true })] : []),
      { type: 'ActionSet', actions: [execute(t('admin.people.save'), 'setRoles', { shown: people.slice(0, level.people).map((p) => p.userId) }, { style: 'positive' })] },
      ...recentChanges(people, 5),
    ],
  }));
}
