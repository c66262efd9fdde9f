/**
 * The default store: everything in this process, bounded. The least recently used users go first when more than
 * `maxUsers` are kept; identities, idempotency records and leases expire on their own (on the store's clock).
 */
import { type UserMemory, emptyMemory } from '../memory-model.js';
import { SerialQueues } from './serial.js';
import type { DmStore, IdempotencyRecord, LeaseStore } from './store.js';

export interface InProcessStoreOptions {
  /** Most users whose memory is kept. @default 10_000 */
  maxUsers?: number;
  /** Most token-to-user ties kept. @default 100_000 */
  maxIdentities?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

export class InProcessStore implements DmStore, LeaseStore {
  private readonly memories = new Map<string, UserMemory>();
  private readonly identities = new Map<string, { userId: string; expiresAt: number }>();
  private readonly writes = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();
  /** Changes of one user's memory run one at a time. */
  private readonly queues = new SerialQueues();
  private readonly maxUsers: number;
  private readonly maxIdentities: number;
  private readonly now: () => number;

  constructor(options: InProcessStoreOptions = {}) {
    this.maxUsers = options.maxUsers ?? 10_000;
    this.maxIdentities = options.maxIdentities ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  identity(tokenHash: string): Promise<string | undefined> {
    const tie = this.identities.get(tokenHash);
    if (tie && tie.expiresAt <= this.now()) this.identities.delete(tokenHash);
    return Promise.resolve(this.identities.get(tokenHash)?.userId);
  }

  setIdentity(tokenHash: string, userId: string, ttlMs: number): Promise<void> {
    this.identities.delete(tokenHash);
    this.identities.set(tokenHash, { userId, expiresAt: this.now() + ttlMs });
    if (this.identities.size > this.maxIdentities) this.identities.delete(this.identities.keys().next().value!);
    return Promise.resolve();
  }

  forgetIdentity(tokenHash: string): Promise<void> {
    this.identities.delete(tokenHash);
    return Promise.resolve();
  }

  read(userId: string): Promise<UserMemory | undefined> {
    const memory = this.memories.get(userId);
    if (memory) this.touch(userId, memory);
    return Promise.resolve(memory);
  }

  update(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory> {
    return this.queues.run(userId, () => {
      const memory = this.memories.get(userId) ?? emptyMemory(userId);
      change(memory);
      this.touch(userId, memory);
      return memory;
    });
  }

  idempotency(key: string): Promise<IdempotencyRecord | undefined> {
    return Promise.resolve(this.liveRecord(key));
  }

  putIdempotency(key: string, record: IdempotencyRecord, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    // Checked and set in one turn of the event loop: two claims of one key cannot both see it free.
    if (onlyIfAbsent && this.liveRecord(key) !== undefined) return Promise.resolve(false);
    this.writes.delete(key);
    this.writes.set(key, { record, expiresAt: this.now() + ttlMs });
    // Expired records go as new ones come; past the bound, the oldest go (a key is worth 24 hours, not forever).
    for (const [oldKey, kept] of this.writes) {
      if (kept.expiresAt > this.now() && this.writes.size <= this.maxIdentities) break;
      this.writes.delete(oldKey);
    }
    return Promise.resolve(true);
  }

  forgetIdempotency(key: string): Promise<void> {
    this.writes.delete(key);
    return Promise.resolve();
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    // Checked and set in one turn of the event loop: of two holders asking at once, one finds it taken.
    if (this.liveLease(name) !== undefined) return Promise.resolve(false);
    this.leases.set(name, { holder, expiresAt: this.now() + ttlMs });
    // Expired leases go once there are many (one per user synced, at most, and a few more).
    if (this.leases.size > this.maxIdentities) for (const [other] of this.leases) this.liveLease(other);
    return Promise.resolve(true);
  }

  renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    if (this.liveLease(name) !== holder) return Promise.resolve(false);
    this.leases.set(name, { holder, expiresAt: this.now() + ttlMs });
    return Promise.resolve(true);
  }

  releaseLease(name: string, holder: string): Promise<boolean> {
    if (this.liveLease(name) !== holder) return Promise.resolve(false);
    this.leases.delete(name);
    return Promise.resolve(true);
  }

  async forgetUser(userId: string): Promise<void> {
    await this.queues.run(userId, () => void this.memories.delete(userId));
  }

  size(): Promise<{ users: number; events: number }> {
    let events = 0;
    for (const memory of this.memories.values()) events += Object.keys(memory.events).length;
    return Promise.resolve({ users: this.memories.size, events });
  }

  /** A live idempotency record; an expired one is let go. */
  private liveRecord(key: string): IdempotencyRecord | undefined {
    const kept = this.writes.get(key);
    if (!kept) return undefined;
    if (kept.expiresAt <= this.now()) {
      this.writes.delete(key);
      return undefined;
    }
    return kept.record;
  }

  /** Who holds the lease `name` now; an expired lease is let go. */
  private liveLease(name: string): string | undefined {
    const lease = this.leases.get(name);
    if (!lease) return undefined;
    if (lease.expiresAt <= this.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return lease.holder;
  }

  /** Marks a user as the most recently used, and lets the least recently used go when over the bound. */
  private touch(userId: string, memory: UserMemory): void {
    this.memories.delete(userId);
    this.memories.set(userId, memory);
    while (this.memories.size > this.maxUsers) this.memories.delete(this.memories.keys().next().value!);
  }
}
