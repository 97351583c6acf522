import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { DAY_MS } from '../services/clock.js';
import type { Caller } from '../services/directory.js';
import type { Referral } from '../services/model.js';
import { customerContact, dealInput, FABRIKAM, makeWorld, member, partnerInvitation, type World, refusal } from './helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(() => w.close());


/** A P2P deal: our Accepted referral and Fabrikam's Received one. */
async function p2p(): Promise<{ ours: Referral; theirs: Referral }> {
  const ours = (await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }))).referral;
  const theirs = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
  return { ours, theirs };
}

const acceptInput = { name: 'Contoso migration', dealValue: 15000, currency: 'EUR', closingDateTime: '2027-01-15', team: [member('Fay', 'fay@fabrikam.example')] };

describe('Received', () => {
  it('accept sets name, value, close date, CRM and campaign ids, moves to Accepted and records what changed', async () => {
    const { theirs } = await p2p();
    w.clock.advance(60_000);
    const view = await w.service.accept(w.fabrikam, theirs.id, theirs.version, { ...acceptInput, externalReferenceId: 'CRM-42', campaignId: 'CMP-7', notes: 'Called the customer' });
    const r = view.referral;
    expect(r).toMatchObject({ substatus: 'Accepted', status: 'Active', name: 'Contoso migration', externalReferenceId: 'CRM-42', campaignId: 'CMP-7', version: 2 });
    expect(r.details).toMatchObject({ dealValue: 15000, currency: 'EUR', closingDateTime: '2027-01-15T00:00:00.000Z' });
    expect(r.team.map((m) => m.email)).toContain('fay@fabrikam.example');
    const entry = r.history.at(-1)!;
    expect({ ...entry, action: say(entry.action) }).toMatchObject({ action: 'accepted', byUserId: 'u-fay', byOrgId: FABRIKAM, at: '2026-11-21T09:01:00.000Z' });
    expect(entry.changes['substatus']).toEqual({ from: 'Received', to: 'Accepted' });
    expect(entry.changes['details.dealValue']).toEqual({ from: 12000, to: 15000 });
    expect(entry.changes['notes']).toEqual({ from: null, to: ['Called the customer'] });
    // The sender sees the participant's new stage.
    const ours = (await w.service.list(w.admin, 'outbound')).items[0]!.referral;
    expect((await w.service.get(w.admin, ours.id)).participants[0]!.stage).toBe('Accepted');
  });

  it('accept validates like creation: value > 0 and a close date not in the past', async () => {
    const { theirs } = await p2p();
    expect((await refusal(w.service.accept(w.fabrikam, theirs.id, theirs.version, { ...acceptInput, dealValue: 0 }))).fields.dealValue).toMatch(/more than 0/);
    expect((await refusal(w.service.accept(w.fabrikam, theirs.id, theirs.version, { ...acceptInput, closingDateTime: '2026-01-01' }))).fields.closingDateTime).toMatch(/past/);
    expect((await w.service.get(w.fabrikam, theirs.id)).referral).toEqual(theirs);
  });

  it('decline needs a reason from the list, keeps the notes and archives the referral', async () => {
    const { theirs } = await p2p();
    const bad = await refusal(w.service.decline(w.fabrikam, theirs.id, theirs.version, { reason: 'Bored' as never }));
    expect(bad.fields.reason).toBeDefined();
    const view = await w.service.decline(w.fabrikam, theirs.id, theirs.version, { reason: 'NoCapacity', notes: 'Fully booked until March' });
    expect(view.referral).toMatchObject({ substatus: 'Declined', status: 'Closed', statusReason: 'NoCapacity' });
    // The reason goes with the note as a message, worded for each reader; the note is as typed.
    const declined = view.referral.notes.at(-1)!;
    expect([say(declined.about!), declined.text]).toEqual(['Declined (We have no capacity right now)', 'Fully booked until March']);
    expect((await w.service.list(w.fabrikam, 'archive')).total).toBe(1);
    expect((await w.service.list(w.fabrikam, 'inbound')).total).toBe(0);
  });

  it('expires after 14 days without an answer, not before; a late accept is refused', async () => {
    const { theirs } = await p2p();
    w.clock.advance(14 * DAY_MS - 1);
    expect(await w.service.expireDue()).toEqual([]);
    w.clock.advance(1);
    const late = await refusal(w.service.accept(w.fabrikam, theirs.id, theirs.version, acceptInput));
    expect(late.message).toMatch(/ran out on 5 Dec 2026, 09:00 UTC/);
    const expired = await w.service.expireDue();
    expect(expired.map((r) => [r.id, r.substatus, r.statusReason])).toEqual([[theirs.id, 'Expired', 'NoResponse']]);
    expect(say(expired[0]!.history.at(-1)!.action)).toBe('expired');
    expect(expired[0]!.history.at(-1)).toMatchObject({ byName: 'Co-sell Bot' });
    expect(await w.service.expireDue()).toEqual([]);
  });

  it('past the deadline a referral is expired for every action, decline and hand-over included, before the clock marks it', async () => {
    const { theirs } = await p2p();
    w.clock.advance(14 * DAY_MS);
    expect((await w.service.get(w.fabrikam, theirs.id)).allowed).toMatchObject({ accept: false, decline: false, assign: false });
    for (const late of [
      w.service.decline(w.fabrikam, theirs.id, theirs.version, { reason: 'NoCapacity' }),
      w.service.accept(w.fabrikam, theirs.id, theirs.version, acceptInput),
      w.service.assign(w.fabrikam, theirs.id, theirs.version, { userId: 'u-fay' }),
    ]) {
      expect((await refusal(late)).message).toMatch(/ran out on 5 Dec 2026, 09:00 UTC: it has expired/);
    }
    expect((await w.service.get(w.fabrikam, theirs.id)).referral).toEqual(theirs);
  });

  it('gives Microsoft the same 14-day window to decide on a help request', async () => {
    await w.service.createDeal(w.admin, dealInput({ helpType: 'QuotesOrLicensing', customerContact, consentToShare: true }));
    w.clock.advance(13 * DAY_MS);
    expect(await w.service.expireDue()).toEqual([]);
    expect((await w.service.expiringWithin(w.microsoft, 1)).total).toBe(1);
    w.clock.advance(DAY_MS);
    expect((await w.service.expireDue()).map((r) => r.orgId)).toEqual([w.microsoft.tenantId]);
  });

  it('a creator’s Accepted deal can’t be accepted or declined again', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput())).referral;
    expect((await refusal(w.service.accept(w.admin, ours.id, 1, acceptInput))).message).toBe('A deal that is Accepted can’t be marked Accepted.');
    expect((await refusal(w.service.decline(w.admin, ours.id, 1, { reason: 'Other' }))).code).toBe('not_allowed');
  });
});

describe('Accepted', () => {
  it('edits only name, close date, value, notes, CRM id and campaign id', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput())).referral;
    const e = await refusal(w.service.edit(w.admin, ours.id, 1, { name: 'x', substatus: 'Won', solutionIds: [] } as never));
    expect(e.fields['']).toBe('These fields can\'t be edited: substatus, solutionIds.');
    const view = await w.service.edit(w.admin, ours.id, 1, { name: 'Bigger deal', dealValue: 90000, externalReferenceId: 'CRM-1', notes: 'Scope grew' });
    expect(view.referral).toMatchObject({ name: 'Bigger deal', details: { dealValue: 90000 }, externalReferenceId: 'CRM-1', version: 2 });
    expect(view.referral.history.at(-1)!.changes).toMatchObject({ name: { from: 'Contoso supply chain', to: 'Bigger deal' }, 'details.dealValue': { from: 50000, to: 90000 } });
  });

  it('edit is refused while Received and when the close date moves into the past', async () => {
    const { ours, theirs } = await p2p();
    expect((await refusal(w.service.edit(w.fabrikam, theirs.id, 1, { name: 'Mine now' }))).message).toBe('Only an Accepted deal can be edited; this one is Received.');
    expect((await refusal(w.service.edit(w.admin, ours.id, 1, { closingDateTime: '2025-12-31' }))).fields.closingDateTime).toBeDefined();
  });

  it('a passed close date blocks no other edit: the name changes, the old date stays until a new one ahead is set', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput({ closingDateTime: '2026-12-31' }))).referral;
    w.clock.set('2027-01-10T09:00:00Z');
    // The edit form sends the stored date back as it was.
    const renamed = await w.service.edit(w.admin, ours.id, 1, { name: 'Renamed late', closingDateTime: '2026-12-31' });
    expect(renamed.referral).toMatchObject({ name: 'Renamed late', details: { closingDateTime: '2026-12-31T00:00:00.000Z' } });
    expect((await refusal(w.service.edit(w.admin, ours.id, 2, { closingDateTime: '2027-01-09' }))).fields.closingDateTime).toMatch(/past/);
    expect((await w.service.edit(w.admin, ours.id, 2, { closingDateTime: '2027-02-28' })).referral.details.closingDateTime).toBe('2027-02-28T00:00:00.000Z');
  });

  it('adds team members (no duplicates), changes solutions (only allowed ones) and adds notes', async () => {
    let r = (await w.service.createDeal(w.admin, dealInput())).referral;
    r = (await w.service.addTeamMembers(w.admin, r.id, r.version, { members: [member('Bo', 'bo@partner.example')] })).referral;
    expect(r.team.map((m) => m.email)).toEqual(['ana@partner.example', 'bo@partner.example']);
    expect((await refusal(w.service.addTeamMembers(w.admin, r.id, r.version, { members: [member('Bo', 'BO@partner.example')] }))).fields.members).toMatch(/already on the team/);
    expect((await refusal(w.service.setSolutions(w.admin, r.id, r.version, { solutionIds: ['sol-fab-advisory'] }))).fields.solutionIds).toMatch(/not co-sell ready/);
    r = (await w.service.setSolutions(w.admin, r.id, r.version, { solutionIds: 'sol-ms-d365,sol-ad-sentinel' as never })).referral;
    expect(r.solutionIds).toEqual(['sol-ms-d365', 'sol-ad-sentinel']);
    r = (await w.service.addNote(w.admin, r.id, r.version, { text: 'Demo booked for Tuesday' })).referral;
    expect(r.notes.map((n) => n.text)).toEqual(['Demo booked for Tuesday']);
    expect(r.history.map((h) => say(h.action))).toEqual(['created', 'team members added', 'solutions changed', 'note added']);
  });

  it('marking Won asks for nothing but an optional note (registration is a step of its own); Lost needs a reason', async () => {
    const a = (await w.service.createDeal(w.admin, dealInput({ solutionIds: ['sol-fab-migrate'] }))).referral;
    const won = (await w.service.markWon(w.admin, a.id, 1, { notes: 'Signed today' })).referral;
    expect(won).toMatchObject({ substatus: 'Won', status: 'Closed' });
    expect(won.notes.at(-1)!.text).toBe('Signed today');
    const b = (await w.service.createDeal(w.admin, dealInput())).referral;
    expect((await refusal(w.service.markLost(w.admin, b.id, 1, {} as never))).fields.reason).toBeDefined();
    const lost = await w.service.markLost(w.admin, b.id, 1, { reason: 'LostToCompetitor', notes: 'Price' });
    expect(lost.referral).toMatchObject({ substatus: 'Lost', statusReason: 'LostToCompetitor' });
  });
});

describe('terminal stages never change again', () => {
  const reach: Record<string, (w: World) => Promise<{ caller: Caller; r: Referral }>> = {
    Won: async (w) => {
      const r = (await w.service.createDeal(w.admin, dealInput())).referral;
      return { caller: w.admin, r: (await w.service.markWon(w.admin, r.id, 1, {})).referral };
    },
    Lost: async (w) => {
      const r = (await w.service.createDeal(w.admin, dealInput())).referral;
      return { caller: w.admin, r: (await w.service.markLost(w.admin, r.id, 1, { reason: 'NoBudget' })).referral };
    },
    Declined: async (w) => {
      await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }));
      const r = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
      return { caller: w.fabrikam, r: (await w.service.decline(w.fabrikam, r.id, 1, { reason: 'NotAGoodFit' })).referral };
    },
    Expired: async (w) => {
      await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }));
      w.clock.advance(15 * DAY_MS);
      const [r] = await w.service.expireDue();
      return { caller: w.fabrikam, r: r! };
    },
  };

  it.each(Object.keys(reach))('%s refuses every operation and keeps its version', async (stage) => {
    const { caller, r } = await reach[stage]!(w);
    expect(r.substatus).toBe(stage);
    w.clock.set('2026-11-22T00:00:00Z');
    const v = r.version;
    const attempts = [
      w.service.accept(caller, r.id, v, acceptInput),
      w.service.decline(caller, r.id, v, { reason: 'Other' }),
      w.service.edit(caller, r.id, v, { name: 'Revived' }),
      w.service.addNote(caller, r.id, v, { text: 'hello' }),
      w.service.addTeamMembers(caller, r.id, v, { members: [member('Zed')] }),
      w.service.setSolutions(caller, r.id, v, { solutionIds: ['sol-ms-azure'] }),
      w.service.invite(caller, r.id, v, { microsoft: { helpType: 'GeneralOrOther', customerContact, consentToShare: true } }),
      w.service.markWon(caller, r.id, v, {}),
      w.service.markLost(caller, r.id, v, { reason: 'Other' }),
    ];
    for (const attempt of attempts) expect((await refusal(attempt)).code).toBe('not_allowed');
    const after = (await w.service.get(caller, r.id)).referral;
    expect(after).toEqual(r);
    expect((await w.service.get(caller, r.id)).allowed).toMatchObject({ accept: false, edit: false, invite: false, won: false, favorite: true });
  });
});
