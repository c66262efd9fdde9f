/**
 * The default store: everything in this process, bounded. The least recently used users go first when more than
 * `maxUsers` are kept; identities expire on their own.
 */
import { type UserMemory, emptyMemory } from '../memory-model.js';
import { SerialQueues } from './serial.js';
import type { DmStore, IdempotencyRecord } from './store.js';

export interface InProcessStoreOptions {
  /** Most users whose memory is kept. @default 10_000 */
  maxUsers?: number;
  /** Most token-to-user ties kept. @default 100_000 */
  maxIdentities?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

export class InProcessStore implements DmStore {
  private readonly memories = new Map<string, UserMemory>();
  private readonly identities = new Map<string, { userId: string; expiresAt: number }>();
  private readonly writes = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();
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

  async identity(tokenHash: string): Promise<string | undefined> {
    const tie = this.identities.get(tokenHash);
    if (!tie) return undefined;
    if (tie.expiresAt <= this.now()) {
      this.identities.delete(tokenHash);
      return undefined;
    }
    return tie.userId;
  }

  async setIdentity(tokenHash: string, userId: string, ttlMs: number): Promise<void> {
    this.identities.delete(tokenHash);
    this.identities.set(tokenHash, { userId, expiresAt: this.now() + ttlMs });
    if (this.identities.size > this.maxIdentities) this.identities.delete(this.identities.keys().next().value!);
  }

  async forgetIdentity(tokenHash: string): Promise<void> {
    this.identities.delete(tokenHash);
  }

  async read(userId: string): Promise<UserMemory | undefined> {
    const memory = this.memories.get(userId);
    if (memory) this.touch(userId, memory);
    return memory;
  }

  update(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory> {
    return this.queues.run(userId, () => {
      const memory = this.memories.get(userId) ?? emptyMemory(userId);
      change(memory);
      this.touch(userId, memory);
      return memory;
    });
  }

  async idempotency(key: string): Promise<IdempotencyRecord | undefined> {
    return this.liveRecord(key);
  }

  async putIdempotency(key: string, record: IdempotencyRecord, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    // Checked and set in one turn of the event loop: two claims of one key cannot both see it free.
    if (onlyIfAbsent && this.liveRecord(key) !== undefined) return false;
    this.writes.delete(key);
    this.writes.set(key, { record, expiresAt: this.now() + ttlMs });
    // Expired records go as new ones come; past the bound, the oldest go (a key is worth 24 hours, not forever).
    for (const [oldKey, kept] of this.writes) {
      if (kept.expiresAt > this.now() && this.writes.size <= this.maxIdentities) break;
      this.writes.delete(oldKey);
    }
    return true;
  }

  private liveRecord(key: string): IdempotencyRecord | undefined {
    const kept = this.writes.get(key);
    if (!kept) return undefined;
    if (kept.expiresAt <= this.now()) {
      this.writes.delete(key);
      return undefined;
    }
    return kept.record;
  }

  async forgetIdempotency(key: string): Promise<void> {
    this.writes.delete(key);
  }

  async forgetUser(userId: string): Promise<void> {
    await this.queues.run(userId, () => void this.memories.delete(userId));
  }

  async size(): Promise<{ users: number; events: number }> {
    let events = 0;
    for (const memory of this.memories.values()) events += Object.keys(memory.events).length;
    return { users: this.memories.size, events };
  }

  /** Marks a user as the most recently used, and lets the least recently used go when over the bound. */
  private touch(userId: string, memory: UserMemory): void {
    this.memories.delete(userId);
    this.memories.set(userId, memory);
    while (this.memories.size > this.maxUsers) this.memories.delete(this.memories.keys().next().value!);
  }
}
