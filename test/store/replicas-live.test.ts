/**
 * Subscriptions on two replicas sharing Redis: a user's subscribers on both receive a new message, and X is checked
 * by one loop between them (the replica holding the user's lease), not one per replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { type RedisServer, createReplica, redisAvailable, startRedis, untilConnected } from '../support/redis.js';
import { until } from '../support/until.js';
import { subscribeToTexts } from '../support/sse.js';

const FRESHNESS_MS = 200;
/** How long the test watches the loops' pace. */
const WINDOW_MS = 2_000;

describe.skipIf(!redisAvailable)('live news on two replicas', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const replicas: Gateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    const upstream = await sandbox.listen();
    for (let i = 0; i < 2; i++) {
      replicas.push(createReplica(upstream, redis, { freshnessMs: FRESHNESS_MS }));
    }
    await untilConnected(redis, replicas.length);
  }, 30_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await sandbox?.close();
    await redis?.stop();
  });

  it('delivers to subscribers on both, with one loop checking X between them', async () => {
    const me = sandbox.users[3]!;
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me.id))!;
    const other = conversation.participantIds.find((id) => id !== me.id)!;
    const onA = await subscribeToTexts(replicas[0]!, me.token);
    const onB = await subscribeToTexts(replicas[1]!, me.token);
    await until('a subscription on each replica', () =>
      replicas.every((replica) => replica.live.subscribersOf(me.id) === 1),
    );
    sandbox.clearRequests();
    // One loop: about one check per FRESHNESS_MS over the time watched, where two loops would make twice as many.
    const began = performance.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const watched = performance.now() - began;
    const checks = sandbox.requests.filter((call) => call.path === '/2/dm_events').length;
    expect(checks).toBeLessThanOrEqual(Math.ceil(watched / FRESHNESS_MS) + 2);
    expect(checks).toBeGreaterThan(0);

    sandbox.addMessage(conversation.id, other, 'to both replicas');
    await until('the message on both replicas', () => onA.texts.length > 0 && onB.texts.length > 0);
    expect(onA.texts).toEqual(['to both replicas']);
    expect(onB.texts).toEqual(['to both replicas']);
    onA.close();
    onB.close();
  }, 20_000);

  it('syncs a user on one replica at a time: requests on both at once cost one check for news', async () => {
    const me = sandbox.users[4]!;
    const page = async (gateway: Gateway) => {
      const response = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${me.token}` },
        body: JSON.stringify({ query: '{ dmEvents(first: 5) { nodes { restId } } }' }),
      });
      return (await response.json()) as { data?: { dmEvents: { nodes: { restId: string }[] } }; errors?: unknown[] };
    };
    await page(replicas[0]!);
    await new Promise((resolve) => setTimeout(resolve, FRESHNESS_MS + 100));
    sandbox.clearRequests();
    const [a, b] = await Promise.all([page(replicas[0]!), page(replicas[1]!)]);
    expect(a.errors).toBeUndefined();
    expect(b.data).toEqual(a.data);
    const mine = sandbox.requests.filter(
      (call) => call.path === '/2/dm_events' && call.authorization === `Bearer ${me.token}`,
    );
    expect(mine).toHaveLength(1);
  }, 20_000);
});
