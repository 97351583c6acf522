// How amounts, dates and stages read on a card.
import { DAY_MS } from '../services/clock.js';
import { customerSizes, marketplaceIntents, salesStages, type Address, type Customer, type CustomerSize, type MarketplaceIntent, type Organization, type SalesStage, type Solution, type Stage } from '../services/model.js';

/** Formatters are costly to build and cards show many amounts and dates: each is built once. */
const formatters = new Map<string, Intl.NumberFormat>();
function currencyFormat(currency: string, digits?: number): Intl.NumberFormat {
  const key = `${currency}|${digits ?? ''}`;
  let format = formatters.get(key);
  if (!format) {
    const fraction = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency, ...fraction });
    formatters.set(key, format);
  }
  return format;
}

/** The amount stored, exactly: cents are dropped only when they are zero (125000.5 EUR is €125,000.50). */
export function money(value: number, currency: string): string {
  const text = String(value);
  const decimals = Number.isInteger(value) ? 0 : text.includes('e') ? 20 : (text.split('.')[1] ?? '').length;
  try {
    const minor = currencyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
    return currencyFormat(currency, decimals === 0 ? 0 : Math.min(20, Math.max(minor, decimals))).format(value);
  } catch {
    return `${value.toLocaleString('en-US', { maximumFractionDigits: 20 })} ${currency}`;
  }
}

const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** 2027-03-31T00:00:00Z -> "31 Mar 2027" (close dates are days, shown in UTC). */
export function day(iso: string): string {
  return dayFormat.format(new Date(iso));
}

export function dateTime(iso: string): string {
  return `${dateTimeFormat.format(new Date(iso))} UTC`;
}

export function daysLeft(deadline: string, now: Date): string {
  const days = Math.ceil((Date.parse(deadline) - now.getTime()) / DAY_MS);
  if (days <= 0) return 'No time left to respond';
  return days === 1 ? '1 day left to respond' : `${days} days left to respond`;
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

export const coSellStatusLabels = {
  NotCoSellReady: 'Not co-sell ready',
  CoSellReady: 'Co-sell ready',
  AzureIpCoSellIncentivized: 'Azure IP co-sell incentivized',
  BizAppsCoSellIncentivizedStandard: 'Business Applications co-sell incentivized (standard)',
  BizAppsCoSellIncentivizedPremium: 'Business Applications co-sell incentivized (premium)',
} as const;

export const helpTypeLabels = {
  None: 'None (keep the deal private)',
  GeneralOrOther: 'General or other',
  CustomerTechnicalArchitecture: 'Customer technical architecture',
  ProofOfConceptOrDemo: 'Proof of concept or demo',
  QuotesOrLicensing: 'Quotes or licensing',
  PostSalesCustomerSuccess: 'Post-sales customer success',
  WorkloadSpecificValueProposition: 'Workload-specific value proposition',
} as const;

export const salesStageLabels: Record<SalesStage, string> = { Qualify: 'Qualify', Develop: 'Develop', Propose: 'Propose', Close: 'Close' };
export const intentLabels: Record<MarketplaceIntent, string> = { Yes: 'Yes', No: 'No', HaveNotDecided: 'Have not decided' };
export const sizeLabels: Record<CustomerSize, string> = {
  '1to9employees': '1 to 9 employees',
  '10to50employees': '10 to 50 employees',
  '51to250employees': '51 to 250 employees',
  '251to1000employees': '251 to 1,000 employees',
  '1001to5000employees': '1,001 to 5,000 employees',
  '5001to10000employees': '5,001 to 10,000 employees',
  '10001to20000employees': '10,001 to 20,000 employees',
  Morethan20000employees: 'More than 20,000 employees',
  '1to50employees': '1 to 50 employees',
  '51to500employees': '51 to 500 employees',
  Morethan500employees: 'More than 500 employees',
};

/** The pickers of Partner Center's pipeline fields; the size offers the current bands (the older three are read, not offered). */
export const pipelineChoices = {
  salesStages: salesStages.map((v) => ({ title: salesStageLabels[v], value: v })),
  marketplaceIntents: marketplaceIntents.map((v) => ({ title: intentLabels[v], value: v })),
  customerSizes: customerSizes.slice(0, 8).map((v) => ({ title: sizeLabels[v], value: v })),
};

/** A customer's address on one line: street, city, postal code, state, country. */
export const addressLine = (a: Address) => [a.addressLine1, a.addressLine2, a.city, [a.postalCode, a.state].filter(Boolean).join(' '), a.country].filter(Boolean).join(', ');

/**
 * Solutions to pick, grouped by owner: the viewer's company first, then Microsoft, then each partner.
 * Microsoft's own need no status (they can always be attached); a partner's shows its co-sell status.
 */
export function solutionChoices(solutions: Solution[], organizations: Organization[], selfOrgId: string): { title: string; value: string }[] {
  const byId = new Map(organizations.map((o) => [o.id, o]));
  const owner = (s: Solution) => (s.orgId === selfOrgId ? 'Your company' : byId.get(s.orgId)?.name ?? 'Another partner');
  const rank = (s: Solution) => (s.orgId === selfOrgId ? 0 : byId.get(s.orgId)?.kind === 'microsoft' ? 1 : 2);
  return [...solutions]
    .sort((a, b) => rank(a) - rank(b) || owner(a).localeCompare(owner(b)) || a.name.localeCompare(b.name))
    .map((s) => ({
      title: `${owner(s)} · ${s.name}${byId.get(s.orgId)?.kind === 'microsoft' ? '' : ` (${coSellStatusLabels[s.coSellStatus]})`}`,
      value: s.id,
    }));
}

/** A help type's label; an unknown code reads as itself. */
export const helpLabel = (code: string): string => (Object.hasOwn(helpTypeLabels, code) ? helpTypeLabels[code as keyof typeof helpTypeLabels] : code);

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
export const heartTitle = (favorite: boolean) => (favorite ? '♥ Remove from favorites' : '♡ Add to favorites');

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
