/**
 * Where the gateway keeps what outlives a request: which X user a token belongs to, and each user's memory. One
 * asynchronous interface, so the in-process store and a shared one (Redis) are interchangeable; nothing above it
 * holds per-user state of its own.
 */
import type { UserMemory } from '../memory/user-memory.js';

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
  /** How much is kept, for metrics. */
  size(): Promise<{ users: number; events: number }>;
}
