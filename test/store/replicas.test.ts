/**
 * Two gateways sharing one Redis (a real redis-server), counted at the sandbox: the second serves what the first read
 * without a call, cursors, idempotency keys and spent rate-limit budgets work across them, the keyspace holds nothing
 * readable, and Redis dying is not the gateways failing: they answer from X, say so on /ready, and share memory again
 * once it is back.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { RateLimitBook } from '../../src/upstream/rate-limit-book.js';
import {
  type RedisServer,
  countKeys,
  createReplica,
  redisAvailable,
  startRedis,
  untilConnected,
} from '../support/redis.js';
import { until } from '../support/until.js';

describe.skipIf(!redisAvailable)('replicas sharing Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    const upstream = await sandbox.listen();
    const replica = () => createReplica(upstream, redis, { freshnessMs: 60_000 });
    a = replica();
    b = replica();
    await untilConnected(redis, 2);
  }, 30_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await redis?.stop();
  });

  const query = async (gateway: Gateway, source: string, token = sandbox.users[0]!.token) => {
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: source }),
    });
    return (await response.json()) as { data?: any; errors?: any[] };
  };
  const dmCalls = () => sandbox.requests.filter((call) => call.path.startsWith('/2/dm_')).length;
  const PAGE = '{ dmEvents(first: 10) { nodes { restId text sender { username } } pageInfo { endCursor } } }';

  it('the second replica serves what the first read, without a call; cursors work on either', async () => {
    const first = await query(a, PAGE);
    expect(first.errors).toBeUndefined();
    sandbox.clearRequests();
    const second = await query(b, PAGE);
    expect(second.data).toEqual(first.data);
    expect(sandbox.requests).toHaveLength(0); // no DM call, and no users/me either: the identity is shared too
    const next = `{ dmEvents(first: 5, after: "${first.data.dmEvents.pageInfo.endCursor}") { nodes { restId } } }`;
    const fromA = await query(a, next);
    const fromB = await query(b, next);
    expect(fromB.data).toEqual(fromA.data);
    expect(fromB.data.dmEvents.nodes.map((n: { restId: string }) => n.restId)).toEqual(
      sandbox
        .visibleEvents(sandbox.users[0]!.id)
        .slice(10, 15)
        .map((event) => event.id),
    );
  });

  it('an idempotency key sent to one replica and retried on the other makes one POST', async () => {
    const me = sandbox.users[1]!;
    const other = sandbox.data.conversations
      .find((c) => !c.group && c.participantIds.includes(me.id))!
      .participantIds.find((id) => id !== me.id)!;
    const send = `mutation { sendDm(input: { participantId: "${other}", text: "across replicas", idempotencyKey: "replica-key" }) { event { restId } } }`;
    sandbox.clearRequests();
    const once = await query(a, send, me.token);
    const again = await query(b, send, me.token);
    expect(once.errors).toBeUndefined();
    expect(again.data).toEqual(once.data);
    expect(sandbox.requests.filter((call) => call.method === 'POST')).toHaveLength(1);
  });

  it('a budget spent on one replica fails fast on the other, without a call', async () => {
    const me = sandbox.users[3]!;
    sandbox.clearRequests();
    // A asks X whose token it is, then reads the DMs: X refuses the read.
    sandbox.injectFaults({ type: 'status', status: 429 }, 1, 1);
    const budgetsBefore = await countKeys(redis, 'xdm:b:*');
    const limited = await query(a, PAGE, me.token);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(sandbox.requests.map((call) => `${call.path} ${call.status}`)).toEqual([
      '/2/users/me 200',
      '/2/dm_events 429',
    ]);
    // A's answer does not wait for its write to Redis: B asks once the spent budget is there.
    await until('the spent budget in Redis', async () => (await countKeys(redis, 'xdm:b:*')) > budgetsBefore);

    sandbox.clearRequests();
    const refused = await query(b, PAGE, me.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors![0]!.extensions!.resetAt).toBe(limited.errors![0]!.extensions!.resetAt);
    expect(Date.parse(refused.errors![0]!.extensions!.resetAt as string)).toBeGreaterThan(Date.now());
    expect(dmCalls()).toBe(0);

    // The users lookups have a budget of their own: B's viewer still goes through.
    const viewer = await query(b, '{ viewer { username } }', me.token);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data).toEqual({ viewer: { username: me.username } });
    expect(dmCalls()).toBe(0);
  });

  it('keeps nothing readable: no message text, token, user id or username anywhere in the keyspace', async () => {
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      let dump = keys.join('\n');
      for (const key of keys) {
        const type = await raw.type(key);
        if (type === 'string') dump += (await raw.getBuffer(key))?.toString('latin1') ?? '';
        if (type === 'hash')
          dump += Object.values(await raw.hgetallBuffer(key))
            .map((value) => value.toString('latin1'))
            .join('');
        if (type === 'zset') dump += (await raw.zrange(key, 0, -1)).join('');
        expect(await raw.pttl(key), key).toBeGreaterThan(0);
      }
      const me = sandbox.users[0]!;
      const limited = sandbox.users[3]!;
      const event = sandbox.visibleEvents(me.id)[0]!;
      const hashes = [me, limited].map((user) => RateLimitBook.keyOf(`Bearer ${user.token}`));
      expect(keys.filter((key) => key.startsWith('xdm:b:'))).toHaveLength(1); // the budget A saw spent
      for (const secret of [
        me.token,
        me.id,
        me.username,
        event.text!,
        event.id,
        'across replicas',
        limited.token,
        limited.id,
        ...hashes,
      ]) {
        expect(dump.includes(secret), secret).toBe(false);
      }
    } finally {
      raw.disconnect();
    }
  });

  it('answers from X while Redis is down, says so on /ready, and shares memory again once it is back', async () => {
    const token = sandbox.users[2]!.token;
    await redis.kill();
    sandbox.clearRequests();
    const during = await query(a, PAGE, token);
    expect(during.errors).toBeUndefined();
    expect(during.data.dmEvents.nodes.map((n: { restId: string }) => n.restId)).toEqual(
      sandbox
        .visibleEvents(sandbox.users[2]!.id)
        .slice(0, 10)
        .map((event) => event.id),
    );
    expect(dmCalls()).toBeGreaterThan(0);
    const ready = (await (await a.fetch('http://gateway.test/ready')).json()) as { status: string; store: string };
    expect(ready.status).toBe('ready');
    expect(ready.store).toMatch(/^down/);

    await redis.start();
    // It finds Redis back by itself (reconnects, then checks it at most every second), within a few seconds.
    const storeOf = async (gateway: Gateway) =>
      ((await (await gateway.fetch('http://gateway.test/ready')).json()) as { store: string }).store;
    await until('replica A using Redis again', async () => (await storeOf(a)) === 'up', {
      timeoutMs: 15_000,
      everyMs: 50,
    });
    await query(a, PAGE, token);
    sandbox.clearRequests();
    const shared = await query(b, PAGE, token);
    expect(shared.errors).toBeUndefined();
    expect(dmCalls()).toBe(0);
    const back = (await (await a.fetch('http://gateway.test/ready')).json()) as { store: string };
    expect(back.store).toBe('up');
  }, 30_000);
});
