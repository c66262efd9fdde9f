/**
 * A store that never fails the gateway: it passes every call to its primary (Redis), and while the primary fails it
 * answers as if no memory were kept, so the gateway serves from X as with `STORE=off`:
 * - reads (`identity`, `read`, `idempotency`, `budget`) answer undefined; `size` answers zeros;
 * - writes (`setIdentity`, `forgetIdentity`, `forgetIdempotency`, `setBudget`) are skipped;
 * - `update` applies the change to a fresh, empty memory and returns it, keeping nothing (the caller sees what it
 *   just wrote for the rest of its request, as a new user's first change would);
 * - idempotency records (the Activity API's ids seen) claimed while the primary is down are kept in this process, and a
 *   token refused while the primary is down is remembered here and forgotten in the primary once it is back (so a
 *   stale tie is never used);
 * - writes' idempotency keys are the exception: they go through `strict`, which has no fallback, since a key claimed
 *   in one process only would let a retry that reaches another replica send the message again;
 * - leases are taken and renewed in this process while the primary is down (each replica then does the work itself,
 *   as without a shared store); once the primary is back, a holder takes its lease there again, or finds that another
 *   replica took it meanwhile.
 *
 * A failure is a rejection or an answer slower than `timeoutMs`. After one, the primary is left alone for
 * `retryAfterMs` (calls take the fallback at once), then the next call tries it again: Redis is used again by itself
 * when it is back. `onState` hears each transition (`down` with the error, `up`), once per transition, not per call.
 * An error thrown by an `update`'s own change function is the caller's, not the store's: it is passed on as is.
 */
import { type UserMemory, emptyMemory } from '../memory-model.js';
import { InProcessStore } from './in-process.js';
import type { DmStore, IdempotencyRecord, IdempotencyStore, LeaseStore, StoredBudget } from './store.js';

export type StoreState = 'up' | 'down';

export interface ResilientStoreOptions {
  /** After a failure, how long calls skip the primary before one tries it again. @default 1000 */
  retryAfterMs?: number;
  /** The longest one call to the primary may take before it counts as failed. @default 2000 */
  timeoutMs?: number;
  /** Most refused tokens remembered while the primary is down. @default 10_000 */
  maxPendingForgets?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

/** Marks an error thrown by the caller's own change function. */
class ChangeFailed extends Error {
  constructor(readonly error: unknown) {
    super('the change function failed');
  }
}

export class ResilientStore implements DmStore, LeaseStore {
  private current: StoreState = 'up';
  private downs = 0;
  private probing = false;
  private retryAt = 0;
  /** Idempotency records claimed and leases held while the primary was down. */
  private readonly local = new InProcessStore({ maxUsers: 1 });
  /** Token hashes refused while the primary was down, still to be forgotten there. */
  private readonly pendingForgets = new Set<string>();
  private readonly retryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly maxPendingForgets: number;
  private readonly now: () => number;

  constructor(
    private readonly primary: DmStore,
    private readonly onState: (state: StoreState, error?: Error) => void = () => {},
    options: ResilientStoreOptions = {},
  ) {
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxPendingForgets = options.maxPendingForgets ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The primary's idempotency records, with no fallback: a call the primary does not answer in time rejects (and
   * counts as the primary failing), and while the primary is left alone every call rejects at once. Writes claim
   * their keys here.
   */
  readonly strict: IdempotencyStore = {
    idempotency: (key) => this.attemptStrictly(() => this.primary.idempotency(key)),
    putIdempotency: (key, record, ttlMs, onlyIfAbsent) =>
      this.attemptStrictly(() => this.primary.putIdempotency(key, record, ttlMs, onlyIfAbsent)),
    forgetIdempotency: (key) => this.attemptStrictly(() => this.primary.forgetIdempotency(key)),
  };

  /** How often the primary has gone down (each `up` to `down`). */
  outages(): number {
    return this.downs;
  }

  /** `up` while the primary answers, `down` from its first failure until it answers again. */
  state(): StoreState {
    return this.current;
  }

  /** Lets go of the primary's connections. */
  async close(): Promise<void> {
    await this.primary.close?.();
  }

  /**
   * True while the primary answers: what is read and written is kept. While it is down, a call past the retry time
   * checks it in the background, so a gateway that stopped using the store (it answers from X) finds it back.
   */
  available(): boolean {
    if (this.current === 'down' && this.now() >= this.retryAt && !this.probing) {
      this.probing = true;
      void this.attempt(
        () => this.primary.identity('probe'),
        () => undefined,
      ).finally(() => (this.probing = false));
    }
    return this.current === 'up';
  }

  async identity(tokenHash: string): Promise<string | undefined> {
    if (this.pendingForgets.has(tokenHash)) {
      void this.flushForgets();
      return undefined;
    }
    return this.attempt(
      () => this.primary.identity(tokenHash),
      () => undefined,
    );
  }

  async setIdentity(tokenHash: string, userId: string, ttlMs: number): Promise<void> {
    await this.attempt(
      async () => {
        await this.primary.setIdentity(tokenHash, userId, ttlMs);
        this.pendingForgets.delete(tokenHash);
      },
      () => undefined,
    );
  }

  async forgetIdentity(tokenHash: string): Promise<void> {
    await this.attempt(
      () => this.primary.forgetIdentity(tokenHash),
      () => {
        this.pendingForgets.delete(tokenHash);
        this.pendingForgets.add(tokenHash);
        if (this.pendingForgets.size > this.maxPendingForgets) {
          this.pendingForgets.delete(this.pendingForgets.values().next().value!);
        }
      },
    );
  }

  read(userId: string): Promise<UserMemory | undefined> {
    return this.attempt(
      () => this.primary.read(userId),
      () => undefined,
    );
  }

  update(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory> {
    const guarded = (memory: UserMemory) => {
      try {
        change(memory);
      } catch (error) {
        throw new ChangeFailed(error);
      }
    };
    return this.attempt(
      () => this.primary.update(userId, guarded),
      () => {
        const memory = emptyMemory(userId);
        change(memory);
        return memory;
      },
    );
  }

  async idempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const local = await this.local.idempotency(key);
    if (local) return local;
    return this.attempt(
      () => this.primary.idempotency(key),
      () => undefined,
    );
  }

  async putIdempotency(key: string, record: IdempotencyRecord, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    if (onlyIfAbsent && (await this.local.idempotency(key))) return false;
    return this.attempt(
      async () => {
        const kept = await this.primary.putIdempotency(key, record, ttlMs, onlyIfAbsent);
        if (kept) await this.local.forgetIdempotency(key);
        return kept;
      },
      () => this.local.putIdempotency(key, record, ttlMs, onlyIfAbsent),
    );
  }

  async forgetIdempotency(key: string): Promise<void> {
    await this.local.forgetIdempotency(key);
    await this.attempt(
      () => this.primary.forgetIdempotency(key),
      () => undefined,
    );
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { primary, local } = this;
    if (!primary.acquireLease) return local.acquireLease(name, holder, ttlMs);
    return this.attempt(
      () => primary.acquireLease!(name, holder, ttlMs),
      () => local.acquireLease(name, holder, ttlMs),
    );
  }

  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { primary, local } = this;
    // While the primary is down, its holder keeps the lease here (as its replica would, alone).
    const keepHere = async () =>
      (await local.acquireLease(name, holder, ttlMs)) || (await local.renewLease(name, holder, ttlMs));
    if (!primary.renewLease) return local.renewLease(name, holder, ttlMs);
    return this.attempt(() => primary.renewLease!(name, holder, ttlMs), keepHere);
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    const { primary } = this;
    const here = await this.local.releaseLease(name, holder);
    if (!primary.releaseLease) return here;
    const there = await this.attempt(
      () => primary.releaseLease!(name, holder),
      () => false,
    );
    return here || there;
  }

  async forgetUser(userId: string): Promise<void> {
    const { primary } = this;
    if (primary.forgetUser) await primary.forgetUser(userId);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    const { primary } = this;
    if (primary.publish)
      await this.attempt(
        () => primary.publish!(channel, message),
        () => undefined,
      );
  }

  subscribe(channel: string, onMessage: (message: unknown) => void): () => void {
    return this.primary.subscribe?.(channel, onMessage) ?? (() => {});
  }

  async budget(tokenHash: string, family: string): Promise<StoredBudget | undefined> {
    const primary = this.primary;
    if (!primary.budget) return undefined;
    return this.attempt(
      () => primary.budget!(tokenHash, family),
      () => undefined,
    );
  }

  async setBudget(tokenHash: string, family: string, budget: StoredBudget, ttlMs: number): Promise<void> {
    const primary = this.primary;
    if (!primary.setBudget) return;
    await this.attempt(
      () => primary.setBudget!(tokenHash, family, budget, ttlMs),
      () => undefined,
    );
  }

  size(): Promise<{ users: number; events: number }> {
    return this.attempt(
      () => this.primary.size(),
      () => ({ users: 0, events: 0 }),
    );
  }

  /** Runs `call` on the primary, or `fallback` while it is failing. */
  private async attempt<T>(call: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.leftAlone()) return fallback();
    try {
      return await this.attemptStrictly(call);
    } catch (error) {
      if (error instanceof ChangeFailed) throw error.error;
      return fallback();
    }
  }

  /** Runs `call` on the primary; rejects when it fails, and at once while the primary is left alone. */
  private async attemptStrictly<T>(call: () => Promise<T>): Promise<T> {
    if (this.leftAlone()) throw new Error('the store is down');
    let result: T;
    try {
      result = await this.withTimeout(call());
    } catch (error) {
      if (!(error instanceof ChangeFailed)) this.failed(error);
      throw error;
    }
    this.recovered();
    return result;
  }

  /** Whether calls skip the primary now (it failed less than `retryAfterMs` ago). */
  private leftAlone(): boolean {
    return this.current === 'down' && this.now() < this.retryAt;
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the store did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private failed(error: unknown): void {
    this.retryAt = this.now() + this.retryAfterMs;
    if (this.current === 'down') return;
    this.current = 'down';
    this.downs += 1;
    this.tell('down', error instanceof Error ? error : new Error(String(error)));
  }

  private recovered(): void {
    if (this.current === 'up') return;
    this.current = 'up';
    this.tell('up');
    void this.flushForgets();
  }

  private tell(state: StoreState, error?: Error): void {
    try {
      this.onState(state, error);
    } catch {
      // The listener's failure is its own.
    }
  }

  /** Forgets in the primary the tokens refused while it was down. */
  private async flushForgets(): Promise<void> {
    if (this.current === 'down') return;
    for (const tokenHash of [...this.pendingForgets]) {
      try {
        await this.withTimeout(this.primary.forgetIdentity(tokenHash));
        this.pendingForgets.delete(tokenHash);
      } catch (error) {
        this.failed(error);
        return;
      }
    }
  }
}
