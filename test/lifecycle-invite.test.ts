import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { customerContact, dealInput, FABRIKAM, makeWorld, member, MICROSOFT, NORTHWIND, ADATUM, partnerInvitation, type World, refusal } from './helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(() => w.close());


const askMicrosoft = { helpType: 'CustomerTechnicalArchitecture' as const, customerContact, consentToShare: true, notes: 'Architecture review please' };
const accept = { name: 'Accepted deal', dealValue: 1000, currency: 'USD', closingDateTime: '2027-01-31', team: [member('Fay', 'fay@fabrikam.example')] };

describe('who can be invited from the Accepted stage', () => {
  it('private: inviting Microsoft upgrades to co-sell and Microsoft gets a Received referral', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    const before = await w.service.get(w.admin, r.id);
    expect(before.invitations).toEqual({ microsoft: { allowed: true }, partners: { allowed: true } });
    const view = await w.service.invite(w.admin, r.id, 1, { microsoft: askMicrosoft });
    expect(view.dealType).toBe('co-sell');
    expect(view.referral.details.assistanceRequestCode).toBe('CustomerTechnicalArchitecture');
    expect(say(view.referral.history.at(-1)!.action)).toBe('invited Microsoft (deal type Private → Co-sell)');
    const theirs = (await w.service.list(w.microsoft, 'inbound')).items[0]!.referral;
    expect(theirs).toMatchObject({ substatus: 'Received', customerProfile: { team: [customerContact] }, inviteContext: { notes: 'Architecture review please' } });
  });

  it('private: inviting only partners makes it P2P', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    const view = await w.service.invite(w.admin, r.id, 1, { partners: [partnerInvitation(FABRIKAM)] });
    expect(view.dealType).toBe('p2p');
    expect((await w.service.list(w.fabrikam, 'inbound')).total).toBe(1);
  });

  it('Microsoft’s help needs the customer contact and consent at invitation time too', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput())).referral;
    const e = await refusal(w.service.invite(w.admin, r.id, 1, { microsoft: { helpType: 'GeneralOrOther' } }));
    expect(Object.keys(e.fields).sort()).toEqual(['microsoft.consentToShare', 'microsoft.customerContact']);
    expect((await refusal(w.service.invite(w.admin, r.id, 1, { microsoft: { helpType: 'None' as never } }))).fields['microsoft.helpType']).toBeDefined();
    expect((await w.service.list(w.microsoft, 'inbound')).total).toBe(0);
  });

  it('P2P without Microsoft: Microsoft upgrades it to co-sell; more partners keep it P2P', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }))).referral;
    const more = await w.service.invite(w.admin, r.id, 1, { partners: [partnerInvitation(NORTHWIND)] });
    expect(more.dealType).toBe('p2p');
    const upgraded = await w.service.invite(w.admin, r.id, 2, { microsoft: askMicrosoft });
    expect(upgraded.dealType).toBe('co-sell');
    expect(upgraded.participants.map((p) => p.orgName).sort()).toEqual(['Fabrikam Consulting', 'Microsoft', 'Northwind Analytics']);
  });

  it('co-sell I created: other partners can be invited; Microsoft again cannot', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput({ helpType: 'QuotesOrLicensing', customerContact, consentToShare: true }))).referral;
    const view = await w.service.get(w.admin, r.id);
    expect(view.invitations.microsoft).toEqual({ allowed: false, reason: 'Microsoft already takes part in this deal.' });
    expect(view.invitations.partners).toEqual({ allowed: true });
    const e = await refusal(w.service.invite(w.admin, r.id, 1, { microsoft: askMicrosoft }));
    expect(e).toMatchObject({ code: 'not_allowed', message: 'Microsoft already takes part in this deal.' });
    expect((await w.service.invite(w.admin, r.id, 1, { partners: [partnerInvitation(ADATUM)] })).participants).toHaveLength(2);
  });

  it('partners can never be invited from an inbound referral, and the refusal says why', async () => {
    await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }));
    const theirs = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
    const accepted = await w.service.accept(w.fabrikam, theirs.id, 1, accept);
    expect(accepted.invitations.partners).toMatchObject({ allowed: false, reason: expect.stringMatching(/can’t be invited from a deal you received/) });
    const e = await refusal(w.service.invite(w.fabrikam, theirs.id, 2, { partners: [partnerInvitation(NORTHWIND, { team: [member('Fay', 'fay@fabrikam.example')] })] }));
    expect(e.code).toBe('not_allowed');
    expect(e.message).toMatch(/Only the organization that created the deal can invite partners/);
    expect((await w.service.list(w.northwind, 'inbound')).total).toBe(0);
    // Microsoft can still be invited from an inbound P2P deal: it becomes co-sell.
    const upgraded = await w.service.invite(w.fabrikam, theirs.id, 2, { microsoft: askMicrosoft });
    expect(upgraded.dealType).toBe('co-sell');
  });

  it('an inbound co-sell referral from Microsoft can invite nobody', async () => {
    const fromMicrosoft = (await w.service.createDeal(w.microsoft, dealInput({ team: [member('Mia', 'mia@microsoft.example')], partners: [partnerInvitation(FABRIKAM, { team: [member('Mia', 'mia@microsoft.example')] })] }))).referral;
    expect(fromMicrosoft.direction).toBe('Outgoing');
    const theirs = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
    const view = await w.service.accept(w.fabrikam, theirs.id, 1, accept);
    expect(view.dealType).toBe('co-sell');
    expect(view.invitations.microsoft.allowed).toBe(false);
    expect(view.invitations.partners.allowed).toBe(false);
    expect(view.allowed.invite).toBe(false);
  });

  it('a partner already on the deal cannot be invited twice', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }))).referral;
    const e = await refusal(w.service.invite(w.admin, r.id, 1, { partners: [partnerInvitation(FABRIKAM)] }));
    expect(e.fields['partners.0.orgId']).toBe('Fabrikam Consulting is already on this deal.');
  });

  it('the inviter cannot change the invited partner’s close date and value; the partner can', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }))).referral;
    const theirs = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
    const e = await refusal(w.service.edit(w.admin, theirs.id, 1, { dealValue: 1, closingDateTime: '2027-12-31' }));
    expect(e.code).toBe('not_found');
    // Editing our own deal leaves theirs alone.
    await w.service.edit(w.admin, ours.id, 1, { dealValue: 999999, closingDateTime: '2027-12-31' });
    expect((await w.service.get(w.fabrikam, theirs.id)).referral.details).toMatchObject({ dealValue: 12000, closingDateTime: '2027-02-28T00:00:00.000Z' });
    await w.service.accept(w.fabrikam, theirs.id, 1, accept);
    const edited = await w.service.edit(w.fabrikam, theirs.id, 2, { dealValue: 20000, closingDateTime: '2027-04-30' });
    expect(edited.referral.details).toMatchObject({ dealValue: 20000, closingDateTime: '2027-04-30T00:00:00.000Z' });
  });

  it('a private deal’s details never reach Microsoft until Microsoft is invited', async () => {
    const r = (await w.service.createDeal(w.admin, dealInput({ name: 'Secret pipeline', partners: [partnerInvitation(FABRIKAM)] }))).referral;
    for (const box of ['inbound', 'outbound', 'archive', 'favorites'] as const) expect((await w.service.list(w.microsoft, box)).total).toBe(0);
    expect((await w.service.find(w.microsoft, 'Secret')).total).toBe(0);
    expect((await refusal(w.service.get(w.microsoft, r.id))).code).toBe('not_found');
    expect(JSON.stringify(await w.store.list('referral', MICROSOFT))).not.toContain('Secret');
    await w.service.invite(w.admin, r.id, 1, { microsoft: askMicrosoft });
    expect((await w.service.find(w.microsoft, 'Secret')).total).toBe(1);
  });
});
