/**
 * The Redis store against a real Redis (Debian's redis-server, on 127.0.0.1): the store's behaviour suite, then what
 * only a shared store has to prove: nothing readable at rest, key names that carry no ids, every key expiring, replicas
 * that share one memory without losing a change, and a Redis that dies or hangs without taking the store with it.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RETENTION_MS, type UserMemory } from '../../src/memory-model.js';
import { deriveStoreKeys, hashName } from '../../src/store/crypto.js';
import { RedisStore, type RedisStoreOptions, type RedisStoreStatus } from '../../src/store/redis.js';
import { ResilientStore, type StoreState } from '../../src/store/resilient.js';
import type { IdempotencyRecord } from '../../src/store/store.js';
import { type RedisServer, redisAvailable, startRedis } from '../support/redis.js';
import { storeBehaviour } from './behaviour.js';

const STORE_KEY = 'a store key of at least thirty-two characters, for tests';
const OTHER_KEY = 'another store key, just as long, that must read nothing';

const describeRedis = describe.skipIf(!redisAvailable);

/** Every store a test made, closed after it. */
const stores: RedisStore[] = [];
const raws: Redis[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  raws.splice(0).forEach((raw) => raw.disconnect());
});

async function makeStore(
  server: RedisServer,
  options: Partial<RedisStoreOptions> = {},
  waitForReady = true,
): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, storeKey: STORE_KEY, ...options });
  stores.push(store);
  if (waitForReady) await store.ready();
  return store;
}

/** A plain client, to look at what Redis holds. */
function rawClient(server: RedisServer): Redis {
  const raw = new Redis(server.url, { maxRetriesPerRequest: 1 });
  raws.push(raw);
  return raw;
}

const event = (id: string, conversationId: string, senderId: string, text: string) =>
  ({
    id,
    event_type: 'MessageCreate',
    text,
    sender_id: senderId,
    dm_conversation_id: conversationId,
    created_at: new Date().toISOString(),
  }) as never;

interface Kept {
  readonly key: string;
  readonly type: string;
  readonly pttl: number;
  /** The key's name and every byte it holds (members, fields, values, scores). */
  readonly blobs: Buffer[];
}

/** The whole keyspace: SCAN, then by TYPE, everything each key holds. */
async function dump(raw: Redis): Promise<Kept[]> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw.scan(cursor, 'COUNT', 1000);
    cursor = next;
    names.push(...batch);
  } while (cursor !== '0');
  const kept: Kept[] = [];
  for (const key of names.sort()) {
    const type = await raw.type(key);
    const blobs: Buffer[] = [Buffer.from(key)];
    if (type === 'string') blobs.push((await raw.getBuffer(key))!);
    else if (type === 'hash') {
      const fields = await raw.hgetallBuffer(key);
      for (const [field, value] of Object.entries(fields)) blobs.push(Buffer.from(field), value);
    } else if (type === 'zset') blobs.push(...(await raw.zrangeBuffer(key, 0, -1, 'WITHSCORES')));
    else if (type === 'set') blobs.push(...(await raw.smembersBuffer(key)));
    else if (type === 'list') blobs.push(...(await raw.lrangeBuffer(key, 0, -1)));
    else throw new Error(`unexpected type ${type} of ${key}`);
    kept.push({ key, type, pttl: await raw.pttl(key), blobs });
  }
  return kept;
}

/** The secrets of `kept` that show in any of its bytes, in the clear or encoded (base64, base64url, hex). */
function exposed(kept: readonly Kept[], secrets: readonly string[]): string[] {
  const found = new Set<string>();
  for (const secret of secrets) {
    const forms = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      Buffer.from(secret).toString('hex'),
    ];
    for (const { blobs } of kept) {
      for (const blob of blobs) if (forms.some((form) => blob.includes(form))) found.add(secret);
    }
  }
  return [...found];
}

describeRedis('the redis store', () => {
  let server: RedisServer;
  let prefix = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());

  // Each store of the suite has a prefix of its own: the tests share one Redis.
  storeBehaviour({
    name: 'redis',
    create: (options) => makeStore(server, { ...options, keyPrefix: `suite${++prefix}:` }),
  });
});

describeRedis('RedisStore in Redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());
  beforeEach(async () => {
    await rawClient(server).flushall();
  });

  const owner = '1501234567890123456';
  const friend = '1609876543210987654';
  const conversation = `${owner}-${friend}`;
  const group = '1701234567890123456';
  const eventId = '1801234567890123456';
  const sentId = '1901234567890123456';
  const text = 'planted secret message: the launch code is 7734';
  const groupText = 'planted group text about the surprise party';
  const username = 'planted_username_zed';
  const pageToken = 'planted-page-token-1zzq';
  const tokenHash = createHash('sha256').update('planted access credential').digest('hex');
  const idempotencyKey = `${owner}:planted-client-key`;
  const replicaId = 'planted-replica-4c1d';
  const secrets = [
    owner,
    friend,
    conversation,
    group,
    eventId,
    sentId,
    text,
    groupText,
    username,
    pageToken,
    tokenHash,
    idempotencyKey,
    replicaId,
  ];

  async function plant(store: RedisStore): Promise<void> {
    await store.setIdentity(tokenHash, owner, 300_000);
    await store.update(owner, (memory) => {
      memory.events[eventId] = event(eventId, conversation, friend, text);
      memory.events[sentId] = event(sentId, group, owner, groupText);
      memory.feed = { ids: [sentId, eventId], headId: sentId, next: pageToken, end: false, syncedAt: Date.now() };
      memory.conversations[conversation] = {
        ids: [eventId],
        headId: eventId,
        next: pageToken,
        end: false,
        syncedAt: Date.now(),
      };
      memory.objects.user[friend] = {
        value: { id: friend, username, name: 'Planted Name' },
        fields: ['id', 'username', 'name'],
      };
      memory.sent = [sentId];
    });
    const record: IdempotencyRecord = {
      fingerprint: 'f'.repeat(64),
      state: 'done',
      answer: { eventId: sentId, conversationId: group },
      at: Date.now(),
    };
    await store.putIdempotency(idempotencyKey, record, 86_400_000, true);
    await store.setBudget(tokenHash, 'dm-read', { limit: 15, remaining: 0, resetAt: Date.now() + 600_000 }, 600_000);
    expect(await store.acquireLease(`sync:${owner}`, replicaId, 15_000)).toBe(true);
  }

  it('keeps nothing readable at rest: no id, text, username, page token or token hash in any key or value', async () => {
    const store = await makeStore(server);
    await plant(store);
    const kept = await dump(rawClient(server));
    expect(kept.map(({ key, type }) => `${key.replace(/:[A-Za-z0-9_-]{43}$/, ':<hash>')} ${type}`)).toEqual([
      'xdm:b:<hash> string',
      'xdm:counts hash',
      'xdm:events string',
      'xdm:i:<hash> string',
      'xdm:k:<hash> string',
      'xdm:l:<hash> string',
      'xdm:m:<hash> hash',
      'xdm:users zset',
    ]);
    expect(exposed(kept, secrets)).toEqual([]);
    // The store itself reads all of it back.
    expect(await store.identity(tokenHash)).toBe(owner);
    const memory = (await store.read(owner))!;
    expect(memory.events[eventId]).toMatchObject({ text });
    expect(memory.objects.user[friend]!.value.username).toBe(username);
    expect(memory.feed!.next).toBe(pageToken);
    expect((await store.idempotency(idempotencyKey))!.answer).toEqual({ eventId: sentId, conversationId: group });
    expect(await store.budget(tokenHash, 'dm-read')).toMatchObject({ limit: 15, remaining: 0 });
    expect(await store.acquireLease(`sync:${owner}`, 'another replica', 15_000)).toBe(false);
  });

  it('names keys by keyed hashes only, and seals each value with its own IV', async () => {
    const store = await makeStore(server);
    await plant(store);
    const raw = rawClient(server);
    const keys = (await dump(raw)).map(({ key }) => key);
    for (const key of keys) expect(key).toMatch(/^xdm:(?:[mikbl]:[A-Za-z0-9_-]{43}|users|counts|events)$/);
    // The names are HMACs under a key derived from STORE_KEY, apart per kind: not a plain hash of the id.
    const plainHash = createHash('sha256').update(owner).digest('base64url');
    expect(keys.some((key) => key.includes(plainHash))).toBe(false);
    expect(keys).toContain(`xdm:m:${hashName(deriveStoreKeys(STORE_KEY), 'm', owner)}`);
    expect(hashName(deriveStoreKeys(STORE_KEY), 'i', owner)).not.toBe(hashName(deriveStoreKeys(STORE_KEY), 'm', owner));
    // The same identity written twice: two different ciphertexts (random IV), AES-GCM's layout.
    const identityKey = keys.find((key) => key.startsWith('xdm:i:'))!;
    const first = (await raw.getBuffer(identityKey))!;
    await store.setIdentity(tokenHash, owner, 300_000);
    const second = (await raw.getBuffer(identityKey))!;
    expect(first.equals(second)).toBe(false);
    expect(first.length).toBe(second.length);
    expect(first.length).toBeGreaterThan(1 + 12 + 16);
  });

  it('gives every key a TTL: memories 30 days at most from their last write, identities and records their own', async () => {
    const store = await makeStore(server);
    await plant(store);
    const kept = await dump(rawClient(server));
    for (const { key, pttl } of kept) {
      expect(pttl, key).toBeGreaterThan(0);
      expect(pttl, key).toBeLessThanOrEqual(RETENTION_MS);
    }
    const ttlOf = (kind: string) => kept.find(({ key }) => key.startsWith(`xdm:${kind}:`))!.pttl;
    expect(ttlOf('i')).toBeLessThanOrEqual(300_000);
    expect(ttlOf('i')).toBeGreaterThan(290_000);
    expect(ttlOf('k')).toBeLessThanOrEqual(86_400_000);
    expect(ttlOf('l')).toBeLessThanOrEqual(15_000);
    expect(ttlOf('m')).toBeGreaterThan(RETENTION_MS - 60_000);
    // A shorter memory TTL is honoured, and refreshed by each write.
    const short = await makeStore(server, { keyPrefix: 'short:', memoryTtlMs: 5_000 });
    await short.update(owner, () => {});
    const raw = rawClient(server);
    const name = `short:m:${hashName(deriveStoreKeys(STORE_KEY), 'm', owner)}`;
    await raw.pexpire(name, 1_000);
    await short.update(owner, () => {});
    expect(await raw.pttl(name)).toBeGreaterThan(4_000);
    for (const key of ['short:users', 'short:counts', 'short:events'])
      expect(await raw.pttl(key)).toBeGreaterThan(4_000);
  });

  it('reads nothing with another STORE_KEY, nor a value altered or moved under another key: absent, not a crash', async () => {
    const errors: string[] = [];
    const store = await makeStore(server, { onError: (error) => errors.push(error.message) });
    await plant(store);
    const raw = rawClient(server);
    const other = await makeStore(server, { storeKey: OTHER_KEY, onError: (error) => errors.push(error.message) });
    // Another STORE_KEY names other keys: nothing found.
    expect(await other.identity(tokenHash)).toBeUndefined();
    expect(await other.read(owner)).toBeUndefined();
    expect(await other.idempotency(idempotencyKey)).toBeUndefined();
    // Even given the very ciphertexts under the names it looks for, it cannot open them.
    const mine = deriveStoreKeys(STORE_KEY);
    const theirs = deriveStoreKeys(OTHER_KEY);
    await raw.copy(`xdm:m:${hashName(mine, 'm', owner)}`, `xdm:m:${hashName(theirs, 'm', owner)}`);
    await raw.copy(`xdm:i:${hashName(mine, 'i', tokenHash)}`, `xdm:i:${hashName(theirs, 'i', tokenHash)}`);
    expect(await other.read(owner)).toBeUndefined();
    expect(await other.identity(tokenHash)).toBeUndefined();
    expect(errors.filter((message) => /could not be opened/.test(message))).toHaveLength(2);
    // Its next change starts a fresh memory over what it cannot read.
    const fresh = await other.update(owner, () => {});
    expect(Object.keys(fresh.events)).toEqual([]);
    expect(errors.filter((message) => /could not be opened/.test(message))).toHaveLength(3);
    // A value moved under another name of the right STORE_KEY (another token's identity) does not open either.
    await raw.copy(`xdm:i:${hashName(mine, 'i', tokenHash)}`, `xdm:i:${hashName(mine, 'i', 'another-token-hash')}`);
    expect(await store.identity('another-token-hash')).toBeUndefined();
    // An altered byte is caught by the auth tag.
    const name = `xdm:m:${hashName(mine, 'm', owner)}`;
    const sealed = (await raw.hgetBuffer(name, 'd'))!;
    sealed.writeUInt8(sealed.readUInt8(sealed.length - 1) ^ 1, sealed.length - 1);
    await raw.hset(name, 'd', sealed);
    expect(await store.read(owner)).toBeUndefined();
    // Five values refused: two under the other key, the other key's update, the moved one, the altered one.
    expect(errors.filter((message) => /could not be opened/.test(message))).toHaveLength(5);
    expect(errors.join('\n')).not.toContain(owner);
  });

  it("keeps rate-limit budgets sealed, under a hash of token and family, until X's reset", async () => {
    let now = Date.now();
    const store = await makeStore(server, { now: () => now });
    const resetAt = now + 60_000;
    await store.setBudget(tokenHash, 'dm-read', { limit: 15, remaining: 0, resetAt }, 60_000);
    await store.setBudget(tokenHash, 'users', { limit: 900, remaining: 899, resetAt }, 60_000);
    // Nothing for a ttl already over.
    await store.setBudget(tokenHash, 'posts', { limit: 1, remaining: 0, resetAt: now }, 0);

    expect(await store.budget(tokenHash, 'dm-read')).toEqual({ limit: 15, remaining: 0, resetAt });
    expect(await store.budget(tokenHash, 'users')).toEqual({ limit: 900, remaining: 899, resetAt });
    expect(await store.budget(tokenHash, 'posts')).toBeUndefined();
    expect(await store.budget('another-token-hash', 'dm-read')).toBeUndefined();
    // Another replica reads it; another STORE_KEY does not.
    expect(await (await makeStore(server)).budget(tokenHash, 'dm-read')).toEqual({ limit: 15, remaining: 0, resetAt });
    expect(await (await makeStore(server, { storeKey: OTHER_KEY })).budget(tokenHash, 'dm-read')).toBeUndefined();

    const raw = rawClient(server);
    const kept = await dump(raw);
    expect(kept.map(({ key, type }) => `${key.replace(/:[A-Za-z0-9_-]{43}$/, ':<hash>')} ${type}`)).toEqual([
      'xdm:b:<hash> string',
      'xdm:b:<hash> string',
    ]);
    // Neither the token hash nor the family nor the numbers show; each budget expires at X's reset.
    expect(exposed(kept, [tokenHash, 'dm-read', 'users', 'remaining', String(resetAt)])).toEqual([]);
    for (const { key, pttl } of kept) {
      expect(pttl, key).toBeGreaterThan(55_000);
      expect(pttl, key).toBeLessThanOrEqual(60_000);
    }
    // The two names differ (one per family), and neither is a plain hash of the token hash.
    expect(new Set(kept.map(({ key }) => key)).size).toBe(2);
    const plainHash = createHash('sha256').update(tokenHash).digest('base64url');
    expect(kept.some(({ key }) => key.includes(plainHash))).toBe(false);

    // A window over is no budget, even before Redis lets the key go.
    now = resetAt;
    expect(await store.budget(tokenHash, 'dm-read')).toBeUndefined();
  });

  it('refuses a STORE_KEY shorter than 32 characters, or none, saying why', () => {
    expect(() => new RedisStore({ url: server.url, storeKey: 'too short a secret' })).toThrow(
      /STORE_KEY.*at least 32 characters/,
    );
    expect(() => new RedisStore({ url: server.url, storeKey: '' })).toThrow(/STORE_KEY is required/);
    expect(() => new RedisStore({ url: server.url } as RedisStoreOptions)).toThrow(/STORE_KEY is required/);
  });

  it('shares memories, identities and idempotency records between two replicas', async () => {
    const a = await makeStore(server);
    const b = await makeStore(server);
    await a.setIdentity(tokenHash, owner, 60_000);
    expect(await b.identity(tokenHash)).toBe(owner);
    await b.forgetIdentity(tokenHash);
    expect(await a.identity(tokenHash)).toBeUndefined();

    await a.update(owner, (memory) => {
      memory.events[eventId] = event(eventId, conversation, friend, text);
    });
    await b.update(owner, (memory) => {
      memory.events[sentId] = event(sentId, group, owner, groupText);
    });
    expect(Object.keys((await a.read(owner))!.events).sort()).toEqual([eventId, sentId]);
    expect(await b.size()).toEqual({ users: 1, events: 2 });

    // Twenty keys claimed by both replicas at once: exactly one claim wins each.
    const record = (by: string): IdempotencyRecord => ({ fingerprint: by, state: 'pending', at: Date.now() });
    const claims = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const [byA, byB] = await Promise.all([
          a.putIdempotency(`key-${i}`, record('a'), 60_000, true),
          b.putIdempotency(`key-${i}`, record('b'), 60_000, true),
        ]);
        return { i, byA, byB };
      }),
    );
    for (const { i, byA, byB } of claims) {
      expect(byA !== byB, `key-${i}`).toBe(true);
      const winner = byA ? 'a' : 'b';
      expect((await a.idempotency(`key-${i}`))!.fingerprint).toBe(winner);
      expect((await b.idempotency(`key-${i}`))!.fingerprint).toBe(winner);
    }
    // The winner records the outcome; a replica forgets it for both.
    await a.putIdempotency('key-0', { fingerprint: 'x', state: 'done', answer: { eventId }, at: Date.now() }, 60_000);
    expect((await b.idempotency('key-0'))!.state).toBe('done');
    await b.forgetIdempotency('key-0');
    expect(await a.idempotency('key-0')).toBeUndefined();
  });

  it('gives each lease to one of two replicas asking at once; only its holder renews or releases it', async () => {
    const a = await makeStore(server);
    const b = await makeStore(server);
    const raw = rawClient(server);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const [byA, byB] = await Promise.all([
          a.acquireLease(`sync:${i}`, 'replica a', 60_000),
          b.acquireLease(`sync:${i}`, 'replica b', 60_000),
        ]);
        return { i, byA, byB };
      }),
    );
    for (const { i, byA, byB } of outcomes) {
      expect(byA !== byB, `sync:${i}`).toBe(true);
      const [holder, holderName, other, otherName] = byA
        ? [a, 'replica a', b, 'replica b']
        : [b, 'replica b', a, 'replica a'];
      expect(await other.renewLease(`sync:${i}`, otherName, 60_000)).toBe(false);
      expect(await other.releaseLease(`sync:${i}`, otherName)).toBe(false);
      // The holder's renewal is seen by the other replica's store too: the key is one, in Redis.
      expect(await holder.renewLease(`sync:${i}`, holderName, 90_000)).toBe(true);
      expect(await other.renewLease(`sync:${i}`, holderName, 120_000)).toBe(true);
    }
    const leaseKey = `xdm:l:${hashName(deriveStoreKeys(STORE_KEY), 'l', 'sync:0')}`;
    expect(await raw.pttl(leaseKey)).toBeGreaterThan(90_000);
    // Released by its holder: gone from Redis, and free for the other.
    const holderOf0 = outcomes[0]!.byA ? 'replica a' : 'replica b';
    expect(await b.releaseLease('sync:0', holderOf0)).toBe(true);
    expect(await raw.exists(leaseKey)).toBe(0);
    expect(await a.acquireLease('sync:0', 'replica c', 60_000)).toBe(true);
  });

  it('loses no change when two replicas change one memory at once (50 increments, 25 each)', async () => {
    const a = await makeStore(server);
    const b = await makeStore(server);
    type Counted = UserMemory & { counter?: number };
    let runs = 0;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).update(owner, (memory) => {
          runs++;
          const counted = memory as Counted;
          counted.counter = (counted.counter ?? 0) + 1;
          memory.events[String(2_000 + i)] = event(String(2_000 + i), conversation, owner, `n${i}`);
        }),
      ),
    );
    const memory = (await b.read(owner)) as Counted;
    expect(memory.counter).toBe(50);
    expect(Object.keys(memory.events)).toHaveLength(50);
    expect(await a.size()).toEqual({ users: 1, events: 50 });
    // Changes that met another replica's write ran again on the newer memory.
    expect(runs).toBeGreaterThanOrEqual(50);
  });

  it('counts users and events from its counters, and evicts the least recently used across replicas', async () => {
    const a = await makeStore(server, { maxUsers: 2 });
    const b = await makeStore(server, { maxUsers: 2 });
    await a.update('1', (memory) => {
      memory.events['11'] = event('11', '1-2', '1', 'x');
      memory.events['12'] = event('12', '1-2', '1', 'y');
    });
    await b.update('2', (memory) => {
      memory.events['21'] = event('21', '1-2', '2', 'z');
    });
    expect(await a.size()).toEqual({ users: 2, events: 3 });
    await a.update('1', (memory) => {
      delete memory.events['12'];
    });
    expect(await b.size()).toEqual({ users: 2, events: 2 });
    await b.read('1'); // user 2 is now the least recently used, for both replicas
    await a.update('3', () => {});
    expect(await b.read('2')).toBeUndefined();
    expect(await a.size()).toEqual({ users: 2, events: 1 });
    // A memory that expired by its TTL leaves the count on the next read.
    await rawClient(server).del(`xdm:m:${hashName(deriveStoreKeys(STORE_KEY), 'm', '1')}`);
    expect(await a.read('1')).toBeUndefined();
    expect(await a.size()).toEqual({ users: 1, events: 0 });
  });
});

describeRedis('RedisStore when Redis fails', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());
  afterEach(async () => {
    server.resume();
    await server.start();
  });

  /** How long `run` took to settle, and how. */
  async function timed(run: () => Promise<unknown>): Promise<{ ms: number; error?: string }> {
    const started = performance.now();
    try {
      await run();
      return { ms: performance.now() - started };
    } catch (error) {
      return { ms: performance.now() - started, error: (error as Error).message };
    }
  }

  it('rejects every call at once when Redis is killed, says down, and works again by itself when it is back', async () => {
    const flips: RedisStoreStatus[] = [];
    const store = await makeStore(server, { commandTimeoutMs: 300, onStatusChange: (status) => flips.push(status) });
    await store.update('1', () => {});
    expect(store.status()).toBe('ready');

    await server.kill();
    await expect.poll(() => store.status(), { timeout: 2_000 }).toBe('down');
    const calls: Record<string, () => Promise<unknown>> = {
      identity: () => store.identity('h'),
      setIdentity: () => store.setIdentity('h', '1', 1_000),
      forgetIdentity: () => store.forgetIdentity('h'),
      read: () => store.read('1'),
      update: () => store.update('1', () => {}),
      idempotency: () => store.idempotency('k'),
      putIdempotency: () => store.putIdempotency('k', { fingerprint: 'f', state: 'pending', at: 0 }, 1_000, true),
      forgetIdempotency: () => store.forgetIdempotency('k'),
      size: () => store.size(),
    };
    for (const [name, call] of Object.entries(calls)) {
      const { ms, error } = await timed(call);
      expect(error, name).toMatch(new RegExp(`^Redis store: ${name} failed`));
      expect(ms, name).toBeLessThan(300);
    }

    await server.start();
    await expect.poll(() => store.status(), { timeout: 5_000 }).toBe('ready');
    await store.update('1', (memory) => {
      memory.events['1'] = event('1', '1-2', '1', 'back');
    });
    expect(Object.keys((await store.read('1'))!.events)).toEqual(['1']);
    expect(flips).toEqual(['ready', 'down', 'ready']);
  });

  it('rejects within its command timeout when Redis hangs, and recovers when it answers again', async () => {
    const flips: RedisStoreStatus[] = [];
    const store = await makeStore(server, { commandTimeoutMs: 300, onStatusChange: (status) => flips.push(status) });
    await store.setIdentity('h', '1', 60_000);
    server.pause();
    for (const call of [() => store.identity('h'), () => store.read('1'), () => store.update('1', () => {})]) {
      const { ms, error } = await timed(call);
      expect(error).toMatch(/timed out/);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1_000);
    }
    expect(store.status()).toBe('down');
    server.resume();
    expect(await store.identity('h')).toBe('1');
    expect(store.status()).toBe('ready');
    expect(flips).toEqual(['ready', 'down', 'ready']);
  });

  it('starts without Redis, failing fast, and connects by itself once Redis is up', async () => {
    await server.kill();
    const store = await makeStore(server, { commandTimeoutMs: 300, maxReconnectDelayMs: 200 }, false);
    expect(store.status()).toBe('down');
    const { ms, error } = await timed(() => store.read('1'));
    expect(error).toMatch(/^Redis store: read failed/);
    expect(ms).toBeLessThan(300);
    await server.start();
    await store.ready(5_000);
    expect(await store.read('1')).toBeUndefined();
    expect(store.status()).toBe('ready');
  });

  it('behind ResilientStore: no memory while Redis is down, the shared memory again once it is back', async () => {
    const states: string[] = [];
    const redis = await makeStore(server, { commandTimeoutMs: 300, maxReconnectDelayMs: 200 });
    // The store's clock: the retry time passes when the test says so.
    let clock = Date.now();
    const store = new ResilientStore(
      redis,
      (state: StoreState, error?: Error) => states.push(error ? `${state}: ${error.message}` : state),
      {
        retryAfterMs: 100,
        now: () => clock,
      },
    );
    await store.update('1', (memory) => {
      memory.events['1'] = event('1', '1-2', '1', 'kept');
    });
    await server.kill();
    const { ms } = await timed(async () => expect(await store.read('1')).toBeUndefined());
    expect(ms).toBeLessThan(300);
    const changed = await store.update('1', (memory) => {
      memory.events['2'] = event('2', '1-2', '1', 'not kept');
    });
    expect(Object.keys(changed.events)).toEqual(['2']);
    expect(await store.identity('h')).toBeUndefined();
    expect(states).toHaveLength(1);
    expect(states[0]).toMatch(/^down: Redis store: read failed/);

    await server.start();
    await redis.ready(5_000);
    clock += 100;
    await store.update('1', (memory) => {
      memory.events['3'] = event('3', '1-2', '1', 'kept again');
    });
    expect(Object.keys((await redis.read('1'))!.events)).toEqual(['3']);
    expect(states.slice(1)).toEqual(['up']);
  });
});
