// Representative cards from the real services on a temporary data directory, with a clock that
// stands still: the pictures of scripts/render-cards.ts, and the cards a test renders in each language.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewDealFlow } from '../bot/new-deal-flow.js';
import { dealCard, dealLogCard } from '../cards/deal.js';
import { listCard } from '../cards/list.js';
import type { Card } from '../cards/render.js';
import { welcomeCard } from '../cards/welcome.js';
import { roleLabel } from '../cards/format.js';
import { importReportCard } from '../cards/customer-import.js';
import { adminCard } from '../cards/admin.js';
import { insightsCard } from '../cards/insights.js';
import { Insights } from '../services/insights.js';
import { ManualClock } from '../services/clock.js';
import { customerColumns, readCustomerFile } from '../services/customer-csv.js';
import { CoSellError } from '../services/errors.js';
import { Directory, type Caller } from '../services/directory.js';
import { LifecycleService } from '../services/lifecycle.js';
import { openLowdbStore } from '../services/lowdb-store.js';

const MICROSOFT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = '6f1c2a10-0000-4000-8000-00000000fab1';
const OUR_TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';

export interface GalleryCard {
  name: string;
  title: string;
  card: Card;
}

/** The cards, in the current language; `people` is every text people typed into the world (names, notes), which the cards quote. */
export async function cardGallery(): Promise<{ cards: GalleryCard[]; people: string[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cosell-render-'));
  const store = await openLowdbStore(dataDir);
  const cards: GalleryCard[] = [];
  let people: string[] = [];
  try {
    const directory = new Directory(store, MICROSOFT);
    await directory.seedIfEmpty();
    const clock = new ManualClock('2026-11-21T09:00:00.000Z');
    const service = new LifecycleService(store, directory, clock);
    const register = async (tenantId: string, userId: string, name: string, email: string, orgName?: string): Promise<Caller> => {
      if (orgName) await directory.ensureOrganization(tenantId, orgName);
      const caller = { tenantId, userId };
      await directory.ensurePerson(caller, { name, email, channelUserId: `29:${userId}` });
      return caller;
    };
    const ana = await register(OUR_TENANT, 'u-ana', 'Ana Admin', 'ana@contoso-partner.example', 'Contoso Partner Solutions');
    const fay = await register(FABRIKAM, 'u-fay', 'Fay Fabrikam', 'fay@fabrikam.example');
    const mia = await register(MICROSOFT, 'u-mia', 'Mia Microsoft', 'mia@microsoft.example');
    const faysPerson = (await directory.person(FABRIKAM, 'u-fay'))!;
    const contact = { firstName: 'Sue', lastName: 'Smith', phoneNumber: '+1 212 555 0142', email: 'sue.smith@woodgrove.example' };
    const team = (first: string, last: string, email: string) => [{ firstName: first, lastName: last, phoneNumber: '+1 425 555 0100', email }];
    const refreshUserIds = (await directory.people(FABRIKAM)).map((p) => p.channelUserId).filter(Boolean);

    // Microsoft sends Fabrikam a co-sell referral.
    await service.createDeal(mia, {
      customer: { name: 'Woodgrove Bank', duns: '987654321', address: { city: 'New York', country: 'US' } },
      customerContact: contact,
      consentToShare: true,
      name: 'Woodgrove data platform modernization',
      dealValue: 250000,
      currency: 'USD',
      closingDateTime: '2027-03-31',
      team: team('Mia', 'Microsoft', 'mia@microsoft.example'),
      solutionIds: ['sol-ms-azure'],
      partners: [
        {
          orgId: FABRIKAM,
          dealValue: 80000,
          currency: 'USD',
          closingDateTime: '2027-03-31',
          notes: 'The customer wants to move its data warehouse to Azure by Q2 and asked for an EU-based migration partner.',
          team: team('Mia', 'Microsoft', 'mia@microsoft.example'),
          solutionIds: ['sol-fab-migrate'],
          helpType: 'CustomerTechnicalArchitecture',
        },
      ],
    });
    // Our organization invites Fabrikam to four P2P deals.
    const p2p = [
      ['Litware supply chain insights', 'Litware Inc', 'Sydney', 'AU', 45000, 'AUD'],
      ['Alpine Ski House booking platform', 'Alpine Ski House', 'Zurich', 'CH', 30000, 'CHF'],
      ['Relecloud security review', 'Relecloud', 'Paris', 'FR', 18000, 'EUR'],
      ['Contoso Iberia analytics', 'Contoso Iberia S.L.', 'Madrid', 'ES', 60000, 'EUR'],
    ] as const;
    for (const [name, customer, city, country, value, currency] of p2p) {
      clock.advance(3_600_000);
      await service.createDeal(ana, {
        customer: { name: customer, address: { city, country } },
        name,
        dealValue: value * 2,
        currency,
        closingDateTime: '2027-02-28',
        team: team('Ana', 'Admin', 'ana@contoso-partner.example'),
        solutionIds: ['sol-ms-azure'],
        partners: [{ orgId: FABRIKAM, dealValue: value, currency, closingDateTime: '2027-02-28', notes: 'Can you help with the rollout?', team: team('Ana', 'Admin', 'ana@contoso-partner.example'), solutionIds: ['sol-fab-migrate'], helpType: 'ProofOfConceptOrDemo' }],
      });
    }
    clock.advance(2 * 86_400_000);
    const now = clock.now();
    const inbound = await service.list(fay, 'inbound');
    const byName = (name: string) => inbound.items.find((i) => i.referral.name.startsWith(name))!.referral;

    const received = await service.get(fay, byName('Woodgrove').id);
    cards.push({ name: 'deal-received', title: 'Received co-sell referral from Microsoft', card: dealCard(received, { now, refreshUserIds }) });
    const fabrikamPeople = (await directory.people(FABRIKAM)).map((p) => ({ userId: p.userId, name: p.name }));
    cards.push({ name: 'deal-assign-form', title: 'A referrals admin hands the referral to someone', card: dealCard(received, { now, form: 'assign', people: fabrikamPeople, refreshUserIds }) });
    const pastDate = await refusal(() => service.accept(fay, received.referral.id, received.referral.version, { name: received.referral.name, dealValue: 80000, currency: 'USD', closingDateTime: '2020-01-01', team: [] }));
    cards.push({ name: 'deal-accept-form', title: 'The accept form, opened when the referral can’t be accepted as it came', card: dealCard(received, { now, form: 'accept', errors: pastDate, refreshUserIds }) });

    // Fabrikam accepts the Microsoft referral and one P2P deal, and marks a favorite.
    const accepted = await service.accept(fay, received.referral.id, received.referral.version, {
      name: received.referral.name,
      dealValue: 80000,
      currency: 'USD',
      closingDateTime: '2027-03-31',
      externalReferenceId: 'FAB-CRM-20931',
      notes: 'Discovery call booked with Sue for next Tuesday.',
      team: team('Fay', 'Fabrikam', 'fay@fabrikam.example'),
    });
    const litware = byName('Litware');
    await service.accept(fay, litware.id, litware.version, { name: litware.name, dealValue: 45000, currency: 'AUD', closingDateTime: '2027-02-28', team: [] });
    await service.setFavorite(fay, byName('Alpine').id, true);
    const acceptedView = await service.setFavorite(fay, accepted.referral.id, true);
    cards.push({ name: 'deal-accepted', title: 'Accepted co-sell deal (inbound), all buttons', card: dealCard(acceptedView, { now, refreshUserIds }) });

    const list = await service.list(fay, 'inbound');
    cards.push({ name: 'list-inbound', title: 'Inbound list with 5 referrals', card: listCard({ kind: 'inbound', page: list, now }) });
    cards.push({ name: 'welcome', title: 'Welcome card', card: welcomeCard({ userName: faysPerson.name, orgName: 'Fabrikam Consulting', role: faysPerson.roles.map(roleLabel).join(', ') }) });
    await register(OUR_TENANT, 'u-sam', 'Sam Seller', 'sam@contoso-partner.example');
    await directory.setRoles(ana, { 'u-sam': ['seller', 'referrals-admin'] }, clock.now());
    await directory.saveSolution(ana, { name: 'Contoso Copilot Accelerator', coSellStatus: 'CoSellReady' });
    await directory.saveSolution(ana, { name: 'Contoso Data Estate Assessment', coSellStatus: 'AzureIpCoSellIncentivized' });
    const ours = (await directory.organization(OUR_TENANT))!;
    cards.push({
      name: 'admin',
      title: 'Administration: set-up, where alerts go, people and roles (a bad Partner ID refused)',
      card: adminCard({ org: ours, people: await directory.people(OUR_TENANT), solutions: await directory.ownSolutions(OUR_TENANT), customers: 0, values: { partnerId: '12ab' }, errors: await refusal(() => directory.setUp(ana, { name: ours.name, partnerId: '12ab', inEcosystem: false }, clock.now())) }),
    });

    const file = readCustomerFile(Buffer.from('Name,Address line 1,City,Postal code,Country,D-U-N-S\nIberia Foods,Calle Mayor 1,Madrid,28013,ES,111111111\nNordic Retail,,Stockholm,,Sweden,\nIberia Foods Madrid,,Madrid,,ES,111111111\n'));
    if (!file.ok) throw new Error(file.problem);
    // The Partner Center section: connected, and an admin signing in.
    const connectedLink = { status: 'connected' as const, userCode: '', verificationUri: '', account: 'pc.admin@contoso.example', byUserId: 'u-ana', connectedDateTime: now.toISOString(), lastSyncDateTime: clock.now().toISOString(), tokenCache: '', problems: [] };
    cards.push({
      name: 'admin-partner-center',
      title: 'Administration: the organization connected to Partner Center',
      card: adminCard({ org: { ...ours, partnerCenter: connectedLink }, people: await directory.people(OUR_TENANT), solutions: [], customers: 0, partnerCenter: { now: clock.now() } }),
    });
    cards.push({
      name: 'admin-partner-center-sign-in',
      title: 'Administration: an admin signing in to Partner Center with a device code',
      card: adminCard({
        org: { ...ours, partnerCenter: { ...connectedLink, status: 'signingIn', account: '', userCode: 'F7KQ-2MXP', verificationUri: 'https://microsoft.com/devicelogin', codeExpiresDateTime: new Date(clock.now().getTime() + 900_000).toISOString() } },
        people: await directory.people(OUR_TENANT),
        solutions: [],
        customers: 0,
        partnerCenter: { now: clock.now() },
      }),
    });

    const imported = await directory.importCustomers(ana, file.rows);
    cards.push({
      name: 'customer-import',
      title: 'Customer import report: added, and refused rows with their reasons',
      card: importReportCard({
        fileName: 'customers.csv',
        report: { ...imported, refused: [...file.refused, ...imported.refused].sort((a, b) => a.row - b.row) },
        directorySize: (await directory.ownCustomers(OUR_TENANT)).length,
      }),
    });

    // The new-deal steps, walked like the bot does, to the details step.
    const flow = new NewDealFlow(service, directory, () => clock.now());
    const draftOf = (card: Card) => {
      const found = JSON.stringify(card).match(/"draftId":"([^"]+)"/);
      if (!found) throw new Error('no draft on the new-deal card');
      return found[1]!;
    };
    let step = await flow.start(fay, faysPerson);
    cards.push({ name: 'new-deal-first', title: 'New deal, first card: customer and deal', card: step });
    const invalid = await flow.step(fay, faysPerson, { draftId: draftOf(step), step: 'deal', go: 'next', customerId: 'cust-woodgrove', name: '', dealValue: 'about 50k', currency: 'EUR', closingDateTime: '2020-01-01' });
    cards.push({ name: 'new-deal-first-errors', title: 'New deal, first card with every error at once', card: invalid });
    step = await flow.step(fay, faysPerson, { draftId: draftOf(step), step: 'deal', go: 'next', customerId: 'cust-woodgrove', name: 'Woodgrove analytics', dealValue: '125000.5', currency: 'EUR', closingDateTime: '2027-03-31' });
    cards.push({ name: 'new-deal-team', title: 'New deal, team and solutions', card: step });
    step = await flow.step(fay, faysPerson, { draftId: draftOf(step), step: 'team', go: 'next', m0FirstName: 'Fay', m0LastName: 'Fabrikam', m0Phone: '+1 425 555 0100', m0Email: 'fay@fabrikam.example', solutionIds: 'sol-ms-azure' });
    cards.push({ name: 'new-deal-help', title: 'New deal, help step (contact and consent asked here)', card: step });
    const noContact = await flow.step(fay, faysPerson, { draftId: draftOf(step), step: 'help', go: 'next', helpType: 'ProofOfConceptOrDemo' });
    cards.push({ name: 'new-deal-help-errors', title: 'New deal, help step: Microsoft’s help without a contact', card: noContact });
    step = await flow.step(fay, faysPerson, { draftId: draftOf(step), step: 'help', go: 'partners', helpType: 'None' });
    cards.push({ name: 'new-deal-partners', title: 'New deal, partners step (date, currency and team prefilled)', card: step });
    step = await flow.step(fay, faysPerson, { draftId: draftOf(step), step: 'partners', go: 'next', partnerOrgId: '6f1c2a10-0000-4000-8000-0000000a0d71', partnerDealValue: '20000', partnerSolutionIds: 'sol-nw-insights' });
    cards.push({ name: 'new-deal-review', title: 'New deal, review', card: step });

    // A referral written to fool a reader: links, emphasis and HTML stay text.
    const hostile = '[URGENT: re-verify your Partner Center login](https://evil.example) **now** <a href="https://evil.example">here</a>';
    await service.createDeal(ana, {
      customer: { name: `# ${hostile}`, address: { city: 'Madrid', country: 'ES' } },
      name: hostile,
      dealValue: 125000.5,
      currency: 'EUR',
      closingDateTime: '2027-02-28',
      notes: `_${hostile}_`,
      team: team('Ana', 'Admin', 'ana@contoso-partner.example'),
      solutionIds: ['sol-ms-azure'],
      partners: [{ orgId: FABRIKAM, dealValue: 125000.5, currency: 'EUR', closingDateTime: '2027-02-28', notes: hostile, team: team('Ana', 'Admin', 'ana@contoso-partner.example'), solutionIds: ['sol-fab-migrate'], helpType: 'ProofOfConceptOrDemo' }],
    });
    const evil = (await service.list(fay, 'inbound')).items.find((i) => i.referral.name === hostile)!.referral;
    cards.push({ name: 'deal-hostile', title: 'A hostile referral: every name and note shown as text', card: dealCard(await service.get(fay, evil.id), { now, refreshUserIds }) });
    const open = (await service.list(fay, 'inbound')).items.find((i) => i.referral.name.startsWith('Alpine'))!.referral;
    cards.push({ name: 'deal-decline-refused', title: 'A decline that reached the bot without a reason: the form asks for it', card: dealCard(await service.get(fay, open.id), { now, form: 'decline', errors: await refusal(() => service.decline(fay, open.id, open.version, { reason: '' } as never)), refreshUserIds }) });

    // A partner-led win with our incentive-eligible solution: the registration form, then the registered card with the whole history.
    const dataEstate = (await directory.ownSolutions(OUR_TENANT)).find((x) => x.coSellStatus === 'AzureIpCoSellIncentivized')!;
    const led = await service.createDeal(ana, {
      customer: { name: 'Iberia Foods', address: { addressLine1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' } },
      name: 'Iberia Foods data estate',
      dealValue: 64000,
      currency: 'EUR',
      closingDateTime: '2027-03-31',
      team: team('Ana', 'Admin', 'ana@contoso-partner.example'),
      solutionIds: [dataEstate.id],
      shareWithMicrosoftSellers: true,
      salesStage: 'Propose',
      customerMarketplaceIntent: 'Yes',
      customerSize: '251to1000employees',
    });
    const wonLed = await service.markWon(ana, led.referral.id, led.referral.version, { notes: 'Signed by the CFO.' });
    clock.advance(3 * 86_400_000);
    const registrable = await service.get(ana, wonLed.referral.id);
    cards.push({ name: 'deal-register-form', title: 'A partner-led win: the registration form', card: dealCard(registrable, { now: clock.now(), form: 'register', refreshUserIds }) });
    const registered = await service.register(ana, wonLed.referral.id, wonLed.referral.version, { contractValue: '64000', currency: 'EUR', signDate: '2026-11-28', startDate: '2026-12-01', endDate: '2027-11-30', termMonths: '12', azureSolutionIds: dataEstate.id });
    cards.push({ name: 'deal-registered', title: 'A registered partner-led win, archived', card: dealCard(registered, { now: clock.now(), refreshUserIds }) });
    cards.push({ name: 'deal-history', title: 'The history card of the registered win', card: dealLogCard(registered, 'history', 0) });

    // Fabrikam declines one P2P referral and wins another: its insights, and Ana's own deals.
    const relecloud = (await service.list(fay, 'inbound')).items.find((i) => i.referral.name.startsWith('Relecloud'))!.referral;
    await service.decline(fay, relecloud.id, relecloud.version, { reason: 'NotAGoodFit' });
    const litwareNow = (await service.get(fay, litware.id)).referral;
    await service.markWon(fay, litwareNow.id, litwareNow.version, {});
    const insights = new Insights(store, directory, clock);
    const fabrikam = (await directory.organization(FABRIKAM))!;
    cards.push({
      name: 'insights',
      title: 'Insights for the organization: figures, nudges, the 12-month trend and the open pipeline (charts, or their tables where charts are not rendered)',
      card: insightsCard(await insights.figures(faysPerson, 'org'), { orgName: fabrikam.name, personName: faysPerson.name }),
    });
    const anasPerson = (await directory.person(OUR_TENANT, 'u-ana'))!;
    cards.push({ name: 'insights-me', title: 'Insights of one seller’s own deals', card: insightsCard(await insights.figures(anasPerson, 'me'), { orgName: ours.name, personName: anasPerson.name }) });
    people = peopleTexts(await Promise.all((['referral', 'organization', 'customer', 'solution', 'person'] as const).map((kind) => store.list(kind))));
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return { cards, people };
}

/** The field errors of an operation the services refuse, worded as they word them. */
async function refusal(operation: () => Promise<unknown>): Promise<Record<string, string>> {
  try {
    await operation();
  } catch (e) {
    if (e instanceof CoSellError) return e.fields;
    throw e;
  }
  throw new Error('the operation was expected to be refused');
}

/** Every string people gave the records (not ids, codes or dates): what a card may quote as typed. */
export function peopleTexts(records: unknown[]): string[] {
  const texts = new Set<string>();
  const walk = (node: unknown, key: string): void => {
    if (typeof node === 'string') {
      if (/^(name|text|notes|firstName|lastName|email|city|addressLine1|byName|userName|organizationName|statusReason)$/.test(key) && node.trim()) texts.add(node);
    } else if (Array.isArray(node)) node.forEach((n) => walk(n, key));
    else if (typeof node === 'object' && node !== null) for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(records, '');
  // A customer file's column headers are its format, in English whatever the reader's language.
  for (const c of customerColumns) texts.add(c.header);
  return [...texts];
}
