// How amounts, dates and stages read on a card.
import { DAY_MS } from '../services/clock.js';
import { t } from '../services/i18n.js';
import { customerSizes, declineReasons, helpTypes, lostReasons, marketplaceIntents, salesStages, type Address, type CoSellStatus, type Customer, type CustomerSize, type DealType, type DeclineReason, type HelpType, type LostReason, type MarketplaceIntent, type Organization, type Referral, type RegistrationStatus, type Role, type SalesStage, type Solution, type Stage } from '../services/model.js';

export { dateTime, day, money, number } from '../services/i18n.js';

export function daysLeft(deadline: string, now: Date): string {
  const days = Math.ceil((Date.parse(deadline) - now.getTime()) / DAY_MS);
  return days <= 0 ? t('respond.none') : t('respond.daysLeft', { days });
}

/**
 * The stage as a badge: a container style behind default text. Colored text alone (green "Won") is
 * too faint on Teams' light theme; tinted backgrounds keep the text at full contrast in every theme.
 */
export const stageStyle: Record<Stage, 'accent' | 'emphasis' | 'good' | 'attention' | 'warning'> = {
  Received: 'accent',
  Accepted: 'emphasis',
  Won: 'good',
  Lost: 'attention',
  Declined: 'attention',
  Expired: 'warning',
};

// Labels of the model's codes, in the reader's language; each code's words are in the catalogues.
export const stageLabel = (s: Stage) => t(`stage.${s}`);
export const dealTypeLabel = (d: DealType) => t(`dealType.${d}`);
export const directionLabel = (d: Referral['direction']) => t(`direction.${d}`);
export const coSellStatusLabel = (s: CoSellStatus) => t(`coSell.${s}`);
export const salesStageLabel = (s: SalesStage) => t(`salesStage.${s}`);
export const intentLabel = (i: MarketplaceIntent) => t(`intent.${i}`);
export const sizeLabel = (s: CustomerSize) => t(`size.${s}`);
export const registrationStatusLabel = (s: RegistrationStatus) => t(`registrationStatus.${s}`);
export const roleLabel = (r: Role) => t(`role.${r}`);
/** A help type's label; an unknown code reads as itself. */
export const helpLabel = (code: string): string => ((helpTypes as readonly string[]).includes(code) ? t(`help.${code as HelpType}`) : code);
/** Why a deal was declined, lost or expired; a reason from elsewhere (Partner Center) reads as sent. */
export function reasonLabel(stage: Stage, code: string): string {
  if (stage === 'Lost') return (lostReasons as readonly string[]).includes(code) ? t(`lostReason.${code as LostReason}`) : code;
  return [...declineReasons, 'NoResponse'].includes(code) ? t(`declineReason.${code as DeclineReason | 'NoResponse'}`) : code;
}

/** Choices for a list of codes, each titled with its label. */
export const choicesOf = <C extends string>(codes: readonly C[], label: (code: C) => string) => codes.map((value) => ({ title: label(value), value }));

/** The pickers of Partner Center's pipeline fields; the size offers the current bands (the older three are read, not offered). */
export const pipelineChoices = () => ({
  salesStages: choicesOf(salesStages, salesStageLabel),
  marketplaceIntents: choicesOf(marketplaceIntents, intentLabel),
  customerSizes: choicesOf(customerSizes.slice(0, 8), sizeLabel),
});

/** A customer's address on one line: street, city, postal code, state, country. */
export const addressLine = (a: Address) => [a.addressLine1, a.addressLine2, a.city, [a.postalCode, a.state].filter(Boolean).join(' '), a.country].filter(Boolean).join(', ');

/**
 * Solutions to pick, grouped by owner: the viewer's company first, then Microsoft, then each partner.
 * Microsoft's own need no status (they can always be attached); a partner's shows its co-sell status.
 */
export function solutionChoices(solutions: Solution[], organizations: Organization[], selfOrgId: string): { title: string; value: string }[] {
  const byId = new Map(organizations.map((o) => [o.id, o]));
  const owner = (s: Solution) => (s.orgId === selfOrgId ? t('owner.yours') : byId.get(s.orgId)?.name ?? t('owner.anotherPartner'));
  const rank = (s: Solution) => (s.orgId === selfOrgId ? 0 : byId.get(s.orgId)?.kind === 'microsoft' ? 1 : 2);
  return [...solutions]
    .sort((a, b) => rank(a) - rank(b) || owner(a).localeCompare(owner(b)) || a.name.localeCompare(b.name))
    .map((s) => ({
      title: `${owner(s)} · ${s.name}${byId.get(s.orgId)?.kind === 'microsoft' ? '' : ` (${coSellStatusLabel(s.coSellStatus)})`}`,
      value: s.id,
    }));
}

/** Solutions offered for a partner before the partner is picked; once picked, all of its own. */
const UNPICKED_PARTNER_SOLUTIONS = 25;

/** What an invited partner can bring: partners' co-sell ready solutions, only the chosen partner's once it is known. */
export function partnerSolutionChoices(attachable: Solution[], organizations: Organization[], selfOrgId: string, partnerId: string | undefined) {
  const chosen = organizations.find((o) => o.id === partnerId && o.kind === 'partner');
  const isPartner = (orgId: string) => orgId !== selfOrgId && organizations.find((o) => o.id === orgId)?.kind === 'partner';
  const offered = attachable.filter((s) => isPartner(s.orgId) && (!chosen || s.orgId === chosen.id));
  return solutionChoices(offered, organizations, selfOrgId).slice(0, chosen ? undefined : UNPICKED_PARTNER_SOLUTIONS);
}

export const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'INR', 'BRL', 'MXN'] as const;

/** What the heart says: a second click takes the deal off the favorites. */
export const heartTitle = (favorite: boolean) => t(favorite ? 'heart.remove' : 'heart.add');

/** The id people see and type (`deal 6e46aef7`): the first 8 characters; the bot finds a deal by any unambiguous prefix that long. */
export const SHORT_ID_LENGTH = 8;
export const shortId = (id: string) => id.slice(0, SHORT_ID_LENGTH);

/** A person as a choice: name and email (the value is the caller's: an email, or a place on the team). */
export const personChoice = (m: { firstName: string; lastName: string; email: string }, value: string) => ({ title: `${[m.firstName, m.lastName].filter(Boolean).join(' ')} · ${m.email}`, value });

/** A customer as a choice: same-named entities in one city are told apart by D-U-N-S number. */
export const customerChoice = (c: Customer) => ({
  title: `${c.name} · ${[c.address.city, c.address.country].filter(Boolean).join(', ')}${c.duns ? ` · D-U-N-S ${c.duns}` : ''}`,
  value: c.id,
});
