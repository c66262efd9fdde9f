/**
 * Where the gateway keeps what outlives a request, one small interface per concern: which X user a token belongs to
 * (`IdentityStore`), each user's memory (`MemoryStore`), the records of idempotent writes (`IdempotencyStore`), X's
 * rate-limit budgets shared between replicas (`BudgetStore`), leases that let one replica at a time do a job
 * (`LeaseStore`), and a channel between the replicas sharing the store (`StoreChannel`). All asynchronous, so the
 * in-process store and a shared one (Redis) are interchangeable; nothing above them holds per-user state of its own.
 *
 * `DmStore` is their composition: one object with every method, not an object of named parts. One object, because the
 * parts of a store share one thing (one Redis connection, one "is Redis down" state, one clock), because a custom
 * store passed to `createGateway({ store })` keeps the flat shape it has always had, and because a caller then takes
 * the part it needs by type alone (`noteSlot(store: IdempotencyStore, ...)`) and is handed the whole store, which
 * fits every part. The parts a store of one process need not offer (budgets, leases, the channel) are optional in
 * `DmStore`.
 */
import type { UserMemory } from '../memory-model.js';

/** Which X user a token (by its hash) belongs to, for a while. */
export interface IdentityStore {
  /** The X user id a token (by its hash) was tied to, while that tie is fresh. */
  identity(tokenHash: string): Promise<string | undefined>;
  /** Ties a token (by its hash) to the X user id X named for it, for `ttlMs`. */
  setIdentity(tokenHash: string, userId: string, ttlMs: number): Promise<void>;
  /** Forgets a token X refused. */
  forgetIdentity(tokenHash: string): Promise<void>;
}

/** Each user's memory (`UserMemory`), changed one change at a time per user. */
export interface MemoryStore {
  /** The user's memory, or undefined when none is kept. Treat it as read-only. */
  read(userId: string): Promise<UserMemory | undefined>;
  /**
   * Changes the user's memory: `change` gets the current memory (a fresh one when none is kept) and mutates it.
   * Changes of one user run one at a time.
   */
  update(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory>;
  /** Deletes everything kept of `userId`'s memory (the user revoked the app). @default an emptied memory is kept */
  forgetUser?(userId: string): Promise<void>;
  /** How much is kept, for metrics. */
  size(): Promise<{ users: number; events: number }>;
}

/** What the gateway keeps of a write made with an idempotency key. */
export interface IdempotencyRecord {
  /** A hash of the write's input: the same key with other input is refused. */
  readonly fingerprint: string;
  /** `pending` while the write is in flight; `done` with X's answer; `unknown` when X's outcome is not known. */
  readonly state: 'pending' | 'done' | 'unknown';
  /** X's answer to a write that was done. */
  readonly answer?: Readonly<Record<string, string>>;
  /** When the write was sent (ms since the epoch). */
  readonly at: number;
  /**
   * A pending write's end at the latest (ms since the epoch): a claim still pending after it was abandoned (its
   * replica died, or the store failed before it could note the outcome), and a retry settles it.
   */
  readonly until?: number;
}

/** Records of writes made with an idempotency key (and other small records kept for a while under a key). */
export interface IdempotencyStore {
  /** The record of an idempotency key (already scoped to its caller), while it is kept. */
  idempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Keeps `record` under `key` for `ttlMs`. With `onlyIfAbsent`, only when the key holds no record: true when it was
   * kept (the caller has claimed the key), false when another write holds it.
   */
  putIdempotency(key: string, record: IdempotencyRecord, ttlMs: number, onlyIfAbsent?: boolean): Promise<boolean>;
  forgetIdempotency(key: string): Promise<void>;
}

/** One of X's rate-limit budgets for a token and a family of endpoints, as a store keeps it. */
export interface StoredBudget {
  readonly limit: number;
  readonly remaining: number;
  /** When X's window starts over (ms since the epoch). */
  readonly resetAt: number;
}

/** X's rate-limit budgets, shared between replicas. */
export interface BudgetStore {
  /** The budget X last reported for a token (by its hash) and a family of endpoints, while its window has not ended. */
  budget(tokenHash: string, family: string): Promise<StoredBudget | undefined>;
  /** Keeps `budget` for a token (by its hash) and a family for `ttlMs` (until X's reset). */
  setBudget(tokenHash: string, family: string, budget: StoredBudget, ttlMs: number): Promise<void>;
}

/**
 * Leases: one holder at a time for a name (one replica syncs a user, runs a user's live loop, reads the Activity
 * stream). A lease is taken only when nobody holds it, kept by renewing it before it expires, and lost by letting
 * it expire; only its holder renews or releases it, so a holder whose lease expired and was taken by another cannot
 * take it back by mistake. A holder is any string unique to it (a replica's random id).
 */
export interface LeaseStore {
  /** Takes the lease `name` for `holder` for `ttlMs` when nobody holds it (Redis: `SET NX PX`); true when taken. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease `name` to `ttlMs` from now when `holder` holds it; false when it does not (any more). */
  renewLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease `name` up when `holder` holds it (compare and delete); true when it did. */
  releaseLease(name: string, holder: string): Promise<boolean>;
}

/** Messages between the processes sharing a store (replicas). */
export interface StoreChannel {
  /**
   * Sends `message` to every process sharing the store, this one included, on `channel`; sealed like any value in
   * the store.
   */
  publish(channel: string, message: unknown): Promise<void>;
  /** Hears what `publish` sends on `channel`; returns how to stop. */
  subscribe(channel: string, onMessage: (message: unknown) => void): () => void;
}

/**
 * A whole store: every part above. Budgets, leases and the channel are for stores shared by replicas; a store of one
 * process need not offer them (its rate-limit book is local, its process is everyone, and one process needs no
 * lease to agree with itself).
 */
export interface DmStore
  extends
    IdentityStore,
    MemoryStore,
    IdempotencyStore,
    Partial<BudgetStore>,
    Partial<LeaseStore>,
    Partial<StoreChannel> {
  /**
   * Whether the store answers now. A store that can fail (Redis) says so, and the gateway then answers from X as
   * without memory; a store that says so is shared by replicas, which then take leases when it offers them.
   * @default always true
   */
  available?(): boolean;
  /**
   * How often the store has gone down since it started. A request that began before the latest time may have lost
   * what it wrote meanwhile (writes are skipped while it is down), so it reads from X from then on.
   * @default always 0
   */
  outages?(): number;
  /** Lets go of connections (a shared store). */
  close?(): Promise<void>;
}
