// A real organization adopts the bot: only its members get in, and alerts reach the chats they
// belong in (a channel, never one thread of it; never a chat the bot is no member of).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say } from '../services/i18n.js';
import { actions, ana, cardText, fay, OUR_TENANT, sam, startHarness, type Card, type Harness } from './helpers/bot-harness.js';
import { cardProblems } from './helpers/card-check.js';
import { fixture, future } from './helpers/fixtures.js';
import { installationUpdate, invokeAction, membersAdded, message, personalConversationId, postActivity, type TeamsUser } from './helpers/teams.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const gus: TeamsUser = { tenantId: OUR_TENANT, aadObjectId: '00000000-0000-4000-8000-00000000a0e5', name: 'Gus Guest', email: 'gus@elsewhere.example' };

describe('guests', () => {
  it('a guest of the tenant (Teams roster userRole) is told why, is never registered, and sees no deal', async () => {
    await h.say(ana, 'help');
    await h.postReferral({ ...fixture, id: 'pc-guest' });
    h.connector.members.set(`29:${gus.aadObjectId}`, { id: `29:${gus.aadObjectId}`, name: gus.name, aadObjectId: gus.aadObjectId, email: gus.email, tenantId: OUR_TENANT, userRole: 'guest' });

    const said = message(gus, 'inbound');
    await postActivity(h.app.url, said);
    const reply = h.connector.sent.find((r) => r.method === 'POST' && r.activityId === said.id)!.body as { text?: string; attachments?: unknown[] };
    expect(reply.text).toContain('guests and anonymous users cannot see or change its deals');
    expect(reply.attachments ?? []).toEqual([]);
    expect(await h.app.directory.person(OUR_TENANT, gus.aadObjectId)).toBeUndefined();

    const clicked = await postActivity(h.app.url, invokeAction(gus, 'list', { box: 'inbound' }));
    expect(clicked.body).toMatchObject({ statusCode: 403, value: { message: expect.stringContaining('guests and anonymous users') } });
    expect(await h.app.directory.person(OUR_TENANT, gus.aadObjectId)).toBeUndefined();
  });

  it('a member is served as before', async () => {
    expect(cardText(await h.say(ana, 'inbound'))).toContain('Inbound referrals');
  });
});

describe('where alerts go', () => {
  it('“alerts here” said in a channel thread routes alerts to the channel, not into that thread', async () => {
    await h.say(ana, 'help');
    const thread = '19:sales@thread.tacv2;messageid=1764000000000';
    await postActivity(h.app.url, message(ana, 'alerts here', { conversationId: thread, conversationType: 'channel' }));
    expect((await h.app.directory.organization(OUR_TENANT))?.alertChannelId).toBe('19:sales@thread.tacv2');
    expect(await h.app.store.get('conversation', thread)).toBeUndefined();
    expect((await h.app.store.get('conversation', '19:sales@thread.tacv2'))?.kind).toBe('channel');

    await h.postReferral({ ...fixture, id: 'pc-channel' });
    const alert = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'POST' && (r.body as { summary?: string }).summary && r.conversationId?.startsWith('19:sales')));
    expect(alert.conversationId).toBe('19:sales@thread.tacv2');
  });

  it('a message-extension query from a chat between two people records nothing: that chat is no place of the bot', async () => {
    await h.say(ana, 'help');
    const chat = '19:ana-and-bo_unq.gbl.spaces';
    const query = { ...invokeAction(ana, 'unused', {}, { conversationId: chat, conversationType: 'groupChat' }), name: 'composeExtension/query', value: { commandId: 'searchDeals', parameters: [{ name: 'query', value: 'contoso' }], queryOptions: { skip: 0, count: 10 } } };
    expect((await postActivity(h.app.url, query)).status).toBe(200);
    // Teams leaves the type out of some of these: then too.
    const untyped = { ...query, id: 'q-2', conversation: { id: '19:ana-and-cy_unq.gbl.spaces', tenantId: OUR_TENANT } };
    expect((await postActivity(h.app.url, untyped)).status).toBe(200);
    expect(await h.app.store.get('conversation', chat)).toBeUndefined();
    expect(await h.app.store.get('conversation', '19:ana-and-cy_unq.gbl.spaces')).toBeUndefined();
    expect((await h.app.store.get('conversation', personalConversationId(ana)))?.kind).toBe('personal');
  });
});

describe('setting up the organization', () => {
  const setUpCard = async (): Promise<Card> => {
    await postActivity(h.app.url, installationUpdate(ana, 'add'));
    return h.connector.cardsSent()[0]!;
  };

  it('the first admin gets the set-up card on install; a bad Partner ID and an empty name are refused next to their fields, then saved', async () => {
    const card = await setUpCard();
    expect(cardText(card)).toContain('Set up your organization');
    expect(cardProblems(card)).toEqual([]);
    expect((await h.app.directory.organization(OUR_TENANT))!.name).toMatch(/^Organization /);

    const refused = (await h.press(ana, card, 'Save', { name: ' ', partnerId: '12ab' })).card;
    expect(cardText(refused)).toContain('Organization name is required.');
    expect(cardText(refused)).toContain('A Partner ID is 6 to 10 digits');
    expect((await h.app.directory.organization(OUR_TENANT))!.setUpDateTime).toBeUndefined();

    const saved = (await h.press(ana, refused, 'Save', { name: 'Contoso Partners Ltd', partnerId: '1234567', inEcosystem: 'true' })).card;
    expect(cardText(saved)).toContain('Saved.');
    expect(cardText(saved)).not.toContain('Set up your organization');
    expect(await h.app.directory.organization(OUR_TENANT)).toMatchObject({ name: 'Contoso Partners Ltd', partnerId: '1234567', inEcosystem: true, setUpDateTime: expect.any(String) });
    // Listed: another partner now finds it to invite.
    const found = await h.search(fay, 'partners', 'Contoso Partners');
    expect(found.value.results?.map((r) => r.title)).toContain('Contoso Partners Ltd');
  });

  it('only an admin opens the administration card; a seller is told whom to ask', async () => {
    await setUpCard();
    const refusal = await h.say(sam, 'admin');
    expect(cardText(refusal)).toContain('Only an admin of your organization can open the administration card. Ask Ana Admin.');
    const pressed = await postActivity(h.app.url, invokeAction(sam, 'setRoles', { shown: [sam.aadObjectId], [`role:${sam.aadObjectId}`]: 'admin' }));
    expect(pressed.body).toMatchObject({ statusCode: 403 });
    expect((await h.app.directory.person(OUR_TENANT, sam.aadObjectId))!.roles).toEqual(['seller']);
  });

  it('an admin makes a seller a referrals admin: recorded (who, when, before, after), and the new referrals admin is alerted', async () => {
    await setUpCard();
    await h.say(sam, 'help');
    const card = await h.say(ana, 'admin');
    expect(cardText(card)).toContain('Sam Seller · sam@partner.example');
    const saved = (await h.press(ana, card, 'Save roles', { [`role:${sam.aadObjectId}`]: 'seller,referrals-admin' })).card;
    expect(cardText(saved)).toContain('Roles saved: Sam Seller.');
    expect(cardText(saved)).toContain('Ana Admin changed the roles of Sam Seller to Seller, Referrals admin (was Seller)');
    const stored = (await h.app.directory.person(OUR_TENANT, sam.aadObjectId))!;
    expect(stored.roles).toEqual(['seller', 'referrals-admin']);
    expect(stored.roleChanges).toEqual([{ at: expect.any(String), byUserId: ana.aadObjectId, byName: 'Ana Admin', from: ['seller'], to: ['seller', 'referrals-admin'] }]);

    await h.postReferral({ ...fixture, id: 'pc-roles' });
    await h.connector.waitFor((c) => c.sent.find((r) => r.conversationId === personalConversationId(sam) && (r.body as { summary?: string } | undefined)?.summary));
  });

  it('the last admin cannot drop the role, and nobody is left without one', async () => {
    const card = await setUpCard();
    const lastAdmin = (await h.press(ana, card, 'Save roles', { [`role:${ana.aadObjectId}`]: 'seller' })).card;
    expect(cardText(lastAdmin)).toContain('Keep at least one admin');
    const none = (await h.press(ana, card, 'Save roles', { [`role:${ana.aadObjectId}`]: '' })).card;
    expect(cardText(none)).toContain('Give at least one role.');
    const stored = (await h.app.directory.person(OUR_TENANT, ana.aadObjectId))!;
    expect(stored.roles).toEqual(['admin']);
    expect(stored.roleChanges).toEqual([]);
  });
});

describe('solutions', () => {
  it('an admin adds a solution, changes its status and retires it; what can go on a deal follows; nobody else may', async () => {
    await postActivity(h.app.url, installationUpdate(ana, 'add'));
    const card = h.connector.cardsSent()[0]!;
    const attachable = async () => (await h.app.directory.attachableSolutions(OUR_TENANT)).filter((s) => s.orgId === OUR_TENANT).map((s) => s.name);

    const empty = (await h.press(ana, card, 'Save solution', { solutionName: '', coSellStatus: 'CoSellReady' })).card;
    expect(cardText(empty)).toContain('Solution name is required.');
    expect(await h.app.directory.ownSolutions(OUR_TENANT)).toEqual([]);

    const added = (await h.press(ana, card, 'Save solution', { solutionName: 'Contoso Copilot Accelerator', coSellStatus: 'NotCoSellReady' })).card;
    expect(cardText(added)).toContain('Solution saved: Contoso Copilot Accelerator.');
    expect(await attachable()).toEqual([]); // not co-sell ready: it can't go on a deal
    const [solution] = await h.app.directory.ownSolutions(OUR_TENANT);
    const ready = (await h.press(ana, added, 'Save solution', { solutionId: solution!.id, solutionName: 'Contoso Copilot Accelerator', coSellStatus: 'CoSellReady' })).card;
    expect(cardText(ready)).toContain('Co-sell ready');
    expect(await attachable()).toEqual(['Contoso Copilot Accelerator']);

    const retired = (await h.press(ana, ready, 'Retire')).card;
    expect(cardText(retired)).toContain('Retired: Contoso Copilot Accelerator.');
    expect(await attachable()).toEqual([]);
    expect((await h.app.directory.ownSolutions(OUR_TENANT))[0]).toMatchObject({ retired: true, coSellStatus: 'CoSellReady' });

    await h.say(sam, 'help');
    const bySeller = await postActivity(h.app.url, invokeAction(sam, 'saveSolution', { solutionName: 'Sneaky', coSellStatus: 'CoSellReady' }));
    expect(bySeller.body).toMatchObject({ statusCode: 403 });
    expect(await h.app.directory.ownSolutions(OUR_TENANT)).toHaveLength(1);
  });
});

describe('assignment', () => {
  it('a referrals admin hands an inbound referral to a seller, who is alerted and may then accept it; the history says so', async () => {
    await h.say(ana, 'help');
    await h.say(sam, 'help');
    const created = await h.postReferral({ ...future, id: 'pc-assign' });
    const referralId = created.body.id as string;
    // Before: the seller sees the referral but has no Accept (nor Assign).
    const before = await h.clickCard(sam, 'open', { referralId });
    expect(actions(before).map((a) => a.title)).not.toContain('Accept');
    expect(actions(before).map((a) => a.title)).not.toContain('Assign');
    const refused = await postActivity(h.app.url, invokeAction(sam, 'assign', { referralId, version: 1, userId: sam.aadObjectId }));
    expect(cardText((refused.body as { value: Card }).value)).toMatch(/Only .*referrals admins/);
    expect((await h.app.store.get('referral', referralId))!.assignedTo).toBeUndefined();

    const form = (await h.press(ana, await h.clickCard(ana, 'open', { referralId }), 'Assign')).card;
    expect(cardText(form)).toContain('Hand this referral to someone');
    const assigned = (await h.press(ana, form, 'Assign', { userId: sam.aadObjectId })).card;
    expect(cardText(assigned)).toContain('Assigned by Ana Admin.');
    expect(cardText(assigned)).toContain('Sam Seller');
    const alert = await h.connector.waitFor((c) => c.sent.find((r) => r.conversationId === personalConversationId(sam) && (r.body as { summary?: string } | undefined)?.summary?.startsWith('Assigned to you')));
    expect((alert.body as { summary: string }).summary).toBe('Assigned to you: Test Cosell Invite_20');

    const now = await h.clickCard(sam, 'open', { referralId });
    const accepted = (await h.press(sam, now, 'Accept')).card;
    expect(cardText(accepted)).toContain('Accepted by Sam Seller.');
    const stored = (await h.app.store.get('referral', referralId))!;
    expect(stored.history.map((x) => say(x.action))).toEqual(['received from Partner Center', 'assigned to Sam Seller', 'accepted']);
    expect(stored.assignedTo).toEqual({ userId: sam.aadObjectId, name: 'Sam Seller' });
  });
});

describe('reaching people who never wrote to the bot', () => {
  const team = '19:sales-team@thread.tacv2';
  const bo: TeamsUser = { tenantId: OUR_TENANT, aadObjectId: '00000000-0000-4000-8000-0000000000b0', name: 'Bo Newcomer', email: 'bo@partner.example' };
  const account = (u: TeamsUser, userRole = 'user') => ({ id: `29:${u.aadObjectId}`, name: u.name, aadObjectId: u.aadObjectId, email: u.email, tenantId: u.tenantId, userRole });
  const alertsFor = (conversationId: string) => h.connector.sent.filter((r) => r.method === 'POST' && r.conversationId === conversationId && (r.body as { summary?: string } | undefined)?.summary);

  /** Ana installs the bot in a team of four: herself, Sam, Bo (who never writes) and a guest. */
  const installInTeam = async () => {
    await h.say(ana, 'help');
    h.connector.teams.set(team, [account(ana), account(sam), account(bo), account(gus, 'guest')]);
    const joined = { ...membersAdded(ana, { conversationId: team, conversationType: 'channel' }), channelData: { tenant: { id: OUR_TENANT }, team: { id: team, name: 'Sales' } } };
    expect((await postActivity(h.app.url, joined)).status).toBe(200);
    await h.app.directory.setRoles({ tenantId: OUR_TENANT, userId: ana.aadObjectId }, { [bo.aadObjectId]: ['referrals-admin'] }, h.clock.now());
  };

  it('installed in a team, the bot registers its members (not its guests), and opens the chat of a referrals admin who never wrote', async () => {
    await installInTeam();
    const people = await h.app.directory.people(OUR_TENANT);
    expect(people.map((p) => [p.name, p.roles.join()]).sort()).toEqual([['Ana Admin', 'admin'], ['Bo Newcomer', 'referrals-admin'], ['Sam Seller', 'seller']]);

    await h.postReferral({ ...future, id: 'pc-reach-1' });
    const opened = await h.connector.waitFor((c) => c.sent.find((r) => r.method === 'POST' && r.path === '/v3/conversations'));
    expect(opened.body).toMatchObject({ isGroup: false, members: [{ id: `29:${bo.aadObjectId}` }], tenantId: OUR_TENANT });
    const bosChat = async () => (await h.app.store.list('conversation', OUR_TENANT)).find((c) => c.userId === bo.aadObjectId);
    await expect.poll(bosChat, { timeout: 5_000 }).toBeDefined();
    const chat = (await bosChat())!;
    expect(chat).toMatchObject({ kind: 'personal', channelUserId: `29:${bo.aadObjectId}` });
    await h.connector.waitFor(() => alertsFor(chat.id).length === 1);
    expect((alertsFor(chat.id)[0]!.body as { summary: string }).summary).toMatch(/^New referral from /);

    // The next alert goes to the chat already open.
    await h.postReferral({ ...future, id: 'pc-reach-2' });
    await h.connector.waitFor(() => alertsFor(chat.id).length === 2);
    expect(h.connector.sent.filter((r) => r.path === '/v3/conversations')).toHaveLength(1);
  });

  it('installed in a team before anyone wrote, the first member to use the bot becomes its admin', async () => {
    h.connector.teams.set(team, [account(ana), account(sam), account(bo)]);
    const joined = { ...membersAdded(sam, { conversationId: team, conversationType: 'channel' }), channelData: { tenant: { id: OUR_TENANT }, team: { id: team, name: 'Sales' } } };
    expect((await postActivity(h.app.url, joined)).status).toBe(200);
    expect((await h.app.directory.people(OUR_TENANT)).map((p) => [p.name, p.roles.join(), p.usedBot]).sort()).toEqual([
      ['Ana Admin', 'seller', false],
      ['Bo Newcomer', 'seller', false],
      ['Sam Seller', 'seller', false],
    ]);
    expect(cardText(await h.say(sam, 'admin'))).toContain('Administration');
    expect((await h.app.directory.person(OUR_TENANT, sam.aadObjectId))).toMatchObject({ roles: ['admin'], usedBot: true });
    expect(cardText(await h.say(ana, 'admin'))).toContain('Only an admin of your organization can open the administration card. Ask Sam Seller.');
  });

  it('a chat Teams says is gone is opened again for the next alert', async () => {
    await installInTeam();
    await h.postReferral({ ...future, id: 'pc-gone-1' });
    const bosChat = async () => (await h.app.store.list('conversation', OUR_TENANT)).find((c) => c.userId === bo.aadObjectId);
    await expect.poll(async () => (await bosChat()) !== undefined && alertsFor((await bosChat())!.id).length, { timeout: 5_000 }).toBe(1);
    const first = (await bosChat())!.id;

    h.connector.fault = (r) => (r.method === 'POST' && r.conversationId === first ? { status: 404, code: 'ConversationNotFound' } : undefined);
    await h.postReferral({ ...future, id: 'pc-gone-2' });
    await expect.poll(async () => (await bosChat())?.id ?? first, { timeout: 5_000 }).not.toBe(first);
    const second = (await bosChat())!.id;
    await h.connector.waitFor(() => alertsFor(second).length === 1);
    expect(h.connector.sent.filter((r) => r.path === '/v3/conversations')).toHaveLength(2);
  });

  it('with no admin to tell, nobody is marked as told: the next alert tries again', async () => {
    await installInTeam();
    await h.app.store.commit([{ kind: 'conversation', delete: personalConversationId(ana) }]);
    h.connector.fault = (r) => (r.method === 'POST' && r.path === '/v3/conversations' ? { status: 403, code: 'Forbidden' } : undefined);
    await h.postReferral({ ...future, id: 'pc-untold' });
    await expect.poll(() => h.log.entries.some((e) => e.msg === 'no admin could be told that a person cannot be reached'), { timeout: 5_000 }).toBe(true);
    expect((await h.app.directory.person(OUR_TENANT, bo.aadObjectId))!.unreachableReportedDateTime).toBeUndefined();
  });

  it('someone it cannot reach is reported to the admins once, not skipped in silence; reached again, they would be reported again', async () => {
    await installInTeam();
    h.connector.fault = (r) => (r.method === 'POST' && r.path === '/v3/conversations' ? { status: 403, code: 'Forbidden' } : undefined);
    const reports = () => alertsFor(personalConversationId(ana)).filter((r) => (r.body as { summary: string }).summary.startsWith('Co-sell Bot cannot reach Bo Newcomer'));

    await h.postReferral({ ...future, id: 'pc-unreached-1' });
    await h.connector.waitFor(() => reports().length === 1);
    expect(cardText(((reports()[0]!.body as { attachments: { content: Card }[] }).attachments[0]!.content))).toContain('Install Co-sell Bot in a team they belong to, or ask them to open its chat once.');
    expect((await h.app.directory.person(OUR_TENANT, bo.aadObjectId))!.unreachableReportedDateTime).toBeDefined();

    await h.postReferral({ ...future, id: 'pc-unreached-2' });
    const dropped = () => h.app.store.list('outbox', OUR_TENANT).then((all) => all.filter((m) => m.userId === bo.aadObjectId && m.status === 'dropped'));
    await expect.poll(async () => (await dropped()).length, { timeout: 5_000 }).toBe(2);
    expect(reports()).toHaveLength(1);

    // Teams lets the bot in again: Bo is reached and the mark is cleared.
    h.connector.fault = undefined;
    await h.postReferral({ ...future, id: 'pc-unreached-3' });
    await expect.poll(async () => (await h.app.directory.person(OUR_TENANT, bo.aadObjectId))!.unreachableReportedDateTime, { timeout: 5_000 }).toBeUndefined();
    expect(reports()).toHaveLength(1);
  });
});
