// How amounts, dates and stages read on a card.
import { DAY_MS } from '../services/clock.js';
import type { Stage } from '../services/model.js';

export function money(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${value.toLocaleString('en-US')} ${currency}`;
  }
}

/** 2027-03-31T00:00:00Z -> "31 Mar 2027" (close dates are days, shown in UTC). */
export function day(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';
}

export function daysLeft(deadline: string, now: Date): string {
  const days = Math.ceil((Date.parse(deadline) - now.getTime()) / DAY_MS);
  if (days <= 0) return 'No time left to respond';
  return days === 1 ? '1 day left to respond' : `${days} days left to respond`;
}

/** Adaptive Card text colors per stage. */
export const stageColor: Record<Stage, string> = {
  Received: 'Accent',
  Accepted: 'Default',
  Won: 'Good',
  Lost: 'Attention',
  Declined: 'Attention',
  Expired: 'Attention',
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

export const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'INR', 'BRL', 'MXN'] as const;
