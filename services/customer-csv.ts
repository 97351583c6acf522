// A customer directory file, as an admin exports it from a CRM or a spreadsheet: CSV in UTF-8 with
// a header row naming the columns. A file that cannot be read as a whole is refused whole; otherwise
// each row is checked as the deal forms check a customer, and a bad row is refused with its reason.
import { CsvError, parse } from 'csv-parse/sync';
import type { z } from 'zod';
import type { CustomerRow, OptionalCustomerField } from './directory.js';
import { listOf, number, t } from './i18n.js';
import { CustomerInput } from './inputs.js';

/** About 5,000 rows of full addresses fit well under this. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 5_000;

/** The columns a file may have, each once, by the header that names it; the order is free. */
export const customerColumns = [
  { header: 'Name', field: 'name', required: true },
  { header: 'Address line 1', field: 'addressLine1' },
  { header: 'Address line 2', field: 'addressLine2' },
  { header: 'City', field: 'city' },
  { header: 'State', field: 'state' },
  { header: 'Postal code', field: 'postalCode' },
  { header: 'Country', field: 'country', required: true },
  { header: 'D-U-N-S', field: 'duns' },
] as const;
type Field = (typeof customerColumns)[number]['field'];

export type CustomerFile =
  | { ok: true; rows: CustomerRow[]; refused: { row: number; reason: string }[] }
  | { ok: false; problem: string };

/** Headers compare without case, spaces or punctuation: "Postal code", "postal_code" and "PostalCode" are one column. */
const headerKey = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
const byKey = new Map(customerColumns.map((c) => [headerKey(c.header), c]));
const columnList = customerColumns.map((c) => c.header).join(', ');

const refuse = (problem: string): CustomerFile => ({ ok: false, problem });

export function readCustomerFile(bytes: Uint8Array): CustomerFile {
  if (bytes.byteLength > MAX_IMPORT_BYTES) return refuse(t('import.file.tooLarge', { megabytes: number(MAX_IMPORT_BYTES / 1024 / 1024), max: number(MAX_IMPORT_ROWS) }));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(t('import.file.notUtf8'));
  }
  if (text.includes('\u0000')) return refuse(t('import.file.utf16'));
  // Excel writes ";" where the decimal mark is a comma (Spain, most of Europe): the header tells which.
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // The library's types leave out what `info: true` returns: each record with where it ends.
    records = parse(text, { delimiter, bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (e) {
    // The parser's own explanation is in English, in every language.
    const detail = (e as Error).message.replace(/^.*?: /, '');
    const line = e instanceof CsvError ? (e as { lines?: number }).lines : undefined;
    return refuse(typeof line === 'number' ? t('import.file.notCsvNear', { line, detail }) : t('import.file.notCsv', { detail }));
  }
  const [header, ...data] = records;
  if (!header) return refuse(t('import.file.empty', { columns: columnList }));

  const fields: (Field | undefined)[] = [];
  const unknown: string[] = [];
  for (const cell of header.record) {
    const column = byKey.get(headerKey(cell));
    if (!column) unknown.push(cell === '' ? t('import.file.emptyHeader') : t('import.file.quoted', { text: cell }));
    else if (fields.includes(column.field)) return refuse(t('import.file.columnTwice', { column: column.header }));
    fields.push(column?.field);
  }
  const missing = customerColumns.filter((c) => 'required' in c && !fields.includes(c.field)).map((c) => t('import.file.quoted', { text: c.header }));
  if (unknown.length > 0 || missing.length > 0) {
    const problems = [
      unknown.length > 0 ? t('import.file.unknownColumns', { count: unknown.length, columns: unknown.join(', ') }) : '',
      missing.length > 0 ? t('import.file.missingColumns', { count: missing.length, columns: missing.join(', ') }) : '',
    ].filter(Boolean);
    return refuse(t('import.file.badHeader', { columns: columnList, problems: listOf(problems) }));
  }
  if (data.length > MAX_IMPORT_ROWS) return refuse(t('import.file.tooManyRows', { count: number(data.length), max: number(MAX_IMPORT_ROWS) }));

  const absent = customerColumns.map((c) => c.field).filter((f): f is OptionalCustomerField => f !== 'name' && f !== 'country' && f !== 'duns' && !fields.includes(f));
  const rows: CustomerRow[] = [];
  const refused: { row: number; reason: string }[] = [];
  for (const { record, info } of data) {
    // The line the row ends on: what a spreadsheet numbers it (a quoted value may span lines).
    const row = info.lines;
    if (record.length !== header.record.length) {
      refused.push({ row, reason: t('import.row.valueCount', { values: record.length, columns: header.record.length }) });
      continue;
    }
    // A value is one line of text: line breaks and control characters inside quotes become spaces.
    const cell = (field: Field) => (record[fields.indexOf(field)] ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
    const parsed = CustomerInput.safeParse({
      name: cell('name'),
      address: { addressLine1: cell('addressLine1'), addressLine2: cell('addressLine2'), city: cell('city'), state: cell('state'), postalCode: cell('postalCode'), country: cell('country').toUpperCase() },
      duns: cell('duns'),
    });
    if (parsed.success) rows.push({ row, customer: parsed.data, absent });
    else refused.push({ row, reason: reasons(parsed.error) });
  }
  return { ok: true, rows, refused };
}

/** The first problem of each column of a row, named by the column's header. */
function reasons(error: z.ZodError): string {
  const byColumn = new Map<string, string>();
  for (const issue of error.issues) {
    const header = customerColumns.find((c) => c.field === issue.path.at(-1))?.header ?? t('import.row.whole');
    if (!byColumn.has(header)) byColumn.set(header, `${header}: ${issue.message}`);
  }
  return [...byColumn.values()].join(' ');
}
