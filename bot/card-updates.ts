// Replaces a card message for everyone after the clicker already has their answer: the invoke is
// answered at once, and the update follows through the Bot Connector. Updates of one message are
// sent in the order they were made, so an older card never overwrites a newer one.
import { CardFactory, MessageFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Card } from '../cards/render.js';
import type { Logger } from './log.js';

export class CardUpdates {
  /** The last update queued per message; a new one waits for it. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly log: Logger,
  ) {}

  schedule(reference: Partial<ConversationReference>, messageId: string, card: Card): void {
    const key = `${reference.conversation?.id ?? ''}|${messageId}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    // After the current turn has answered: setting up the connector call must not delay the clicker's answer.
    const next = previous.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.send(reference, messageId, card));
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  /** Waits for every update queued so far (on shutdown, and in tests). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private async send(reference: Partial<ConversationReference>, messageId: string, card: Card): Promise<void> {
    try {
      await this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
        await context.updateActivity({ ...MessageFactory.attachment(CardFactory.adaptiveCard(card)), id: messageId });
      });
    } catch (e) {
      // The clicker has the new card already; the others get theirs by refresh when they next look.
      this.log.warn('could not update the card message for everyone', { messageId, error: (e as Error).message });
    }
  }
}
