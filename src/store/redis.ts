/**
 * The shared store: identities, memories, idempotency records, rate-limit budgets and leases in Redis, so that every
 * replica of the gateway sees the same memory, and one replica at a time does what a lease guards.
 *
 * Nothing is readable at rest (`crypto.ts`): every value is sealed with AES-256-GCM under a key derived from
 * `STORE_KEY`, and key names carry keyed hashes only. With the default prefix `xdm:`:
 *
 * | key | type | holds | expires |
 * |---|---|---|---|
 * | `xdm:m:<h(userId)>` | hash | `d`: the sealed memory (JSON); `v`: its version, a write counter | `memoryTtlMs` (30 days) after its last write |
 * | `xdm:i:<h(tokenHash)>` | string | the sealed `{ userId, expiresAt }` | the identity's ttl |
 * | `xdm:k:<h(key)>` | string | the sealed idempotency record | the record's ttl |
 * | `xdm:b:<h(family, tokenHash)>` | string | the sealed rate-limit budget `{ limit, remaining, resetAt }` | X's reset |
 * | `xdm:l:<h(name)>` | string | `h(holder)`: who holds the lease | the lease's ttl (Redis's clock) |
 * | `xdm:users` | sorted set | `h(userId)` by last use (Redis's clock, µs): the least recently used go first | `memoryTtlMs` after the last write |
 * | `xdm:counts` | hash | `h(userId)` -> events in that memory | as above |
 * | `xdm:events` | string | the sum of `xdm:counts`, for `size()` | as above |
 *
 * `h(x)` is HMAC-SHA256 (base64url) of x with its kind, under a key of its own derived from `STORE_KEY`.
 *
 * Changes of one user's memory are serialised twice: within this process by a chain of promises per user (one
 * replica never races itself), and across processes by optimistic concurrency on the memory's version: read
 * `d` and `v`, run the change, then a Lua script writes only if `v` is still what was read (compare-and-set), else the
 * read and the change run again (a few times, with a short random pause). So **a change function may run more than
 * once** for one `update` when another replica changed the same memory in between; the memory's change functions are
 * pure mutations of the data they are given, which makes that safe. (WATCH/MULTI would do the same, but WATCH is a
 * state of a connection, and this store shares one connection between all users.)
 *
 * Redis failing is not the gateway failing: every command has a short timeout, no command waits in an offline queue
 * or is replayed after a reconnect, so a failing Redis makes each call reject quickly with an Error; the client
 * reconnects by itself. `status()` says whether Redis answers, and `onStatusChange` tells when that flips.
 *
 * A lease is taken with `SET NX PX` (one of two replicas asking at once gets it) and renewed or released by scripts
 * that compare the holder first, so only its holder extends or deletes it. Leases expire on Redis's clock, not on
 * `now`.
 *
 * The scripts touch keys they derive from the prefix (the memory of an evicted user): one Redis, not a Cluster.
 * Redis 5 or newer (scripts call TIME).
 */
import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { connectRedis } from './ioredis.js';
import { RETENTION_MS, type UserMemory, emptyMemory } from '../memory-model.js';
import { type StoreKeys, deriveStoreKeys, hashName, open, seal } from './crypto.js';
import { SerialQueues } from './serial.js';
import type { BudgetStore, DmStore, IdempotencyRecord, LeaseStore, StoreChannel, StoredBudget } from './store.js';

export type RedisStoreStatus = 'ready' | 'down';

export interface RedisStoreOptions {
  /** `REDIS_URL`. @default 'redis://127.0.0.1:6379' */
  url?: string;
  /** `STORE_KEY`: at least 32 characters, the same on every replica. Required. */
  storeKey: string;
  /** What every key name starts with. @default 'xdm:' */
  keyPrefix?: string;
  /** The longest one Redis command may take before it rejects. @default 500 */
  commandTimeoutMs?: number;
  /** The longest a connection attempt may take. @default 1000 */
  connectTimeoutMs?: number;
  /** The longest pause between two reconnection attempts. @default 1000 */
  maxReconnectDelayMs?: number;
  /** Most users whose memory is kept; the least recently used go first. @default 10_000 */
  maxUsers?: number;
  /** How long a memory is kept after its last write: at most X's 30-day window. @default RETENTION_MS */
  memoryTtlMs?: number;
  /** How many times an `update` may find its memory changed by another replica before it gives up. @default 10 */
  maxUpdateAttempts?: number;
  /** The clock that expires identities and idempotency records (Redis's own TTL bounds them too). @default Date.now */
  now?: () => number;
  /** Told when Redis starts or stops answering. */
  onStatusChange?: (status: RedisStoreStatus, reason?: string) => void;
  /** Told of what the store swallowed: a connection error, a value that could not be opened (read as absent). */
  onError?: (error: Error) => void;
  /** Anything else for ioredis (the options above win over these). */
  redisOptions?: RedisOptions;
}

/** A Lua script run by its SHA-1, sent whole when Redis does not know it (after a restart). */
class Script {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/** What every script that changes the index shares. KEYS: users (zset), counts (hash), events (string). */
const INDEX = `
local users, counts, total = KEYS[1], KEYS[2], KEYS[3]
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function drop(member, memoryPrefix)
  redis.call('ZREM', users, member)
  local n = tonumber(redis.call('HGET', counts, member) or '0')
  redis.call('HDEL', counts, member)
  if n ~= 0 and redis.call('DECRBY', total, string.format('%d', n)) < 0 then redis.call('SET', total, '0', 'KEEPTTL') end
  redis.call('DEL', memoryPrefix .. member)
end
local function trim(now, ttlMs, maxUsers, memoryPrefix)
  local stale = redis.call('ZRANGEBYSCORE', users, '-inf', now - ttlMs * 1000, 'LIMIT', 0, 100)
  for _, member in ipairs(stale) do drop(member, memoryPrefix) end
  local over = redis.call('ZCARD', users) - maxUsers
  if over > 0 then
    for _, member in ipairs(redis.call('ZRANGE', users, 0, string.format('%d', over - 1))) do drop(member, memoryPrefix) end
  end
end
local function keep(ttl)
  redis.call('PEXPIRE', users, ttl)
  redis.call('PEXPIRE', counts, ttl)
  redis.call('PEXPIRE', total, ttl)
end
`;

/**
 * Reads a memory and marks its user as used; a user whose memory expired leaves the index.
 * KEYS: users, counts, events, memory. ARGV: member, memory prefix. Returns [sealed, version].
 */
const READ = new Script(`${INDEX}
local found = redis.call('HMGET', KEYS[4], 'd', 'v')
if found[1] then
  redis.call('ZADD', users, 'XX', clock(), ARGV[1])
elseif redis.call('ZSCORE', users, ARGV[1]) then
  drop(ARGV[1], ARGV[2])
end
return found
`);

/**
 * Writes a memory if its version is still the one read (compare-and-set), then lets the least recently used users go.
 * KEYS: users, counts, events, memory. ARGV: member, memory prefix, expected version, sealed memory, its event count,
 * ttl (ms), most users. Returns the new version, or -1 when another write came first.
 */
const WRITE = new Script(`${INDEX}
local member, prefix = ARGV[1], ARGV[2]
local version = tonumber(redis.call('HGET', KEYS[4], 'v') or '0')
if version ~= tonumber(ARGV[3]) then return -1 end
version = version + 1
redis.call('HSET', KEYS[4], 'd', ARGV[4], 'v', string.format('%d', version))
redis.call('PEXPIRE', KEYS[4], ARGV[6])
local now = clock()
redis.call('ZADD', users, now, member)
local count = tonumber(ARGV[5])
local before = tonumber(redis.call('HGET', counts, member) or '0')
redis.call('HSET', counts, member, ARGV[5])
redis.call('INCRBY', total, string.format('%d', count - before))
trim(now, tonumber(ARGV[6]), tonumber(ARGV[7]), prefix)
keep(ARGV[6])
return version
`);

/** Drops expired and surplus users, and counts. KEYS: users, counts, events. ARGV: memory prefix, ttl, most users. */
const SIZE = new Script(`${INDEX}
if redis.call('EXISTS', users) == 1 then trim(clock(), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[1]) end
return { redis.call('ZCARD', users), tonumber(redis.call('GET', total) or '0') }
`);

/** Deletes one user's memory and index entries. KEYS: users, counts, events. ARGV: member, memory prefix. */
const FORGET = new Script(`${INDEX}
drop(ARGV[1], ARGV[2])
return 1
`);

/** Extends a lease when its holder asks. KEYS: the lease. ARGV: h(holder), ttl (ms). Returns 1 when extended, else 0. */
const RENEW_LEASE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Deletes a lease when its holder asks. KEYS: the lease. ARGV: h(holder). Returns 1 when deleted, else 0. */
const RELEASE_LEASE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

interface SealedIdentity {
  userId: string;
  expiresAt: number;
}

interface SealedRecord {
  record: IdempotencyRecord;
  expiresAt: number;
}

export class RedisStore implements DmStore, BudgetStore, LeaseStore, StoreChannel {
  private readonly client: Redis;
  private readonly keys: StoreKeys;
  private readonly prefix: string;
  private readonly indexKeys: [string, string, string];
  private readonly maxUsers: number;
  private readonly memoryTtlMs: number;
  private readonly maxUpdateAttempts: number;
  private readonly now: () => number;
  private readonly onError: (error: Error) => void;
  private readonly listeners = new Set<(status: RedisStoreStatus, reason?: string) => void>();
  /** Changes of one user's memory run one at a time here (and compare-and-set across replicas). */
  private readonly queues = new SerialQueues();
  private current: RedisStoreStatus = 'down';
  private closed = false;

  constructor(options: RedisStoreOptions) {
    // Refuses a missing or short STORE_KEY before anything connects.
    this.keys = deriveStoreKeys(options.storeKey);
    this.prefix = options.keyPrefix ?? 'xdm:';
    this.indexKeys = [`${this.prefix}users`, `${this.prefix}counts`, `${this.prefix}events`];
    this.maxUsers = Math.max(1, Math.floor(options.maxUsers ?? 10_000));
    this.memoryTtlMs = Math.max(1, Math.floor(Math.min(options.memoryTtlMs ?? RETENTION_MS, RETENTION_MS)));
    this.maxUpdateAttempts = Math.max(1, options.maxUpdateAttempts ?? 10);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
    if (options.onStatusChange) this.listeners.add(options.onStatusChange);
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    this.client = connectRedis(options.url ?? 'redis://127.0.0.1:6379', {
      ...options.redisOptions,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      // A command fails at once while Redis is away, and is never replayed after a reconnect (a write that timed out
      // must not land later behind the caller's back more than it already may).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => (this.closed ? null : Math.min(50 * attempt, maxDelay)),
      lazyConnect: false,
    });
    this.client.on('ready', () => this.setStatus('ready'));
    this.client.on('close', () => this.setStatus('down', 'connection closed'));
    this.client.on('end', () => this.setStatus('down', 'connection ended'));
    this.client.on('error', (error: Error) => this.onError(new Error(`Redis store: ${error.message}`)));
  }

  /** Whether Redis answers: `down` while disconnected, and after a command timed out until one succeeds again. */
  status(): RedisStoreStatus {
    return this.current;
  }

  /** Calls `listener` whenever the status flips; returns the way to stop. */
  onStatusChange(listener: (status: RedisStoreStatus, reason?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once Redis answers; rejects after `timeoutMs`. */
  ready(timeoutMs = 5_000): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.client.off('ready', done);
        reject(new Error(`Redis store: Redis did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.client.on('ready', done);
    });
  }

  /** Closes the connection; the store rejects every call after. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
    this.setStatus('down', 'closed');
  }

  async identity(tokenHash: string): Promise<string | undefined> {
    const name = this.name('i', tokenHash);
    const kept = this.openJson<SealedIdentity>(name, await this.command('identity', () => this.client.getBuffer(name)));
    if (!kept || typeof kept.userId !== 'string' || !(kept.expiresAt > this.now())) return undefined;
    return kept.userId;
  }

  async setIdentity(tokenHash: string, userId: string, ttlMs: number): Promise<void> {
    const name = this.name('i', tokenHash);
    if (!(ttlMs > 0)) {
      await this.command('setIdentity', () => this.client.del(name));
      return;
    }
    const value = this.sealJson(name, { userId, expiresAt: this.now() + ttlMs } satisfies SealedIdentity);
    await this.command('setIdentity', () => this.client.set(name, value, 'PX', Math.ceil(ttlMs)));
  }

  async forgetIdentity(tokenHash: string): Promise<void> {
    const name = this.name('i', tokenHash);
    await this.command('forgetIdentity', () => this.client.del(name));
  }

  async read(userId: string): Promise<UserMemory | undefined> {
    const member = hashName(this.keys, 'm', userId);
    const name = this.memoryName(member);
    const [sealed] = (await this.command('read', () =>
      this.run(READ, [...this.indexKeys, name], [member, this.memoryName('')]),
    )) as [Buffer | null, Buffer | null];
    return this.openMemory(name, userId, sealed);
  }

  /**
   * Changes the user's memory, one change at a time per user across every replica. `change` may run more than once
   * (when another replica wrote the same memory between this one's read and write): it must be a pure mutation of the
   * memory it is given.
   */
  update(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory> {
    return this.queues.run(userId, () => this.changeMemory(userId, change));
  }

  async idempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const name = this.name('k', key);
    const kept = this.openJson<SealedRecord>(
      name,
      await this.command('idempotency', () => this.client.getBuffer(name)),
    );
    if (!kept || typeof kept.record !== 'object' || !(kept.expiresAt > this.now())) return undefined;
    return kept.record;
  }

  async putIdempotency(key: string, record: IdempotencyRecord, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    const name = this.name('k', key);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const value = this.sealJson(name, { record, expiresAt: this.now() + ttl } satisfies SealedRecord);
    const answer = await this.command('putIdempotency', () =>
      onlyIfAbsent ? this.client.set(name, value, 'PX', ttl, 'NX') : this.client.set(name, value, 'PX', ttl),
    );
    return answer === 'OK';
  }

  async forgetIdempotency(key: string): Promise<void> {
    const name = this.name('k', key);
    await this.command('forgetIdempotency', () => this.client.del(name));
  }

  async budget(tokenHash: string, family: string): Promise<StoredBudget | undefined> {
    const name = this.budgetName(tokenHash, family);
    const kept = this.openJson<StoredBudget>(name, await this.command('budget', () => this.client.getBuffer(name)));
    if (!kept || typeof kept !== 'object') return undefined;
    const { limit, remaining, resetAt } = kept;
    if (![limit, remaining, resetAt].every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
    if (!(resetAt > this.now())) return undefined;
    return { limit, remaining, resetAt };
  }

  async setBudget(tokenHash: string, family: string, budget: StoredBudget, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return;
    const name = this.budgetName(tokenHash, family);
    const { limit, remaining, resetAt } = budget;
    const value = this.sealJson(name, { limit, remaining, resetAt } satisfies StoredBudget);
    await this.command('setBudget', () => this.client.set(name, value, 'PX', Math.ceil(ttlMs)));
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const key = this.name('l', name);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const answer = await this.command('acquireLease', () =>
      this.client.set(key, this.leaseHolder(holder), 'PX', ttl, 'NX'),
    );
    return answer === 'OK';
  }

  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const key = this.name('l', name);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const renewed = await this.command('renewLease', () =>
      this.run(RENEW_LEASE, [key], [this.leaseHolder(holder), ttl]),
    );
    return Number(renewed) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    const key = this.name('l', name);
    const released = await this.command('releaseLease', () =>
      this.run(RELEASE_LEASE, [key], [this.leaseHolder(holder)]),
    );
    return Number(released) === 1;
  }

  /**
   * Users kept and the events in their memories, from counters the writes keep (no scan). An approximation: a memory
   * that expired while its user was still being read counts until that user's next read or eviction.
   */
  async size(): Promise<{ users: number; events: number }> {
    const [users, events] = (await this.command('size', () =>
      this.run(SIZE, this.indexKeys, [this.memoryName(''), this.memoryTtlMs, this.maxUsers]),
    )) as [number, number];
    return { users: Number(users), events: Math.max(0, Number(events)) };
  }

  private async changeMemory(userId: string, change: (memory: UserMemory) => void): Promise<UserMemory> {
    const member = hashName(this.keys, 'm', userId);
    const name = this.memoryName(member);
    for (let attempt = 1; ; attempt++) {
      const [sealed, version] = await this.command('update', () => this.client.hmgetBuffer(name, 'd', 'v'));
      const memory = this.openMemory(name, userId, sealed) ?? emptyMemory(userId);
      change(memory);
      const args = [
        member,
        this.memoryName(''),
        version ? version.toString() : '0',
        this.sealJson(name, memory),
        Object.keys(memory.events).length,
        this.memoryTtlMs,
        this.maxUsers,
      ];
      const written = await this.command('update', () => this.run(WRITE, [...this.indexKeys, name], args));
      if (Number(written) >= 0) return memory;
      if (attempt >= this.maxUpdateAttempts) {
        throw new Error(
          `Redis store: update gave up after ${attempt} attempts: other replicas kept changing the same memory`,
        );
      }
      // Another replica wrote in between: read again after a short random pause, so two writers fall out of step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
    }
  }

  async publish(channel: string, message: unknown): Promise<void> {
    const name = this.name('p', channel);
    await this.command('publish', () => this.client.publish(name, this.sealJson(name, message)));
  }

  subscribe(channel: string, onMessage: (message: unknown) => void): () => void {
    const name = this.name('p', channel);
    // A connection in subscriber mode serves nothing else: one of its own.
    const listener = this.client.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined as unknown as number,
    });
    listener.on('error', (error: Error) => this.onError(new Error(`Redis store: ${error.message}`)));
    listener.on('messageBuffer', (from: Buffer, sealed: Buffer) => {
      if (from.toString() !== name) return;
      const message = this.openJson<unknown>(name, sealed);
      if (message !== undefined) onMessage(message);
    });
    void listener.subscribe(name).catch((error: Error) => this.onError(error));
    return () => listener.disconnect();
  }

  /** Deletes a user's memory and takes them out of the index. */
  async forgetUser(userId: string): Promise<void> {
    const member = hashName(this.keys, 'm', userId);
    await this.queues.run(userId, () =>
      this.command('forgetUser', () => this.run(FORGET, this.indexKeys, [member, this.memoryName('')])),
    );
  }

  /** What a lease's key holds: its holder, hashed like a key name (compared in scripts, never read back). */
  private leaseHolder(holder: string): string {
    return hashName(this.keys, 'lease holder', holder);
  }

  private name(kind: 'i' | 'k' | 'l' | 'p', id: string): string {
    return `${this.prefix}${kind}:${hashName(this.keys, kind, id)}`;
  }

  /** A budget's key: the family and the token hash hashed together, so that neither shows. */
  private budgetName(tokenHash: string, family: string): string {
    return `${this.prefix}b:${hashName(this.keys, 'b', `${family}\0${tokenHash}`)}`;
  }

  private memoryName(member: string): string {
    return `${this.prefix}m:${member}`;
  }

  private sealJson(name: string, value: unknown): Buffer {
    return seal(this.keys, name, JSON.stringify(value));
  }

  private openJson<T>(name: string, sealed: Buffer | null | undefined): T | undefined {
    if (!sealed) return undefined;
    const plain = open(this.keys, name, sealed);
    if (!plain) {
      this.onError(
        new Error('Redis store: a value could not be opened (another STORE_KEY, or altered); read as absent'),
      );
      return undefined;
    }
    try {
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      this.onError(new Error('Redis store: a value was not JSON; read as absent'));
      return undefined;
    }
  }

  private openMemory(name: string, userId: string, sealed: Buffer | null | undefined): UserMemory | undefined {
    const memory = this.openJson<UserMemory>(name, sealed);
    return memory && typeof memory === 'object' && memory.userId === userId ? memory : undefined;
  }

  /** Runs a script by its SHA-1, sending it whole when Redis does not know it yet. */
  private async run(script: Script, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await this.client.callBuffer('EVALSHA', [script.sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.client.callBuffer('EVAL', [script.lua, keys.length, ...keys, ...args]);
    }
  }

  /** Runs one command (or script), turning any failure into a plain Error that names the operation, and no more. */
  private async command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      if (this.current === 'down' && this.client.status === 'ready') this.setStatus('ready');
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/timed out/i.test(message)) this.setStatus('down', 'a command timed out');
      throw new Error(`Redis store: ${operation} failed: ${message}`, { cause: error });
    }
  }

  private setStatus(status: RedisStoreStatus, reason?: string): void {
    if (status === 'ready' && this.closed) return;
    if (status === this.current) return;
    this.current = status;
    for (const listener of this.listeners) {
      try {
        listener(status, reason);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
