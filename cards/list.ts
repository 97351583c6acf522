// Inbound, outbound, favorites, archive and search results: compact rows with paging.
import type { Box, ListItem, Page } from '../services/lifecycle.js';
import { t } from '../services/i18n.js';
import template from './list.json' with { type: 'json' };
import { daysLeft, day, directionLabel, heartTitle, money, stageLabel, stageStyle } from './format.js';
import { clip, compile, fitted, noBanner, type Banner, type Card } from './render.js';

const render = compile<object>(template);

export type ListKind = Box | 'find';

/** A search is cut to this: every row's buttons carry it, and no deal name is longer than 200 anyway. */
export const MAX_QUERY = 100;

export function listCard(d: { kind: ListKind; page: Page<ListItem>; now: Date; query?: string; banner?: Banner }): Card {
  const { page } = d;
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const at = (n: number) => ({ box: d.kind, page: n, ...(d.kind === 'find' ? { query: (d.query ?? '').slice(0, MAX_QUERY) } : {}) });
  const here = at(page.page);
  // Long names are cut, then rows lose their second line, then their heart (it stays on the deal card), until the card fits Teams.
  return fitted([{ chars: 200, lines: true, hearts: true }, { chars: 60, lines: true, hearts: true }, { chars: 40, lines: false, hearts: true }, { chars: 30, lines: false, hearts: false }], (fit) => render({
    title: d.kind === 'find' ? t('list.title.find', { query: clip(d.query ?? '', fit.chars) }) : t(`list.title.${d.kind}`),
    subtitle: t('list.subtitle', { total: page.total, page: page.page + 1, pages }),
    emptyText: t(`list.empty.${d.kind}`),
    banner: d.banner ?? noBanner,
    items: page.items.map(({ referral: r, favorite }) => ({
      // A row opens its deal as a new card and keeps the list where it was; its heart answers with the list.
      open: { referralId: r.id, list: here },
      hearts: fit.hearts,
      heartTitle: heartTitle(favorite),
      heartData: { referralId: r.id, favorite: !favorite, list: here },
      name: clip(r.name, fit.chars),
      line: fit.lines ? t('list.row.line', { customer: clip(r.customerProfile.name, fit.chars), value: money(r.details.dealValue, r.details.currency), date: day(r.details.closingDateTime) }) : '',
      stage: stageLabel(r.substatus),
      stageStyle: stageStyle[r.substatus],
      extra: !fit.lines ? '' : r.substatus === 'Received' && r.expirationDateTime ? daysLeft(r.expirationDateTime, d.now) : directionLabel(r.direction),
    })),
    hasPrev: page.page > 0,
    hasNext: page.hasMore,
    prev: at(page.page - 1),
    next: at(page.page + 1),
  }));
}
