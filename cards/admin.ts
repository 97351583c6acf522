// The administration card, for admins only: the organization's set-up (name, Partner ID, listed in
// the co-sell ecosystem), where new-referral alerts go, and the people with their roles.
import { coSellStatuses, roles, type Organization, type OrganizationSettings, type Person, type Role, type Solution } from '../services/model.js';
import { customerFileHelp } from './customer-import.js';
import { choicesOf, coSellStatusLabel, dateTime, roleLabel } from './format.js';
import { defineForm, inputsOf, NO_CHOICE, picked } from './forms.js';
import { execute, fitted, heading, noBanner, plain, type Banner, type Card, type Element } from './render.js';


export const organizationForm = defineForm({
  title: 'Your organization',
  fields: [
    { id: 'name', label: 'Organization name, as partners know it', kind: 'text', required: true, maxLength: 200 },
    {
      id: 'partnerId',
      label: 'Partner ID (Partner Center: Account settings > Identifiers)',
      kind: 'text',
      maxLength: 10,
      regex: '^(\\d{6,10})?$',
      errorMessage: 'A Partner ID is 6 to 10 digits.',
    },
    { id: 'inEcosystem', label: 'Co-sell ecosystem', kind: 'toggle', title: 'Listed: other partners can find us and invite us to their deals' },
  ] as const,
  submit: { title: 'Save', style: 'positive' },
  toInput: (v): OrganizationSettings => ({ name: v.name, partnerId: v.partnerId, inEcosystem: v.inEcosystem === 'true' }),
});

/** No client checks on it: Teams checks every input of the card on any button, and the other forms' buttons must work with it empty. */
export const solutionForm = defineForm({
  title: 'Add or change a solution',
  fields: [
    { id: 'solutionId', label: 'Solution', kind: 'choice', choices: 'ownSolutions', errors: ['id'] },
    { id: 'solutionName', label: 'Name', kind: 'text', required: true, maxLength: 200, errors: ['name'] },
    { id: 'coSellStatus', label: 'Co-sell status', kind: 'choice', choices: 'coSellStatuses', required: true, placeholder: 'Pick a status' },
  ] as const,
  submit: { title: 'Save solution', style: 'positive' },
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
    heading('Recent role changes', { weight: 'Bolder', spacing: 'Medium' }),
    ...changes.map((c) => plain(`${dateTime(c.at)} · ${c.byName} changed the roles of ${c.who} to ${rolesText(c.to)} (was ${rolesText(c.from)})`, { size: 'Small', spacing: 'None' })),
  ];
}

/** The organization's solutions with a Retire button each, and the form that adds or changes one. */
function solutionItems(d: AdminCardData, level: Level): Element[] {
  const active = d.solutions.filter((s) => !s.retired);
  const retired = d.solutions.length - active.length;
  const shown = active.slice(0, level.solutions);
  return [
    heading(`Solutions · ${active.length}`, { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
    heading('Co-sell ready and incentivized ones can be put on deals, by you and by the partners you invite.', { isSubtle: true, spacing: 'None' }),
    ...shown.flatMap((s) => [
      {
        type: 'ColumnSet',
        columns: [
          { type: 'Column', width: 'stretch', items: [plain(s.name), heading(coSellStatusLabel(s.coSellStatus), { isSubtle: true, size: 'Small', spacing: 'None' })] },
          { type: 'Column', width: 'auto', items: [{ type: 'ActionSet', actions: [execute('Retire', 'retireSolution', { solutionId: s.id }, { inputs: 'none' })] }] },
        ],
      },
    ]),
    ...(shown.length < active.length ? [heading(`And ${active.length - shown.length} more, not shown: the card would be too large for Teams.`, { isSubtle: true })] : []),
    ...(retired > 0 ? [heading(`${retired} retired: no new deal carries them; the deals that do keep them.`, { isSubtle: true })] : []),
    heading(solutionForm.title, { weight: 'Bolder', spacing: 'Medium' }),
    ...inputsOf(solutionForm.fields, {
      values: { solutionId: NO_CHOICE, ...d.values },
      errors: d.errors ?? {},
      clientChecks: false,
      titleChars: level.titleChars,
      choices: {
        ownSolutions: [{ title: 'A new solution', value: NO_CHOICE }, ...active.map((s) => ({ title: s.name, value: s.id }))],
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
    fallbackText: 'Co-sell Bot administration: update Teams to see this card.',
    body: [
      heading('Administration', { size: 'Large', weight: 'Bolder' }),
      ...(org.setUpDateTime
        ? []
        : [heading('Set up your organization: the name partners know it by, its Partner ID, and whether other partners can find and invite it.', { isSubtle: true })]),
      ...(banner.show ? [{ type: 'Container', style: banner.style, items: [plain(banner.text, { weight: 'Bolder' })] }] : []),
      heading(organizationForm.title, { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      ...inputsOf(organizationForm.fields, { values, errors: d.errors ?? {}, choices: {} }),
      { type: 'ActionSet', actions: [execute(organizationForm.submit.title, 'setUp', {}, { style: 'positive' })] },
      ...solutionItems(d, level),
      heading(`Customers · ${d.customers}`, { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading(`Sellers pick the deal's customer from this directory; one they type by hand is kept for their next deal. ${customerFileHelp}`, { isSubtle: true, spacing: 'None' }),
      heading('Where alerts go', { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading(
        `New referrals alert the ${referralsAdmins.length > 0 ? 'referrals admins' : 'admins (there is no referrals admin)'} in their personal chats${
          org.alertChannelId ? ', and one team channel' : ''
        }. To alert a team channel too, say “alerts here” in it; “alerts off” stops it.`,
        { isSubtle: true },
      ),
      plain(alerted.map((p) => p.name).join(', ') || 'Nobody yet', { spacing: 'None' }),
      heading(`People · ${people.length}`, { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading('Everyone who has used Co-sell Bot, and the members of the teams it is installed in. A change applies to their next click; at least one admin remains.', { isSubtle: true, spacing: 'None' }),
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
      ...(level.people < people.length ? [heading(`And ${people.length - level.people} more, not shown: the card would be too large for Teams.`, { isSubtle: true })] : []),
      { type: 'ActionSet', actions: [execute('Save roles', 'setRoles', { shown: people.slice(0, level.people).map((p) => p.userId) }, { style: 'positive' })] },
      ...recentChanges(people, 5),
    ],
  }));
}
