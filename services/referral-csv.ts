// An organization's referrals as a CSV file: one row per referral, its columns named by Partner
// Center's referral fields, so that the file reads like Partner Center's data (and maps back onto
// its API) whatever the exporter's language. Written with csv-stringify, streaming: referrals are
// read in batches and turned into rows as the file is written, never all held as text at once.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify, type Options } from 'csv-stringify';
import type { Directory } from './directory.js';
import type { Contact, Referral } from './model.js';
import { boxFilter } from './lifecycle.js';
import type { Store } from './store.js';

/** What `export` may be followed by: every referral of the organization, or one list's. */
export const exportBoxes = ['all', 'inbound', 'archive'] as const;
export type ExportBox = (typeof exportBoxes)[number];


/**
 * The newest this many referrals go in one file. Partner Center's portal stops at 5,000; a file
 * here is uploaded in one PUT, which OneDrive takes up to 60 MiB, within the 15 s Teams waits for
 * the consent invoke's answer. At about 500 bytes a row, 20,000 rows are some 10 MB, read and
 * written in about a second (10,000 rows may take 2 s).
 */
export const MAX_EXPORT_ROWS = 20_000;
/** Under OneDrive's 60 MiB for one upload request, whatever the rows hold. */
export const MAX_EXPORT_BYTES = 50 * 1024 * 1024;
/** A typical row (measured on the benchmark's deals), for the size the consent card announces. */
const TYPICAL_ROW_BYTES = 500;

export class ExportTooLarge extends Error {}

/** A referral and the names of its solutions, as a row is written from it. */
export interface ExportRow {
  referral: Referral;
  solutions: string[];
}

type Cell = string | number | boolean | undefined;

const emails = (people: Contact[]) => people.map((p) => p.email).join('; ');

/**
 * The columns, in order: Partner Center's field paths (ISO dates in UTC, amounts as numbers with a
 * point, enums by their Partner Center names), so a spreadsheet or script reads them as data.
 */
export const referralColumns: readonly { header: string; value: (row: ExportRow) => Cell }[] = [
  { header: 'id', value: ({ referral: r }) => r.id },
  { header: 'engagementId', value: ({ referral: r }) => r.engagementId },
  { header: 'name', value: ({ referral: r }) => r.name },
  { header: 'direction', value: ({ referral: r }) => r.direction },
  { header: 'status', value: ({ referral: r }) => r.status },
  { header: 'substatus', value: ({ referral: r }) => r.substatus },
  { header: 'statusReason', value: ({ referral: r }) => r.statusReason },
  { header: 'salesStage', value: ({ referral: r }) => r.salesStage },
  { header: 'customerProfile.name', value: ({ referral: r }) => r.customerProfile.name },
  { header: 'customerProfile.address.addressLine1', value: ({ referral: r }) => r.customerProfile.address.addressLine1 },
  { header: 'customerProfile.address.addressLine2', value: ({ referral: r }) => r.customerProfile.address.addressLine2 },
  { header: 'customerProfile.address.city', value: ({ referral: r }) => r.customerProfile.address.city },
  { header: 'customerProfile.address.state', value: ({ referral: r }) => r.customerProfile.address.state },
  { header: 'customerProfile.address.postalCode', value: ({ referral: r }) => r.customerProfile.address.postalCode },
  { header: 'customerProfile.address.country', value: ({ referral: r }) => r.customerProfile.address.country },
  { header: 'customerProfile.ids.duns', value: ({ referral: r }) => r.customerProfile.duns },
  { header: 'customerProfile.size', value: ({ referral: r }) => r.customerProfile.size },
  { header: 'customerProfile.team', value: ({ referral: r }) => emails(r.customerProfile.team) },
  { header: 'consent.consentToShareInfoWithOthers', value: ({ referral: r }) => r.consent.consentToShareInfoWithOthers },
  { header: 'consent.consentToContact', value: ({ referral: r }) => r.consent.consentToContact },
  { header: 'consent.consentToShareReferralWithMicrosoftSellers', value: ({ referral: r }) => r.consent.consentToShareReferralWithMicrosoftSellers },
  { header: 'customerMarketplaceIntent', value: ({ referral: r }) => r.customerMarketplaceIntent },
  { header: 'details.dealValue', value: ({ referral: r }) => r.details.dealValue },
  { header: 'details.currency', value: ({ referral: r }) => r.details.currency },
  { header: 'details.closingDateTime', value: ({ referral: r }) => r.details.closingDateTime },
  { header: 'details.requirements.solutions', value: ({ solutions }) => solutions.join('; ') },
  { header: 'inviteContext.assistanceRequestCode', value: ({ referral: r }) => r.details.assistanceRequestCode },
  { header: 'inviteContext.invitedBy.organizationName', value: ({ referral: r }) => r.inviteContext?.invitedBy.organizationName },
  { header: 'inviteContext.notes', value: ({ referral: r }) => r.inviteContext?.notes },
  { header: 'team', value: ({ referral: r }) => emails(r.team) },
  { header: 'externalReferenceId', value: ({ referral: r }) => r.externalReferenceId },
  { header: 'campaignId', value: ({ referral: r }) => r.campaignId },
  { header: 'registrationStatus', value: ({ referral: r }) => r.registration?.status },
  { header: 'partnerCenterId', value: ({ referral: r }) => r.partnerCenterId },
  { header: 'createdDateTime', value: ({ referral: r }) => r.createdDateTime },
  { header: 'updatedDateTime', value: ({ referral: r }) => r.updatedDateTime },
  { header: 'expirationDateTime', value: ({ referral: r }) => r.expirationDateTime },
];

const options: Options = {
  // Excel reads a CSV without a byte-order mark in the system's code page: "Logística" would show as "LogÃ­stica".
  bom: true,
  header: true,
  columns: referralColumns.map((c) => c.header),
  cast: { boolean: (value) => String(value) },
  // Values come from people (and from Partner Center): a cell starting with = + - @, a tab or a
  // carriage return would run as a formula in a spreadsheet, so it gets a leading apostrophe (the
  // OWASP "CSV injection" rule; numbers, negative ones included, are left as they are).
  escape_formulas: true,
};

async function* rowsOf(rows: AsyncIterable<ExportRow> | Iterable<ExportRow>): AsyncGenerator<Cell[]> {
  for await (const row of rows) yield referralColumns.map((c) => c.value(row));
}

/** The CSV of these rows, as a stream of UTF-8 bytes that starts with the byte-order mark. */
export function referralCsv(rows: AsyncIterable<ExportRow> | Iterable<ExportRow>): Readable {
  const csv = stringify(options);
  // A failure destroys the CSV stream with it: whoever reads the stream gets the error.
  pipeline(Readable.from(rowsOf(rows)), csv).catch(() => undefined);
  return csv;
}

/** The organization's referral ids a box holds, newest change first, at most `max` of them; and how many there are. */
export async function exportSelection(store: Pick<Store, 'findReferrals'>, orgId: string, box: ExportBox, max = MAX_EXPORT_ROWS): Promise<{ ids: string[]; total: number }> {
  const found = await store.findReferrals({ ...(box === 'all' ? {} : boxFilter(box)), orgId });
  const newest = found.map((s) => ({ id: s.id, at: Date.parse(s.updatedDateTime) })).sort((a, b) => b.at - a.at);
  return { ids: newest.slice(0, max).map((s) => s.id), total: found.length };
}

/** The size the consent card announces before the file is written. */
export const estimatedBytes = (rows: number) => 3 + referralColumns.reduce((n, c) => n + c.header.length + 1, 0) + rows * TYPICAL_ROW_BYTES;

const BATCH = 100;

/** The referrals by id, read a batch at a time, each with its solutions' names (read once per solution). */
async function* exportRows(store: Pick<Store, 'getMany'>, directory: Pick<Directory, 'solution'>, ids: string[]): AsyncGenerator<ExportRow> {
  const names = new Map<string, Promise<string>>();
  const nameOf = (id: string) => {
    let name = names.get(id);
    if (!name) names.set(id, (name = directory.solution(id).then((s) => s?.name ?? id)));
    return name;
  };
  for (let i = 0; i < ids.length; i += BATCH) {
    // One deleted meanwhile is left out.
    for (const referral of await store.getMany('referral', ids.slice(i, i + BATCH))) yield { referral, solutions: await Promise.all(referral.solutionIds.map(nameOf)) };
  }
}

/**
 * The whole export of a box of an organization: its newest referrals (MAX_EXPORT_ROWS at most) as the
 * bytes of a CSV file, with how many rows it holds and how many the box has. Throws ExportTooLarge
 * past MAX_EXPORT_BYTES. This is what `export` costs, reading included.
 */
export async function buildReferralExport(
  deps: { store: Pick<Store, 'findReferrals' | 'getMany'>; directory: Pick<Directory, 'solution'> },
  orgId: string,
  box: ExportBox,
): Promise<{ bytes: Buffer<ArrayBuffer>; rows: number; total: number }> {
  const { ids, total } = await exportSelection(deps.store, orgId, box);
  let rows = 0;
  const counted = async function* () {
    for await (const row of exportRows(deps.store, deps.directory, ids)) {
      rows++;
      yield row;
    }
  };
  const chunks: Buffer[] = [];
  let size = 0;
  const csv = referralCsv(counted());
  for await (const chunk of csv as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_EXPORT_BYTES) {
      csv.destroy();
      throw new ExportTooLarge();
    }
    chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks, size), rows, total };
}
