// The answer to a customer file an admin sent: what was added, updated and refused (with each
// refused row's reason), or why the file as a whole was refused and nothing changed.
import type { ImportReport } from '../services/directory.js';
import { customerColumns } from '../services/customer-csv.js';
import { t } from '../services/i18n.js';
import { number } from './format.js';
import { execute, fitted, heading, plain, type Card, type Element } from './render.js';

export interface ImportReportData {
  fileName: string;
  /** What the import did; absent when the file was refused whole. */
  report?: ImportReport;
  /** Why the file was refused whole. */
  problem?: string;
  /** The customers in the organization's directory now. */
  directorySize: number;
}

/** How to send a customer file. The column headers are the file's format: the same in every language. */
export const customerFileHelp = () => t('import.help', { columns: customerColumns.map((c) => c.header).join(', ') });

export function importReportCard(d: ImportReportData): Card {
  const refused = d.report?.refused ?? [];
  // Refused rows are the part that grows: fewer of them until the card fits Teams.
  return fitted([refused.length, 60, 15], (shown) => ({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    fallbackText: t('import.fallback'),
    body: [
      heading(t('import.title'), { size: 'Large', weight: 'Bolder' }),
      plain(d.fileName, { isSubtle: true, spacing: 'None' }),
      ...(d.report ? summary(d.report, refused.slice(0, shown)) : refusal(d.problem ?? t('import.refusedWhole'))),
      ...(shown < refused.length ? [heading(t('import.moreRefused', { count: refused.length - shown }), { isSubtle: true })] : []),
      heading(t('import.directorySize', { count: d.directorySize }), { spacing: 'Medium' }),
      { type: 'ActionSet', actions: [execute(t('admin.title'), 'admin', {})] },
    ],
  }));
}

function summary(report: ImportReport, shown: ImportReport['refused']): Element[] {
  const facts = [
    { title: t('import.fact.added'), value: number(report.added) },
    { title: t('import.fact.updated'), value: number(report.updated) },
    { title: t('import.fact.unchanged'), value: number(report.unchanged) },
    { title: t('import.fact.refused'), value: number(report.refused.length) },
  ];
  return [
    { type: 'Container', style: report.refused.length > 0 ? 'warning' : 'good', items: [{ type: 'FactSet', facts }] },
    ...(shown.length > 0 ? [heading(t('import.refusedRows'), { weight: 'Bolder', spacing: 'Medium' })] : []),
    // Reasons quote what people typed: shown as text.
    ...shown.map((r) => plain(t('import.refusedRow', { row: r.row, reason: r.reason }), { size: 'Small', spacing: 'None' })),
  ];
}

function refusal(problem: string): Element[] {
  return [
    { type: 'Container', style: 'attention', items: [plain(problem, { weight: 'Bolder' })] },
    heading(t('import.nothingImported'), { spacing: 'Small' }),
    heading(customerFileHelp(), { isSubtle: true, size: 'Small' }),
  ];
}
