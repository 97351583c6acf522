import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../services/clock.js';
import { CoSellError } from '../services/errors.js';
import { makeReferral } from './helpers/records.js';
import { CONTOSO_PARTNER, dealInput, FABRIKAM, makeWorld, member, NORTHWIND, partnerInvitation, type World, refusal } from './helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(() => w.close());


describe('tenant isolation', () => {
  it('another organization can neither read nor act on a referral', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput({ name: 'Ours only', externalReferenceId: 'CRM-9' }))).referral;
    const outsider = w.northwind;
    const attempts = [
      w.service.get(outsider, r.id),
      w.service.edit(outsider, r.id, 1, { name: 'Hijacked' }),
      w.service.markWon(outsider, r.id, 1, {}),
      w.service.markLost(outsider, r.id, 1, { reason: 'Other' }),
      w.service.addNote(outsider, r.id, 1, { text: 'hi' }),
      w.service.invite(outsider, r.id, 1, { partners: [partnerInvitation(FABRIKAM)] }),
      w.service.setFavorite(outsider, r.id, true),
    ];
    for (const attempt of attempts) expect((await refusal(attempt)).code).toBe('not_found');
    for (const box of ['inbound', 'outbound', 'archive', 'favorites'] as const) expect((await w.service.list(outsider, box)).total).toBe(0);
    expect((await w.service.find(outsider, 'CRM-9')).total).toBe(0);
    expect((await w.service.get(w.admin, r.id)).referral).toEqual(r);
  });

  it('participants see each other’s stage, not each other’s details', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }))).referral;
    const view = await w.service.get(w.fabrikam, (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral.id);
    expect(view.participants).toEqual([{ orgId: w.admin.tenantId, orgName: 'Organization aaaaaaaa', kind: 'partner', stage: 'Accepted', direction: 'Outgoing', since: ours.updatedDateTime }]);
    expect((await refusal(w.service.get(w.fabrikam, ours.id))).code).toBe('not_found');
  });

  it('an unregistered user is refused', async () => {
    expect((await refusal(w.service.list({ tenantId: FABRIKAM, userId: 'stranger' }, 'inbound'))).code).toBe('forbidden');
  });
});

describe('who may act inside an organization', () => {
  it('the first user is admin, later ones sellers; a seller acts only on deals they are on', async () => {
    expect((await w.directory.person(w.admin.tenantId, 'u-ana'))!.roles).toEqual(['admin']);
    expect((await w.directory.person(w.admin.tenantId, 'u-sam'))!.roles).toEqual(['seller']);
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    // Sellers read their organization's deals...
    expect((await w.service.get(w.seller, r.id)).allowed.edit).toBe(false);
    // ...but act only where they are on the team.
    expect((await refusal(w.service.edit(w.seller, r.id, 1, { name: 'x' }))).code).toBe('forbidden');
    await w.service.addTeamMembers(w.admin, r.id, 1, { members: [member('Sam', 'sam@partner.example')] });
    expect((await w.service.edit(w.seller, r.id, 2, { name: 'Sam’s now' })).referral.name).toBe('Sam’s now');
  });

  it('a referrals admin acts on every referral; only an admin changes roles', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    expect((await refusal(w.directory.setRoles(w.seller, { 'u-sam': ['admin'] }, new Date()))).code).toBe('forbidden');
    await w.directory.setRoles(w.admin, { 'u-sam': ['referrals-admin'] }, new Date());
    expect((await w.service.markLost(w.seller, r.id, 1, { reason: 'NoDecision' })).referral.substatus).toBe('Lost');
  });
});

describe('concurrency', () => {
  it('a stale write is refused with a clear conflict and changes nothing', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    await w.service.edit(w.admin, r.id, 1, { name: 'First edit' });
    const e = await refusal(w.service.edit(w.admin, r.id, 1, { name: 'Stale edit' }));
    expect(e.code).toBe('conflict');
    expect(e.message).toBe('This deal was changed by Ana Admin (edited) since you opened it; it is now Accepted. Nothing was applied: check the latest version and try again.');
    const now = (await w.service.get(w.admin, r.id)).referral;
    expect(now).toMatchObject({ name: 'First edit', version: 2 });
    expect(now.history).toHaveLength(2);
  });

  it('Accept and Decline clicked at the same moment end with exactly one outcome', async () => {
    for (let round = 0; round < 5; round++) {
      await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }));
      const theirs = (await w.service.list(w.fabrikam, 'inbound')).items.find((i) => i.referral.substatus === 'Received')!.referral;
      const results = await Promise.allSettled([
        w.service.accept(w.fabrikam, theirs.id, 1, { name: 'x', dealValue: 5, currency: 'USD', closingDateTime: '2027-01-01', team: [member('Fay', 'fay@fabrikam.example')] }),
        w.service.decline(w.fabrikam, theirs.id, 1, { reason: 'NoCapacity' }),
      ]);
      const won = results.filter((s) => s.status === 'fulfilled');
      const lost = results.filter((s) => s.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(((lost[0] as PromiseRejectedResult).reason as CoSellError).code).toBe('conflict');
      const final = (await w.service.get(w.fabrikam, theirs.id)).referral;
      expect(final.version).toBe(2);
      expect(final.history).toHaveLength(2);
      expect(['Accepted', 'Declined']).toContain(final.substatus);
    }
  });
});

describe('favorites', () => {
  it('are per user, toggle on and off, and do not change the deal’s version', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    expect((await w.service.setFavorite(w.admin, r.id, true)).favorite).toBe(true);
    expect((await w.service.list(w.admin, 'favorites')).items.map((i) => i.referral.id)).toEqual([r.id]);
    expect((await w.service.list(w.seller, 'favorites')).total).toBe(0);
    expect((await w.service.get(w.seller, r.id)).favorite).toBe(false);
    expect((await w.service.get(w.admin, r.id)).referral.version).toBe(1);
    expect((await w.service.setFavorite(w.admin, r.id, false)).favorite).toBe(false);
    expect((await w.service.list(w.admin, 'favorites')).total).toBe(0);
  });
});

describe('queries', () => {
  it('inbound, outbound, archive, find and expiring, each paged', async () => {
    for (let i = 0; i < 23; i++) {
      w.clock.advance(1000);
      await w.service.createDeal(w.admin, dealInput({ name: `Deal ${i}`, externalReferenceId: `CRM-${i}`, customer: { name: i % 2 ? 'Litware Inc' : 'Woodgrove Bank', address: { country: 'US' } } }));
    }
    const first = await w.service.list(w.admin, 'outbound', 0, 10);
    expect(first).toMatchObject({ total: 23, page: 0, pageSize: 10, hasMore: true });
    expect(first.items[0]!.referral.name).toBe('Deal 22');
    const last = await w.service.list(w.admin, 'outbound', 2, 10);
    expect(last).toMatchObject({ page: 2, hasMore: false });
    expect(last.items).toHaveLength(3);
    // A page past the end shows the last page rather than nothing.
    expect((await w.service.list(w.admin, 'outbound', 9, 10)).page).toBe(2);

    expect((await w.service.find(w.admin, 'deal 1')).total).toBe(11); // Deal 1, Deal 10..19
    expect((await w.service.find(w.admin, 'litware')).total).toBe(11);
    expect((await w.service.find(w.admin, 'crm-7')).items.map((i) => i.referral.name)).toEqual(['Deal 7']);

    const one = (await w.service.find(w.admin, 'crm-7')).items[0]!.referral;
    await w.service.markWon(w.admin, one.id, 1, {});
    expect((await w.service.list(w.admin, 'archive')).items.map((i) => i.referral.name)).toEqual(['Deal 7']);
    expect((await w.service.list(w.admin, 'outbound')).total).toBe(22);
  });

  it('lists order by the moment of the last change, whatever offset its time was written with', async () => {
    const early = makeReferral({ orgId: CONTOSO_PARTNER, direction: 'Outgoing', substatus: 'Accepted', name: 'Earlier (08:00 UTC)', updatedDateTime: '2026-01-01T10:00:00+02:00' });
    const late = makeReferral({ orgId: CONTOSO_PARTNER, direction: 'Outgoing', substatus: 'Accepted', name: 'Later (09:00 UTC)', updatedDateTime: '2026-01-01T09:00:00Z' });
    await w.store.commit([early, late].map((put) => ({ kind: 'referral' as const, put })));
    expect((await w.service.list(w.admin, 'outbound')).items.map((i) => i.referral.name)).toEqual(['Later (09:00 UTC)', 'Earlier (08:00 UTC)']);
  });

  it('inbound puts referrals waiting for an answer first; expiring lists the soonest first', async () => {
    await w.service.createDeal(w.fabrikam, dealInput({ team: [member('Fay', 'fay@fabrikam.example')], partners: [partnerInvitation(NORTHWIND, { team: [member('Fay', 'fay@fabrikam.example')] })] }));
    w.clock.advance(3 * DAY_MS);
    await w.service.createDeal(w.fabrikam, dealInput({ name: 'Later', team: [member('Fay', 'fay@fabrikam.example')], partners: [partnerInvitation(NORTHWIND, { team: [member('Fay', 'fay@fabrikam.example')] })] }));
    const inbound = await w.service.list(w.northwind, 'inbound');
    expect(inbound.total).toBe(2);
    const older = inbound.items[1]!.referral;
    await w.service.accept(w.northwind, older.id, 1, { name: 'Taken', dealValue: 1, currency: 'USD', closingDateTime: '2027-01-01', team: [member('Ned', 'ned@northwind.example')] });
    expect((await w.service.list(w.northwind, 'inbound')).items.map((i) => i.referral.substatus)).toEqual(['Received', 'Accepted']);
    expect((await w.service.expiringWithin(w.northwind, 14)).total).toBe(1);
    expect((await w.service.expiringWithin(w.northwind, 10)).total).toBe(0);
  });
});
