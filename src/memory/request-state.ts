/**
 * What the reads of one request share: the gateway's memory, the caller's session and loaders, the caller's user id
 * once asked, what the request read from X (`eventsRead`, `dmCalls`) and how fresh what it served was; and the steps
 * every read takes (read the user's memory, view a list, judge its freshness, note what was served).
 */
import type { Loaders } from '../loaders/loaders.js';
import type { UserMemory } from '../memory-model.js';
import type { DmStore } from '../store/store.js';
import type { XSession } from '../upstream/session.js';
import { type View, conversationView, emptyMemory, expire, feedView } from './user-memory.js';

/** What a request's reads use of the gateway's memory (`Memory`, in `memory.ts`). */
export interface SharedMemory {
  readonly store: DmStore;
  readonly freshnessMs: number;
  readonly identityTtlMs: number;
  readonly objectTtlMs: number;
  readonly now: () => number;
  /** Whether the store keeps what memory reads and writes now (a shared store can be down). */
  available(): boolean;
  /** How often the store has gone down (`DmStore.outages`). */
  outages(): number;
  /** How old a head may be before the next sync, for the token of `tokenHash`. */
  effectiveFreshness(tokenHash: string): number;
  /** Runs `walk` as the user's one sync in flight, or joins the one already running. */
  shareSync(userId: string, walk: () => Promise<void>): Promise<void>;
}

/** Which list a connection reads. */
export type ListRef =
  { readonly kind: 'feed' } | { readonly kind: 'conversation'; readonly conversationId: string; readonly path: string };

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

export class RequestState {
  /** When the data served was last synced with X, and whether that is older than `FRESHNESS_MS`. */
  freshness: { syncedAt: number; stale: boolean } | undefined;
  /** DM events this request read from X (what X bills), and the DM lookups it made. */
  eventsRead = 0;
  dmCalls = 0;
  /** The caller's user id, once this request asked for it (`identity.ts`). */
  askedUserId: Promise<string> | undefined;
  /** When the request came: what it is served is stale when synced longer than `FRESHNESS_MS` before that. */
  private readonly startedAt: number;
  /** The store's outages when the request came: one more, and what the request wrote may be lost. */
  private readonly outagesAtStart: number;
  /**
   * The heads this request brought up to date, by list (`feed`, or `conversation:<id>`): each is checked for news at
   * most once per request, and every field that reads the list shares that check, so the request's calls are the
   * ones its cost estimate counts however long X takes to answer.
   */
  private readonly heads = new Map<string, Promise<void>>();

  constructor(
    readonly memory: SharedMemory,
    readonly x: XSession,
    readonly loaders: Loaders,
  ) {
    this.startedAt = memory.now();
    this.outagesAtStart = memory.outages();
  }

  /**
   * The caller's user id when known without a call: asked by this request already, or tied to the token in the store.
   */
  async knownUserId(): Promise<string | undefined> {
    return this.askedUserId ? await this.askedUserId : await this.memory.store.identity(this.x.tokenHash());
  }

  /**
   * The user's memory, less what X's 30-day window let go; an empty one when none is kept. `MemoryUnavailableError`
   * once the store went down during the request, even if it is back: what the request wrote while it was down (a page
   * it read) was not kept, and a memory without it would send the request to read it again.
   */
  async readMemory(userId: string): Promise<UserMemory> {
    const memory = await this.memory.store.read(userId);
    if (!this.memory.available() || this.memory.outages() !== this.outagesAtStart) throw new MemoryUnavailableError();
    if (!memory) return emptyMemory(userId);
    expire(memory, this.memory.now());
    return memory;
  }

  viewOf(memory: UserMemory, list: ListRef): View {
    return list.kind === 'feed' ? feedView(memory) : conversationView(memory, list.conversationId);
  }

  /**
   * Whether a list's head is older than its freshness allows, counted from the request's start: a list synced since
   * the request came (however long that sync took) is fresh for all of it.
   */
  isStale(view: View): boolean {
    if (view.syncedAt === undefined) return true;
    return this.startedAt - view.syncedAt > this.memory.effectiveFreshness(this.x.tokenHash());
  }

  /** `work`'s promise under `key`, started by the request's first caller and shared by the others. */
  once(key: string, work: () => Promise<void>): Promise<void> {
    let head = this.heads.get(key);
    if (!head) {
      head = work();
      this.heads.set(key, head);
    }
    return head;
  }

  /** Records what a served answer's data rests on: the oldest sync among the lists it read. */
  noteServed(view: View): void {
    const syncedAt = view.syncedAt ?? this.memory.now();
    if (this.freshness && this.freshness.syncedAt <= syncedAt) return;
    // Against the request's start, not the answer's end: a list synced for this request is never stale.
    this.freshness = { syncedAt, stale: this.startedAt - syncedAt > this.memory.freshnessMs };
  }

  /** Lets the request's loaders answer from the objects memory knows (users and posts while fresh). */
  useObjects(memory: UserMemory): void {
    this.loaders.useKnown(memory.objects, memory.missing, this.memory.now() - this.memory.objectTtlMs);
  }
}
