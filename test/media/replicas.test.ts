/**
 * Media links and bytes across replicas sharing Redis: a link minted on one replica works on another, bytes one
 * replica fetched are served by a third without a call, and Redis holds nothing readable (no token, no id, no bytes).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { type RedisServer, createReplica, redisAvailable, startRedis } from '../support/redis.js';
import { dmMedia, downloadUrlFor, downloads } from './helpers.js';

describe.skipIf(!redisAvailable)('media across replicas sharing Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let upstream: string;
  const replicas: Gateway[] = [];
  const replica = async () => {
    const gateway = createReplica(upstream, redis);
    replicas.push(gateway);
    await gateway.media.ready();
    return gateway;
  };

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    upstream = await sandbox.listen();
  }, 30_000);

  afterAll(async () => {
    for (const gateway of replicas) await gateway.close();
    await sandbox?.close();
    await redis?.stop();
  });

  it('a link minted on one replica loads on another; a third serves the bytes without a call', async () => {
    const a = await replica();
    const b = await replica();
    const dm = dmMedia(sandbox, 'photo');
    const url = await downloadUrlFor(a, dm.owner, dm.event.id);
    sandbox.clearRequests();
    const fromB = await b.fetch(url);
    expect(fromB.status).toBe(200);
    const bytes = Buffer.from(await fromB.arrayBuffer());
    expect(downloads(sandbox)).toHaveLength(1);
    expect(downloads(sandbox)[0]!.authorization).toBe(`Bearer ${dm.owner.token}`);

    // The shared bytes are written after the answer: wait until Redis holds them, then ask a replica that has none.
    const raw = new Redis(redis.url);
    try {
      for (const until = Date.now() + 5_000; (await raw.keys('xdm:mb:*')).length === 0 && Date.now() < until;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const c = await replica();
      const fromC = await c.fetch(url, { headers: { range: 'bytes=0-7' } });
      expect(fromC.status).toBe(206);
      expect(Buffer.from(await fromC.arrayBuffer())).toEqual(bytes.subarray(0, 8));
      expect(fromC.headers.get('etag')).toBe(fromB.headers.get('etag'));
      expect(downloads(sandbox)).toHaveLength(1);
      // A tampered link is refused on every replica, without a call.
      expect((await c.fetch(url.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')))).status).toBe(404);
      expect(downloads(sandbox)).toHaveLength(1);

      // Nothing readable in the keyspace: no token, no X id, no link, no image.
      const keys = await raw.keys('xdm:m[lb]*');
      expect(keys.length).toBeGreaterThan(0);
      const id = url.slice(url.lastIndexOf('/') + 1);
      const secrets = [dm.owner.token, dm.owner.id, dm.event.id, dm.ids.media_id, dm.ids.resource_id, id];
      for (const key of keys) {
        const type = await raw.type(key);
        const values =
          type === 'string'
            ? [await raw.getBuffer(key)]
            : type === 'hash'
              ? Object.entries(await raw.hgetall(key)).flat()
              : await raw.zrange(key, 0, -1);
        const text = [key, ...values.map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))].join('\n');
        for (const secret of secrets) expect(text, key).not.toContain(secret);
        expect(text).not.toContain(bytes.subarray(0, 16).toString('latin1'));
      }
    } finally {
      raw.disconnect();
    }
  });

  it('with Redis gone, a link still works on the replica that minted it', async () => {
    const a = replicas[0]!;
    await redis.kill();
    const dm = dmMedia(sandbox, 'photo', 1);
    const url = await downloadUrlFor(a, dm.owner, dm.event.id);
    const response = await a.fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
  });
});
