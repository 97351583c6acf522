import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { CoSellError } from '../services/errors.js';
import { DAY_MS } from '../services/clock.js';
import { customerContact, dealInput, FABRIKAM, makeWorld, member, MICROSOFT, NORTHWIND, partnerInvitation, START, type World } from './helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(() => w.close());

/** The field errors a refused call reports (fails the test if the call succeeds). */
async function fieldErrors(call: Promise<unknown>): Promise<Record<string, string>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoSellError);
  expect((error as CoSellError).code).toBe('validation');
  return (error as CoSellError).fields;
}

describe('creating a deal', () => {
  it('starts the creator’s referral Accepted, Outgoing, version 1, with a history entry', async () => {
    const view = await w.service.createDeal(w.admin, dealInput({ notes: 'First call went well' }));
    const r = view.referral;
    expect(r.substatus).toBe('Accepted');
    expect(r.status).toBe('Active');
    expect(r.direction).toBe('Outgoing');
    expect(r.version).toBe(1);
    expect(r.history.map((e) => ({ ...e, action: say(e.action) }))).toEqual([expect.objectContaining({ action: 'created', byUserId: 'u-ana', byName: 'Ana Admin', at: START })]);
    expect(r.notes).toEqual([expect.objectContaining({ text: 'First call went well', byName: 'Ana Admin' })]);
    expect(r.details).toMatchObject({ dealValue: 50000, currency: 'USD', closingDateTime: '2027-03-31T00:00:00.000Z', assistanceRequestCode: 'None' });
    expect(view.dealType).toBe('private');
    expect(view.participants).toEqual([]);
  });

  it('requires deal name, value, currency and close date', async () => {
    const fields = await fieldErrors(
      w.service.createDeal(w.admin, dealInput({ name: ' ', dealValue: undefined as never, currency: '', closingDateTime: undefined as never })),
    );
    expect(Object.keys(fields).sort()).toEqual(['closingDateTime', 'currency', 'dealValue', 'name']);
    expect(fields.name).toBe('Deal name is required.');
  });

  it('requires the customer name and country', async () => {
    const fields = await fieldErrors(w.service.createDeal(w.admin, dealInput({ customer: { name: '', address: { country: '' } } })));
    expect(fields['customer.name']).toBe('Customer name is required.');
    expect(fields['customer.address.country']).toBeDefined();
  });

  it.each([0, -5, '0', 'abc'])('refuses an estimated value of %s', async (dealValue) => {
    const fields = await fieldErrors(w.service.createDeal(w.admin, dealInput({ dealValue: dealValue as number })));
    expect(fields.dealValue).toMatch(/more than 0|number/);
  });

  it('accepts a value typed in a form, with thousands separators', async () => {
    const view = await w.service.createDeal(w.admin, dealInput({ dealValue: '125,000' as never }));
    expect(view.referral.details.dealValue).toBe(125000);
  });

  it('refuses a close date in the past and accepts today', async () => {
    const fields = await fieldErrors(w.service.createDeal(w.admin, dealInput({ closingDateTime: '2026-11-20' })));
    expect(fields.closingDateTime).toBe('The close date can’t be in the past.');
    const today = await w.service.createDeal(w.admin, dealInput({ closingDateTime: '2026-11-21' }));
    expect(today.referral.details.closingDateTime).toBe('2026-11-21T00:00:00.000Z');
  });

  it('requires at least one team member with name, phone and email', async () => {
    expect((await fieldErrors(w.service.createDeal(w.admin, dealInput({ team: [] })))).team).toMatch(/at least one team member/);
    const fields = await fieldErrors(
      w.service.createDeal(w.admin, dealInput({ team: [{ firstName: 'Ana', lastName: '', phoneNumber: '', email: 'not-an-email' }] })),
    );
    expect(fields['team.0.phoneNumber']).toBe('Phone number is required.');
    expect(fields['team.0.email']).toMatch(/email address/);
  });

  it('requires at least one solution, all known', async () => {
    expect((await fieldErrors(w.service.createDeal(w.admin, dealInput({ solutionIds: [] })))).solutionIds).toMatch(/at least one solution/);
    expect((await fieldErrors(w.service.createDeal(w.admin, dealInput({ solutionIds: ['sol-nope'] })))).solutionIds).toMatch(/not a known solution/);
  });

  it('accepts only co-sell ready or incentivized partner solutions, and any of Microsoft’s', async () => {
    const fields = await fieldErrors(w.service.createDeal(w.admin, dealInput({ solutionIds: ['sol-ad-pentest'] })));
    expect(fields.solutionIds).toBe('Adatum Pen Testing is not co-sell ready, so it can’t be part of a co-sell deal.');
    const ok = await w.service.createDeal(w.admin, dealInput({ solutionIds: ['sol-ms-m365', 'sol-ad-sentinel', 'sol-nw-insights', 'sol-fab-migrate'] }));
    expect(ok.referral.solutionIds).toHaveLength(4);
  });

  it('requires the customer contact and consent when Microsoft’s help is requested', async () => {
    const fields = await fieldErrors(w.service.createDeal(w.admin, dealInput({ helpType: 'ProofOfConceptOrDemo' })));
    expect(fields.customerContact).toMatch(/customer’s contact/);
    expect(fields.consentToShare).toMatch(/agreed to share/);
    const noConsent = await fieldErrors(w.service.createDeal(w.admin, dealInput({ helpType: 'ProofOfConceptOrDemo', customerContact })));
    expect(Object.keys(noConsent)).toEqual(['consentToShare']);
    // Without help, the contact stays optional.
    await expect(w.service.createDeal(w.admin, dealInput())).resolves.toBeDefined();
  });

  it('asking Microsoft for help makes a co-sell deal and gives Microsoft a Received referral with 14 days to decide', async () => {
    const view = await w.service.createDeal(w.admin, dealInput({ helpType: 'ProofOfConceptOrDemo', customerContact, consentToShare: true, notes: 'Need a PoC' }));
    expect(view.dealType).toBe('co-sell');
    expect(view.participants).toEqual([expect.objectContaining({ orgId: MICROSOFT, orgName: 'Microsoft', stage: 'Received' })]);
    const inbound = await w.service.list(w.microsoft, 'inbound');
    expect(inbound.total).toBe(1);
    const theirs = inbound.items[0]!.referral;
    expect(theirs).toMatchObject({ substatus: 'Received', status: 'New', direction: 'Incoming', name: 'Contoso supply chain' });
    expect(theirs.expirationDateTime).toBe(new Date(Date.parse(START) + 14 * DAY_MS).toISOString());
    expect(theirs.customerProfile.team).toEqual([customerContact]);
    expect(theirs.details.assistanceRequestCode).toBe('ProofOfConceptOrDemo');
    expect(theirs.inviteContext).toMatchObject({ notes: 'Need a PoC', invitedBy: { organizationId: w.admin.tenantId, userName: 'Ana Admin' } });
  });

  it('invited partners get a Received referral with their own value, close date and 14 days to answer', async () => {
    const view = await w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM), partnerInvitation(NORTHWIND, { dealValue: 3000 })] }));
    expect(view.dealType).toBe('p2p');
    expect(view.participants.map((p) => p.orgName).sort()).toEqual(['Fabrikam Consulting', 'Northwind Analytics']);
    const fab = (await w.service.list(w.fabrikam, 'inbound')).items[0]!.referral;
    expect(fab).toMatchObject({ substatus: 'Received', details: { dealValue: 12000, closingDateTime: '2027-02-28T00:00:00.000Z', assistanceRequestCode: 'CustomerTechnicalArchitecture' } });
    expect(fab.expirationDateTime).toBe('2026-12-05T09:00:00.000Z');
    expect(fab.inviteContext?.invitedBy.organizationName).toBe('Organization aaaaaaaa');
    expect((await w.service.list(w.northwind, 'inbound')).items[0]!.referral.details.dealValue).toBe(3000);
    // The customer's contact travels only with consent.
    expect(fab.customerProfile.team).toEqual([]);
  });

  it('checks each partner invitation: ecosystem partner, not ourselves, not twice, a solution and a date', async () => {
    const fields = await fieldErrors(
      w.service.createDeal(
        w.admin,
        dealInput({
          partners: [
            partnerInvitation('6f1c2a10-0000-4000-8000-0000000f0e7e'),
            partnerInvitation(MICROSOFT),
            partnerInvitation(w.admin.tenantId),
            partnerInvitation(FABRIKAM, { closingDateTime: '2020-01-01', solutionIds: ['sol-ad-pentest'] }),
          ],
        }),
      ),
    );
    expect(fields['partners.0.orgId']).toBe('Pick a partner from the co-sell ecosystem.');
    expect(fields['partners.1.orgId']).toBe('Pick a partner from the co-sell ecosystem.');
    expect(fields['partners.2.orgId']).toBe('Pick a partner from the co-sell ecosystem.');
    expect(fields['partners.3.closingDateTime']).toBe('The close date can’t be in the past.');
    expect(fields['partners.3.solutionIds']).toMatch(/not co-sell ready/);
    const shape = await fieldErrors(w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM, { solutionIds: [], dealValue: -1, team: [] })] })));
    expect(Object.keys(shape).sort()).toEqual(['partners.0.dealValue', 'partners.0.solutionIds', 'partners.0.team']);
    const self = await fieldErrors(w.service.createDeal(w.fabrikam, dealInput({ team: [member('Fay')], partners: [partnerInvitation(FABRIKAM)] })));
    expect(self['partners.0.orgId']).toBe('You can’t invite your own organization.');
  });

  it('refuses a second invitation of the same partner and writes nothing when any check fails', async () => {
    const fields = await fieldErrors(w.service.createDeal(w.admin, dealInput({ partners: [partnerInvitation(FABRIKAM), partnerInvitation(FABRIKAM)] })));
    expect(fields['partners.1.orgId']).toBe('Fabrikam Consulting is already on this deal.');
    expect(await w.store.list('referral')).toEqual([]);
    expect(await w.store.list('engagement')).toEqual([]);
  });

  it('offers recent contacts from earlier deals', async () => {
    await w.service.createDeal(w.admin, dealInput({ team: [member('Ana', 'ana@partner.example'), member('Bo', 'bo@partner.example')] }));
    w.clock.advance(1000);
    await w.service.createDeal(w.admin, dealInput({ team: [member('Cy', 'cy@partner.example'), member('Ana', 'ana@partner.example')] }));
    const contacts = await w.service.recentContacts(w.admin);
    expect(contacts.map((c) => c.email)).toEqual(['cy@partner.example', 'ana@partner.example', 'bo@partner.example']);
  });
});
