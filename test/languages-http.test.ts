// Two sellers, two languages, one deal, over HTTP as Teams talks to the bot: Lucía's Teams is in
// Spanish (Spain) in Madrid, Fay's in English (US) in New York. Each reads every card, alert and
// answer in their own language, with times in their own time zone and amounts their way.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cardText, fay, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import { future } from './helpers/fixtures.js';
import { personalConversationId, type ActivityOptions, type TeamsUser } from './helpers/teams.js';
import { peopleTexts } from '../scripts/card-gallery.js';
import { leaks } from './helpers/words.js';
import { FABRIKAM } from './helpers/world.js';

const IBERIA = 'cccccccc-0000-4000-8000-0000000e5e5e';
const lucia: TeamsUser = { tenantId: IBERIA, aadObjectId: '00000000-0000-4000-8000-00000000e501', name: 'Lucía Ortega', email: 'lucia@iberia-partners.example' };
const madrid: ActivityOptions = { locale: 'es-ES', localTimezone: 'Europe/Madrid' };
const newYork: ActivityOptions = { locale: 'en-US', localTimezone: 'America/New_York' };
/** 125000.5 EUR as Spain writes it: the space before the euro sign is a no-break space. */
const EUROS = '125.000,50\u00a0€';
/** What people typed into this world: names and notes, quoted as typed whatever the reader's language. */
const typed = ['New York', 'Lucía Ortega', 'Fay Fabrikam', 'Fabrikam Consulting', 'Woodgrove', 'Woodgrove Bank', 'Analítica Woodgrove', 'Fabrikam Cloud Migration Factory', 'Microsoft Azure', 'lucia@iberia-partners.example', 'fay@fabrikam.example'];

let h: Harness;
const seen: Card[] = [];
beforeEach(async () => {
  h = await startHarness();
  seen.length = 0;
  h.connector.members.set(`29:${lucia.aadObjectId}`, { id: `29:${lucia.aadObjectId}`, name: lucia.name, aadObjectId: lucia.aadObjectId, email: lucia.email, tenantId: IBERIA });
});
afterEach(async () => {
  for (const card of [...h.connector.cardsSent(), ...seen]) expect(cardProblems(card)).toEqual([]);
  await h.close();
});

const press = async (user: TeamsUser, card: Card, title: string, inputs: Record<string, unknown>, opts: ActivityOptions) => {
  const { card: next } = await h.press(user, card, title, inputs, opts);
  seen.push(next);
  return next;
};

/** The card of the first alert in a person's chat whose summary starts so. */
const alertFor = async (user: TeamsUser, summary: string) => {
  const sent = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'POST' && r.conversationId === personalConversationId(user) && (r.body as { summary?: string } | undefined)?.summary?.startsWith(summary)));
  return (sent.body as { attachments: { content: Card }[] }).attachments[0]!.content;
};

const wholly = (card: Card, language: 'en' | 'es') => expect(leaks(card, language, typed)).toEqual([]);

it('a seller in Madrid works in Spanish and Madrid time, and a seller in New York on the same deal in English', async () => {
  // Fay, Fabrikam's admin, has used the bot from New York before.
  await h.say(fay, 'help', newYork);
  // Lucía asks for help in Spanish: the whole help card is Spanish.
  const help = await h.say(lucia, 'ayuda', madrid);
  expect(cardText(help)).toContain('Nuevo acuerdo');
  wholly(help, 'es');

  // She creates a deal of 125.000,50 € with "nuevo acuerdo", inviting Fabrikam, typing amounts her way.
  let card = await h.say(lucia, 'nuevo acuerdo', madrid);
  expect(cardText(card)).toContain('Cliente y acuerdo');
  wholly(card, 'es');
  card = await press(lucia, card, 'Siguiente', { customerId: 'cust-woodgrove', name: 'Analítica Woodgrove', dealValue: '125.000,50', currency: 'EUR', closingDateTime: '2027-03-31' }, madrid);
  wholly(card, 'es');
  card = await press(lucia, card, 'Siguiente', { m0FirstName: 'Lucía', m0LastName: 'Ortega', m0Phone: '+34 910 000 000', m0Email: lucia.email, solutionIds: 'sol-ms-azure' }, madrid);
  wholly(card, 'es');
  card = await press(lucia, card, 'Invitar a asociados', { helpType: 'None' }, madrid);
  wholly(card, 'es');
  card = await press(lucia, card, 'Añadir este asociado', { partnerOrgId: FABRIKAM, partnerDealValue: '125.000,50', partnerCurrency: 'EUR', partnerClosingDateTime: '2027-03-31', partnerSolutionIds: 'sol-fab-migrate', partnerHelpType: 'ProofOfConceptOrDemo' }, madrid);
  card = await press(lucia, card, 'Revisar', {}, madrid);
  expect(cardText(card)).toContain(EUROS);
  wholly(card, 'es');
  const created = await press(lucia, card, 'Crear acuerdo', {}, madrid);
  expect(cardText(created)).toContain('Acuerdo «Analítica Woodgrove» creado.');
  expect(cardText(created)).toContain(EUROS);
  expect(cardText(created)).toContain('De asociado a asociado (P2P) · Saliente');
  wholly(created, 'es');

  // The invitation's alert reaches Fay in English, its deadline in her time.
  const invitation = await alertFor(fay, 'New referral from ');
  expect(cardText(invitation)).toContain('€125,000.50');
  // 14 days from 09:00 UTC on 21 Nov 2026: 04:00 in New York.
  expect(cardText(invitation)).toContain('14 days left to respond (until 5 Dec 2026, 04:00 GMT-5)');
  wholly(invitation, 'en');

  // Fay accepts in one click: Lucía hears it in Spanish, about her deal as she sees it.
  await h.press(fay, invitation, 'Accept', {}, newYork);
  const answered = await alertFor(lucia, 'Fabrikam Consulting aceptó: Analítica Woodgrove');
  expect(cardText(answered)).toContain(EUROS);
  expect(cardText(answered)).toContain('Fabrikam Consulting: Aceptado');
  wholly(answered, 'es');

  // A referral from Partner Center for Lucía's organization (she is its admin): her alert shows the deadline in Madrid time.
  const received = await h.postReferral({ ...future, id: 'pc-madrid' }, { tenant: IBERIA });
  expect(received.status).toBe(201);
  const referral = (await h.app.store.get('referral', received.body.id as string))!;
  const alert = await alertFor(lucia, 'Nueva referencia de ');
  const deadline = new Date(referral.expirationDateTime!);
  const madridTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Madrid' }).format(deadline);
  const utcTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(deadline);
  // Madrid is an hour ahead of UTC in winter: the card must show its hour, not UTC's.
  expect(madridTime).not.toBe(utcTime);
  expect(cardText(alert)).toMatch(new RegExp(`Quedan \\d+ días para responder \\(hasta el \\d+ \\w+ \\d{4}, ${madridTime} CET\\)`));
  // Partner Center's texts are quoted as its sender wrote them.
  expect(leaks(alert, 'es', [...typed, ...peopleTexts([referral])])).toEqual([]);

  // Fay's own view of the same deal stays English.
  const faysDeal = await h.say(fay, 'inbound', newYork);
  expect(cardText(faysDeal)).toContain('Inbound referrals');
  wholly(faysDeal, 'en');
});

it('“idioma” chooses the language over the Teams client’s, and “language auto” gives it back', async () => {
  expect(cardText(await h.say(fay, 'idioma español', newYork))).toContain('Co-sell Bot le habla ahora en español.');
  const spanish = await h.say(fay, 'help', newYork);
  expect(cardText(spanish)).toContain('Nuevo acuerdo');
  wholly(spanish, 'es');
  expect((await h.app.directory.person(FABRIKAM, fay.aadObjectId))?.language).toBe('es');
  expect(cardText(await h.say(fay, 'idioma', newYork))).toContain('como eligió');
  expect(cardText(await h.say(fay, 'idioma klingon', newYork))).toContain('Co-sell Bot habla español e inglés');
  expect(cardText(await h.say(fay, 'language auto', newYork))).toContain('Co-sell Bot follows your Teams language again.');
  const english = await h.say(fay, 'help', newYork);
  expect(cardText(english)).toContain('New deal');
  wholly(english, 'en');
});
