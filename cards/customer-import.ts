// The answer to a customer file an admin sent: what was added, updated and refused (with each
// refused row's reason), or why the file as a whole was refused and nothing changed.
import type { ImportReport } from '../services/directory.js';
import { customerColumns } from '../services/customer-csv.js';
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

export const customerFileHelp = `Send a CSV file (UTF-8) to me in our personal chat. Its first row names the columns: ${customerColumns.map((c) => c.header).join(', ')}; Name and Country (two letters, such as ES) are required. A customer already in the directory (same D-U-N-S number, or same name, city and country) is updated; nothing is removed.`;

export function importReportCard(d: ImportReportData): Card {
  const refused = d.report?.refused ?? [];
  // Refused rows are the part that grows: fewer of them until the card fits Teams.
  return fitted([refused.length, 60, 15], (shown) => ({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    fallbackText: 'Co-sell Bot: the customer import report. Update Teams to see this card.',
    body: [
      heading('Customer import', { size: 'Large', weight: 'Bolder' }),
      plain(d.fileName, { isSubtle: true, spacing: 'None' }),
      ...(d.report ? summary(d.report, refused.slice(0, shown)) : refusal(d.problem ?? 'The file could not be imported.')),
      ...(shown < refused.length ? [heading(`And ${refused.length - shown} more refused rows, not shown: the card would be too large for Teams.`, { isSubtle: true })] : []),
      heading(`Your customer directory now has ${d.directorySize} ${d.directorySize === 1 ? 'customer' : 'customers'}.`, { spacing: 'Medium' }),
      { type: 'ActionSet', actions: [execute('Administration', 'admin', {})] },
    ],
  }));
}

function summary(report: ImportReport, shown: ImportReport['refused']): Element[] {
  const facts = [
    { title: 'Added', value: String(report.added) },
    { title: 'Updated', value: String(report.updated) },
    { title: 'Already up to date', value: String(report.unchanged) },
    { title: 'Refused', value: String(report.refused.length) },
  ];
  return [
    { type: 'Container', style: report.refused.length > 0 ? 'warning' : 'good', items: [{ type: 'FactSet', facts }] },
    ...(shown.length > 0 ? [heading('Refused rows (fix them and send the file again: the others are updated, not added twice)', { weight: 'Bolder', spacing: 'Medium' })] : []),
    // Reasons quote what people typed: shown as text.
    ...shown.map((r) => plain(`Row ${r.row}: ${r.reason}`, { size: 'Small', spacing: 'None' })),
  ];
}

function refusal(problem: string): Element[] {
  return [
    { type: 'Container', style: 'attention', items: [plain(problem, { weight: 'Bolder' })] },
    heading('Nothing was imported: the directory is as it was.', { spacing: 'Small' }),
    heading(customerFileHelp, { isSubtle: true, size: 'Small' }),
  ];
}
