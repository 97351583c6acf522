// An organization connected to Partner Center, over HTTP as Teams and Partner Center talk to the bot:
// an admin signs in from the administration card (device code, against a fake Microsoft Entra), the
// first sync brings the referrals of the last 30 days in, signed events bring one referral each (read
// from Partner Center, not from the event), and the sync catches up what no event announced.
import { sign as signWith } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../services/clock.js';
import { say } from '../services/i18n.js';
import { ana, cardText, OUR_TENANT, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { FAKE_AUTHORITY, startFakeEntra, type FakeEntra } from './helpers/fake-entra.js';
import { FAKE_PARTNER_CENTER_TOKEN, startFakePartnerCenter, type FakePartnerCenter } from './helpers/fake-partner-center.js';
import { future } from './helpers/fixtures.js';
import { personalConversationId } from './helpers/teams.js';
import { dealInput, START } from './helpers/world.js';

const fixtureFile = (name: string) => new URL(`./fixtures/partner-center-webhook/${name}`, import.meta.url);
const CERT_URL = 'https://certs.fake.test/pc-events.cer';

let h: Harness;
let entra: FakeEntra;
let pc: FakePartnerCenter;
beforeEach(async () => {
  entra = await startFakeEntra(FAKE_PARTNER_CENTER_TOKEN);
  pc = await startFakePartnerCenter();
  h = await startHarness({
    env: {
      PARTNER_CENTER_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
      PARTNER_CENTER_TOKEN_KEY: Buffer.alloc(32, 7).toString('base64'),
      PARTNER_CENTER_AUTHORITY: FAKE_AUTHORITY,
      PARTNER_CENTER_API_URL: pc.url,
      PARTNER_CENTER_EVENTS_CA_FILE: fileURLToPath(fixtureFile('trusted-ca.pem')),
      PARTNER_CENTER_EVENTS_ISSUER: 'Test Corporation',
      PARTNER_CENTER_EVENTS_CERT_HOSTS: 'certs.fake.test',
    },
    app: { partnerCenterNetwork: entra.network, fetchCertificate: async (url) => (url === CERT_URL ? readFileSync(fixtureFile('leaf.pem')) : Promise.reject(new Error('unknown certificate'))) },
  });
  await h.say(ana, 'help'); // Ana is the organization's first person: its admin
});
afterEach(async () => {
  await h.close();
  await pc.close();
  await entra.close();
});

/** A referral as Partner Center holds it, updated `daysAgo` before the test's start. */
const pcReferral = (id: string, daysAgo: number, state: Record<string, unknown> = {}) => ({
  ...future,
  id,
  name: `Referral ${id}`,
  status: 'New',
  substatus: 'Pending',
  updatedDateTime: new Date(Date.parse(START) - daysAgo * DAY_MS).toISOString(),
  ...state,
});

const link = async () => (await h.app.directory.organization(OUR_TENANT))?.partnerCenter;
const byPartnerCenterId = async (id: string) => (await h.app.store.list('referral', OUR_TENANT)).find((r) => r.partnerCenterId === id);

/** Ana connects from the administration card: the code shows at once, the connection and first sync follow. */
async function connect(): Promise<Card> {
  const admin = await h.say(ana, 'admin');
  expect(cardText(admin)).toContain('Connect Partner Center');
  const { card } = await h.press(ana, admin, 'Connect Partner Center');
  for (let i = 0; i < 200 && (await link())?.status !== 'connected'; i++) await new Promise((r) => setTimeout(r, 5));
  expect((await link())?.status).toBe('connected');
  await h.app.partnerCenter!.sync.syncOrganization(OUR_TENANT);
  return card;
}

/** An event as Partner Center posts it, signed with its certificate's key. */
function signedEvent(referralId: string, key = 'leaf-key.pem') {
  const body = JSON.stringify({ EventName: 'referral-updated', ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${referralId}`, ResourceName: 'referral', AuditUri: null, ResourceChangeUtcDate: START });
  const signature = signWith('sha256', Buffer.from(body), readFileSync(fixtureFile(key))).toString('base64');
  return { body, headers: { Authorization: `Signature ${signature}`, 'x-ms-certificate-url': CERT_URL, 'x-ms-signature-algorithm': 'rsa-sha256' } };
}
const postEvent = async (tenantId: string, event: { body: string; headers: Record<string, string> }) => {
  const res = await fetch(`${h.app.url}/api/partner-center/events/${tenantId}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...event.headers }, body: event.body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

it('an admin connects from the card; the first sync imports the last 30 days with their real state and alerts the admins of what waits', async () => {
  pc.put(pcReferral('pc-new', 2));
  pc.put(pcReferral('pc-won', 5, { status: 'Closed', substatus: 'Won', statusReason: 'Signed' }));
  pc.put(pcReferral('pc-old', 45));
  const signingIn = await connect();
  expect(cardText(signingIn)).toContain('FAKE-CODE');
  expect(cardText(signingIn)).toContain('https://microsoft.com/devicelogin');
  // The tokens are kept sealed: the store holds no token readable.
  const stored = await link();
  expect(stored).toMatchObject({ status: 'connected', account: 'referrals@partner.example' });
  expect(stored!.tokenCache).not.toContain(FAKE_PARTNER_CENTER_TOKEN);
  expect(stored!.tokenCache).not.toContain('refresh-1');
  expect(await byPartnerCenterId('pc-new')).toMatchObject({ substatus: 'Received', direction: 'Incoming' });
  expect(await byPartnerCenterId('pc-won')).toMatchObject({ status: 'Closed', substatus: 'Won', statusReason: 'Signed' });
  expect(await byPartnerCenterId('pc-old')).toBeUndefined();
  // Every call carried the token Entra gave.
  expect(pc.requests.every((r) => r.headers.authorization === `Bearer ${FAKE_PARTNER_CENTER_TOKEN}`)).toBe(true);
  // Ana, the admin, is alerted of the one waiting for an answer.
  await h.connector.waitFor((c) => c.sent.find((r) => r.conversationId === personalConversationId(ana) && (r.body as { summary?: string } | undefined)?.summary?.startsWith('New referral from Microsoft: Referral pc-new')));
  const admin = cardText(await h.say(ana, 'admin'));
  expect(admin).toContain('Connected as referrals@partner.example');
  expect(admin).toContain('Last sync');
});

it('a signed event brings its referral in, read from Partner Center; a redelivery changes nothing; a forged or unknown one changes nothing', async () => {
  await connect();
  pc.put(pcReferral('pc-event', 0));
  const event = signedEvent('pc-event');
  expect(await postEvent(OUR_TENANT, event)).toMatchObject({ status: 200, body: { outcome: 'imported' } });
  const imported = (await byPartnerCenterId('pc-event'))!;
  expect(imported).toMatchObject({ substatus: 'Received', partnerCenterETag: pc.get('pc-event')!.eTag });
  expect(pc.requests.some((r) => r.method === 'GET' && r.path === '/v1.0/engagements/referrals/pc-event')).toBe(true);
  // Redelivered: 200, and the referral is as it was.
  expect((await postEvent(OUR_TENANT, event)).status).toBe(200);
  expect((await byPartnerCenterId('pc-event'))!.version).toBe(imported.version);
  // Signed by another key, or with the body changed: refused, nothing read.
  const before = pc.requests.length;
  expect((await postEvent(OUR_TENANT, signedEvent('pc-event', 'other-key.pem'))).status).toBe(401);
  expect((await postEvent(OUR_TENANT, { ...event, body: event.body.replace('pc-event', 'pc-other') })).status).toBe(401);
  expect(pc.requests.length).toBe(before);
  // For an organization that is not connected: 404. For a referral Partner Center does not have: 200, deferred, nothing stored.
  expect((await postEvent('bbbbbbbb-0000-4000-8000-0000000000ff', signedEvent('pc-event'))).status).toBe(404);
  expect(await postEvent(OUR_TENANT, signedEvent('pc-missing'))).toMatchObject({ status: 200, body: { outcome: 'deferred' } });
  expect(await byPartnerCenterId('pc-missing')).toBeUndefined();
});

it('the sync catches up what no event announced, and an older copy never overwrites a newer one', async () => {
  pc.put(pcReferral('pc-quiet', 1));
  await connect();
  expect((await byPartnerCenterId('pc-quiet'))!.substatus).toBe('Received');
  // Accepted in Partner Center, and the event lost: the next sync takes it.
  h.clock.advance(60_000);
  pc.put(pcReferral('pc-quiet', 0, { status: 'Active', substatus: 'Accepted', updatedDateTime: h.clock.now().toISOString() }));
  const report = await h.app.partnerCenter!.sync.syncOrganization(OUR_TENANT);
  expect(report).toMatchObject({ imported: 1, problems: [] });
  const accepted = (await byPartnerCenterId('pc-quiet'))!;
  expect(accepted.substatus).toBe('Accepted');
  expect(say(accepted.history.at(-1)!.action)).toBe('Accepted in Partner Center');
  // The same pages again: nothing changes.
  expect(await h.app.partnerCenter!.sync.syncOrganization(OUR_TENANT)).toMatchObject({ imported: 0 });
  expect((await byPartnerCenterId('pc-quiet'))!.version).toBe(accepted.version);
});

it('a sign-in that can no longer be refreshed turns the connection to “needs sign-in”, shown on the card; disconnect forgets it', async () => {
  await connect();
  // Partner Center refuses the token, and Entra refuses to refresh it (revoked).
  pc.tokens.clear();
  entra.refreshes = false;
  const report = await h.app.partnerCenter!.sync.syncOrganization(OUR_TENANT);
  expect(report.problems.join(' ')).toMatch(/sign-in/i);
  expect((await link())?.status).toBe('needsSignIn');
  // Ana, the admin, is told once, in her chat; a sync failing again tells nobody again.
  const told = (c: typeof h.connector) => c.sent.filter((r) => r.method === 'POST' && r.conversationId === personalConversationId(ana) && JSON.stringify(r.body).includes('can no longer reach Partner Center'));
  await h.connector.waitFor((c) => told(c).length === 1);
  await expect(h.app.partnerCenter!.auth.token(OUR_TENANT)).rejects.toThrow(/connect/);
  expect((await h.app.store.list('outbox', OUR_TENANT)).filter((m) => m.kind === 'notice')).toHaveLength(1);
  const admin = await h.say(ana, 'admin');
  expect(cardText(admin)).toContain('has expired or was revoked');
  const { card } = await h.press(ana, admin, 'Disconnect');
  expect(cardText(card)).toContain('Disconnected from Partner Center');
  expect(await link()).toBeUndefined();
});

it('an accept in Teams reaches Partner Center with If-Match; a change there in between is read again and ours applied on top', async () => {
  pc.put(pcReferral('pc-accept', 1));
  await connect();
  const referral = (await byPartnerCenterId('pc-accept'))!;
  let edited = '';
  // Someone edits the referral in Partner Center just as our write arrives.
  pc.beforeWrite = (id) => {
    const now = pc.get(id)!;
    edited = pc.put({ ...now, details: { ...(now.details as object), notes: 'Edited in Partner Center' } }).eTag;
  };
  await h.press(ana, await h.clickCard(ana, 'open', { referralId: referral.id }), 'Accept');
  await h.app.partnerCenter!.writer.flush(OUR_TENANT);
  const there = pc.get('pc-accept')!;
  expect(there).toMatchObject({ status: 'Active', substatus: 'Accepted', details: { notes: 'Edited in Partner Center' } });
  expect(there.team).toEqual((await byPartnerCenterId('pc-accept'))!.team);
  const puts = pc.requests.filter((r) => r.method === 'PUT');
  expect(puts.map((r) => r.status)).toEqual([412, 200]);
  expect(puts[1]!.headers['if-match']).toBe(edited);
  expect((await byPartnerCenterId('pc-accept'))!.partnerCenterSync).toMatchObject({ state: 'synced', problem: '' });
  expect(cardText(await h.clickCard(ana, 'open', { referralId: referral.id }))).toContain('Synced with Partner Center');
});

it('Partner Center down for an hour, then throttling: the change waits, goes out once when it can, and nothing is lost or doubled', async () => {
  pc.put(pcReferral('pc-later', 1));
  await connect();
  const referral = (await byPartnerCenterId('pc-later'))!;
  pc.down(true);
  await h.press(ana, await h.clickCard(ana, 'open', { referralId: referral.id }), 'Accept');
  await h.app.partnerCenter!.writer.flush(OUR_TENANT);
  expect((await byPartnerCenterId('pc-later'))!.partnerCenterSync).toMatchObject({ state: 'pending', attempts: 1 });
  // Not due yet: nothing is sent.
  const sent = pc.requests.length;
  await h.app.partnerCenter!.writer.flushAll();
  expect(pc.requests.length).toBe(sent);
  h.clock.advance(60 * 60_000);
  await h.app.partnerCenter!.writer.flushAll();
  expect((await byPartnerCenterId('pc-later'))!.partnerCenterSync).toMatchObject({ state: 'pending', attempts: 2 });
  expect(cardText(await h.clickCard(ana, 'open', { referralId: referral.id }))).toContain('Waiting to sync with Partner Center: retrying.');
  // Back, but throttling: it waits for Retry-After, then goes.
  pc.down(false);
  pc.throttle(3, 30);
  h.clock.advance(60 * 60_000);
  await h.app.partnerCenter!.writer.flushAll();
  expect((await byPartnerCenterId('pc-later'))!.partnerCenterSync).toMatchObject({ state: 'pending', retryAt: new Date(h.clock.now().getTime() + 30_000).toISOString() });
  // A storm: throttled again at each try, each time it waits as told.
  for (let i = 0; i < 2; i++) {
    h.clock.advance(30_000);
    await h.app.partnerCenter!.writer.flushAll();
    expect((await byPartnerCenterId('pc-later'))!.partnerCenterSync).toMatchObject({ state: 'pending' });
  }
  h.clock.advance(30_000);
  await h.app.partnerCenter!.writer.flushAll();
  expect((await byPartnerCenterId('pc-later'))!.partnerCenterSync).toMatchObject({ state: 'synced' });
  expect(pc.get('pc-later')).toMatchObject({ status: 'Active', substatus: 'Accepted' });
  expect(pc.requests.filter((r) => r.method === 'PUT' && r.status === 200)).toHaveLength(1);
});

it('Partner Center further along wins: a decline here of a referral already won there is refused, and the deal shows Partner Center’s state', async () => {
  pc.put(pcReferral('pc-ahead', 1));
  await connect();
  const referral = (await byPartnerCenterId('pc-ahead'))!;
  pc.put(pcReferral('pc-ahead', 0, { status: 'Closed', substatus: 'Won', updatedDateTime: h.clock.now().toISOString() }));
  await h.app.lifecycle.decline({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, referral.id, referral.version, { reason: 'NoCapacity' });
  await h.app.partnerCenter!.writer.flush(OUR_TENANT);
  expect(pc.get('pc-ahead')).toMatchObject({ status: 'Closed', substatus: 'Won' });
  expect(pc.requests.some((r) => r.method === 'PUT')).toBe(false);
  const refused = (await byPartnerCenterId('pc-ahead'))!;
  expect(refused.partnerCenterSync).toMatchObject({ state: 'refused', problem: 'Partner Center has it Won already.' });
  expect(cardText(await h.clickCard(ana, 'open', { referralId: refused.id }))).toContain('Partner Center refused the last change: Partner Center has it Won already.');
});

it('a sign-in with an account of another tenant does not connect the organization', async () => {
  entra.tenantId = 'bbbbbbbb-0000-4000-8000-0000000000ff';
  const admin = await h.say(ana, 'admin');
  await h.press(ana, admin, 'Connect Partner Center');
  for (let i = 0; i < 200 && (await link())?.status === 'signingIn'; i++) await new Promise((r) => setTimeout(r, 5));
  const refused = await link();
  expect(refused).toMatchObject({ status: 'needsSignIn', tokenCache: '' });
  expect(refused!.problems.at(-1)!.message).toMatch(/another tenant/);
  await expect(h.app.partnerCenter!.auth.token(OUR_TENANT)).rejects.toThrow(/connect/);
  expect(pc.requests).toEqual([]);
});

it('a deal created in Teams appears in Partner Center with its help request, and a win follows it there', async () => {
  await connect();
  const caller = { tenantId: OUR_TENANT, userId: ana.aadObjectId };
  const contact = { firstName: 'Sue', lastName: 'Smith', phoneNumber: '+1 425 555 0142', email: 'sue@contoso.example' };
  const created = await h.app.lifecycle.createDeal(caller, dealInput({ helpType: 'ProofOfConceptOrDemo', customerContact: contact, consentToShare: true, notes: 'Kick-off next week' }));
  await h.app.partnerCenter!.writer.flush(OUR_TENANT);
  const posts = pc.requests.filter((r) => r.method === 'POST' && r.status === 201);
  expect(posts).toHaveLength(1);
  const ours = (await h.app.store.get('referral', created.referral.id))!;
  expect(ours.partnerCenterSync).toMatchObject({ state: 'synced' });
  const there = pc.get(ours.partnerCenterId)!;
  expect(there).toMatchObject({ name: 'Contoso supply chain', type: 'Shared', status: 'Active', substatus: 'Accepted', details: { assistanceRequestCode: 'ProofOfConceptOrDemo', dealValue: 50000, currency: 'USD' } });
  expect((there.customerProfile as { ids: unknown[] }).ids).toEqual([{ profileType: 'Duns', id: '080912345' }]);
  // The next sync reads it back as the same deal, not a second one.
  await h.app.partnerCenter!.sync.syncOrganization(OUR_TENANT);
  expect((await h.app.store.list('referral', OUR_TENANT)).filter((r) => r.partnerCenterId === ours.partnerCenterId)).toHaveLength(1);
  // Won in Teams: won in Partner Center.
  const latest = (await h.app.store.get('referral', created.referral.id))!;
  await h.app.lifecycle.markWon(caller, latest.id, latest.version, {});
  await h.app.partnerCenter!.writer.flush(OUR_TENANT);
  expect(pc.get(ours.partnerCenterId)).toMatchObject({ status: 'Closed', substatus: 'Won' });
});
