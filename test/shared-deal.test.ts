// One deal, several organizations: what one organization writes on the deal the others read (notes
// unless internal, the whole team by organization), and each changes only its own people.
import { say } from '../services/i18n.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dealCard, dealLogCard } from '../cards/deal.js';
import { AlertPlanner } from '../services/alerts.js';
import { DAY_MS } from '../services/clock.js';
import { LifecycleService } from '../services/lifecycle.js';
import type { Referral } from '../services/model.js';
import { fromPartnerCenter, PartnerCenterReferral } from '../services/partner-center.js';
import { fixture } from './helpers/fixtures.js';
import { Directory } from '../services/directory.js';
import { openLowdbStore } from '../services/lowdb-store.js';
import { customerContact, dealInput, FABRIKAM, makeWorld, member, MICROSOFT, NORTHWIND, partnerInvitation, refusal, type World } from './helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(() => w.close());

/** A P2P deal: our Accepted referral and Fabrikam's, accepted by Fay with herself on its team. */
async function sharedDeal(): Promise<{ ours: Referral; theirs: Referral }> {
  const ours = (await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM)] }))).referral;
  const invited = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
  const theirs = (await w.service.accept(w.fabrikam, invited.id, invited.version, { name: invited.name, dealValue: 12000, currency: 'USD', closingDateTime: '2027-03-31', team: [member('Fay', 'fay@fabrikam.example')] })).referral;
  return { ours, theirs };
}

describe('notes are shared with every organization on the deal', () => {
  it('a shared note is read by the other organization, labelled with its author’s; an internal one is not', async () => {
    const { ours, theirs } = await sharedDeal();
    w.clock.advance(60_000);
    await w.service.addNote(w.admin, ours.id, ours.version, { text: 'Kick-off on Monday with both teams' });
    w.clock.advance(60_000);
    await w.service.addNote(w.admin, ours.id, ours.version + 1, { text: 'Our margin is thin here', internal: true });
    w.clock.advance(60_000);
    await w.service.addNote(w.fabrikam, theirs.id, theirs.version, { text: 'Fabrikam brings two architects' });

    const seenByFabrikam = (await w.service.get(w.fabrikam, theirs.id)).notes;
    expect(seenByFabrikam.map((n) => [n.text, n.orgName, n.own])).toEqual([
      ['Kick-off on Monday with both teams', 'Organization aaaaaaaa', false],
      ['Fabrikam brings two architects', 'Fabrikam Consulting', true],
    ]);
    const seenByUs = (await w.service.get(w.admin, ours.id)).notes;
    expect(seenByUs.map((n) => [n.text, n.visibility, n.own])).toEqual([
      ['Kick-off on Monday with both teams', 'shared', true],
      ['Our margin is thin here', 'internal', true],
      ['Fabrikam brings two architects', 'shared', false],
    ]);
    expect(say((await w.service.get(w.admin, ours.id)).referral.history.at(-1)!.action)).toBe('internal note added');
  });

  it('a note written before notes were shared stays with its organization', async () => {
    const { ours, theirs } = await sharedDeal();
    const stored = (await w.store.get('referral', ours.id))!;
    const legacy = { at: '2026-11-21T09:00:00.000Z', byOrgId: ours.orgId, byName: 'Ana Admin', text: 'Written when notes were private' };
    await w.store.commit([{ kind: 'referral', put: { ...stored, notes: [legacy as never] } }]);
    expect((await w.service.get(w.fabrikam, theirs.id)).notes.map((n) => n.text)).not.toContain('Written when notes were private');
    expect((await w.service.get(w.admin, ours.id)).notes[0]).toMatchObject({ text: 'Written when notes were private', visibility: 'internal' });
  });
});

describe('the whole team, by organization', () => {
  it('each organization sees everyone, its own people first; an invitation no longer mixes the inviter’s people into the partner’s team', async () => {
    const { ours, theirs } = await sharedDeal();
    expect(theirs.team.map((m) => m.email)).toEqual(['fay@fabrikam.example']);
    expect(theirs.inviteContext!.contacts.map((m) => m.email)).toEqual(['ana@partner.example']);
    const teams = (view: { teams: { orgName: string; own: boolean; members: { email: string }[] }[] }) => view.teams.map((g) => [g.orgName, g.own, g.members.map((m) => m.email)]);
    expect(teams(await w.service.get(w.admin, ours.id))).toEqual([
      ['Organization aaaaaaaa', true, ['ana@partner.example']],
      ['Fabrikam Consulting', false, ['fay@fabrikam.example']],
    ]);
    expect(teams(await w.service.get(w.fabrikam, theirs.id))).toEqual([
      ['Fabrikam Consulting', true, ['fay@fabrikam.example']],
      ['Organization aaaaaaaa', false, ['ana@partner.example']],
    ]);
  });

  it('an organization changes and removes its own people, keeps at least one, and cannot touch another’s', async () => {
    const { ours, theirs } = await sharedDeal();
    const changed = await w.service.editTeamMember(w.fabrikam, theirs.id, theirs.version, { email: 'FAY@fabrikam.example', member: { ...member('Fay', 'fay@fabrikam.example'), phoneNumber: '+34 600 000 000' } });
    expect(changed.referral.team).toEqual([{ ...member('Fay', 'fay@fabrikam.example'), phoneNumber: '+34 600 000 000' }]);
    expect(changed.referral.history.at(-1)!.changes.team).toBeDefined();

    const last = await refusal(w.service.removeTeamMember(w.fabrikam, theirs.id, changed.referral.version, { email: 'fay@fabrikam.example' }));
    expect(last.message).toMatch(/Keep at least one person on your team/);
    const two = await w.service.addTeamMembers(w.fabrikam, theirs.id, changed.referral.version, { members: [member('Gil', 'gil@fabrikam.example')] });
    const clash = await refusal(w.service.editTeamMember(w.fabrikam, theirs.id, two.referral.version, { email: 'gil@fabrikam.example', member: member('Gil', 'fay@fabrikam.example') }));
    expect(clash.fields['member.email']).toBe('Someone else on the team has this email.');
    const removed = await w.service.removeTeamMember(w.fabrikam, theirs.id, two.referral.version, { email: 'fay@fabrikam.example' });
    expect(removed.referral.team.map((m) => m.email)).toEqual(['gil@fabrikam.example']);
    expect(say(removed.referral.history.at(-1)!.action)).toBe('team member removed: Fay Tester');

    // Our people are on our referral: Fabrikam finds no such person on its own team.
    expect((await refusal(w.service.removeTeamMember(w.fabrikam, theirs.id, removed.referral.version, { email: 'ana@partner.example' }))).code).toBe('not_found');
    expect((await w.service.get(w.admin, ours.id)).referral.team.map((m) => m.email)).toEqual(['ana@partner.example']);
  });
});

describe('everyone on the deal hears the outcome', () => {
  it('won, accepted and lost reach the other organizations’ people; an invitation still to answer shows the creator’s outcome', async () => {
    const service = new LifecycleService(w.store, w.directory, w.clock, new AlertPlanner(w.store, w.directory, w.clock));
    const ours = (await service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM), partnerInvitation(NORTHWIND)] }))).referral;
    const inbound = async (c: typeof w.fabrikam) => (await service.list(c, 'inbound')).items[0]!.referral;
    const fab = await inbound(w.fabrikam);
    const accepted = await service.accept(w.fabrikam, fab.id, fab.version, { name: fab.name, dealValue: 12000, currency: 'USD', closingDateTime: '2027-03-31', team: [member('Fay', 'fay@fabrikam.example')] });
    const planned = async (orgId: string) => (await w.store.list('outbox', orgId)).filter((m) => m.kind === 'answered').map((m) => [say(m.headline), m.userId]);
    // Fabrikam's acceptance: we (who invited) and Northwind (still deciding) hear it.
    expect(await planned(ours.orgId)).toEqual([['Fabrikam Consulting accepted: Contoso supply chain', 'u-ana']]);
    expect(await planned(NORTHWIND)).toEqual([['Fabrikam Consulting accepted: Contoso supply chain', 'u-ned']]);

    w.clock.advance(DAY_MS);
    await service.markWon(w.admin, ours.id, ours.version, {});
    expect((await planned(FABRIKAM)).map(([h]) => h)).toEqual(['Organization aaaaaaaa marked the deal Won: Contoso supply chain']);
    expect((await planned(FABRIKAM)).map(([, u]) => u)).toEqual(['u-fay']);
    expect(await planned(NORTHWIND)).toContainEqual(['Organization aaaaaaaa marked the deal Won: Contoso supply chain', 'u-ned']);
    const nw = await service.get(w.northwind, (await inbound(w.northwind)).id);
    expect(nw.participants.find((p) => p.orgId === ours.orgId)).toMatchObject({ stage: 'Won', since: '2026-11-22T09:00:00.000Z' });
    expect(JSON.stringify(dealCard(nw, { now: w.clock.now() }))).toMatch(/Organization aaaaaaaa marked this deal Won on 22 Nov 2026, \d\d:\d\d UTC. Decide knowing it./);

    await service.markLost(w.fabrikam, accepted.referral.id, accepted.referral.version, { reason: 'NoBudget' });
    expect(await planned(ours.orgId)).toContainEqual(['Fabrikam Consulting marked the deal Lost (The customer has no budget): Contoso supply chain', 'u-ana']);
  });
});

describe('Microsoft takes part as it stands now', () => {
  it('can be asked again after it declined, and the deal type follows', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput({ helpType: 'QuotesOrLicensing', customerContact, consentToShare: true }))).referral;
    const ms = (await w.service.list(w.microsoft, 'inbound')).items[0]!.referral;
    await w.service.decline(w.microsoft, ms.id, ms.version, { reason: 'NoCapacity' });
    const after = await w.service.get(w.admin, ours.id);
    expect(after.dealType).toBe('private');
    expect(after.invitations.microsoft).toEqual({ allowed: true });
    const again = await w.service.invite(w.admin, ours.id, ours.version, { microsoft: { helpType: 'GeneralOrOther', notes: 'The customer is ready now' } as never, partners: [] });
    expect(again.dealType).toBe('co-sell');
    expect(say(again.referral.history.at(-1)!.action)).toBe('invited Microsoft (deal type Private → Co-sell)');
    expect((await w.service.list(w.microsoft, 'inbound')).items.map((i) => i.referral.substatus)).toEqual(['Received']);
    // Microsoft's own card still says what it was for Microsoft: its declined referral of a co-sell deal.
    expect((await w.service.get(w.microsoft, ms.id)).dealType).toBe('co-sell');
  });

  it('a Microsoft seller’s own deal asks no help from Microsoft', async () => {
    const fields = (await refusal(w.service.createDeal(w.microsoft, dealInput({ helpType: 'QuotesOrLicensing', customerContact, consentToShare: true })))).fields;
    expect(fields.helpType).toMatch(/You are Microsoft/);
  });
});

describe('the history card', () => {
  it('shows who changed what, from what to what, newest first, paged', async () => {
    const ours = (await w.service.createDeal(w.admin, dealInput())).referral;
    w.clock.advance(60_000);
    const edited = await w.service.edit(w.admin, ours.id, 1, { name: 'Bigger deal', dealValue: 90000, notes: 'Scope grew' });
    const card = JSON.stringify(dealLogCard(edited, 'history', 0));
    expect(card).toContain('History · 2 · page 1 of 1');
    expect(card).toContain('21 Nov 2026, 09:01 UTC · Ana Admin · edited');
    expect(card).toContain('Deal name: Contoso supply chain → Bigger deal');
    expect(card).toContain('Value: 50000 → 90000');
    expect(card).toContain('Note: Scope grew');
    expect(card.indexOf('· edited')).toBeLessThan(card.indexOf('· created'));
  });
});

describe('Partner Center’s pipeline fields', () => {
  it('a deal carries its sales stage, marketplace intent, customer size and full address; shared with Microsoft’s sellers it is partner-led, until Microsoft is asked', async () => {
    const address = { addressLine1: 'Calle Mayor 1', addressLine2: 'Planta 3', city: 'Madrid', state: 'Madrid', postalCode: '28013', country: 'ES' };
    const created = await w.service.createDeal(w.admin, dealInput({ customer: { name: 'Iberia Foods', address }, salesStage: 'Develop', customerMarketplaceIntent: 'Yes', customerSize: '51to250employees', shareWithMicrosoftSellers: true }));
    expect(created.referral).toMatchObject({ salesStage: 'Develop', customerMarketplaceIntent: 'Yes', customerProfile: { address, size: '51to250employees' }, consent: { consentToShareReferralWithMicrosoftSellers: true } });
    expect(created.dealType).toBe('partner-led');
    const card = JSON.stringify(dealCard(created, { now: w.clock.now() }));
    for (const shown of ['Partner-led · Outbound', 'Calle Mayor 1, Planta 3, Madrid, 28013 Madrid, ES', '51 to 250 employees', '"Sales stage"', '"Develop"', '"Marketplace purchase"']) expect(card).toContain(shown);

    const moved = await w.service.edit(w.admin, created.referral.id, 1, { salesStage: 'Propose', customerMarketplaceIntent: 'No' });
    expect(moved.referral.history.at(-1)!.changes).toMatchObject({ salesStage: { from: 'Develop', to: 'Propose' }, customerMarketplaceIntent: { from: 'Yes', to: 'No' } });
    expect(JSON.stringify(dealLogCard(moved, 'history', 0))).toContain('Sales stage: Develop → Propose');
    const invited = await w.service.invite(w.admin, created.referral.id, 2, { microsoft: { helpType: 'GeneralOrOther', customerContact, consentToShare: true } as never, partners: [] });
    expect(invited.dealType).toBe('co-sell');
    expect(say(invited.referral.history.at(-1)!.action)).toBe('invited Microsoft (deal type Partner-led → Co-sell)');
    // Microsoft's referral carries the pipeline as the partner gave it.
    expect((await w.service.list(w.microsoft, 'inbound')).items[0]!.referral).toMatchObject({ salesStage: 'Propose', customerMarketplaceIntent: 'No' });

    // A private deal becomes partner-led when the seller shares it with Microsoft's sellers.
    const plain = await w.service.createDeal(w.admin, dealInput());
    expect(plain.dealType).toBe('private');
    expect((await w.service.edit(w.admin, plain.referral.id, 1, { shareWithMicrosoftSellers: 'true' as never })).dealType).toBe('partner-led');
  });

  it('a bad pipeline value is refused by field; Partner Center’s own values are mapped, unknown ones taken as absent', async () => {
    const fields = (await refusal(w.service.createDeal(w.admin, dealInput({ salesStage: 'Negotiate' as never, customerMarketplaceIntent: 'Maybe' as never, customerSize: 'huge' as never })))).fields;
    expect(fields).toMatchObject({ salesStage: 'Pick a sales stage from the list.', customerMarketplaceIntent: 'Pick Yes, No or Have not decided.', customerSize: 'Pick a customer size from the list.' });

    const pc = PartnerCenterReferral.parse({
      ...fixture,
      id: 'pc-pipeline',
      salesStage: 'Develop',
      customerProfile: { ...fixture.customerProfile, size: '1001to5000employees' },
      consent: { consentToShareReferralWithMicrosoftSellers: true },
      details: { ...fixture.details, requirements: { additionalRequirements: { attributes: [{ id: 'No', type: 'CustomerMarketplaceIntent' }] } } },
    });
    expect(fromPartnerCenter(pc, 'ms')).toMatchObject({ salesStage: 'Develop', customerMarketplaceIntent: 'No', customerProfile: { size: '1001to5000employees' }, consent: { consentToShareReferralWithMicrosoftSellers: true } });
    const odd = PartnerCenterReferral.parse({ ...fixture, id: 'pc-odd', salesStage: 'Negotiate', customerProfile: { ...fixture.customerProfile, size: 'Enormous' } });
    expect(fromPartnerCenter(odd, 'ms')).toMatchObject({ salesStage: 'Qualify', customerMarketplaceIntent: 'HaveNotDecided' });
    expect(fromPartnerCenter(odd, 'ms').customerProfile.size).toBeUndefined();
  });
});

describe('deal registration as Partner Center does it', () => {
  const contract = { contractValue: '48000', currency: 'USD', signDate: '2026-11-25', startDate: '2026-12-01', endDate: '2027-11-30', termMonths: '12' };
  const incentivized = () => w.directory.saveSolution(w.admin, { name: 'Contoso Landing Zone', coSellStatus: 'AzureIpCoSellIncentivized' });
  const wonDeal = async (input: Parameters<typeof dealInput>[0]) => {
    const created = (await w.service.createDeal(w.admin, dealInput(input))).referral;
    return (await w.service.markWon(w.admin, created.id, created.version, {})).referral;
  };

  it('is refused for a private deal, for a deal without an incentive-eligible solution of one’s own, and before 72 hours', async () => {
    const ours = await incentivized();
    const priv = await wonDeal({ solutionIds: [ours.id] });
    w.clock.advance(3 * DAY_MS);
    expect((await w.service.get(w.admin, priv.id)).registration).toEqual({ allowed: false, reason: expect.stringMatching(/co-sell and partner-led deals only/) });
    expect((await refusal(w.service.register(w.admin, priv.id, priv.version, contract))).message).toMatch(/co-sell and partner-led deals only/);

    const theirsOnly = await wonDeal({ solutionIds: ['sol-fab-migrate'], shareWithMicrosoftSellers: true });
    w.clock.advance(3 * DAY_MS);
    expect((await refusal(w.service.register(w.admin, theirsOnly.id, theirsOnly.version, contract))).message).toMatch(/your organization’s incentive-eligible solutions/);

    const early = await wonDeal({ solutionIds: [ours.id], shareWithMicrosoftSellers: true });
    expect((await refusal(w.service.register(w.admin, early.id, early.version, contract))).message).toMatch(/72 hours after it was created: register from 30 Nov 2026, 09:00 UTC/);
  });

  it('a partner-led win is registered with its contract and solutions; bad details are refused by field; only the registrar changes the status', async () => {
    const ours = await incentivized();
    const won = await wonDeal({ solutionIds: [ours.id, 'sol-ms-azure'], shareWithMicrosoftSellers: true });
    w.clock.advance(3 * DAY_MS);
    const bad = await refusal(w.service.register(w.admin, won.id, won.version, { ...contract, contractValue: '-1', endDate: '2026-11-01', termMonths: '0' }));
    expect(Object.keys(bad.fields).sort()).toEqual(['contractValue', 'endDate', 'termMonths']);

    const registered = await w.service.register(w.admin, won.id, won.version, { ...contract, azureSolutionIds: ours.id });
    expect(registered.referral.registration).toMatchObject({
      status: 'ReviewPending',
      byName: 'Ana Admin',
      contract: { value: 48000, currency: 'USD', term: 12, signDateTime: '2026-11-25T00:00:00.000Z', startDateTime: '2026-12-01T00:00:00.000Z', endDateTime: '2027-11-30T00:00:00.000Z' },
      solutionDetails: [{ id: ours.id, name: 'Contoso Landing Zone', isDeployedOnAzure: true, isMarketplaceTransacted: false }],
    });
    expect(registered.allowed).toMatchObject({ register: false, registrationStatus: true });
    expect((await refusal(w.service.register(w.admin, won.id, registered.referral.version, contract))).message).toMatch(/registered/);

    await w.directory.setRoles(w.admin, { 'u-sam': ['seller', 'referrals-admin'] }, w.clock.now());
    const bySam = await refusal(w.service.setRegistrationStatus(w.seller, won.id, registered.referral.version, { status: 'Approved' }));
    expect(bySam.message).toBe('Only Ana Admin, who registered it, changes its status.');
    const approved = await w.service.setRegistrationStatus(w.admin, won.id, registered.referral.version, { status: 'ActionRequired', statusReason: 'Upload the signed contract' });
    expect(approved.referral.registration).toMatchObject({ status: 'ActionRequired', statusReason: 'Upload the signed contract' });
    expect(say(approved.referral.history.at(-1)!.action)).toBe('registration Action required');
    expect(JSON.stringify(dealCard(approved, { now: w.clock.now() }))).toContain('Action required: Upload the signed contract');
  });

  it('a co-sell win is registered once Microsoft has taken it on', async () => {
    const ours = await incentivized();
    const won = await wonDeal({ solutionIds: [ours.id], helpType: 'QuotesOrLicensing', customerContact, consentToShare: true });
    w.clock.advance(3 * DAY_MS);
    expect((await refusal(w.service.register(w.admin, won.id, won.version, contract))).message).toMatch(/Microsoft has not accepted/);
    const ms = (await w.service.list(w.microsoft, 'inbound')).items[0]!.referral;
    await w.service.accept(w.microsoft, ms.id, ms.version, { name: ms.name, dealValue: 50000, currency: 'USD', closingDateTime: '2027-03-31' });
    expect((await w.service.register(w.admin, won.id, won.version, contract)).referral.registration!.status).toBe('ReviewPending');
  });

  it('a registration stored in the earlier form still reads, as its contract', async () => {
    const won = await wonDeal({});
    const stored = (await w.store.get('referral', won.id))!;
    const earlier = { contractSignedDate: '2026-11-20T00:00:00.000Z', wonValue: 48000, currency: 'USD', contractId: 'INV-1', azureSubscriptionId: 'sub-9', notes: 'Signed by the CFO.' };
    await w.store.commit([{ kind: 'referral', put: { ...stored, registration: earlier } }]);
    // Read from the data files, as after a restart: nothing it held is lost.
    await w.store.close();
    w.store = await openLowdbStore(w.dir);
    const service = new LifecycleService(w.store, new Directory(w.store, MICROSOFT), w.clock);
    const read = await service.get(w.admin, won.id);
    expect(read.referral.registration).toMatchObject({ status: 'ReviewPending', statusReason: 'Contract INV-1. Azure subscription sub-9. Signed by the CFO.', contract: { value: 48000, currency: 'USD', term: 1 } });
    // Its registrar was not recorded: whoever may act on the deal keeps its status current.
    expect(read.allowed.registrationStatus).toBe(true);
    const approved = await service.setRegistrationStatus(w.admin, won.id, read.referral.version, { status: 'Approved' });
    expect(approved.referral.registration!.status).toBe('Approved');
  });
});

describe('what each organization may read of the others', () => {
  it('an invitation still to answer shows the inviter’s contacts only; an organization that declined reads nothing more; notes typed on other forms stay internal', async () => {
    const team = [member('Ana', 'ana@partner.example'), member('Sec', 'secret@partner.example')];
    const ours = (await w.service.createDeal(w.admin, dealInput({ team, partners: [partnerInvitation(FABRIKAM), partnerInvitation(NORTHWIND)] }))).referral;
    const noted = await w.service.addNote(w.admin, ours.id, ours.version, { text: 'Price floor is 20% off' });
    const fab = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
    const waiting = await w.service.get(w.fabrikam, fab.id);
    expect(waiting.teams.map((g) => [g.orgName, g.own, g.members.map((m) => m.email)])).toEqual([
      ['Fabrikam Consulting', true, []],
      ['Organization aaaaaaaa', false, ['ana@partner.example']],
    ]);
    expect(waiting.notes.map((n) => n.text)).not.toContain('Price floor is 20% off');

    const nw = (await w.service.list(w.northwind, 'inbound')).items[0]!.referral;
    await w.service.decline(w.northwind, nw.id, nw.version, { reason: 'NoCapacity', notes: 'Our bench is empty until June' });
    const accepted = await w.service.accept(w.fabrikam, fab.id, fab.version, { name: fab.name, dealValue: 12000, currency: 'USD', closingDateTime: '2027-03-31', team: [member('Fay', 'fay@fabrikam.example')], notes: 'We priced it at cost' });
    await w.service.addNote(w.fabrikam, fab.id, accepted.referral.version, { text: 'Fay leads for Fabrikam' });

    const afterAccept = await w.service.get(w.fabrikam, fab.id);
    expect(afterAccept.teams.find((g) => !g.own)!.members.map((m) => m.email)).toEqual(['ana@partner.example', 'secret@partner.example']);
    expect(afterAccept.notes.map((n) => n.text).sort()).toEqual(['Fay leads for Fabrikam', 'Price floor is 20% off', 'We priced it at cost']);
    const northwindSees = await w.service.get(w.northwind, nw.id);
    // Only what its invitation gave it: the inviter's contacts, none of Fabrikam's people.
    expect(northwindSees.teams.filter((g) => !g.own).map((g) => g.members.map((m) => m.email))).toEqual([['ana@partner.example']]);
    expect(northwindSees.notes.map((n) => [say(n.about!), n.text])).toEqual([['Declined (We have no capacity right now)', 'Our bench is empty until June']]);
    const weSee = (await w.service.get(w.admin, noted.referral.id)).notes.map((n) => n.text);
    expect(weSee).toEqual(['Price floor is 20% off', 'Fay leads for Fabrikam']);
  });

  it('a referral received before teams were kept apart shows the inviter’s people under the inviter, not as its own', async () => {
    const { ours, theirs } = await sharedDeal();
    const stored = (await w.store.get('referral', theirs.id))!;
    await w.store.commit([{ kind: 'referral', put: { ...stored, team: [member('Ana', 'ana@partner.example'), member('Fay', 'fay@fabrikam.example')] } }]);
    const view = await w.service.get(w.fabrikam, theirs.id);
    expect(view.teams.map((g) => [g.own, g.members.map((m) => m.email)])).toEqual([
      [true, ['fay@fabrikam.example']],
      [false, ['ana@partner.example']],
    ]);
    expect((await w.service.get(w.admin, ours.id)).teams.map((g) => g.members.length)).toEqual([1, 1]);
  });
});

describe('a lapsed invitation is one rule everywhere', () => {
  it('Microsoft past its 14 days may be asked again before the clock marks it, and invitations lapsing in one sweep are not told of each other', async () => {
    const service = new LifecycleService(w.store, w.directory, w.clock, new AlertPlanner(w.store, w.directory, w.clock));
    const ours = (await service.createDeal(w.admin, dealInput({ helpType: 'QuotesOrLicensing', customerContact, consentToShare: true, partners: [partnerInvitation(FABRIKAM)] }))).referral;
    w.clock.advance(14 * DAY_MS);
    const view = await service.get(w.admin, ours.id);
    // Both invitations lapsed: the deal is private again, and Microsoft may be asked anew.
    expect(view.dealType).toBe('private');
    expect(view.invitations.microsoft).toEqual({ allowed: true });

    await service.expireDue();
    const told = (await w.store.list('outbox')).filter((m) => m.kind === 'answered').map((m) => [m.orgId, say(m.headline)]);
    expect(told.filter(([orgId]) => orgId !== ours.orgId)).toEqual([]);
    expect(told.map(([, h]) => h).sort()).toEqual(['Fabrikam Consulting did not answer in 14 days: it expired: Contoso supply chain', 'Microsoft did not answer in 14 days: it expired: Contoso supply chain']);
  });

  it('Partner Center’s update of a Received referral moves its sales stage and intent', async () => {
    const first = fromPartnerCenter(PartnerCenterReferral.parse({ ...fixture, id: 'pc-stage', salesStage: 'Qualify', updatedDateTime: '2026-11-20T10:00:00Z' }), 'ms');
    const created = await w.service.importReferral(w.admin.tenantId, first);
    const next = fromPartnerCenter(PartnerCenterReferral.parse({ ...fixture, id: 'pc-stage', salesStage: 'Develop', customerMarketplaceIntent: 'Yes', updatedDateTime: '2026-11-21T10:00:00Z' }), 'ms');
    const updated = await w.service.importReferral(w.admin.tenantId, next);
    expect(updated.outcome).toBe('updated');
    expect(updated.referral).toMatchObject({ id: created.referral.id, salesStage: 'Develop', customerMarketplaceIntent: 'Yes' });
  });
});

describe('a referral from Partner Center', () => {
  it('keeps the sender’s people as its contacts and labels the sender’s note with the sender', async () => {
    const imported = await w.service.importReferral(w.admin.tenantId, fromPartnerCenter(PartnerCenterReferral.parse({ ...fixture, id: 'pc-people' }), MICROSOFT));
    expect(imported.referral.team).toEqual([]);
    const view = await w.service.get(w.admin, imported.referral.id);
    expect(view.teams.map((g) => [g.orgName, g.own, g.members.length])).toEqual([
      ['Organization aaaaaaaa', true, 0],
      ['Microsoft', false, fixture.team.length],
    ]);
    expect(view.notes.map((n) => [n.orgName, n.own])).toEqual([['Microsoft', false]]);
  });
});
