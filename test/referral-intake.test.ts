// The intake contract, case by case: signature, idempotency and every error code.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { sign, signedHeaders } from '../bot/referral-intake.js';
import { startApp } from '../bot/app.js';
import { loadConfig } from '../bot/config.js';
import { createLogger } from '../bot/log.js';
import { ana, cardText, OUR_TENANT, startHarness, WEBHOOK_SECRET, type Harness } from './helpers/bot-harness.js';
import { MICROSOFT } from './helpers/world.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './helpers/fixtures.js';

const sample = (overrides: Record<string, unknown> = {}) => ({ ...fixture, id: 'pc-ref-1', ...overrides });

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.say(ana, 'help'); // registers our organization
});
afterEach(() => h.close());

/** Posts a referral signed as a sender would; `headers` replaces the signature or timestamp (undefined removes one). */
const post = (body: unknown, opts: { tenant?: string; raw?: string; headers?: Record<string, string | undefined> } = {}) => h.postReferral(body, opts);

const stored = () => h.app.store.list('referral', OUR_TENANT);

describe('referral intake', () => {
  it('201 and the stored id for a new referral, mapped from the Partner Center resource', async () => {
    const res = await post(sample());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ outcome: 'created', stage: 'Received' });
    const [referral] = await stored();
    expect(referral!.id).toBe(res.body.id);
    expect(referral).toMatchObject({
      name: 'Test Cosell Invite_20',
      direction: 'Incoming',
      substatus: 'Received',
      partnerCenterId: 'pc-ref-1',
      details: { dealValue: 50000, currency: 'USD', closingDateTime: '2018-11-14T00:00:00.000Z' },
      customerProfile: { name: 'Contoso Customer Inc', address: { city: 'Redmond', country: 'US' } },
      consent: { consentToShareInfoWithOthers: true, consentToContact: true },
      inviteContext: { invitedBy: { organizationId: MICROSOFT, organizationName: 'Microsoft' }, notes: expect.stringContaining('Hi ABC Partner') },
      solutionIds: ['SOL-34104-EBB'],
    });
    expect(referral!.customerProfile.team.map((c) => c.email)).toEqual(['sue.smith@contoso.com', 'joe.hansen@contoso.com']);
    expect(referral!.expirationDateTime).toBe('2026-12-05T09:00:00.000Z');
  });

  it('200 and nothing changed when the same referral arrives again (same id, or same external reference id)', async () => {
    const first = await post(sample({ externalReferenceId: 'EXT-1' }));
    const again = await post(sample({ externalReferenceId: 'EXT-1' }));
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, outcome: 'unchanged' } });
    const byExternal = await post(sample({ id: undefined, externalReferenceId: 'EXT-1' }));
    expect(byExternal).toMatchObject({ status: 200, body: { id: first.body.id, outcome: 'unchanged' } });
    expect(await stored()).toHaveLength(1);
    expect((await stored())[0]!.version).toBe(1);
  });

  it('applies an update of a known Received referral through the lifecycle rules', async () => {
    const first = await post(sample());
    const changed = sample({ details: { ...(fixture.details as object), dealValue: 65000 } });
    const res = await post(changed);
    expect(res).toMatchObject({ status: 200, body: { id: first.body.id, outcome: 'updated' } });
    const [referral] = await stored();
    expect(referral!.details.dealValue).toBe(65000);
    expect(say(referral!.history.at(-1)!.action)).toBe('updated by the sender');
    expect(referral!.history.at(-1)).toMatchObject({ changes: { 'details.dealValue': { from: 50000, to: 65000 } } });
  });

  it('a redelivery after the receiver accepted changes nothing the receiver owns: name, team, notes, CRM id', async () => {
    const first = await post(sample());
    const caller = { tenantId: OUR_TENANT, userId: ana.aadObjectId };
    const extra = { firstName: 'Al', lastName: 'Added', phoneNumber: '555 0177', email: 'al@partner.example' };
    await h.app.lifecycle.accept(caller, first.body.id, 1, {
      name: 'Our name for it', dealValue: 50000, currency: 'USD', closingDateTime: '2027-06-30', externalReferenceId: 'OUR-CRM-9', notes: 'Our own note', team: [extra],
    });
    const again = await post(sample());
    expect(again).toMatchObject({ status: 200, body: { outcome: 'unchanged' } });
    const [referral] = await stored();
    expect(referral!.name).toBe('Our name for it');
    expect(referral!.team.map((m) => m.email)).toContain('al@partner.example');
    expect(referral!.externalReferenceId).toBe('OUR-CRM-9');
    expect(referral!.notes.map((n) => n.text)).toContain('Our own note');
    // What the sender still owns does change: the customer.
    const moved = await post(sample({ customerProfile: { ...(fixture.customerProfile as object), name: 'Contoso Customer Holdings' } }));
    expect(moved).toMatchObject({ status: 200, body: { outcome: 'updated' } });
    expect((await stored())[0]).toMatchObject({ name: 'Our name for it', customerProfile: { name: 'Contoso Customer Holdings' } });
  });

  it('an older version replayed after an update changes nothing', async () => {
    await post(sample({ updatedDateTime: '2026-11-20T10:00:00Z' }));
    const newer = await post(sample({ updatedDateTime: '2026-11-21T08:00:00Z', details: { ...(fixture.details as object), dealValue: 65000 } }));
    expect(newer.body.outcome).toBe('updated');
    const older = await post(sample({ updatedDateTime: '2026-11-20T10:00:00Z' }));
    expect(older).toMatchObject({ status: 200, body: { outcome: 'unchanged' } });
    expect((await stored())[0]!.details.dealValue).toBe(65000);
  });

  it('409 for an update of a terminal referral: it is not reopened', async () => {
    const first = await post(sample());
    await h.app.lifecycle.decline({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, first.body.id, 1, { reason: 'NotAGoodFit' });
    const res = await post(sample({ customerProfile: { ...(fixture.customerProfile as object), name: 'Renamed after decline' } }));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/Declined and archived/);
    // A deal name is the receiver's once answered: a redelivery that renames it changes nothing.
    expect((await post(sample({ name: 'Renamed after decline' }))).body.outcome).toBe('unchanged');
    expect((await stored())[0]).toMatchObject({ name: 'Test Cosell Invite_20', substatus: 'Declined', customerProfile: { name: 'Contoso Customer Inc' } });
  });

  it('400 with the list of field problems; nothing is stored', async () => {
    const cases: [string, unknown, string][] = [
      ['unknown enum value', sample({ status: 'Bogus' }), 'status'],
      ['missing customer name', sample({ customerProfile: { ...(fixture.customerProfile as object), name: undefined } }), 'customerProfile.name'],
      ['negative value', sample({ details: { ...(fixture.details as object), dealValue: -5 } }), 'details.dealValue'],
      // Values the store would refuse are refused here, as the sender's mistake, never a 500.
      ['value over the store’s limit', sample({ details: { ...(fixture.details as object), dealValue: 1e13 } }), 'details.dealValue'],
      ['solution id over 200 characters', sample({ target: [{ type: 'SolutionProfile', id: 'x'.repeat(201) }] }), 'target.0.id'],
      ['sender id over 200 characters', sample({ inviteContext: { notes: '', invitedBy: { organizationId: 'o'.repeat(201) } } }), 'inviteContext.invitedBy.organizationId'],
      // Without an id a redelivery can't be recognized: it would create the referral again.
      ['neither id nor externalReferenceId', sample({ id: undefined }), 'id'],
      // A Closed referral without how it ended can't be archived as anything.
      ['Closed without its substatus', sample({ status: 'Closed', substatus: undefined }), 'substatus'],
      ['a deadline that is no date-time', sample({ expirationDateTime: 'in two weeks' }), 'expirationDateTime'],
    ];
    for (const [what, body, field] of cases) {
      const res = await post(body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.problems.map((p: { field: string }) => p.field), what).toContain(field);
    }
    expect(await stored()).toEqual([]);
  });

  it('401 for a missing, wrong, stale or other tenant’s signature', async () => {
    const raw = JSON.stringify(sample());
    const now = String(Math.floor(h.clock.now().getTime() / 1000));
    const signed = (over: Record<string, string | undefined>) => post(sample(), { raw, headers: over });
    expect((await signed({ 'X-Signature-256': undefined })).status).toBe(401);
    expect((await signed({ 'X-Signature-Timestamp': undefined })).status).toBe(401);
    expect((await signed({ 'X-Signature-256': sign('another-secret-of-16-chars', now, OUR_TENANT, raw) })).status).toBe(401);
    expect((await signed({ 'X-Signature-256': 'sha256=abc' })).status).toBe(401);
    // A signature of a different body does not cover this one.
    expect((await signed({ 'X-Signature-256': sign(WEBHOOK_SECRET, now, OUR_TENANT, JSON.stringify(sample({ name: 'x' }))) })).status).toBe(401);
    // A body signed for another tenant is refused at this tenant's URL.
    expect((await signed({ 'X-Signature-256': sign(WEBHOOK_SECRET, now, 'ffffffff-0000-4000-8000-000000000999', raw) })).status).toBe(401);
    // A captured request replayed more than 5 minutes later is refused, and so is one from the future.
    for (const skew of [-301, 301]) {
      const at = String(Number(now) + skew);
      expect((await signed({ 'X-Signature-Timestamp': at, 'X-Signature-256': sign(WEBHOOK_SECRET, at, OUR_TENANT, raw) })).status, `skew ${skew}`).toBe(401);
    }
    expect(await stored()).toEqual([]);
    // Within the window, signed for this tenant: stored.
    const at = String(Number(now) - 290);
    expect((await signed({ 'X-Signature-Timestamp': at, 'X-Signature-256': sign(WEBHOOK_SECRET, at, OUR_TENANT, raw) })).status).toBe(201);
  });

  it('404 for a tenant with no organization', async () => {
    const res = await post(sample(), { tenant: 'ffffffff-0000-4000-8000-000000000999' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('UnknownTenant');
  });

  it('413 for a body over 256 KB', async () => {
    const res = await post(sample({ details: { ...(fixture.details as object), notes: 'x'.repeat(300 * 1024) } }));
    expect(res.status).toBe(413);
    expect(await stored()).toEqual([]);
  });

  it('503 with a message when no secret is configured', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cosell-nosecret-'));
    const app = await startApp({ ...loadConfig({ DATA_DIR: dir }), PORT: 0 }, { log: createLogger({ silent: true }) });
    try {
      const raw = JSON.stringify(sample());
      const res = await fetch(`${app.url}/api/tenants/${OUR_TENANT}/referrals`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...signedHeaders('x', OUR_TENANT, raw, new Date()) }, body: raw });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/REFERRALS_WEBHOOK_SECRET/);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Partner Center’s own state', () => {
  const caller = { tenantId: OUR_TENANT, userId: ana.aadObjectId };
  const alertsFor = async (referralId: string) => h.app.store.list('outbox', OUR_TENANT, { referralId });

  it('a referral already Closed there goes straight to the archive with its reason and ETag, and nobody is alerted', async () => {
    const res = await post(sample({ id: 'pc-closed', status: 'Closed', substatus: 'Won', statusReason: 'Customer engagement was a success!', eTag: '"2500ec5a"' }));
    expect(res).toMatchObject({ status: 201, body: { outcome: 'created', stage: 'Won' } });
    const [referral] = await stored();
    expect(referral).toMatchObject({ status: 'Closed', substatus: 'Won', statusReason: 'Customer engagement was a success!', partnerCenterETag: '"2500ec5a"' });
    expect(await alertsFor(referral!.id)).toEqual([]);
    expect((await h.app.lifecycle.list(caller, 'archive')).items.map((i) => i.referral.id)).toEqual([referral!.id]);
    expect((await h.app.lifecycle.list(caller, 'inbound')).items).toEqual([]);
  });

  it('Partner Center’s deadline is the referral’s: one sent days ago has fewer days left', async () => {
    const deadline = new Date(h.clock.now().getTime() + 3 * 86_400_000).toISOString();
    const res = await post(sample({ expirationDateTime: deadline }));
    expect((await stored())[0]!.expirationDateTime).toBe(deadline);
    expect(cardText(await h.clickCard(ana, 'open', { referralId: res.body.id }))).toContain('3 days left to respond');
  });

  it('a stage ahead of ours is taken; a copy behind ours changes nothing; two different ends are a conflict', async () => {
    const first = await post(sample({ updatedDateTime: '2026-11-20T10:00:00Z' }));
    const accepted = await post(sample({ updatedDateTime: '2026-11-20T11:00:00Z', status: 'Active', substatus: 'Accepted', eTag: '"v2"' }));
    expect(accepted.body).toMatchObject({ id: first.body.id, outcome: 'updated', stage: 'Accepted' });
    let [referral] = await stored();
    expect(referral).toMatchObject({ status: 'Active', substatus: 'Accepted', partnerCenterETag: '"v2"' });
    expect(say(referral!.history.at(-1)!.action)).toBe('Accepted in Partner Center');
    // Our own answer still on its way there: Partner Center's older state is not taken back.
    expect((await post(sample({ updatedDateTime: '2026-11-20T12:00:00Z', status: 'New', substatus: 'Pending' }))).body.outcome).toBe('unchanged');
    expect((await stored())[0]!.substatus).toBe('Accepted');
    const lost = await post(sample({ updatedDateTime: '2026-11-20T13:00:00Z', status: 'Closed', substatus: 'Lost', statusReason: 'Budget cut' }));
    expect(lost.body).toMatchObject({ outcome: 'updated', stage: 'Lost' });
    [referral] = await stored();
    expect(referral).toMatchObject({ status: 'Closed', substatus: 'Lost', statusReason: 'Budget cut' });
    const won = await post(sample({ updatedDateTime: '2026-11-20T14:00:00Z', status: 'Closed', substatus: 'Won' }));
    expect(won.status).toBe(409);
    expect((await stored())[0]).toMatchObject({ substatus: 'Lost', version: referral!.version });
  });

  it('Partner Center’s answer without a name or close date (as it reads a closed referral back) closes the known referral and keeps ours', async () => {
    const closedWon = JSON.parse(readFileSync(new URL('./fixtures/partner-center-closed-won.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    // Unknown until now, it can't be created: it has no close date.
    const refused = await post(closedWon);
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems.map((p: { field: string }) => p.field)).toContain('details.closingDateTime');
    expect(await stored()).toEqual([]);
    // Known (received earlier), it is closed as Partner Center says, with its own name and date kept.
    await post(sample({ id: closedWon.id, updatedDateTime: '2018-11-01T00:00:00Z' }));
    const res = await post(closedWon);
    expect(res).toMatchObject({ status: 200, body: { outcome: 'updated', stage: 'Won' } });
    expect((await stored())[0]).toMatchObject({ name: 'Test Cosell Invite_20', status: 'Closed', substatus: 'Won', statusReason: 'Customer engagement was a success!', details: { closingDateTime: new Date(fixture.details.closingDateTime).toISOString() } });
  });

  it('a referral the organization created in Partner Center is its own Accepted deal: outbound, no invitation, no alert', async () => {
    const res = await post(sample({ id: 'pc-own', direction: 'Outgoing', status: 'Active', substatus: 'Accepted', inviteContext: undefined }));
    expect(res).toMatchObject({ status: 201, body: { stage: 'Accepted' } });
    const [referral] = await stored();
    expect(referral).toMatchObject({ direction: 'Outgoing', substatus: 'Accepted' });
    expect(referral!.inviteContext).toBeUndefined();
    expect(await alertsFor(referral!.id)).toEqual([]);
    expect((await h.app.lifecycle.list(caller, 'outbound')).items.map((i) => i.referral.id)).toEqual([referral!.id]);
  });
});
