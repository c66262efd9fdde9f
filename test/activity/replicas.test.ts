/**
 * The Activity API on two replicas sharing Redis: one holds X's stream, the other's subscribers get its news through
 * Redis, and the other takes the stream over when the holder goes; a user who revokes the app is forgotten in Redis
 * too (the keyspace is dumped before and after).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimitBook } from '../../src/upstream/rate-limit-book.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { APP_ONLY_TOKEN, type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { deriveStoreKeys, hashName } from '../../src/store/crypto.js';
import { type RedisServer, TEST_STORE_KEY, createReplica, redisAvailable, startRedis } from '../support/redis.js';
import { subscribeToTexts } from '../support/sse.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean | Promise<boolean>, ms = 12_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe.skipIf(!redisAvailable)('the Activity API on two replicas', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let keyspace: Redis;
  const replicas: Gateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    keyspace = new Redis(redis.url);
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    const upstream = await sandbox.listen();
    for (let i = 0; i < 2; i++) {
      replicas.push(
        createReplica(upstream, redis, {
          freshnessMs: 200,
          activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN, leaseCheckMs: 500 },
        }),
      );
    }
  }, 30_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    keyspace?.disconnect();
    await sandbox?.close();
    await redis?.stop();
  });

  it('one replica holds the stream; the other delivers its news, and takes the stream over within 10 s', async () => {
    await until(
      () => sandbox.activity.openStreams === 1 && replicas.filter((r) => r.activity.stream!.holding).length === 1,
    );
    const holder = replicas.find((r) => r.activity.stream!.holding)!;
    const other = replicas.find((r) => r !== holder)!;
    const user = sandbox.users[1]!;
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    const friend = conversation.participantIds.find((p) => p !== user.id)!;
    const ticks = async () => (await other.metrics.liveTicks.get()).values[0]?.value ?? 0;
    const subscription = await subscribeToTexts(other, user.token);
    await until(
      async () =>
        (await ticks()) > 0 &&
        [...sandbox.activity.subscriptions.values()].filter((s) => s.filter.user_id === user.id).length === 2,
    );
    sandbox.addMessage(conversation.id, friend, 'through the holder');
    await until(() => subscription.texts.length === 1);

    const closedAt = Date.now();
    await holder.close();
    replicas.splice(replicas.indexOf(holder), 1);
    await until(() => other.activity.stream!.holding && sandbox.activity.openStreams === 1);
    expect(Date.now() - closedAt).toBeLessThan(10_000);
    sandbox.addMessage(conversation.id, friend, 'after the takeover');
    await until(() => subscription.texts.length === 2);
    expect(subscription.texts).toEqual(['through the holder', 'after the takeover']);
    subscription.close();
  }, 30_000);

  it('forgets a user who revokes the app, in Redis too, and ends their subscriptions', async () => {
    const gateway = replicas[0]!;
    const user = sandbox.users[2]!;
    const keys = deriveStoreKeys(TEST_STORE_KEY);
    const memoryKey = `xdm:m:${hashName(keys, 'm', user.id)}`;
    const recordKey = `xdm:k:${hashName(keys, 'k', `activity\u0000subscriptions\u0000${user.id}`)}`;
    const subscription = await subscribeToTexts(gateway, user.token);
    await until(async () => (await keyspace.exists(memoryKey)) === 1 && (await keyspace.exists(recordKey)) === 1);
    // A write with an idempotency key: its key is the user's too.
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    const sent = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({
        query: 'mutation($input: SendDmInput!) { sendDm(input: $input) { event { restId } } }',
        variables: { input: { conversationId: conversation.id, text: 'before I go', idempotencyKey: 'k-1' } },
      }),
    });
    expect(((await sent.json()) as { errors?: unknown }).errors).toBeUndefined();
    const slot = createHash('sha256')
      .update(RateLimitBook.keyOf(`Bearer ${user.token}`))
      .update('\u0000')
      .update('k-1')
      .digest('base64url');
    const slotKey = `xdm:k:${hashName(keys, 'k', slot)}`;
    const before = await keyspace.keys('*');
    expect(before).toEqual(expect.arrayContaining([memoryKey, recordKey, slotKey]));

    sandbox.activity.revoke(user.id);
    await subscription.ended;
    await until(async () => (await keyspace.exists(memoryKey, recordKey, slotKey)) === 0);
    const after = await keyspace.keys('*');
    expect(after).not.toContain(memoryKey);
    expect(after).not.toContain(recordKey);
    expect(after).not.toContain(slotKey);
    // The user's identity (their token tied to them) is gone too: fewer identity keys than before.
    expect(after.filter((k) => k.startsWith('xdm:i:')).length).toBeLessThan(
      before.filter((k) => k.startsWith('xdm:i:')).length,
    );
  }, 30_000);
});
