/**
 * X's Activity API deliveries, from the stream or a webhook, into the memory and out to subscribers: each delivery
 * taken once (`event_uuid`, kept in the store so replicas sharing it agree, and the event id), in order per user. A
 * one-to-one message goes into the memory at once and to the user's subscribers from there; a message whose payload
 * names no conversation (a group's) makes the user's loop sync once; typing and read receipts go to their subscribers
 * and are never stored; `oauth.revoke` forgets the user. A delivery for a user this deployment does not serve is
 * dropped.
 */
import type { Memory } from '../memory/memory.js';
import { rememberPushed } from '../memory/pushed.js';
import type { DmStore } from '../store/store.js';
import { type ActivityNews, readActivity } from './activity-payload.js';
import type { LiveHub } from './live.js';

export interface ActivityFeedOptions {
  readonly live: LiveHub;
  readonly memory: Memory;
  readonly store: DmStore;
  /** Whether this deployment serves `userId` (holds their Activity API subscriptions). */
  readonly serves: (userId: string) => boolean;
  /** Forgets everything of a user who revoked the app. */
  readonly forgetUser: (userId: string) => Promise<void>;
  /** Told of each delivery: what it was and what became of it. */
  readonly onNews?: (kind: ActivityNews['kind'], outcome: 'taken' | 'duplicate' | 'dropped') => void;
}

/** How long a delivery's `event_uuid` is remembered: longer than any backfill X replays. */
const SEEN_TTL_MS = 60 * 60_000;

export class ActivityFeed {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly options: ActivityFeedOptions) {}

  /** Takes one delivery (a stream line or a webhook body, parsed). Resolves once it is in memory and pushed. */
  async take(envelope: unknown): Promise<void> {
    await Promise.all(readActivity(envelope).map((news) => this.inOrder(news.userId, () => this.takeOne(news))));
  }

  private inOrder(userId: string, run: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(userId) ?? Promise.resolve()).then(run, run);
    const settled = next.catch(() => undefined);
    this.chains.set(userId, settled);
    void settled.then(() => {
      if (this.chains.get(userId) === settled) this.chains.delete(userId);
    });
    return next;
  }

  private async takeOne(news: ActivityNews): Promise<void> {
    const { live, store } = this.options;
    if (news.kind === 'revoke') {
      this.options.onNews?.('revoke', 'taken');
      return this.options.forgetUser(news.userId);
    }
    if (!this.options.serves(news.userId)) return this.options.onNews?.(news.kind, 'dropped');
    const seenKey = `activity\u0000seen\u0000${news.uuid}\u0000${news.kind === 'message' ? news.event.id : ''}`;
    const first = await store.putIdempotency(seenKey, { fingerprint: 'seen', state: 'done', at: Date.now() }, SEEN_TTL_MS, true).catch(() => true);
    if (!first) return this.options.onNews?.(news.kind, 'duplicate');
    this.options.onNews?.(news.kind, 'taken');
    switch (news.kind) {
      case 'message':
        await this.options.memory.store.update(news.userId, (memory) => void rememberPushed(memory, news.event));
        return live.pushedNews(news.userId);
      case 'unplaced':
        // Never a guessed conversation: one sync reads the message where X put it.
        return live.resync([news.userId]);
      case 'typing':
        return live.signal(news.userId, { kind: 'typing', conversationId: news.conversationId, userId: news.senderId, at: news.at });
      case 'read':
        return live.signal(news.userId, {
          kind: 'read',
          conversationId: news.conversationId,
          userId: news.readerId,
          ...(news.lastReadEventId !== undefined && { lastReadEventId: news.lastReadEventId }),
          at: news.at,
        });
    }
  }
}
