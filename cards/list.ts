// Inbound, outbound, favorites, archive and search results: compact rows with paging.
import type { Box, ListItem, Page } from '../services/lifecycle.js';
import template from './list.json' with { type: 'json' };
import { daysLeft, day, heartTitle, money, stageStyle } from './format.js';
import { clip, compile, fitted, noBanner, type Banner, type Card } from './render.js';

const render = compile<object>(template);

export type ListKind = Box | 'find';

/** A search is cut to this: every row's buttons carry it, and no deal name is longer than 200 anyway. */
export const MAX_QUERY = 100;

const titles: Record<ListKind, string> = {
  inbound: 'Inbound referrals',
  outbound: 'Outbound deals',
  favorites: 'Your favorites',
  archive: 'Archive',
  find: 'Search results',
};

const empty: Record<ListKind, string> = {
  inbound: 'No open referrals have been sent to your organization.',
  outbound: 'Your organization has no open deals. Start one with New deal.',
  favorites: 'No favorites yet: tap “Add to favorites” on a deal or in a list.',
  archive: 'Nothing archived yet: won, lost, declined and expired deals land here.',
  find: 'No deal matches that name, customer or CRM id.',
};

export function listCard(d: { kind: ListKind; page: Page<ListItem>; now: Date; query?: string; banner?: Banner }): Card {
  const { page } = d;
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const at = (n: number) => ({ box: d.kind, page: n, ...(d.kind === 'find' ? { query: (d.query ?? '').slice(0, MAX_QUERY) } : {}) });
  const here = at(page.page);
  // Long names are cut, then rows lose their second line, then their heart (it stays on the deal card), until the card fits Teams.
  return fitted([{ chars: 200, lines: true, hearts: true }, { chars: 60, lines: true, hearts: true }, { chars: 40, lines: false, hearts: true }, { chars: 30, lines: false, hearts: false }], (fit) => render({
    title: d.kind === 'find' ? `${titles.find} for “${clip(d.query ?? '', fit.chars)}”` : titles[d.kind],
    subtitle: `${page.total} ${page.total === 1 ? 'deal' : 'deals'} · page ${page.page + 1} of ${pages}`,
    emptyText: empty[d.kind],
    banner: d.banner ?? noBanner,
    items: page.items.map(({ referral: r, favorite }) => ({
      // A row opens its deal as a new card and keeps the list where it was; its heart answers with the list.
      open: { referralId: r.id, list: here },
      hearts: fit.hearts,
      heartTitle: heartTitle(favorite),
      heartData: { referralId: r.id, favorite: !favorite, list: here },
      name: clip(r.name, fit.chars),
      line: fit.lines ? `${clip(r.customerProfile.name, fit.chars)} · ${money(r.details.dealValue, r.details.currency)} · closes ${day(r.details.closingDateTime)}` : '',
      stage: r.substatus,
      stageStyle: stageStyle[r.substatus],
      extra: !fit.lines ? '' : r.substatus === 'Received' && r.expirationDateTime ? daysLeft(r.expirationDateTime, d.now) : r.direction === 'Incoming' ? 'Inbound' : 'Outbound',
    })),
    hasPrev: page.page > 0,
    hasNext: page.hasMore,
    prev: at(page.page - 1),
    next: at(page.page + 1),
  }));
}
