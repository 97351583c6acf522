// The registry of places the bot can post to: written when the bot is installed or spoken
// to, removed when it is uninstalled or the channel says the conversation is gone.
import type { Clock } from './clock.js';
import type { ConversationRef } from './model.js';
import type { Store } from './store.js';

export type ConversationInput = Omit<ConversationRef, 'updatedDateTime'>;

export class ConversationRegistry {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Records or refreshes a conversation; writes only when something changed. */
  async remember(input: ConversationInput): Promise<void> {
    const known = await this.store.get('conversation', input.id);
    const same = known && (Object.keys(input) as (keyof ConversationInput)[]).every((k) => known[k] === input[k]);
    if (same) return;
    await this.store.commit([{ kind: 'conversation', put: { ...input, updatedDateTime: this.clock.now().toISOString() } }]);
  }

  get(conversationId: string): Promise<ConversationRef | undefined> {
    return this.store.get('conversation', conversationId);
  }

  async forget(conversationId: string): Promise<boolean> {
    if (!(await this.store.get('conversation', conversationId))) return false;
    await this.store.commit([{ kind: 'conversation', delete: conversationId }]);
    return true;
  }

  /** A deleted team takes all its channels with it. */
  async forgetTeam(orgId: string, teamId: string): Promise<number> {
    const gone = (await this.store.list('conversation', orgId)).filter((c) => c.teamId === teamId);
    if (gone.length > 0) await this.store.commit(gone.map((c) => ({ kind: 'conversation' as const, delete: c.id })));
    return gone.length;
  }
}
