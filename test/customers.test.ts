// The customer directory of an organization: an admin imports it from a CSV file sent in the
// personal chat (a report says what was added, updated and refused), sellers' hand-typed customers
// are kept, and no organization sees another's customers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ana, cardText, fay, OUR_TENANT, sam, startHarness, type Harness } from './helpers/bot-harness.js';
import { isTeamsFileUrl } from '../bot/customer-import.js';
import { cardProblems } from './helpers/card-check.js';
import { dealInput, makeWorld, type World } from './helpers/world.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.say(ana, 'help'); // Ana is the organization's first user: its admin.
  await h.say(sam, 'help');
});
afterEach(() => h.close());

const own = async () => (await h.app.directory.ownCustomers(OUR_TENANT)).sort((a, b) => a.name.localeCompare(b.name));
const lines = (...rows: string[]) => rows.join('\r\n') + '\r\n';

const first = lines(
  'Name,Address line 1,City,Postal code,Country,D-U-N-S',
  'Iberia Foods,Calle Mayor 1,Madrid,28013,es,111111111',
  '"Nordic Retail, AB",Kungsgatan 2,Stockholm,111 43,SE,',
  'Bad Country,,Lisbon,,Portugal,',
  'Iberia Foods Again,,Sevilla,,ES,111111111',
  'Short row,Madrid',
);

describe('importing customers from a CSV file', () => {
  it('adds the good rows, refuses each bad one with its reason, and sellers find what was added', async () => {
    const report = await h.sendFile(ana, 'customers.csv', first);
    expect(cardProblems(report)).toEqual([]);
    const text = cardText(report);
    expect(report).toMatchObject({ body: expect.arrayContaining([expect.objectContaining({ items: [{ type: 'FactSet', facts: [{ title: 'Added', value: '2' }, { title: 'Updated', value: '0' }, { title: 'Already up to date', value: '0' }, { title: 'Refused', value: '3' }] }] })]) });
    expect(text).toContain('Row 4: Country: Use the two-letter country code, for example US.');
    expect(text).toContain('Row 5: D-U-N-S 111111111 is also on row 2.');
    expect(text).toContain('Row 6: It has 2 values; the first row names 6 columns.');
    expect(text).toContain('Your customer directory now has 2 customers.');
    expect((await own()).map((c) => [c.name, c.address.city, c.address.country, c.address.postalCode, c.duns])).toEqual([
      ['Iberia Foods', 'Madrid', 'ES', '28013', '111111111'],
      ['Nordic Retail, AB', 'Stockholm', 'SE', '111 43', undefined],
    ]);
    const found = await h.search(sam, 'customers', 'nordic stockholm');
    expect(found.value.results?.map((r) => r.title)).toEqual([expect.stringContaining('Nordic Retail, AB')]);
  });

  it('a second file (Excel in Spain: a byte-order mark and semicolons) updates what is there and removes nothing', async () => {
    await h.sendFile(ana, 'customers.csv', first);
    const second = '\uFEFF' + lines('Name;City;Country;D-U-N-S;Postal code', 'Iberia Foods S.A.;Madrid;ES;111111111;28014', 'Nordic Retail, AB;Stockholm;SE;;111 43');
    const report = cardText(await h.sendFile(ana, 'clientes.csv', second));
    expect(report).toContain('Your customer directory now has 2 customers.');
    const customers = await own();
    expect(customers.map((c) => [c.name, c.address.postalCode, c.address.addressLine1])).toEqual([
      // Same D-U-N-S: the same customer, renamed; a column the file leaves out keeps what the directory had.
      ['Iberia Foods S.A.', '28014', 'Calle Mayor 1'],
      ['Nordic Retail, AB', '111 43', 'Kungsgatan 2'],
    ]);
  });

  it('one customer of the directory is updated by one row only, and a file without a City column still finds it by name and country', async () => {
    await h.sendFile(ana, 'customers.csv', first);
    // Nordic Retail has no D-U-N-S: two rows naming it with different numbers are two claims on one customer.
    const twice = lines('Name,City,Country,D-U-N-S', 'Nordic Retail, AB,Stockholm,SE,222222222', '"Nordic Retail, AB",Stockholm,SE,333333333');
    const text = cardText(await h.sendFile(ana, 'twice.csv', twice.replace('Nordic Retail, AB,', '"Nordic Retail, AB",')));
    expect(text).toContain('Row 3: It names the same customer of your directory as row 2 (Nordic Retail, AB).');
    expect((await own()).find((c) => c.name.startsWith('Nordic'))!.duns).toBe('222222222');

    const noCity = cardText(await h.sendFile(ana, 'no-city.csv', lines('Name,Country,Postal code', 'Iberia Foods,ES,28015')));
    expect(noCity).toContain('Your customer directory now has 2 customers.');
    expect((await own()).find((c) => c.name === 'Iberia Foods')!.address).toMatchObject({ city: 'Madrid', postalCode: '28015', addressLine1: 'Calle Mayor 1' });
  });

  it('refuses a whole file it cannot take, saying why, and leaves the directory as it was', async () => {
    await h.sendFile(ana, 'customers.csv', first);
    const before = await own();
    const tenThousand = lines('Name,Country', ...Array.from({ length: 10_000 }, (_, i) => `Customer ${i},US`));
    const cases: [string, Uint8Array | string, string][] = [
      ['header.csv', lines('Company,Country', 'Contoso,US'), 'this file has unknown column “Company” and no column “Name”'],
      ['latin1.csv', Buffer.from(lines('Name,Country', 'Café Olé,ES'), 'latin1'), 'The file is not UTF-8 text.'],
      ['utf16.csv', Buffer.from('\uFEFF' + lines('Name,Country', 'Café,ES'), 'utf16le'), 'The file is not UTF-8 text.'],
      ['big.csv', tenThousand, 'The file has 10,000 customers; send at most 5,000 per file.'],
      ['huge.csv', lines('Name,Country', ...Array.from({ length: 60_000 }, (_, i) => `A customer with a long enough name ${i},US`)), 'The file is larger than 2 MB.'],
      ['quote.csv', lines('Name,Country', '"Unclosed,US'), 'The file cannot be read as CSV'],
      ['notes.txt', 'hello', 'Send a .csv file.'],
    ];
    for (const [name, content, why] of cases) {
      const card = await h.sendFile(ana, name, content);
      expect(cardProblems(card), name).toEqual([]);
      expect(cardText(card), name).toContain(why);
      expect(cardText(card), name).toContain('Nothing was imported: the directory is as it was.');
    }
    expect(await own()).toEqual(before);
  });

  it('only an admin may import; a seller is told whom to ask and nothing is read', async () => {
    const card = await h.sendFile(sam, 'customers.csv', first);
    expect(cardText(card)).toContain('Only an admin of your organization can import customers. Ask Ana Admin.');
    expect(await own()).toEqual([]);
    expect(h.connector.downloads).toEqual([]);
  });

  it('no organization sees another’s customers, in the typeahead or by id', async () => {
    await h.sendFile(ana, 'customers.csv', first);
    await h.say(fay, 'help');
    expect((await h.search(fay, 'customers', 'iberia foods')).value.results).toEqual([]);
    const iberia = (await own())[0]!;
    expect(await h.app.directory.customer('6f1c2a10-0000-4000-8000-00000000fab1', iberia.id)).toBeUndefined();
    expect(await h.app.directory.customer(OUR_TENANT, iberia.id)).toMatchObject({ name: 'Iberia Foods' });
  });
});

describe('where a customer file may come from', () => {
  it('outside local mode, only a Teams (SharePoint) link over HTTPS is fetched', () => {
    expect(isTeamsFileUrl('https://contoso-my.sharepoint.com/personal/ana/_layouts/15/download.aspx?UniqueId=1')).toBe(true);
    expect(isTeamsFileUrl('https://contoso.sharepoint.us/x')).toBe(true);
    for (const url of ['http://contoso-my.sharepoint.com/x', 'https://sharepoint.com.evil.example/x', 'https://169.254.169.254/latest/meta-data', 'https://127.0.0.1:8080/x', 'file:///etc/passwd']) expect(isTeamsFileUrl(url), url).toBe(false);
  });
});

describe('customers typed by hand', () => {
  let w: World;
  beforeEach(async () => {
    w = await makeWorld();
  });
  afterEach(() => w.close());

  it('are kept in the organization’s directory for the next deal, once, and only for that organization', async () => {
    const typed = { name: 'Tasman Traders', address: { city: 'Zürich', country: 'CH' } };
    await w.service.createDeal(w.seller, dealInput({ customer: typed }));
    const kept = await w.directory.searchCustomers(w.seller.tenantId, 'tasman zurich');
    expect(kept.map((c) => [c.name, c.orgId])).toEqual([['Tasman Traders', w.seller.tenantId]]);
    // The same customer typed again (other case and accents) is not added twice; a demo customer is not copied.
    await w.service.createDeal(w.admin, dealInput({ customer: { name: 'TASMAN TRADERS', address: { city: 'Zurich', country: 'CH' } } }));
    await w.service.createDeal(w.admin, dealInput());
    expect((await w.directory.ownCustomers(w.seller.tenantId)).map((c) => c.name)).toEqual(['Tasman Traders']);
    expect(await w.directory.searchCustomers(w.fabrikam.tenantId, 'tasman')).toEqual([]);
  });
});
