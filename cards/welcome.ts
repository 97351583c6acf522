// The welcome / help card: every command, as text and as buttons that reach the same places.
import { t, type MessageKey } from '../services/i18n.js';
import template from './welcome.json' with { type: 'json' };
import { compile, noBanner, type Banner, type Card } from './render.js';

const render = compile<object>(template);

/** The commands the card lists, each as `welcome.cmd.<name>` (what to type) and `…help` (what it does). */
const commands = ['newDeal', 'inbound', 'outbound', 'favorites', 'archive', 'find', 'deal', 'insights', 'export', 'admin', 'language', 'help'] as const;

export const commandHelp = () =>
  commands.map((c) => ({ title: t(`welcome.cmd.${c}` as MessageKey), value: t(`welcome.cmd.${c}.help` as MessageKey) }));

export function welcomeCard(d: { userName: string; orgName: string; role: string; banner?: Banner }): Card {
  return render({
    userName: d.userName,
    orgText: t('welcome.org', { org: d.orgName, role: d.role }),
    commands: commandHelp(),
    banner: d.banner ?? noBanner,
  });
}
