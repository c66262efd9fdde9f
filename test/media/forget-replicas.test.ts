/**
 * Media of a user who revokes the app, on two replicas sharing Redis: links minted on either replica, bytes cached in
 * both processes and in Redis. After X's `oauth.revoke` (taken from the stream by whichever replica holds it), the
 * keyspace holds none of that user's media keys, neither replica serves their URLs (404, no call to X), and another
 * user's media of the same DM keep working.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { downloadPath } from '../../src/media/ids.js';
import { type MediaLinkRecord, recordKey } from '../../src/media/links.js';
import { SharedMedia } from '../../src/media/shared.js';
import { APP_ONLY_TOKEN, type DemoUser, type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { deriveStoreKeys, hashName } from '../../src/store/crypto.js';
import { RateLimitBook } from '../../src/upstream/rate-limit-book.js';
import { type RedisServer, TEST_STORE_KEY, createReplica, redisAvailable, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';
import { dmMedia, downloadUrlFor, downloads, firstRead as read } from './helpers.js';

describe.skipIf(!redisAvailable)('media of a user who revokes the app, on two replicas', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let keyspace: Redis;
  const replicas: Gateway[] = [];
  const keys = deriveStoreKeys(TEST_STORE_KEY);

  beforeAll(async () => {
    redis = await startRedis();
    keyspace = new Redis(redis.url);
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    const upstream = await sandbox.listen();
    for (let i = 0; i < 2; i++) {
      const replica = createReplica(upstream, redis, {
        activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN, leaseCheckMs: 500 },
      });
      replicas.push(replica);
      await replica.media.ready();
    }
  }, 30_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    keyspace?.disconnect();
    await sandbox?.close();
    await redis?.stop();
  });

  /** The Redis key of a minted URL's link record. */
  const linkKeyOf = (url: string) => `xdm:ml:${hashName(keys, 'ml', recordKey(url.slice(url.lastIndexOf('/') + 1)))}`;
  /** The Redis key of the bytes `user` fetched of media `ids`. */
  const bytesKeyOf = (user: DemoUser, ids: Parameters<typeof downloadPath>[0]) =>
    `xdm:mb:${hashName(keys, 'mb', `${RateLimitBook.keyOf(`Bearer ${user.token}`)}\u0000${downloadPath(ids)}`)}`;

  it("forgets their links and bytes in Redis and in both processes; another user's keep working", async () => {
    await until(
      'one replica to hold the stream',
      () => sandbox.activity.openStreams === 1 && replicas.some((r) => r.activity.stream!.holding),
    );
    const [a, b] = replicas as [Gateway, Gateway];
    const dm = dmMedia(sandbox, 'photo');
    await read(a, dm.owner);
    await read(a, dm.other);
    // The owner's links minted on each replica and loaded on the other (bytes cached in both processes and Redis).
    const mineFromA = await downloadUrlFor(a, dm.owner, dm.event.id);
    const mineFromB = await downloadUrlFor(b, dm.owner, dm.event.id);
    const theirs = await downloadUrlFor(a, dm.other, dm.event.id);
    sandbox.clearRequests();
    expect((await b.fetch(mineFromA)).status).toBe(200);
    expect((await b.fetch(theirs)).status).toBe(200);
    expect(downloads(sandbox)).toHaveLength(2);
    const ownerIndex = `xdm:mu:${hashName(keys, 'mu', dm.owner.id)}`;
    const owners = [linkKeyOf(mineFromA), linkKeyOf(mineFromB), bytesKeyOf(dm.owner, dm.ids), ownerIndex];
    const others = [linkKeyOf(theirs), bytesKeyOf(dm.other, dm.ids), `xdm:mu:${hashName(keys, 'mu', dm.other.id)}`];
    // The shared bytes are written after the answer: wait until Redis holds both users' entries.
    await until(
      "Redis to hold both users' media",
      async () => (await keyspace.exists(...owners, ...others)) === owners.length + others.length,
    );
    expect((await a.fetch(mineFromB)).status).toBe(200);
    expect((await a.fetch(mineFromA)).status).toBe(200);
    expect((await b.fetch(mineFromB)).status).toBe(200);
    expect(downloads(sandbox)).toHaveLength(2);
    const before = await keyspace.keys('*');
    expect(before).toEqual(expect.arrayContaining([...owners, ...others]));
    const sizeBefore = Number(await keyspace.hget('xdm:mb-sizes', ''));

    sandbox.clearRequests();
    sandbox.activity.revoke(dm.owner.id);
    await until("the owner's media keys to leave Redis", async () => (await keyspace.exists(...owners)) === 0, {
      timeoutMs: 15_000,
    });
    // Each replica forgets what it holds itself once it hears of the revoke; until then it serves from its own cache.
    const mine = [mineFromA, mineFromB];
    await until("both replicas to refuse the owner's links", async () => {
      const statuses = await Promise.all(replicas.flatMap((r) => mine.map(async (url) => (await r.fetch(url)).status)));
      return statuses.every((status) => status !== 200);
    });
    for (const replica of replicas) for (const url of mine) expect((await replica.fetch(url)).status).toBe(404);
    expect(downloads(sandbox)).toHaveLength(0);
    expect(sandbox.requests.filter((r) => r.authorization === `Bearer ${dm.owner.token}`)).toHaveLength(0);

    // The keyspace dumped: nothing of the owner's media is left; the other user's are all there.
    const after = await keyspace.keys('*');
    for (const key of owners) expect(after).not.toContain(key);
    expect(after).toEqual(expect.arrayContaining(others));
    expect(after.filter((key) => key.startsWith('xdm:mb:'))).toEqual([bytesKeyOf(dm.other, dm.ids)]);
    expect(after.filter((key) => key.startsWith('xdm:ml:'))).toEqual([linkKeyOf(theirs)]);
    expect(after.filter((key) => key.startsWith('xdm:mu:'))).toEqual([others[2]]);
    // The bytes' total is counted down by the owner's entry.
    expect(Number(await keyspace.hget('xdm:mb-sizes', ''))).toBeLessThan(sizeBefore);
    expect(await keyspace.zcard('xdm:mb-index')).toBe(1);

    for (const replica of replicas) expect((await replica.fetch(theirs)).status).toBe(200);
    expect(downloads(sandbox)).toHaveLength(0);
  }, 60_000);

  it('keeps no bytes in Redis for a link forgotten while they were fetched, and indexes only links with a user', async () => {
    const shared = new SharedMedia({ url: redis.url, storeKey: TEST_STORE_KEY, keyPrefix: 't:' });
    try {
      await shared.ready();
      const ids = { dm_id: '1', media_id: '2', resource_id: 'a.jpg' };
      const record: MediaLinkRecord = {
        authorization: 'Bearer t',
        tokenHash: 'h',
        ids,
        userId: '42',
        expiresAt: Date.now() + 60_000,
      };
      const media = { bytes: Buffer.alloc(100, 7), contentType: 'image/jpeg', etag: '"e"' };
      const owner = { userId: '42', linkKey: 'link-1' };
      const index = `t:mu:${hashName(keys, 'mu', '42')}`;
      await shared.linksTier().put('link-1', record, 60_000);
      await shared.bytesTier().put('h\u0000m', media, 60_000, owner);
      expect(await keyspace.scard(index)).toBe(2);
      expect((await keyspace.pttl(index)) > 0).toBe(true);
      expect(await shared.bytesTier().get('h\u0000m')).toBeDefined();

      await shared.forget('42');
      expect(await keyspace.keys('t:m[lu]:*')).toEqual([]);
      expect(await keyspace.keys('t:mb:*')).toEqual([]);
      expect(Number(await keyspace.hget('t:mb-sizes', ''))).toBe(0);
      // A download that was in flight ends after the forgetting: what it brings is not kept.
      await shared.bytesTier().put('h\u0000m', media, 60_000, owner);
      expect(await keyspace.keys('t:mb:*')).toEqual([]);
      expect(await shared.bytesTier().get('h\u0000m')).toBeUndefined();

      // A link minted while its caller's id was not known is kept under no user.
      const { userId: _, ...anonymous } = record;
      await shared.linksTier().put('link-2', anonymous, 60_000);
      expect(await shared.linksTier().get('link-2')).toBeDefined();
      expect(await keyspace.keys('t:mu:*')).toEqual([]);
    } finally {
      await shared.close();
    }
  });
});
