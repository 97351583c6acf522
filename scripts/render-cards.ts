// Renders representative cards to HTML pages (and PNG screenshots when Chromium is installed),
// to look at the cards and for the README.
//
//   npx tsx scripts/render-cards.ts <outDir>
//
// The cards come from the real services on a temporary data directory, with a clock that
// stands still. Each page inlines the adaptivecards browser bundle and a Teams-like host
// config (light theme), so it opens from file://. Screenshots need /usr/bin/chromium and
// playwright-core (npm install --no-save playwright-core); without them only HTML is written.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NewDealFlow } from '../bot/new-deal-flow.js';
import { dealCard, dealLogCard } from '../cards/deal.js';
import { listCard } from '../cards/list.js';
import type { Card } from '../cards/render.js';
import { welcomeCard } from '../cards/welcome.js';
import { importReportCard } from '../cards/customer-import.js';
import { adminCard } from '../cards/admin.js';
import { ManualClock } from '../services/clock.js';
import { Directory, type Caller } from '../services/directory.js';
import { LifecycleService } from '../services/lifecycle.js';
import { openLowdbStore } from '../services/lowdb-store.js';

const outDir = resolve(process.argv[2] ?? 'cards-preview');
const CHROMIUM = '/usr/bin/chromium';
const MICROSOFT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = '6f1c2a10-0000-4000-8000-00000000fab1';
const OUR_TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';

// ---- a small world on a temporary data directory ----

const dataDir = await mkdtemp(join(tmpdir(), 'cosell-render-'));
const store = await openLowdbStore(dataDir);
const cards: { name: string; title: string; card: Card }[] = [];
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
  cards.push({ name: 'deal-accept-form', title: 'The accept form, opened when the referral can’t be accepted as it came', card: dealCard(received, { now, form: 'accept', errors: { closingDateTime: 'The close date can’t be in the past.' }, refreshUserIds }) });

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
  cards.push({ name: 'welcome', title: 'Welcome card', card: welcomeCard({ userName: faysPerson.name, orgName: 'Fabrikam Consulting', role: faysPerson.roles.join(', ') }) });
  await register(OUR_TENANT, 'u-sam', 'Sam Seller', 'sam@contoso-partner.example');
  await directory.setRoles(ana, { 'u-sam': ['seller', 'referrals-admin'] }, clock.now());
  await directory.saveSolution(ana, { name: 'Contoso Copilot Accelerator', coSellStatus: 'CoSellReady' });
  await directory.saveSolution(ana, { name: 'Contoso Data Estate Assessment', coSellStatus: 'AzureIpCoSellIncentivized' });
  const ours = (await directory.organization(OUR_TENANT))!;
  cards.push({
    name: 'admin',
    title: 'Administration: set-up, where alerts go, people and roles (a bad Partner ID refused)',
    card: adminCard({ org: ours, people: await directory.people(OUR_TENANT), solutions: await directory.ownSolutions(OUR_TENANT), customers: 0, values: { partnerId: '12ab' }, errors: { partnerId: 'A Partner ID is 6 to 10 digits, as Partner Center shows it (Account settings > Identifiers).' } }),
  });

  const imported = await directory.importCustomers(ana, [
    { row: 2, customer: { name: 'Iberia Foods', address: { addressLine1: 'Calle Mayor 1', addressLine2: '', city: 'Madrid', state: '', postalCode: '28013', country: 'ES' }, duns: '111111111' }, absent: [] },
  ]);
  cards.push({
    name: 'customer-import',
    title: 'Customer import report: added, and refused rows with their reasons',
    card: importReportCard({
      fileName: 'customers.csv',
      report: { ...imported, refused: [{ row: 4, reason: 'Country: Use the two-letter country code, for example US.' }, { row: 5, reason: 'D-U-N-S 111111111 is also on row 2.' }] },
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
  cards.push({ name: 'deal-decline-refused', title: 'A decline that reached the bot without a reason: the form asks for it', card: dealCard(await service.get(fay, open.id), { now, form: 'decline', errors: { reason: 'Pick a reason from the list.' }, refreshUserIds }) });

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
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

// ---- HTML pages ----

const require = createRequire(import.meta.url);
const bundle = await readFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
const baseCss = await readFile(require.resolve('adaptivecards/dist/adaptivecards.css'), 'utf8');

const fontFamily = "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, BlinkMacSystemFont, 'Open Sans', Roboto, 'Helvetica Neue', 'Liberation Sans', Arial, sans-serif";
const colors = {
  default: { default: '#252424', subtle: '#616161' },
  dark: { default: '#252424', subtle: '#616161' },
  light: { default: '#ffffff', subtle: '#f3f2f1' },
  accent: { default: '#6264a7', subtle: '#8b8cc7' },
  good: { default: '#92c353', subtle: '#e592c353' },
  warning: { default: '#f8d22a', subtle: '#e5f8d22a' },
  attention: { default: '#c4314b', subtle: '#e5c4314b' },
};
const style = (backgroundColor: string) => ({ backgroundColor, foregroundColors: colors });
/** Teams light theme (after the Adaptive Cards designer's "Microsoft Teams - Light" host config). */
const hostConfig = {
  choiceSetInputValueSeparator: ',',
  supportsInteractivity: true,
  fontFamily,
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#EEEEEE' },
  fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 200, default: 400, bolder: 600 },
  containerStyles: {
    default: style('#ffffff'),
    emphasis: style('#f9f8f7'),
    accent: style('#C7DEF9'),
    good: style('#CCFFCC'),
    attention: style('#FFC5B2'),
    warning: style('#FFE2B2'),
  },
  actions: { maxActions: 6, spacing: 'Default', buttonSpacing: 8, actionsOrientation: 'Horizontal', actionAlignment: 'Left', showCard: { actionMode: 'Inline', inlineTopMargin: 16, style: 'emphasis' } },
  adaptiveCard: { allowCustomStyle: false },
  factSet: { title: { size: 'Default', color: 'Default', isSubtle: false, weight: 'Bolder', wrap: true, maxWidth: 150 }, value: { size: 'Default', color: 'Default', isSubtle: false, weight: 'Default', wrap: true }, spacing: 16 },
  inputs: { label: { requiredInputs: { weight: 'Bolder' }, optionalInputs: { weight: 'Default' } } },
};

const teamsCss = `
  body { margin: 0; padding: 16px; background: #f5f5f5; font-family: ${fontFamily}; color: #252424; }
  h1 { font-size: 12px; font-weight: 400; color: #616161; margin: 0 0 8px; }
  #frame { width: 560px; background: #fff; border-radius: 6px; box-shadow: 0 1.6px 3.6px rgba(0,0,0,.13), 0 .3px .9px rgba(0,0,0,.11); overflow: hidden; }
  .ac-pushButton { font-family: inherit; font-size: 14px; font-weight: 600; color: #252424; background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; min-height: 32px; padding: 4px 12px; }
  .ac-pushButton:hover { background: #f3f2f1; }
  .ac-pushButton.style-positive { background: #6264a7; border-color: #6264a7; color: #fff; }
  .ac-pushButton.style-destructive { background: #fff; border-color: #e1dfdd; color: #c4314b; }
  .ac-input { font-family: inherit; font-size: 14px; color: #252424; }
  .ac-textInput, .ac-dateInput, .ac-choiceSetInput-compact, .ac-multiline { border: 1px solid #e1dfdd; border-bottom-color: #8a8886; border-radius: 3px; padding: 5px 8px; background: #fff; min-height: 32px; box-sizing: border-box; }
  .ac-multiline { min-height: 64px; }
`;

const escapeScript = (js: string) => js.replace(/<\/script/gi, '<\\/script');
const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function page(title: string, card: Card): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title.replace(/</g, '&lt;')}</title>
<style>${baseCss}</style><style>${teamsCss}</style></head>
<body>
<h1>${title.replace(/</g, '&lt;')}</h1>
<div id="frame"><div id="card"></div></div>
<script>${escapeScript(bundle)}</script>
<script>
  // Teams renders a subset of markdown in TextBlocks: bold, italic, links and line breaks.
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    const html = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/\\*\\*(.+?)\\*\\*/g, '<strong>$1</strong>')
      .replace(/(^|[^\\w])_(.+?)_(?!\\w)/g, '$1<em>$2</em>')
      .replace(/\\[([^\\]]+)\\]\\((https?:[^)\\s]+)\\)/g, '<a href="$2">$1</a>')
      .replace(/\\n/g, '<br>');
    result.outputHtml = '<p>' + html + '</p>';
    result.didProcess = true;
  };
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig(${json(hostConfig)});
  card.onExecuteAction = (action) => console.log('action', action.getJsonTypeName(), action.verb ?? '', JSON.stringify(action.data ?? {}));
  card.parse(${json(card)});
  document.getElementById('card').appendChild(card.render());
  document.body.dataset.rendered = 'true';
</script>
</body></html>
`;
}

await mkdir(outDir, { recursive: true });
for (const { name, title, card } of cards) {
  await writeFile(join(outDir, `${name}.html`), page(title, card));
  await writeFile(join(outDir, `${name}.json`), `${JSON.stringify(card, null, 2)}\n`);
}
console.log(`${cards.length} cards written to ${outDir} (HTML and JSON).`);

// ---- screenshots ----

interface Locator {
  screenshot(options: { path: string }): Promise<unknown>;
}
interface BrowserPage {
  goto(url: string): Promise<unknown>;
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  locator(selector: string): Locator;
  on(event: 'console' | 'pageerror', listener: (message: { text?: () => string; message?: string }) => void): void;
  close(): Promise<void>;
}
interface Browser {
  newPage(options: { viewport: { width: number; height: number }; deviceScaleFactor: number }): Promise<BrowserPage>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is not installed: no screenshots. Open the HTML pages in a browser.`);
} else {
  // Not a dependency of the project: install it for yourself with npm install --no-save playwright-core.
  const moduleName: string = 'playwright-core';
  const playwright = (await import(moduleName).catch(() => undefined)) as Playwright | undefined;
  if (!playwright) {
    console.log('playwright-core is not installed (npm install --no-save playwright-core): no screenshots.');
  } else {
    const browser = await playwright.chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      for (const { name } of cards) {
        const tab = await browser.newPage({ viewport: { width: 640, height: 900 }, deviceScaleFactor: 2 });
        tab.on('pageerror', (e) => console.error(`${name}: page error: ${e.message ?? ''}`));
        tab.on('console', (m) => {
          const text = m.text?.() ?? '';
          if (!text.startsWith('action')) console.log(`${name}: console: ${text}`);
        });
        await tab.goto(pathToFileURL(join(outDir, `${name}.html`)).href);
        await tab.waitForSelector('body[data-rendered]', { timeout: 10_000 });
        await tab.locator('#frame').screenshot({ path: join(outDir, `${name}.png`) });
        await tab.close();
      }
      console.log(`${cards.length} screenshots written to ${outDir}.`);
    } finally {
      await browser.close();
    }
  }
}
