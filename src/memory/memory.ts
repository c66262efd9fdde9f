/**
 * The memory at work, and the one entry point to it: `Memory`, one per gateway (its store, how fresh a list must be,
 * one sync per user at a time), and `RequestMemory`, one request's view of its caller's memory. The work itself lives
 * by job: `identity.ts` (which user a token is), `sync.ts` and `sync-lease.ts` (the walk of the feed), `pages.ts`,
 * `inbox.ts`, `events.ts` (single events, sends and deletes), `known-objects.ts` (users and posts answers carried),
 * all through `reads.ts` (how a DM read of X is asked, counted and kept) and `request-state.ts` (what a request's
 * reads share). Resolvers reach it only through the request's `DmReader` (`dm-reader.ts`): a `MemoryReader` over it
 * when the request has one. `docs/memory.md` is the design; `src/memory-model.ts` the data.
 */
import type { Loaders } from '../loaders/loaders.js';
import type { RateLimitBook } from '../upstream/rate-limit-book.js';
import type { XSession } from '../upstream/session.js';
import type { XParams } from '../x/params.js';
import type { DmEvent, Problem, UserAnswer } from '../x/wire.js';
import type { DmStore } from '../store/store.js';
import { deleted, eventById, news, sent } from './events.js';
import { knownSelf, rememberSelf, userIdOf } from './identity.js';
import { type Inbox, inbox } from './inbox.js';
import { rememberLookup, useKnownObjects, useKnownObjectsIfIdentified } from './known-objects.js';
import { OBJECT_TTL_MS } from './objects.js';
import { type MemoryPage, type MemoryPageRequest, knownConversationEvents, page } from './pages.js';
import { RequestState, type SharedMemory } from './request-state.js';
import { type SyncLease, leasedWalk } from './sync-lease.js';
import { syncNow } from './sync.js';

export type { Inbox } from './inbox.js';
export type { MemoryPage, MemoryPageRequest } from './pages.js';

export interface MemoryOptions {
  readonly store: DmStore;
  /** How old the head of a list may be before X is asked again. @default 30000 */
  readonly freshnessMs?: number;
  /** How long a token stays tied to the user X named for it. @default 300000 */
  readonly identityTtlMs?: number;
  /**
   * How long a user or a post X returned (a lookup, or a DM answer's `includes`) is served from memory before it is
   * looked up again; ids X answered as missing are kept as missing as long. @default 900000 (15 minutes)
   */
  readonly objectTtlMs?: number;
  /** What X said of each token's budgets: a low DM budget stretches freshness. */
  readonly budgets?: RateLimitBook;
  /** Told of every sync and of the events read from X. */
  readonly onSync?: (outcome: 'ok' | 'failed') => void;
  /**
   * One replica syncs a user at a time (replicas sharing a store): `take` is true when this replica may walk now;
   * `release` gives the lease up. @default no lease: this process's own single flight is enough
   */
  readonly syncLease?: SyncLease;
  readonly now?: () => number;
}

/** The memory of one gateway: shared by its requests, one sync per user at a time. */
export class Memory implements SharedMemory {
  readonly store: DmStore;
  readonly freshnessMs: number;
  readonly identityTtlMs: number;
  readonly objectTtlMs: number;
  private readonly budgets: RateLimitBook | undefined;
  private readonly syncs = new Map<string, Promise<void>>();
  readonly now: () => number;

  constructor(private readonly options: MemoryOptions) {
    this.store = options.store;
    this.freshnessMs = options.freshnessMs ?? 30_000;
    this.identityTtlMs = options.identityTtlMs ?? 300_000;
    this.objectTtlMs = options.objectTtlMs ?? OBJECT_TTL_MS;
    this.budgets = options.budgets;
    this.now = options.now ?? Date.now;
  }

  /** Whether the store keeps what memory reads and writes now (a shared store can be down). */
  available(): boolean {
    return this.store.available?.() ?? true;
  }

  /** How often the store has gone down (`DmStore.outages`). */
  outages(): number {
    return this.store.outages?.() ?? 0;
  }

  /** The memory as one request of `x`'s caller sees it. */
  forRequest(x: XSession, loaders: Loaders): RequestMemory {
    return new RequestMemory(this, x, loaders);
  }

  /**
   * How old a head may be before the next sync: `FRESHNESS_MS`, stretched to the budget's fair share per call
   * (`msUntilReset / remaining`) when that is longer, and to the reset itself when no call is left.
   */
  effectiveFreshness(tokenHash: string): number {
    const budget = this.budgets?.get(tokenHash, 'dm-read');
    if (!budget) return this.freshnessMs;
    const untilReset = budget.resetAt.getTime() - this.now();
    if (budget.remaining <= 0) return Math.max(this.freshnessMs, untilReset);
    return Math.max(this.freshnessMs, untilReset / budget.remaining);
  }

  /** The X user id the token (by its hash) is tied to in the store, if any; never a call, and undefined on failure. */
  async knownUserId(tokenHash: string): Promise<string | undefined> {
    if (!this.available()) return undefined;
    return this.store.identity(tokenHash).catch(() => undefined);
  }

  /** Runs `walk` as the user's one sync in flight, or joins the one already running. */
  shareSync(userId: string, walk: () => Promise<void>): Promise<void> {
    let sync = this.syncs.get(userId);
    if (!sync) {
      sync = leasedWalk(this.options.syncLease, this.store, userId, walk).then(
        () => this.options.onSync?.('ok'),
        (error: unknown) => {
          this.options.onSync?.('failed');
          throw error;
        },
      );
      const forget = () => {
        if (this.syncs.get(userId) === sync) this.syncs.delete(userId);
      };
      sync.then(forget, forget);
      this.syncs.set(userId, sync);
    }
    return sync;
  }
}

/** One request's view of its caller's memory. */
export class RequestMemory {
  private readonly state: RequestState;

  constructor(memory: Memory, x: XSession, loaders: Loaders) {
    this.state = new RequestState(memory, x, loaders);
    loaders.keepLookups((kind, params, answer) => rememberLookup(this.state, kind, params, answer));
  }

  /** When the data served was last synced with X, and whether that is older than `FRESHNESS_MS`. */
  get freshness(): { syncedAt: number; stale: boolean } | undefined {
    return this.state.freshness;
  }

  /** DM events this request read from X (what X bills). */
  get eventsRead(): number {
    return this.state.eventsRead;
  }

  /** The DM lookups this request made. */
  get dmCalls(): number {
    return this.state.dmCalls;
  }

  /** The caller's X user id, as X named it for this token (remembered for `identityTtlMs`). */
  userId(): Promise<string> {
    return userIdOf(this.state);
  }

  /** The caller's X user id when it is known without a call (asked by this request, or tied to the token in the store). */
  knownUserId(): Promise<string | undefined> {
    if (!this.state.memory.available()) return Promise.resolve(undefined);
    return this.state.knownUserId().catch(() => undefined);
  }

  /** The caller's own user (`viewer`) as memory knows it with every one of `fields`, freshly; undefined otherwise. */
  knownSelf(fields: readonly string[]): Promise<Record<string, unknown> | undefined> {
    return knownSelf(this.state, fields);
  }

  /** Keeps what `GET /2/users/me` answered (asked with `params`) as the caller's own user. */
  rememberSelf(params: XParams, answer: UserAnswer): Promise<void> {
    return rememberSelf(this.state, params, answer);
  }

  /** A page of a list, from memory where it can, from X for what it lacks. */
  page(request: MemoryPageRequest): Promise<MemoryPage> {
    return page(this.state, request);
  }

  /** One event by id: from memory when known, else from X, remembered. Without `event`, X has none. */
  event(eventId: string, params: XParams): Promise<{ event?: DmEvent; problem?: Problem }> {
    return eventById(this.state, eventId, params);
  }

  /** The conversations of the feed, newest activity first, with their newest event (`inbox.ts`). */
  inbox(first: number, afterEventId: string | undefined, params: XParams): Promise<Inbox> {
    return inbox(this.state, first, afterEventId, params);
  }

  /** The events memory knows of a conversation, newest first (for its `lastEvent` and `participants`). */
  async conversationEvents(conversationId: string, path: string, params: XParams): Promise<readonly DmEvent[]> {
    // A page of one brings the conversation's head up to date (and reads it when memory holds none of it).
    await this.page({ list: { kind: 'conversation', conversationId, path }, backward: false, size: 1, params });
    return knownConversationEvents(this.state, conversationId);
  }

  /** A sync of the caller's feed now, whatever its freshness (the live loop's tick); one at a time per user. */
  syncNow(): Promise<void> {
    return syncNow(this.state);
  }

  /** The feed's events newer than `afterId` (or its newest `limit`), newest first, and the feed's head. */
  news(afterId: string | undefined, limit: number): Promise<{ events: DmEvent[]; head: string | undefined }> {
    return news(this.state, afterId, limit);
  }

  /** Lets the request's loaders answer from the objects memory knows (a subscription's events, resolved later). */
  useKnownObjects(): Promise<void> {
    return useKnownObjects(this.state);
  }

  /** The same, only when the token's user is known without a call to X. Whether it was. */
  useKnownObjectsIfIdentified(): Promise<boolean> {
    return useKnownObjectsIfIdentified(this.state);
  }

  /** A message the caller just sent: in memory at once, on top of its conversation and the feed. */
  sent(event: DmEvent): Promise<void> {
    return sent(this.state, event);
  }

  /** An event the caller just deleted: gone from memory at once. */
  deleted(eventId: string): Promise<void> {
    return deleted(this.state, eventId);
  }
}
