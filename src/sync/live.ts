/**
 * Live news for `dmEventAdded`: one sync loop per user, shared by all of that user's subscribers (every browser tab),
 * built on the memory's sync, so news is read once and pushed to each.
 *
 * - A loop runs only while its user has a subscriber, and stops within `stopAfterMs` of the last one leaving.
 * - Its pace: every `FRESHNESS_MS` at most, and never faster than the budget allows: it spends at most half of the
 *   calls the token has left before X's reset, spread evenly (`2 * msUntilReset / remaining`), so the user's own
 *   screens keep the other half; with 2 calls or fewer left it waits for the reset.
 * - When X fails or the token is rate limited, it backs off (doubling, up to a minute) and keeps every subscription
 *   open; the next successful sync walks back to the last known event, so every event in between is delivered, once.
 * - Events are delivered in order (oldest first), each once, only those created after the subscription started, and
 *   only to that user's subscribers. A message sent through the gateway reaches the user's other subscribers at once.
 */
import { RateLimitedError, UnauthenticatedError } from '../errors.js';
import type { Memory, RequestMemory } from '../memory/memory.js';
import { unlessMemoryUnavailable } from '../memory/request-state.js';
import { RateLimitBook } from '../upstream/rate-limit-book.js';
import { type DmEvent, type DmEventType, compareIds } from '../x/wire.js';

export interface LiveOptions {
  readonly memory: Memory;
  /** The memory as a loop tick sees it, calling X with `authorization` (a session of the loop's own, not a request's). */
  readonly openMemory: (authorization: string) => RequestMemory;
  readonly budgets?: RateLimitBook;
  /** Most subscriptions of one token at once. @default 10 */
  readonly maxPerToken?: number;
  /** Most subscriptions at once, every user together. @default 10_000 */
  readonly maxTotal?: number;
  /** How soon a loop stops after its last subscriber left. @default 2000 */
  readonly stopAfterMs?: number;
  /** The longest wait after failures. @default 60000 */
  readonly maxBackoffMs?: number;
  readonly now?: () => number;
  /**
   * Whether this replica may check X for `userId` now (replicas sharing a store hold a lease per user: one loop calls
   * X, the others deliver what it wrote into the shared memory). @default always
   */
  readonly lease?: (userId: string) => Promise<boolean>;
  /**
   * Whether X pushes this user's news (X's Activity API), asked when a subscription starts with its credentials and
   * what it receives: true when the user's Activity API subscriptions are in place, so the loop syncs once and then
   * waits for pushes instead of polling. @default never: polling
   */
  readonly push?: (userId: string, authorization: string, kinds: ReadonlySet<LiveKind>) => Promise<boolean>;
  /** Told when a user's last subscriber has left (the user goes idle). */
  readonly onIdle?: (userId: string) => void;
  /** Told of every tick: whether it synced, for tests and metrics. */
  readonly onTick?: (userId: string, outcome: 'ok' | 'failed') => void;
}

export interface SubscriptionFilter {
  readonly conversationId?: string;
  readonly eventTypes?: ReadonlySet<DmEventType>;
}

/** A typing or read-receipt signal, as `dmTyping` / `dmReadReceipt` deliver it. */
export interface LiveSignal {
  readonly kind: 'typing' | 'read';
  readonly conversationId: string;
  /** Who types, or who read. */
  readonly userId: string;
  readonly lastReadEventId?: string;
  /** When X says it happened (ms). */
  readonly at: number;
}

/** What a subscription receives: DM events (`dmEventAdded`), or typing or read receipts. */
export type LiveKind = 'events' | 'typing' | 'read';

interface Subscriber {
  readonly kind: LiveKind;
  readonly authorization: string;
  readonly tokenHash: string;
  /** Events created before this (ms, to X's second) are not news to this subscriber. */
  readonly since: number;
  readonly filter: SubscriptionFilter;
  push(item: DmEvent | LiveSignal): void;
  end(): void;
}

/** The most events one delivery looks at: news between two checks, far more than a person receives. */
const MAX_NEWS = 100;

/** The longest `setTimeout` delay; a wait for a reset beyond it is cut there and checked again. */
const MAX_TIMER_MS = 2_147_483_647;

class UserLoop {
  readonly subscribers = new Set<Subscriber>();
  /** The newest event id delivered (or known when the loop started): what is above it is news. */
  private delivered: string | undefined;
  /** Events delivered before a sync read them back (sends), above `delivered`. */
  private readonly early = new Set<string>();
  /** The delivery in flight: deliveries of one loop run one after another. */
  private delivering: Promise<void> = Promise.resolve();
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private ticking: Promise<void> | undefined;
  /** X pushes this user's news: after the first sync the loop waits for pushes instead of checking X. */
  pushed = false;
  private synced = false;
  stopped = false;

  constructor(
    private readonly hub: LiveHub,
    readonly userId: string,
  ) {}

  add(subscriber: Subscriber): void {
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    this.subscribers.add(subscriber);
    if (!this.started) {
      this.started = true;
      this.schedule(0);
    }
  }

  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.hub.options.onIdle?.(this.userId);
    if (this.subscribers.size === 0 && !this.stopTimer) {
      this.stopTimer = setTimeout(() => this.stop(), this.hub.stopAfterMs);
      this.stopTimer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.stopTimer);
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
    this.hub.forget(this);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.min(MAX_TIMER_MS, Math.max(0, delayMs)));
    this.timer.unref();
  }

  /** One sync with X, with the credentials of the newest subscriber, then delivery of what is new. */
  async tick(): Promise<void> {
    if (this.stopped || this.ticking) return this.ticking;
    const subscriber = [...this.subscribers].at(-1);
    if (!subscriber) return undefined;
    this.ticking = (async () => {
      const memory = this.hub.options.openMemory(subscriber.authorization);
      try {
        // Without the lease another replica checks X for this user: what it finds is in the shared memory.
        const mine = this.hub.options.lease ? await this.hub.options.lease(this.userId) : true;
        if (mine) await memory.syncNow();
        this.synced = true;
        this.failures = 0;
        this.hub.options.onTick?.(this.userId, 'ok');
        await this.deliver(memory);
        // Pushed news needs no polling: the next sync is one a gap in the pushes asks for (`resync`).
        if (!this.pushed) this.schedule(this.hub.interval(subscriber.tokenHash));
      } catch (error) {
        this.failures += 1;
        this.hub.options.onTick?.(this.userId, 'failed');
        if (error instanceof UnauthenticatedError) {
          // X no longer takes this token: its subscriptions end; others of the user go on.
          for (const s of this.subscribers) if (s.tokenHash === subscriber.tokenHash) s.end();
        }
        const resetIn =
          error instanceof RateLimitedError && error.resetAt ? error.resetAt.getTime() - this.hub.now() : 0;
        this.schedule(Math.max(resetIn, this.hub.backoff(this.failures)));
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Pushes are in place (or not any more): polling stops, or starts again. */
  setPushed(pushed: boolean): void {
    if (this.pushed === pushed) return;
    this.pushed = pushed;
    // Once synced, a pushed user's next check waits for a gap in the pushes; an unpushed one polls from now on.
    if (pushed && this.synced && this.failures === 0) clearTimeout(this.timer);
    if (!pushed && this.synced && !this.ticking) this.schedule(0);
  }

  /** The memory as the newest subscriber's credentials see it (for deliveries that call no X). */
  newestMemory(): RequestMemory | undefined {
    const subscriber = [...this.subscribers].at(-1);
    return subscriber && this.hub.options.openMemory(subscriber.authorization);
  }

  /**
   * Pushes what is new since the last delivery, oldest first, to every subscriber it concerns. One delivery at a time
   * per loop, each from one read of the memory. `delivered` moves only up to X's head (what a sync confirmed); a
   * message the user sent that no sync has read back yet is pushed at once and remembered apart (`early`), so that an
   * older message a later sync finds below it is still pushed, and none twice. Subscribers filter out what was
   * created before they subscribed.
   */
  deliver(memory: RequestMemory): Promise<void> {
    const run = this.delivering.then(() => this.deliverNow(memory));
    this.delivering = run.catch(() => undefined);
    return run;
  }

  private async deliverNow(memory: RequestMemory): Promise<void> {
    const { events, head } = await memory.news(this.delivered, MAX_NEWS);
    for (const event of [...events].reverse()) {
      if (this.early.has(event.id)) continue;
      const confirmed = head !== undefined && compareIds(event.id, head) <= 0;
      if (!confirmed) this.early.add(event.id);
      for (const subscriber of this.subscribers)
        if (subscriber.kind === 'events' && concerns(subscriber, event)) subscriber.push(event);
    }
    if (head !== undefined && (this.delivered === undefined || compareIds(head, this.delivered) > 0))
      this.delivered = head;
    for (const id of this.early)
      if (this.delivered !== undefined && compareIds(id, this.delivered) <= 0) this.early.delete(id);
  }
}

/** Typing is coalesced: one signal per conversation and person in this time at most. */
const TYPING_COALESCE_MS = 2_000;

function concerns(subscriber: Subscriber, event: DmEvent): boolean {
  const { conversationId, eventTypes } = subscriber.filter;
  if (conversationId !== undefined && event.dm_conversation_id !== conversationId) return false;
  if (eventTypes && !eventTypes.has(event.event_type as DmEventType)) return false;
  const createdAt = event.created_at === undefined ? Number.POSITIVE_INFINITY : Date.parse(event.created_at);
  return createdAt >= subscriber.since;
}

/** The live news of every user with a subscriber: one loop each. */
export class LiveHub {
  private readonly loops = new Map<string, UserLoop>();
  private readonly perToken = new Map<string, number>();
  /** When a typing signal of a conversation and person was last delivered, per user. */
  private readonly typingSeen = new Map<string, number>();
  private total = 0;
  private closed = false;
  readonly stopAfterMs: number;
  readonly now: () => number;

  constructor(readonly options: LiveOptions) {
    this.stopAfterMs = options.stopAfterMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /** How many subscriptions of `authorization` (`Bearer ...`) receive news on this replica. */
  subscriptions(authorization: string): number {
    const tokenHash = RateLimitBook.keyOf(authorization);
    let count = 0;
    for (const loop of this.loops.values())
      for (const subscriber of loop.subscribers) if (subscriber.tokenHash === tokenHash) count += 1;
    return count;
  }

  /** How many loops run: one per user with a subscriber. */
  get running(): number {
    return this.loops.size;
  }

  /** How many subscriptions of `userId` this replica holds now (0 when it runs no loop for them). */
  subscribersOf(userId: string): number {
    return this.loops.get(userId)?.subscribers.size ?? 0;
  }

  /** Whether this replica runs a loop for `userId` (it does from their first subscription until it stops). */
  runs(userId: string): boolean {
    return this.loops.has(userId);
  }

  /**
   * The events that reach the caller of `memory` from now on, as an async iterator that ends when the client leaves,
   * when the hub closes (SIGTERM), or when X stops taking the token.
   */
  async subscribe(
    memory: RequestMemory,
    authorization: string,
    tokenHash: string,
    filter: SubscriptionFilter,
  ): Promise<AsyncIterableIterator<DmEvent>> {
    return this.open<DmEvent>('events', memory, authorization, tokenHash, filter);
  }

  /**
   * Typing (`typing`) or read receipts (`read`) that reach the caller of `memory` from now on, in one conversation
   * or all: pushed by X's Activity API only (X has no endpoint to poll them). Never stored.
   */
  async subscribeSignals(
    kind: 'typing' | 'read',
    memory: RequestMemory,
    authorization: string,
    tokenHash: string,
    conversationId: string | undefined,
  ): Promise<AsyncIterableIterator<LiveSignal>> {
    return this.open<LiveSignal>(
      kind,
      memory,
      authorization,
      tokenHash,
      conversationId === undefined ? {} : { conversationId },
    );
  }

  private async open<T>(
    kind: LiveKind,
    memory: RequestMemory,
    authorization: string,
    tokenHash: string,
    filter: SubscriptionFilter,
  ): Promise<AsyncIterableIterator<T>> {
    if (this.closed) throw new RateLimitedError('The gateway is shutting down: subscribe again in a moment.');
    const maxPerToken = this.options.maxPerToken ?? 10;
    const maxTotal = this.options.maxTotal ?? 10_000;
    const mine = this.perToken.get(tokenHash) ?? 0;
    if (mine >= maxPerToken)
      throw new RateLimitedError(`A token may hold ${maxPerToken} subscriptions at once; close one first.`);
    if (this.total >= maxTotal)
      throw new RateLimitedError('The gateway holds as many subscriptions as it can; try again later.');
    // The slot is taken before anything is awaited: subscribes that arrive together cannot all see the same free one.
    this.total += 1;
    this.perToken.set(tokenHash, mine + 1);
    const release = () => {
      this.total -= 1;
      const left = (this.perToken.get(tokenHash) ?? 1) - 1;
      if (left > 0) this.perToken.set(tokenHash, left);
      else this.perToken.delete(tokenHash);
    };
    let userId: string;
    try {
      userId = await memory.userId();
    } catch (error) {
      release();
      throw error;
    }
    // X's timestamps have whole seconds: an event of this very second may be news.
    const since = Math.floor(this.now() / 1000) * 1000;
    let loop = this.loops.get(userId);
    if (!loop) this.loops.set(userId, (loop = new UserLoop(this, userId)));
    const userLoop = loop;
    const queue = new EventQueue<T>(() => {
      release();
      userLoop.remove(subscriber);
    });
    const subscriber: Subscriber = {
      kind,
      authorization,
      tokenHash,
      since,
      filter,
      push: (e) => queue.push(e as T),
      end: () => queue.end(),
    };
    userLoop.add(subscriber);
    if (this.options.push) {
      const kinds = new Set<LiveKind>([...userLoop.subscribers].map((s) => s.kind));
      // Until X confirms the pushes, the loop polls; a refusal (any 4xx) leaves it polling.
      const pushed = await this.options.push(userId, authorization, kinds).catch(() => false);
      if (!userLoop.stopped) userLoop.setPushed(pushed);
    }
    return queue;
  }

  /** X pushed news of `userId` into the memory: that user's subscribers get it now, from memory. */
  async pushedNews(userId: string): Promise<void> {
    const loop = this.loops.get(userId);
    const memory = loop?.newestMemory();
    if (loop && memory) await loop.deliver(memory);
  }

  /** X pushed a typing or read signal for `userId`: to that user's subscribers of its kind (typing coalesced). */
  signal(userId: string, signal: LiveSignal): void {
    const loop = this.loops.get(userId);
    if (!loop) return;
    if (signal.kind === 'typing') {
      const key = `${userId}|${signal.conversationId}|${signal.userId}`;
      const last = this.typingSeen.get(key);
      if (last !== undefined && this.now() - last < TYPING_COALESCE_MS) return;
      this.typingSeen.set(key, this.now());
      if (this.typingSeen.size > 10_000) this.typingSeen.delete(this.typingSeen.keys().next().value!);
    }
    for (const subscriber of loop.subscribers) {
      if (subscriber.kind !== signal.kind) continue;
      if (subscriber.filter.conversationId !== undefined && subscriber.filter.conversationId !== signal.conversationId)
        continue;
      subscriber.push(signal);
    }
  }

  /** X's pushes had a gap too long to replay (or named no conversation): these users' loops sync once now. */
  async resync(userIds?: Iterable<string>): Promise<void> {
    const ticks = [...(userIds ?? this.loops.keys())].map((userId) => this.loops.get(userId)?.tick());
    await Promise.all(ticks);
  }

  /** Pushes for `userId` stopped (X refused or dropped the subscriptions): its loop polls again. */
  unpush(userId: string): void {
    this.loops.get(userId)?.setPushed(false);
  }

  /** The users with a subscriber on this replica. */
  users(): string[] {
    return [...this.loops.keys()];
  }

  /** Whether `userId` has a subscriber on this replica. */
  serves(userId: string): boolean {
    return this.loops.has(userId);
  }

  /** Ends every subscription of `userId` at once (the user revoked the app); the hashes of the tokens they used. */
  end(userId: string): string[] {
    const loop = this.loops.get(userId);
    const tokenHashes = new Set([...(loop?.subscribers ?? [])].map((subscriber) => subscriber.tokenHash));
    loop?.stop();
    return [...tokenHashes];
  }

  /** Tells a user's subscribers what memory now knows without asking X (a message sent through the gateway). */
  async notify(memory: RequestMemory): Promise<void> {
    const loop = this.loops.get(await memory.userId());
    // A store that went down has nothing to deliver from: the loop's next tick delivers it.
    await loop?.deliver(memory).catch(unlessMemoryUnavailable);
  }

  /** Ends every subscription and loop (SIGTERM): streams close cleanly. */
  close(): void {
    this.closed = true;
    for (const loop of [...this.loops.values()]) loop.stop();
  }

  forget(loop: UserLoop): void {
    if (this.loops.get(loop.userId) === loop) this.loops.delete(loop.userId);
  }

  /** The pause between two ticks for a token: `FRESHNESS_MS`, or half the calls left spread to the reset. */
  interval(tokenHash: string): number {
    const freshnessMs = this.options.memory.freshnessMs;
    const budget = this.options.budgets?.get(tokenHash, 'dm-read', this.now());
    if (!budget) return freshnessMs;
    const untilReset = budget.resetAt.getTime() - this.now();
    if (budget.remaining <= 2) return Math.max(freshnessMs, untilReset);
    return Math.max(freshnessMs, (2 * untilReset) / budget.remaining);
  }

  backoff(failures: number): number {
    const maxMs = this.options.maxBackoffMs ?? 60_000;
    return Math.min(maxMs, this.options.memory.freshnessMs * 2 ** Math.min(failures, 16));
  }
}

/** A subscriber's events, as the async iterator GraphQL subscriptions read; `return()` (the client leaving) ends it. */
class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private done = false;

  constructor(private readonly onEnd: () => void) {}

  push(event: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
    } else this.items.push(event);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
