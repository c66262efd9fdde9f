/**
 * The memory at work: who the caller is, syncing their feed, and serving pages, events and the inbox from what is
 * known, calling X only for what is missing. `docs/memory.md` is the design; `user-memory.ts` the data.
 */
import {
  CostLimitExceededError,
  ForbiddenError,
  type GatewayError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamError,
} from '../errors.js';
import type { Loaders, LookupAnswer } from '../loaders/loaders.js';
import type { RateLimitBook } from '../upstream/rate-limit-book.js';
import type { XSession } from '../upstream/session.js';
import { type LinkKind, type XParams, mergeParams } from '../x/params.js';
import { DM_EVENT_FIELDS, MEDIA_FIELDS, type DmEvent, type DmEventAnswer, type DmEventsPage, type DmEventType, type Problem, type UserAnswer } from '../x/wire.js';
import type { DmStore } from '../store/store.js';
import {
  type Run,
  type UserMemory,
  type View,
  compareIds,
  confirmSent,
  conversationView,
  dropDeleted,
  emptyMemory,
  expire,
  feedView,
  floorOf,
  forgetEvent,
  mergeNewestFirst,
  ofTypes,
  rememberEvents,
  rememberSent,
} from './user-memory.js';
import { OBJECT_TTL_MS, type ObjectAnswer, isFresh, rememberObjects } from './objects.js';

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
  readonly syncLease?: { take(userId: string): Promise<boolean>; release(userId: string): Promise<void> };
  readonly now?: () => number;
}

/** How long a sync waits for another replica's sync of the same user before walking itself. */
const SYNC_LEASE_WAIT_MS = 3_000;
const SYNC_LEASE_POLL_MS = 50;

const OWNER_ONLY_MEDIA_FIELDS = new Set(['non_public_metrics', 'organic_metrics', 'promoted_metrics']);

/** Every field of a DM event the schema reads, and every expansion: X bills per event, so each is read once, whole. */
const EVENT_PARAMS: XParams = {
  'dm_event.fields': DM_EVENT_FIELDS.filter((field) => field !== 'id').join(','),
  expansions: 'attachments.media_keys,participant_ids,referenced_tweets.id,sender_id',
  // Media arrive only through expansions (no lookup by key): all their fields now, or a re-read of the events later.
  // The owner-only metrics are left to the selections that read them: X refuses them for media of others.
  'media.fields': MEDIA_FIELDS.filter((field) => !OWNER_ONLY_MEDIA_FIELDS.has(field)).join(','),
};

/** The first page of a check for news: a handful of events. Each further page doubles, up to X's 100. */
const SYNC_FIRST_PAGE = 5;
const MAX_PAGE = 100;

/** Which list a connection reads. */
export type ListRef =
  | { readonly kind: 'feed' }
  | { readonly kind: 'conversation'; readonly conversationId: string; readonly path: string };

export interface MemoryPageRequest {
  readonly list: ListRef;
  readonly backward: boolean;
  readonly size: number;
  /** The event id the page starts after (forward) or ends before (backward). */
  readonly from?: string;
  readonly eventTypes?: ReadonlySet<DmEventType>;
  /** The selection's own parameters (user and post fields of expanded objects), merged into any call. */
  readonly params: XParams;
}

/** A page of the inbox: conversations with their newest event, and what cut its read short, if anything did. */
export interface Inbox {
  readonly conversations: { conversationId: string; lastEvent: DmEvent }[];
  readonly hasNextPage: boolean;
  readonly stopped?: GatewayError;
}

export interface MemoryPage {
  readonly events: readonly DmEvent[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

/** The memory of one gateway: shared by its requests, one sync per user at a time. */
export class Memory {
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
      sync = this.leasedWalk(userId, walk).then(
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

  /**
   * `walk`, under the user's sync lease when replicas share the store: while another replica walks, this one waits
   * for its result in the shared memory (and walks itself only if that takes too long).
   */
  private async leasedWalk(userId: string, walk: () => Promise<void>): Promise<void> {
    const lease = this.options.syncLease;
    if (!lease) return walk();
    const syncedAt = async () => (await this.store.read(userId))?.feed?.syncedAt;
    const before = await syncedAt();
    const giveUpAt = Date.now() + SYNC_LEASE_WAIT_MS;
    for (;;) {
      const mine = await lease.take(userId).catch(() => true);
      // Another replica's walk that ended since this sync was asked for is this sync's answer too.
      if ((await syncedAt()) !== before) {
        if (mine) await lease.release(userId).catch(() => undefined);
        return;
      }
      if (mine || Date.now() >= giveUpAt) break;
      await new Promise((resolve) => setTimeout(resolve, SYNC_LEASE_POLL_MS));
    }
    try {
      await walk();
    } finally {
      await lease.release(userId).catch(() => undefined);
    }
  }
}

/**
 * The store stopped keeping what memory reads (Redis went down during the request): the caller answers from X as
 * without memory.
 */
export class MemoryUnavailableError extends Error {
  constructor() {
    super('The memory store is not available');
  }
}

/** For a `.catch`: undefined when the memory store went away (answer from X instead), the error otherwise. */
export function unlessMemoryUnavailable(error: unknown): undefined {
  if (error instanceof MemoryUnavailableError) return undefined;
  throw error;
}

/** Whether X failing this way still lets memory answer (with what it last knew). */
function isOutage(error: unknown): boolean {
  return error instanceof UpstreamError || error instanceof RateLimitedError;
}

/** One request's view of its caller's memory. */
export class RequestMemory {
  /** When the data served was last synced with X, and whether that is older than `FRESHNESS_MS`. */
  freshness: { syncedAt: number; stale: boolean } | undefined;
  /** DM events this request read from X (what X bills), and the DM lookups it made. */
  eventsRead = 0;
  dmCalls = 0;
  private userIdPromise: Promise<string> | undefined;
  private knownUserIdPromise: Promise<string | undefined> | undefined;
  /** When the request came: what it is served is stale when synced longer than `FRESHNESS_MS` before that. */
  private readonly startedAt: number;

  constructor(
    private readonly memory: Memory,
    private readonly x: XSession,
    private readonly loaders: Loaders,
  ) {
    this.startedAt = memory.now();
    loaders.keepLookups((kind, params, answer) => this.rememberLookup(kind, params, answer));
  }

  /** The caller's X user id, as X named it for this token (remembered for `identityTtlMs`). */
  userId(): Promise<string> {
    return (this.userIdPromise ??= this.resolveUserId());
  }

  /** The caller's X user id when it is known without a call (resolved by this request, or tied to the token in the store). */
  async knownUserId(): Promise<string | undefined> {
    if (this.userIdPromise) return this.userIdPromise.catch(() => undefined);
    return (this.knownUserIdPromise ??= this.memory.knownUserId(this.x.tokenHash()));
  }

  private async resolveUserId(): Promise<string> {
    const hash = this.x.tokenHash();
    const known = await this.memory.store.identity(hash);
    if (known) return known;
    try {
      const { body } = await this.x.getShared<UserAnswer>('/2/users/me', {}, {});
      if (!body.data) throw new UpstreamError('X did not say who this token belongs to.');
      await this.memory.store.setIdentity(hash, body.data.id, this.memory.identityTtlMs);
      return body.data.id;
    } catch (error) {
      if (error instanceof UnauthenticatedError || error instanceof ForbiddenError) await this.memory.store.forgetIdentity(hash);
      throw error;
    }
  }

  /**
   * The caller's own user (`viewer`) as memory knows it, when it knows it with every one of `fields` and freshly, and
   * the token is tied to it without a call; undefined otherwise (then `GET /2/users/me` answers, and `rememberSelf`
   * keeps its answer).
   */
  async knownSelf(fields: readonly string[]): Promise<Record<string, unknown> | undefined> {
    const userId = this.userIdPromise ? await this.userIdPromise : await this.memory.store.identity(this.x.tokenHash());
    if (userId === undefined) return undefined;
    const memory = await this.readMemory(userId);
    const self = memory.objects.user[userId];
    if (!self || !isFresh(self.at, this.memory.now(), this.memory.objectTtlMs)) return undefined;
    const known = new Set(self.fields);
    if (!fields.every((field) => known.has(field))) return undefined;
    this.useObjects(memory);
    return self.value;
  }

  /** Keeps what `GET /2/users/me` answered (asked with `params`) as the caller's own user. */
  async rememberSelf(params: XParams, answer: UserAnswer): Promise<void> {
    const userId = answer.data?.id;
    if (userId === undefined || !this.memory.available()) return;
    const hash = this.x.tokenHash();
    const known = this.userIdPromise ? await this.userIdPromise.catch(() => undefined) : await this.memory.store.identity(hash);
    // X has just said whose token this is: the tie `userId()` would make, made now.
    if (known === undefined) await this.memory.store.setIdentity(hash, userId, this.memory.identityTtlMs);
    else if (known !== userId) return;
    await this.memory.store.update(userId, (m) => {
      rememberObjects(m, this.x.dialect, params, answer, this.memory.now(), this.memory.objectTtlMs, 'user');
    });
  }

  /** A page of a list, from memory where it can, from X for what it lacks. */
  async page(request: MemoryPageRequest): Promise<MemoryPage> {
    const userId = await this.userId();
    let memory = await this.readMemory(userId);
    let view = this.viewOf(memory, request.list);
    // News arrives at the head: a page below a cursor shows none of it, so it needs no check for news first.
    const belowCursor = !request.backward && request.from !== undefined;
    if (!belowCursor && this.isStale(view)) {
      ({ memory, view } = await this.refresh(userId, request, request.backward ? MAX_PAGE : request.size));
    }
    for (;;) {
      const ids = ofTypes(memory, view.ids, request.eventTypes);
      const slice = sliceOf(ids, request);
      if (slice.enough || view.complete) {
        this.noteServed(view);
        this.useObjects(memory);
        return {
          events: slice.ids.map((id) => memory.events[id]!),
          hasNextPage: request.backward ? true : slice.more || !view.complete,
          hasPreviousPage: request.backward ? slice.more : false,
        };
      }
      // Filtered by type, the events still missing say nothing of how many X must send: read whole pages.
      ({ memory, view } = await this.extend(userId, request, memory, view, request.eventTypes ? MAX_PAGE : slice.missing));
    }
  }

  /**
   * One event by id: from memory when known, else `GET /2/dm_events/{id}`, remembered. Without `event`, X has none
   * (and `problem` may say so in X's words).
   */
  async event(eventId: string, params: XParams): Promise<{ event?: DmEvent; problem?: Problem }> {
    const userId = await this.userId();
    const memory = await this.readMemory(userId);
    const known = memory.events[eventId];
    // A message sent through the gateway is known only as the input told it, until X's own copy is read.
    if (known && !memory.sent?.includes(eventId)) {
      this.useObjects(memory);
      return { event: known };
    }
    const asked = mergeParams([EVENT_PARAMS, params]);
    const body = await this.x.get<DmEventAnswer>(`/2/dm_events/${eventId}`, asked);
    this.loaders.prime('dm_event', asked, body);
    this.dmCalls += 1;
    if (!body.data) return body.errors?.[0] ? { problem: body.errors[0] } : {};
    this.eventsRead += 1;
    const updated = await this.memory.store.update(userId, (m) => {
      rememberEvents(m, [body.data!]);
      this.rememberIncludes(m, asked, body);
    });
    this.useObjects(updated);
    return { event: body.data };
  }

  /**
   * The conversations of the feed, newest activity first, with their newest event: `first` after the conversation
   * whose newest event is `afterEventId`. Reads the feed, whole pages, until memory holds one conversation more than
   * asked for (so `hasNextPage` is exact) or X's end; `stopped` is what cut the read short when the request may not
   * call X again (its call cap, X's budget, X failing), and then the page holds what memory had.
   */
  async inbox(first: number, afterEventId: string | undefined, params: XParams): Promise<Inbox> {
    const userId = await this.userId();
    let memory = await this.readMemory(userId);
    let view = feedView(memory);
    const request: MemoryPageRequest = { list: { kind: 'feed' }, backward: false, size: MAX_PAGE, params };
    if (this.isStale(view)) ({ memory, view } = await this.refresh(userId, request, MAX_PAGE));
    for (;;) {
      const newest = newestPerConversation(memory, view.ids);
      const after = afterEventId === undefined ? newest : newest.filter((c) => compareIds(c.lastEvent.id, afterEventId) < 0);
      const answer = (stopped?: GatewayError): Inbox => {
        this.noteServed(view);
        this.useObjects(memory);
        return {
          conversations: after.slice(0, first),
          hasNextPage: after.length > first || !view.complete,
          // A full page whose look-ahead was cut is whole: only a short one says why it is short.
          ...(stopped && after.length < first && { stopped }),
        };
      };
      if (after.length > first || view.complete) return answer();
      const refused = this.mayNotCall();
      if (refused) return answer(refused);
      try {
        ({ memory, view } = await this.extend(userId, request, memory, view, MAX_PAGE));
      } catch (error) {
        if (!(error instanceof CostLimitExceededError || isOutage(error)) || view.syncedAt === undefined) throw error;
        memory = await this.readMemory(userId);
        view = feedView(memory);
        return answer(error as GatewayError);
      }
    }
  }

  /**
   * Why this request may not read more than it must: the operation's calls are all spent or held for the rest of its
   * selection (the cost estimate's other calls). Undefined when it may.
   */
  private mayNotCall(): GatewayError | undefined {
    const { limit, planned, made } = this.x.callBudget();
    if (limit !== undefined && made + Math.max(0, planned - 1) >= limit) {
      return new CostLimitExceededError(
        { estimate: made + Math.max(1, planned), limit },
        `The inbox stopped reading X after ${made} upstream requests (MAX_UPSTREAM_REQUESTS is ${limit}, and the ` +
          'rest of the operation may need the others): ask again, or with a smaller page, for the rest.',
      );
    }
    // X's budget spent is found by the call itself, refused before it leaves (the rate-limit book) or by X's 429.
    return undefined;
  }

  /** The events memory knows of a conversation, newest first (for its `lastEvent` and `participants`). */
  async conversationEvents(conversationId: string, path: string, params: XParams): Promise<readonly DmEvent[]> {
    // A page of one brings the conversation's head up to date (and reads it when memory holds none of it).
    await this.page({ list: { kind: 'conversation', conversationId, path }, backward: false, size: 1, params });
    const memory = await this.readMemory(await this.userId());
    return conversationView(memory, conversationId).ids.map((id) => memory.events[id]!);
  }

  /** The user's memory, less what X's 30-day window let go; an empty one when none is kept. */
  private async readMemory(userId: string): Promise<UserMemory> {
    const memory = await this.memory.store.read(userId);
    if (!this.memory.available()) throw new MemoryUnavailableError();
    if (!memory) return emptyMemory(userId);
    expire(memory, this.memory.now());
    return memory;
  }

  private viewOf(memory: UserMemory, list: ListRef): View {
    return list.kind === 'feed' ? feedView(memory) : conversationView(memory, list.conversationId);
  }

  private isStale(view: View): boolean {
    if (view.syncedAt === undefined) return true;
    return this.memory.now() - view.syncedAt > this.memory.effectiveFreshness(this.x.tokenHash());
  }

  /** Records what a served answer's data rests on: the oldest sync among the lists it read. */
  private noteServed(view: View): void {
    const syncedAt = view.syncedAt ?? this.memory.now();
    if (this.freshness && this.freshness.syncedAt <= syncedAt) return;
    // Against the request's start, not the answer's end: a list synced for this request is never stale.
    this.freshness = { syncedAt, stale: this.startedAt - syncedAt > this.memory.freshnessMs };
  }

  /** Lets the request's loaders answer from the objects memory knows (users and posts while fresh). */
  private useObjects(memory: UserMemory): void {
    this.loaders.useKnown(memory.objects, memory.missing, this.memory.now() - this.memory.objectTtlMs);
  }

  /**
   * Brings a stale list's head up to date: a sync of the feed, and for a conversation that the feed does not reach,
   * a read of its first page. When X fails, the list is served as last known (stale).
   */
  private async refresh(userId: string, request: MemoryPageRequest, want: number): Promise<{ memory: UserMemory; view: View }> {
    try {
      // A feed memory knows nothing of is read a whole page first: the first screens' events, in one call.
      await this.memory.shareSync(userId, () => this.sync(userId, MAX_PAGE, request.params));
    } catch (error) {
      const memory = await this.readMemory(userId);
      const view = this.viewOf(memory, request.list);
      if (!isOutage(error) || view.syncedAt === undefined) throw error;
      return { memory, view };
    }
    let memory = await this.readMemory(userId);
    let view = this.viewOf(memory, request.list);
    if (request.list.kind === 'conversation' && this.isStale(view)) {
      memory = await this.readConversation(userId, request, undefined, Math.min(MAX_PAGE, want));
      view = this.viewOf(memory, request.list);
    }
    return { memory, view };
  }

  /**
   * One sync: walks `GET /2/dm_events` from the newest event until one the feed already holds. Pages start at a
   * handful and double while every event on them is new. A walk cut short is kept as `pending`, continued next time.
   */
  private async sync(userId: string, firstPage: number, selection: XParams): Promise<void> {
    const startedAt = this.memory.now();
    const before = await this.readMemory(userId);
    let token = before?.pending?.next;
    // A feed memory knows starts small (a check for news); one it knows nothing of starts at `firstPage`.
    let size = token !== undefined ? MAX_PAGE : before?.feed ? SYNC_FIRST_PAGE : firstPage;
    const params = mergeParams([EVENT_PARAMS, selection]);
    for (;;) {
      const body = await this.x.get<DmEventsPage>('/2/dm_events', { max_results: String(size), pagination_token: token, ...params });
      const events = body.data ?? [];
      this.eventsRead += events.length;
      this.dmCalls += 1;
      const next = events.length > 0 ? body.meta?.next_token : undefined;
      let done = false;
      await this.memory.store.update(userId, (m) => {
        rememberEvents(m, events);
        this.rememberIncludes(m, params, body);
        done = joinFeed(m, events, next, m.pending?.syncedAt ?? startedAt);
      });
      if (done) return;
      token = next;
      size = Math.min(MAX_PAGE, size * 2);
    }
  }

  /** Reads more of a list below what memory holds, `missing` events at least. */
  private async extend(userId: string, request: MemoryPageRequest, memory: UserMemory, view: View, missing: number): Promise<{ memory: UserMemory; view: View }> {
    const size = Math.min(MAX_PAGE, Math.max(missing, SYNC_FIRST_PAGE));
    if (request.list.kind === 'conversation') {
      const run = memory.conversations[request.list.conversationId];
      // Its own run continues it, when that run is what the view ends with; otherwise its first page is read.
      const continues = run?.next !== undefined && view.ids.length > 0 && view.ids[view.ids.length - 1] === floorOf(run);
      const updated = await this.readConversation(userId, request, continues ? run : undefined, Math.min(MAX_PAGE, continues ? size : view.ids.length + size));
      return { memory: updated, view: this.viewOf(updated, request.list) };
    }
    const feed = memory.feed;
    if (!feed || feed.next === undefined) {
      // Nothing to continue from (the feed was never read): a sync reads its head, a whole page.
      await this.memory.shareSync(userId, () => this.sync(userId, MAX_PAGE, request.params));
    } else {
      const params = mergeParams([EVENT_PARAMS, request.params]);
      const body = await this.x.get<DmEventsPage>('/2/dm_events', { max_results: String(size), pagination_token: feed.next, ...params });
      const events = body.data ?? [];
      this.eventsRead += events.length;
      this.dmCalls += 1;
      await this.memory.store.update(userId, (m) => {
        rememberEvents(m, events);
        this.rememberIncludes(m, params, body);
        if (m.feed && m.feed.next === feed.next) extendRun(m.feed, events, events.length > 0 ? body.meta?.next_token : undefined);
      });
    }
    const updated = await this.readMemory(userId);
    return { memory: updated, view: this.viewOf(updated, request.list) };
  }

  /**
   * Reads a conversation through its endpoint: below its run with the run's token, or from its first page (then the
   * run starts anew, and what memory held of the span X returned but X no longer has is dropped).
   */
  private async readConversation(userId: string, request: MemoryPageRequest, run: Run | undefined, size: number): Promise<UserMemory> {
    const list = request.list as Extract<ListRef, { kind: 'conversation' }>;
    const params = mergeParams([EVENT_PARAMS, request.params]);
    const startedAt = this.memory.now();
    const path = run?.path ?? list.path;
    const body = await this.x.get<DmEventsPage>(path, { max_results: String(Math.max(1, size)), pagination_token: run?.next, ...params });
    const events = body.data ?? [];
    this.eventsRead += events.length;
      this.dmCalls += 1;
    const next = events.length > 0 ? body.meta?.next_token : undefined;
    return this.memory.store.update(userId, (m) => {
      rememberEvents(m, events);
      this.rememberIncludes(m, params, body);
      const current = m.conversations[list.conversationId];
      if (run) {
        if (current && current.next === run.next) extendRun(current, events, next);
        return;
      }
      // Its first page starts at the conversation's newest event: the span reaches up past anything memory holds.
      if (events.length > 0) dropDeleted(m, events, undefined, events[events.length - 1]!.id, list.conversationId);
      m.conversations[list.conversationId] = {
        ids: events.map((event) => event.id),
        ...(events[0] && { headId: events[0].id }),
        ...(next !== undefined && { next }),
        end: next === undefined,
        syncedAt: startedAt,
        path,
      };
    });
  }

  /** A sync of the caller's feed now, whatever its freshness (the live loop's tick); one at a time per user. */
  async syncNow(): Promise<void> {
    const userId = await this.userId();
    await this.memory.shareSync(userId, () => this.sync(userId, SYNC_FIRST_PAGE, {}));
  }

  /**
   * In one read: the feed's events newer than `afterId` (or, without it, its newest `limit`), newest first, with the
   * messages the caller sent that no sync has read back yet; and the feed's head, the newest id X has shown (events
   * at or below it are confirmed by X, those above it only by the caller's own sends).
   */
  async news(afterId: string | undefined, limit: number): Promise<{ events: DmEvent[]; head: string | undefined }> {
    const memory = await this.readMemory(await this.userId());
    const ids = feedView(memory).ids;
    const newer = ids.slice(0, afterId === undefined ? limit : Math.min(limit, indexAtOrBelow(ids, afterId)));
    return { events: newer.map((id) => memory.events[id]!), head: memory.feed?.headId };
  }

  /** Lets the request's loaders answer from the objects memory knows (a subscription's events, resolved later). */
  async useKnownObjects(): Promise<void> {
    this.useObjects(await this.readMemory(await this.userId()));
  }

  /**
   * The same, without a call to X: only when the token's user is known already (a read of the memory within the
   * identity's time). Whether it was.
   */
  async useKnownObjectsIfIdentified(): Promise<boolean> {
    const userId = await this.memory.store.identity(this.x.tokenHash());
    if (userId === undefined) return false;
    this.useObjects(await this.readMemory(userId));
    return true;
  }

  /** A message the caller just sent: in memory at once, on top of its conversation and the feed. */
  async sent(event: DmEvent): Promise<void> {
    await this.memory.store.update(await this.userId(), (m) => rememberSent(m, event));
  }

  /** An event the caller just deleted: gone from memory at once. */
  async deleted(eventId: string): Promise<void> {
    await this.memory.store.update(await this.userId(), (m) => forgetEvent(m, eventId));
  }

  /** Keeps the objects an answer included, each with the fields it is known with, and those X said are missing. */
  private rememberIncludes(memory: UserMemory, params: XParams, answer: ObjectAnswer): void {
    rememberObjects(memory, this.x.dialect, params, answer, this.memory.now(), this.memory.objectTtlMs);
  }

  /**
   * Keeps what a users or posts lookup of this request returned, in the caller's memory. Only when the caller's user
   * is known without a call (this request, or the store, tied the token to it); a store that fails keeps nothing.
   */
  private async rememberLookup(kind: LinkKind, params: XParams, answer: LookupAnswer): Promise<void> {
    try {
      const userId = this.userIdPromise ? await this.userIdPromise : await this.memory.store.identity(this.x.tokenHash());
      if (userId === undefined || !this.memory.available()) return;
      await this.memory.store.update(userId, (m) => {
        rememberObjects(m, this.x.dialect, params, answer, this.memory.now(), this.memory.objectTtlMs, kind);
      });
    } catch {
      // Not kept: the next request looks the objects up again.
    }
  }
}

/** The page a request asks for, out of the known ids (already filtered by type). */
function sliceOf(ids: readonly string[], request: MemoryPageRequest): { ids: string[]; enough: boolean; more: boolean; missing: number } {
  const { from, size } = request;
  if (request.backward) {
    // Everything newer than `from` is known (the head is fresh); the page is the `size` right before it, once
    // memory reaches down to `from`.
    const reached = from === undefined || (ids.length > 0 && compareIds(ids[ids.length - 1]!, from) < 0);
    const end = from === undefined ? ids.length : ids.findIndex((id) => compareIds(id, from) <= 0);
    const stop = end < 0 ? ids.length : end;
    const start = Math.max(0, stop - size);
    return { ids: ids.slice(start, stop), enough: reached, more: start > 0, missing: MAX_PAGE };
  }
  const start = from === undefined ? 0 : firstOlder(ids, from);
  const page = ids.slice(start, start + size);
  const more = ids.length > start + size;
  // A full page is enough: whether more follow is X's to say when the page reaches the end of what is known.
  return { ids: page, enough: page.length === size, more, missing: start + size - ids.length };
}

/** The index of the first id at or below `id` (ids newest first), or the length when there is none. */
function indexAtOrBelow(ids: readonly string[], id: string): number {
  const index = ids.findIndex((other) => compareIds(other, id) <= 0);
  return index < 0 ? ids.length : index;
}

/** The index of the first id older than `from` (ids newest first), or the length when there is none. */
function firstOlder(ids: readonly string[], from: string): number {
  const index = ids.findIndex((id) => compareIds(id, from) < 0);
  return index < 0 ? ids.length : index;
}

/** The newest event of each conversation in `ids` (newest first), in that order. */
function newestPerConversation(memory: UserMemory, ids: readonly string[]): { conversationId: string; lastEvent: DmEvent }[] {
  const seen = new Set<string>();
  const conversations: { conversationId: string; lastEvent: DmEvent }[] = [];
  for (const id of ids) {
    const event = memory.events[id]!;
    const conversationId = event.dm_conversation_id;
    if (conversationId === undefined || seen.has(conversationId)) continue;
    seen.add(conversationId);
    conversations.push({ conversationId, lastEvent: event });
  }
  return conversations;
}

/** Adds a page read below a run to it. */
function extendRun(run: Run, events: readonly DmEvent[], next: string | undefined): void {
  run.ids = mergeNewestFirst(run.ids, events.map((event) => event.id));
  if (next === undefined) {
    delete run.next;
    run.end = true;
  } else run.next = next;
}

/**
 * Adds a sync's page to the feed. True when the walk is done: it reached an event the feed holds (or X's end), or it
 * was the feed's first read. Otherwise the page is kept as `pending`, with X's token to continue.
 */
function joinFeed(memory: UserMemory, events: readonly DmEvent[], next: string | undefined, syncedAt: number): boolean {
  const ids = events.map((event) => event.id);
  const feed = memory.feed;
  if (!feed) {
    memory.feed = { ids, ...(ids[0] && { headId: ids[0] }), ...(next !== undefined && { next }), end: next === undefined, syncedAt };
    delete memory.pending;
    confirmSent(memory);
    return true;
  }
  const marker = feed.headId;
  const fresh = marker === undefined ? ids : ids.filter((id) => compareIds(id, marker) > 0);
  const walked = [...(memory.pending?.ids ?? []), ...fresh];
  const reached = fresh.length < ids.length || next === undefined;
  if (!reached) {
    memory.pending = { ids: walked, headId: memory.pending?.headId ?? walked[0]!, next: next!, syncedAt };
    return false;
  }
  if (fresh.length < ids.length) {
    // The page reached into the feed: what the feed held in the span the walk covered (from X's newest event, so also
    // above this page, up to the feed's head) and X no longer has was deleted.
    dropDeleted(memory, events, undefined, ids[ids.length - 1]!);
    memory.feed!.ids = mergeNewestFirst(walked, memory.feed!.ids);
  } else {
    // X ended before the feed's head: everything the feed held is gone from X.
    const gone = new Set(memory.feed!.ids);
    for (const id of gone) delete memory.events[id];
    memory.feed = { ids: walked, end: true, syncedAt };
  }
  const head = walked[0] ?? marker;
  if (head !== undefined && (marker === undefined || compareIds(head, marker) > 0)) memory.feed!.headId = head;
  memory.feed!.syncedAt = syncedAt;
  delete memory.pending;
  confirmSent(memory);
  return true;
}

