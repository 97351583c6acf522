// `export`: the organization's referrals as a CSV file in the seller's personal chat, by Teams'
// file consent flow for bots: the bot offers the file (a FileConsentCard), the seller allows it,
// Teams hands the bot an upload URL in the seller's OneDrive, the bot PUTs the file there and
// shows it with a file info card. Teams lets a bot send files this way only in a personal chat.
import { MessageFactory, type Activity, type Attachment, type FileConsentCard, type FileConsentCardResponse, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Clock } from '../services/clock.js';
import type { Caller, Directory } from '../services/directory.js';
import { currentLocale, number, t } from '../services/i18n.js';
import { buildReferralExport, estimatedBytes, exportBoxes, exportSelection, ExportTooLarge, MAX_EXPORT_BYTES } from '../services/referral-csv.js';
import type { Store } from '../services/store.js';
import { BadActionData, parseActionData } from './action-data.js';
import { isTeamsFileUrl } from './customer-import.js';
import { actingPerson, callerOf, NotAMemberError, UnknownTenantError } from './identity.js';
import type { Logger } from './log.js';

export const FILE_CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';

/** What `export`, `export inbound` or `export archive` asks for, and the kind of chat it was typed in. */
const ExportData = z.object({ box: z.enum(exportBoxes).default('all'), conversationType: z.string().default('') });

/**
 * What the consent card carries to the consent invoke: what to export, and for whom. The client
 * sends it back, so it is read as any input is, and the invoke's sender must be the one who asked:
 * then altering it gains nothing (the box is the seller's own choice anyway).
 */
const Offer = z.object({ export: z.enum(exportBoxes), orgId: z.string().min(1).max(200), userId: z.string().min(1).max(200) });
type Offer = z.infer<typeof Offer>;

/** Where Teams lets the bot put the file the seller allowed (OneDrive for Business). */
const UploadInfo = z.object({
  name: z.string().min(1).max(500),
  uploadUrl: z.url({ protocol: /^https?$/ }),
  contentUrl: z.url({ protocol: /^https?$/ }),
  uniqueId: z.string().min(1).max(500),
  fileType: z.string().max(50).default('csv'),
});

/** The kind of chat an activity comes from: Teams names it; the Agents Playground leaves the personal chat unnamed. */
export const chatKind = (activity: Partial<Activity>): string => activity.conversation?.conversationType ?? (activity.conversation?.isGroup ? 'groupChat' : 'personal');

const UPLOAD_TIMEOUT_MS = 30_000;
/** Teams sends an unanswered invoke again after about 15 s: an upload already made is not made twice. */
const REDELIVERY_WINDOW_MS = 10 * 60 * 1000;

class UploadFailed extends Error {}

export interface ExportDeps {
  store: Pick<Store, 'findReferrals' | 'getMany'>;
  directory: Directory;
  clock: Clock;
  log: Logger;
  /** Local mode: the upload URL may be on any host (the Agents Playground, tests). */
  anyFileHost?: boolean;
}

export class ReferralExport {
  /** Accepted consents being answered or answered lately, by the file Teams made for them. */
  private readonly answered = new Map<string, { at: number; work: Promise<void> }>();

  constructor(private readonly deps: ExportDeps) {}

  /** The file offered for `export [box]`: a consent card in the personal chat; anywhere else, where to ask. */
  async offer(caller: Caller, data: Record<string, unknown>): Promise<Partial<Activity>> {
    const { box, conversationType } = parseActionData(ExportData, data);
    if (conversationType !== 'personal') throw new BadActionData(t('export.personalOnly'));
    const { ids, total } = await exportSelection(this.deps.store, caller.tenantId, box);
    if (total === 0) throw new BadActionData(t('export.empty', { box }));
    const offer: Offer = { export: box, orgId: caller.tenantId, userId: caller.userId };
    const card: FileConsentCard = {
      description: t('export.description', { box, count: ids.length, total: number(total), capped: ids.length < total ? 'yes' : 'no' }),
      sizeInBytes: estimatedBytes(ids.length),
      acceptContext: offer,
      declineContext: offer,
    };
    const attachment: Attachment = { contentType: FILE_CONSENT, name: t('export.fileName', { box, date: this.today() }), content: card };
    return MessageFactory.attachment(attachment);
  }

  /** The seller allowed the file: it is written now (the referrals as they are), uploaded, and shown. */
  async accept(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    const { log } = this.deps;
    try {
      const consent = this.consented(context, response);
      if ('problem' in consent) {
        log.warn('export consent refused', { activityId: context.activity.id, problem: consent.problem });
        await context.sendActivity(MessageFactory.text(t('export.refused')));
        return;
      }
      const { caller, offer, upload } = consent;
      const key = `${caller.tenantId}|${upload.uniqueId}`;
      const now = this.deps.clock.now().getTime();
      for (const [k, entry] of this.answered) if (now - entry.at > REDELIVERY_WINDOW_MS) this.answered.delete(k);
      const earlier = this.answered.get(key);
      if (earlier) return await earlier.work;
      const work = this.send(context, caller, offer, upload);
      this.answered.set(key, { at: now, work });
      await work;
    } catch (e) {
      log.error('export failed', { activityId: context.activity.id, error: (e as Error).message, stack: (e as Error).stack });
      await context.sendActivity(MessageFactory.text(t('bot.wentWrong'))).catch(() => undefined);
    }
  }

  /** What an accepted consent asks for and where the file goes, or why it is refused. */
  private consented(context: TurnContext, response: FileConsentCardResponse): { caller: Caller; offer: Offer; upload: z.infer<typeof UploadInfo> } | { problem: string } {
    const offer = Offer.safeParse(response.context);
    if (!offer.success) return { problem: 'the offer cannot be read' };
    const upload = UploadInfo.safeParse(response.uploadInfo);
    if (!upload.success) return { problem: 'the upload information cannot be read' };
    let caller: Caller;
    try {
      caller = callerOf(context);
    } catch (e) {
      if (e instanceof UnknownTenantError) return { problem: 'the invoke names no tenant' };
      throw e;
    }
    if (offer.data.orgId !== caller.tenantId || offer.data.userId !== caller.userId) return { problem: 'offered to someone else' };
    if (!this.deps.anyFileHost && !isTeamsFileUrl(upload.data.uploadUrl)) return { problem: 'the upload URL is not a Teams file URL' };
    return { caller, offer: offer.data, upload: upload.data };
  }

  /** The seller declined: nothing is written. */
  async decline(context: TurnContext): Promise<void> {
    await context.sendActivity(MessageFactory.text(t('export.declined')));
  }

  private async send(context: TurnContext, caller: Caller, offer: Offer, upload: z.infer<typeof UploadInfo>): Promise<void> {
    const { store, directory, log } = this.deps;
    try {
      // A guest of the tenant is no member of the organization, even with a card in hand.
      await actingPerson(context, directory, log);
    } catch (e) {
      if (!(e instanceof NotAMemberError)) throw e;
      await context.sendActivity(MessageFactory.text(e.message));
      return;
    }
    let file: Awaited<ReturnType<typeof buildReferralExport>>;
    try {
      file = await buildReferralExport({ store, directory }, caller.tenantId, offer.export);
    } catch (e) {
      if (!(e instanceof ExportTooLarge)) throw e;
      await context.sendActivity(MessageFactory.text(t('export.tooLarge', { megabytes: number(MAX_EXPORT_BYTES / 1024 / 1024) })));
      return;
    }
    try {
      await put(upload.uploadUrl, file.bytes);
    } catch (e) {
      log.warn('export upload failed', { tenantId: caller.tenantId, error: (e as Error).message });
      await context.sendActivity(MessageFactory.text(t('export.uploadFailed')));
      return;
    }
    log.info('referrals exported', { tenantId: caller.tenantId, box: offer.export, rows: file.rows, total: file.total, bytes: file.bytes.byteLength });
    const info: Attachment = { contentType: FILE_INFO, contentUrl: upload.contentUrl, name: upload.name, content: { uniqueId: upload.uniqueId, fileType: upload.fileType } };
    await context.sendActivity(MessageFactory.attachment(info, t('export.sent', { count: file.rows, total: number(file.total), capped: file.rows < file.total ? 'yes' : 'no' })));
  }

  /** Today where the reader is, as the file name writes it (2026-12-02). */
  private today(): string {
    const parts = new Intl.DateTimeFormat('en', { timeZone: currentLocale().timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(this.deps.clock.now());
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')}`;
  }
}

/**
 * The whole file in one request to the upload session Teams opened: the URL itself authorizes it
 * (no token goes with it), the range says these are all the file's bytes, and the session answers
 * 200 or 201 with the file it made.
 */
async function put(url: string, bytes: Buffer<ArrayBuffer>): Promise<void> {
  const size = bytes.byteLength;
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'Content-Length': String(size), 'Content-Range': `bytes 0-${size - 1}/${size}` },
    body: bytes,
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    redirect: 'error',
  });
  await response.body?.cancel();
  if (response.status !== 200 && response.status !== 201) throw new UploadFailed(`upload answered ${response.status}`);
}
