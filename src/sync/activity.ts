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
import type { IdempotencyStore } from '../store/store.js';
import { type ActivityNews, readActivity } from './activity-payload.js';
import type { LiveHub, LiveSignal } from './live.js';

export interface ActivityFeedOptions {
  readonly live: LiveHub;
  readonly memory: Memory;
  /** Where the records of what was taken are kept (records under a key, with expiry). */
  readonly store: IdempotencyStore;
  /** Whether this deployment serves `userId` (holds their Activity API subscriptions, on any replica). */
  readonly serves: (userId: string) => Promise<boolean>;
  /**
   * Tells every replica's subscribers of news taken (replicas sharing a store hear it through the store's
   * publish/subscribe); resolves once this replica's subscribers have it. @default this replica only
   */
  readonly announce?: (notice: ActivityNotice) => Promise<void>;
  /** Forgets everything of a user who revoked the app. */
  readonly forgetUser: (userId: string) => Promise<void>;
  /** Told of each delivery: what it was and what became of it. */
  readonly onNews?: (kind: ActivityNews['kind'], outcome: 'taken' | 'duplicate' | 'dropped') => void;
}

/** What one replica tells the others of news it took: whose, and what (typing and receipts whole: never stored). */
export type ActivityNotice =
  { kind: 'message' | 'unplaced' | 'revoke'; userId: string } | { kind: 'signal'; userId: string; signal: LiveSignal };

/** A replica's subscribers get news another replica (or this one) took. */
export async function applyNotice(live: LiveHub, notice: ActivityNotice): Promise<void> {
  switch (notice.kind) {
    case 'message':
      return live.pushedNews(notice.userId);
    case 'unplaced':
      return live.resync([notice.userId]);
    case 'revoke':
      return void live.end(notice.userId);
    case 'signal':
      return live.signal(notice.userId, notice.signal);
  }
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

  private announce(notice: ActivityNotice): Promise<void> {
    return this.options.announce ? this.options.announce(notice) : applyNotice(this.options.live, notice);
  }

  private async takeOne(news: ActivityNews): Promise<void> {
    const { store } = this.options;
    if (news.kind === 'revoke') {
      this.options.onNews?.('revoke', 'taken');
      await this.options.forgetUser(news.userId);
      return this.announce({ kind: 'revoke', userId: news.userId });
    }
    if (!(await this.options.serves(news.userId))) return this.options.onNews?.(news.kind, 'dropped');
    const seenKey = `activity\u0000seen\u0000${news.uuid}\u0000${news.kind === 'message' ? news.event.id : ''}`;
    const first = await store
      .putIdempotency(seenKey, { fingerprint: 'seen', state: 'done', at: Date.now() }, SEEN_TTL_MS, true)
      .catch(() => true);
    if (!first) return this.options.onNews?.(news.kind, 'duplicate');
    this.options.onNews?.(news.kind, 'taken');
    switch (news.kind) {
      case 'message':
        await this.options.memory.store.update(news.userId, (memory) => void rememberPushed(memory, news.event));
        return this.announce({ kind: 'message', userId: news.userId });
      case 'unplaced':
        // Never a guessed conversation: one sync reads the message where X put it.
        return this.announce({ kind: 'unplaced', userId: news.userId });
      case 'typing':
        return this.announce({
          kind: 'signal',
          userId: news.userId,
          signal: { kind: 'typing', conversationId: news.conversationId, userId: news.senderId, at: news.at },
        });
      case 'read':
        return this.announce({
          kind: 'signal',
          userId: news.userId,
          signal: {
            kind: 'read',
            conversationId: news.conversationId,
            userId: news.readerId,
            ...(news.lastReadEventId !== undefined && { lastReadEventId: news.lastReadEventId }),
            at: news.at,
          },
        });
    }
  }
}
