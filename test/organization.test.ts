// A real organization adopts the bot: only its members get in, and alerts reach the chats they
// belong in (a channel, never one thread of it; never a chat the bot is no member of).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ana, cardText, OUR_TENANT, startHarness, type Harness } from './helpers/bot-harness.js';
import { fixture } from './helpers/fixtures.js';
import { invokeAction, message, personalConversationId, postActivity, type TeamsUser } from './helpers/teams.js';

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


