// The welcome / help card: every command, as text and as buttons that reach the same places.
import template from './welcome.json' with { type: 'json' };
import { compile, noBanner, type Banner, type Card } from './render.js';

const render = compile<object>(template);

export const commandHelp = [
  { title: 'new deal', value: 'create a private, co-sell or partner-to-partner deal' },
  { title: 'inbound', value: 'referrals sent to your organization' },
  { title: 'outbound', value: 'deals your organization created' },
  { title: 'favorites', value: 'deals you marked with the heart' },
  { title: 'archive', value: 'won, lost, declined and expired deals' },
  { title: 'find <text>', value: 'search by deal name, customer or CRM id' },
  { title: 'deal <id>', value: 'open one deal by the id its card shows (8 characters are enough)' },
  { title: 'admin', value: 'set up your organization and give people their roles (admins only)' },
  { title: 'help', value: 'this card' },
];

export function welcomeCard(d: { userName: string; orgName: string; role: string; banner?: Banner }): Card {
  return render({
    userName: d.userName,
    orgText: `${d.orgName} · your role: ${d.role}`,
    commands: commandHelp,
    banner: d.banner ?? noBanner,
  });
}
