/**
 * Where the gateway keeps what outlives a request: which X user a token belongs to, and each user's memory. One
 * asynchronous interface, so the in-process store and a shared one (Redis) are interchangeable; nothing above it
 * holds per-user state of its own.
 */
import type { UserMemory } from '../memory-model.js';

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
}

/** One of X's rate-limit budgets for a token and a family of endpoints, as a store keeps it. */
export interface StoredBudget {
  readonly limit: number;
  readonly remaining: number;
  /** When X's window starts over (ms since the epoch). */
  readonly resetAt: number;
}

export interface DmStore {
  /** The X user id a token (by its hash) was tied to, while that tie is fresh. */
  identity(tokenHash: string): Promise<string | undefined>;
  /** Ties a token (by its hash) to the X user id X named for it, for `ttlMs`. */
  setIdentity(tokenHash: string, userId: string, ttlMs: number): Promise<void>;
  /** Forgets a token X refused. */
  forgetIdentity(tokenHash: string): Promise<void>;
  /** The user's memory, or undefined when none is kept. Treat it as read-only. */
  read(userId: string): Promise<UserMemory | undefined>;
  /**
   * Changes the user's memory: `change` gets the current memory (a fresh one when none is kept) and mutates it.
   * Changes of one user run one at a time.
   */
  update(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory>;
  /** The record of an idempotency key (already scoped to its caller), while it is kept. */
  idempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Keeps `record` under `key` for `ttlMs`. With `onlyIfAbsent`, only when the key holds no record: true when it was
   * kept (the caller has claimed the key), false when another write holds it.
   */
  putIdempotency(key: string, record: IdempotencyRecord, ttlMs: number, onlyIfAbsent?: boolean): Promise<boolean>;
  forgetIdempotency(key: string): Promise<void>;
  /**
   * The budget X last reported for a token (by its hash) and a family of endpoints, shared between replicas, while
   * its window has not ended. A store shared by replicas has it; one process's store need not (its book is local).
   */
  budget?(tokenHash: string, family: string): Promise<StoredBudget | undefined>;
  /** Keeps `budget` for a token (by its hash) and a family for `ttlMs` (until X's reset). */
  setBudget?(tokenHash: string, family: string, budget: StoredBudget, ttlMs: number): Promise<void>;
  /**
   * Whether the store answers now. A store that can fail (Redis) says so, and the gateway then answers from X as
   * without memory. @default always true
   */
  available?(): boolean;
  /** Deletes everything kept of `userId`'s memory (the user revoked the app). @default an emptied memory is kept */
  forgetUser?(userId: string): Promise<void>;
  /**
   * Sends `message` to every process sharing the store (replicas), this one included, on `channel`; sealed like any
   * value in the store. A store of one process has none: its own process is everyone.
   */
  publish?(channel: string, message: unknown): Promise<void>;
  /** Hears what `publish` sends on `channel`; returns how to stop. */
  subscribe?(channel: string, onMessage: (message: unknown) => void): () => void;
  /** Lets go of connections (a shared store). */
  close?(): Promise<void>;
  /** How much is kept, for metrics. */
  size(): Promise<{ users: number; events: number }>;
}
