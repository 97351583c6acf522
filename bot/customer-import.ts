// A file sent to the bot in the personal chat: an admin's customer directory. Teams hands the bot
// a short-lived download URL; the file is read with a size limit, checked, and imported in one commit.
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import { importReportCard } from '../cards/customer-import.js';
import type { Card } from '../cards/render.js';
import { MAX_IMPORT_BYTES, readCustomerFile } from '../services/customer-csv.js';
import type { Caller, Directory } from '../services/directory.js';
import { number, t } from '../services/i18n.js';
import type { Logger } from './log.js';

/** The attachment Teams sends for a file a user sent to a bot whose manifest says `supportsFiles`. */
export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

const FileInfo = z.object({
  name: z.string().max(500).default('file'),
  content: z.object({ downloadUrl: z.url({ protocol: /^https?$/ }), fileType: z.string().max(50).default('') }),
});

/** The file sent with a message, if any. */
export function sentFile(activity: Partial<Activity>): z.infer<typeof FileInfo> | { unreadable: true } | undefined {
  const attachment = activity.attachments?.find((a) => a.contentType === FILE_DOWNLOAD_INFO);
  if (!attachment) return undefined;
  const parsed = FileInfo.safeParse(attachment);
  return parsed.success ? parsed.data : { unreadable: true };
}

const DOWNLOAD_TIMEOUT_MS = 30_000;

/**
 * Teams hands a bot a file as a pre-authorized link to the sender's OneDrive (SharePoint). Nothing else
 * is fetched: the URL comes in the activity, and the server must never be pointed at another host.
 */
export function isTeamsFileUrl(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' && /\.sharepoint(-mil)?\.(com|us|cn)$/i.test(hostname);
}

class TooLarge extends Error {}

export class CustomerImport {
  constructor(private readonly deps: { directory: Directory; log: Logger; anyFileHost?: boolean }) {}

  /** Imports the file an admin sent (as `sentFile` read it), answering with the report; anyone else is refused before it is read. */
  async run(caller: Caller, activity: Partial<Activity>, file: NonNullable<ReturnType<typeof sentFile>>): Promise<Card> {
    const { directory, log } = this.deps;
    await directory.requireAdmin(caller, 'importCustomers');
    const report = async (fileName: string, outcome: { problem: string } | { report: Awaited<ReturnType<Directory['importCustomers']>> }) =>
      importReportCard({ fileName, ...outcome, directorySize: (await directory.ownCustomers(caller.tenantId)).length });
    if ('unreadable' in file) return report('file', { problem: t('import.problem.unreadable') });
    if (activity.conversation?.conversationType !== 'personal' && activity.conversation?.conversationType !== undefined) {
      return report(file.name, { problem: t('import.problem.notPersonal') });
    }
    if (!/\.csv$/i.test(file.name) && file.content.fileType.toLowerCase() !== 'csv') {
      return report(file.name, { problem: t('import.problem.notCsv') });
    }
    if (!this.deps.anyFileHost && !isTeamsFileUrl(file.content.downloadUrl)) {
      log.warn('customer file refused: not a Teams file URL', { tenantId: caller.tenantId, host: new URL(file.content.downloadUrl).host });
      return report(file.name, { problem: t('import.problem.notFromTeams') });
    }
    let bytes: Uint8Array;
    try {
      bytes = await download(file.content.downloadUrl);
    } catch (e) {
      if (e instanceof TooLarge) return report(file.name, { problem: t('import.problem.tooLarge', { megabytes: number(MAX_IMPORT_BYTES / 1024 / 1024) }) });
      log.warn('customer file download failed', { tenantId: caller.tenantId, error: (e as Error).message });
      return report(file.name, { problem: t('import.problem.download') });
    }
    const read = readCustomerFile(bytes);
    if (!read.ok) return report(file.name, { problem: read.problem });
    const result = await directory.importCustomers(caller, read.rows);
    // Rows refused while reading and rows refused by the directory, in the file's order.
    const refused = [...read.refused, ...result.refused].sort((a, b) => a.row - b.row);
    log.info('customers imported', { tenantId: caller.tenantId, added: result.added, updated: result.updated, refused: refused.length });
    return report(file.name, { report: { ...result, refused } });
  }
}

/** The file's bytes, stopping as soon as it is larger than an import may be. */
async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'error' });
  if (!response.ok || !response.body) throw new Error(`download answered ${response.status}`);
  if (Number(response.headers.get('content-length')) > MAX_IMPORT_BYTES) throw new TooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_IMPORT_BYTES) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
