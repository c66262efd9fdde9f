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
import { compareIds } from '../memory/user-memory.js';
import { RateLimitBook } from '../upstream/rate-limit-book.js';
import type { DmEvent, DmEventType } from '../x/wire.js';

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
  /** Told of every tick: whether it synced, for tests and metrics. */
  readonly onTick?: (userId: string, outcome: 'ok' | 'failed') => void;
}

export interface SubscriptionFilter {
  readonly conversationId?: string;
  readonly eventTypes?: ReadonlySet<DmEventType>;
}

interface Subscriber {
  readonly authorization: string;
  readonly tokenHash: string;
  /** Events created before this (ms, to X's second) are not news to this subscriber. */
  readonly since: number;
  readonly filter: SubscriptionFilter;
  push(event: DmEvent): void;
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
        this.failures = 0;
        this.hub.options.onTick?.(this.userId, 'ok');
        await this.deliver(memory);
        this.schedule(this.hub.interval(subscriber.tokenHash));
      } catch (error) {
        this.failures += 1;
        this.hub.options.onTick?.(this.userId, 'failed');
        if (error instanceof UnauthenticatedError) {
          // X no longer takes this token: its subscriptions end; others of the user go on.
          for (const s of this.subscribers) if (s.tokenHash === subscriber.tokenHash) s.end();
        }
        const resetIn = error instanceof RateLimitedError && error.resetAt ? error.resetAt.getTime() - this.hub.now() : 0;
        this.schedule(Math.max(resetIn, this.hub.backoff(this.failures)));
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
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
      for (const subscriber of this.subscribers) if (concerns(subscriber, event)) subscriber.push(event);
    }
    if (head !== undefined && (this.delivered === undefined || compareIds(head, this.delivered) > 0)) this.delivered = head;
    for (const id of this.early) if (this.delivered !== undefined && compareIds(id, this.delivered) <= 0) this.early.delete(id);
  }
}

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
    for (const loop of this.loops.values()) for (const subscriber of loop.subscribers) if (subscriber.tokenHash === tokenHash) count += 1;
    return count;
  }

  /** How many loops run: one per user with a subscriber. */
  get running(): number {
    return this.loops.size;
  }

  /**
   * The events that reach the caller of `memory` from now on, as an async iterator that ends when the client leaves,
   * when the hub closes (SIGTERM), or when X stops taking the token.
   */
  async subscribe(memory: RequestMemory, authorization: string, tokenHash: string, filter: SubscriptionFilter): Promise<AsyncIterableIterator<DmEvent>> {
    if (this.closed) throw new RateLimitedError('The gateway is shutting down: subscribe again in a moment.');
    const maxPerToken = this.options.maxPerToken ?? 10;
    const maxTotal = this.options.maxTotal ?? 10_000;
    const mine = this.perToken.get(tokenHash) ?? 0;
    if (mine >= maxPerToken) throw new RateLimitedError(`A token may hold ${maxPerToken} subscriptions at once; close one first.`);
    if (this.total >= maxTotal) throw new RateLimitedError('The gateway holds as many subscriptions as it can; try again later.');
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
    const queue = new EventQueue(() => {
      release();
      userLoop.remove(subscriber);
    });
    const subscriber: Subscriber = { authorization, tokenHash, since, filter, push: (e) => queue.push(e), end: () => queue.end() };
    userLoop.add(subscriber);
    return queue;
  }

  /** Tells a user's subscribers what memory now knows without asking X (a message sent through the gateway). */
  async notify(memory: RequestMemory): Promise<void> {
    const loop = this.loops.get(await memory.userId());
    await loop?.deliver(memory);
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
class EventQueue implements AsyncIterableIterator<DmEvent> {
  private readonly items: DmEvent[] = [];
  private waiting: ((result: IteratorResult<DmEvent>) => void) | undefined;
  private done = false;

  constructor(private readonly onEnd: () => void) {}

  push(event: DmEvent): void {
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

  next(): Promise<IteratorResult<DmEvent>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<DmEvent>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DmEvent> {
    return this;
  }
}
