// The administration card, for admins only: the organization's set-up (name, Partner ID, listed in
// the co-sell ecosystem), where new-referral alerts go, and the people with their roles.
import { roles, type Organization, type OrganizationSettings, type Person, type Role } from '../services/model.js';
import { dateTime } from './format.js';
import { defineForm, inputsOf } from './forms.js';
import { execute, fitted, heading, noBanner, plain, type Banner, type Card, type Element } from './render.js';

export const roleLabels: Record<Role, string> = { admin: 'Admin', 'referrals-admin': 'Referrals admin', seller: 'Seller' };

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
      const picked = typeof raw === 'string' ? raw.split(',').map((r) => r.trim()) : [];
      return [userId, picked.filter((r): r is Role => known.has(r))];
    }),
  );
}

export interface AdminCardData {
  org: Organization;
  people: Person[];
  /** The team channel's name is not known to the bot: it says whether there is one. */
  banner?: Banner;
  values?: Partial<Record<string, string>>;
  errors?: Partial<Record<string, string>>;
}

const rolesText = (list: Role[]) => list.map((r) => roleLabels[r]).join(', ');

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

export function adminCard(d: AdminCardData): Card {
  const { org } = d;
  const people = [...d.people].sort((a, b) => a.name.localeCompare(b.name));
  const referralsAdmins = people.filter((p) => p.roles.includes('referrals-admin'));
  const alerted = referralsAdmins.length > 0 ? referralsAdmins : people.filter((p) => p.roles.includes('admin'));
  const values = { name: org.name, partnerId: org.partnerId, inEcosystem: String(org.inEcosystem), ...d.values };
  const banner = d.banner ?? noBanner;
  // The people list is the part that grows: fewer rows until the card fits Teams.
  return fitted([people.length, 40, 15] as const, (shown) => ({
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
      heading('Where alerts go', { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading(
        `New referrals alert the ${referralsAdmins.length > 0 ? 'referrals admins' : 'admins (there is no referrals admin)'} in their personal chats${
          org.alertChannelId ? ', and one team channel' : ''
        }. To alert a team channel too, say “alerts here” in it; “alerts off” stops it.`,
        { isSubtle: true },
      ),
      plain(alerted.map((p) => p.name).join(', ') || 'Nobody yet', { spacing: 'None' }),
      heading(`People · ${people.length}`, { weight: 'Bolder', size: 'Medium', spacing: 'Medium' }),
      heading('Everyone who has used Co-sell Bot. A change applies to their next click; at least one admin remains.', { isSubtle: true, spacing: 'None' }),
      ...people.slice(0, shown).flatMap((p) => [
        plain(p.email ? `${p.name} · ${p.email}` : p.name, { spacing: 'Small' }),
        {
          type: 'Input.ChoiceSet',
          id: roleInputId(p.userId),
          isMultiSelect: true,
          style: 'compact',
          value: p.roles.join(','),
          choices: roles.map((r) => ({ title: roleLabels[r], value: r })),
        },
        ...(d.errors?.[roleInputId(p.userId)] ? [plain(d.errors[roleInputId(p.userId)]!, { color: 'Attention', size: 'Small', spacing: 'None' })] : []),
      ]),
      ...(shown < people.length ? [heading(`And ${people.length - shown} more, not shown: the card would be too large for Teams.`, { isSubtle: true })] : []),
      { type: 'ActionSet', actions: [execute('Save roles', 'setRoles', { shown: people.slice(0, shown).map((p) => p.userId) }, { style: 'positive' })] },
      ...recentChanges(people, 5),
    ],
  }));
}
