/**
 * Two gateways sharing one Redis (a real redis-server), counted at the sandbox (every call): the inbox one replica read
 * is served by the other without a call, and so are the users and posts one replica looked up; the keyspace holds none
 * of them in the clear.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, createGateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { RedisStore } from '../../src/store/redis.js';
import { ResilientStore } from '../../src/store/resilient.js';
import { type RedisServer, TEST_STORE_KEY, redisAvailable, startRedis } from '../support/redis.js';
import { pino } from 'pino';
import { recordLog } from '../support/log-capture.js';

describe.skipIf(!redisAvailable)('replicas sharing Redis: the inbox and the objects looked up', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let a: Gateway;
  let b: Gateway;

  /** A replica whose store is connected to Redis before it serves anything (its ready signal, not a pause). */
  async function replica(upstream: string): Promise<Gateway> {
    const primary = new RedisStore({ url: redis.url, storeKey: TEST_STORE_KEY });
    await primary.ready();
    return createGateway({
      upstream,
      store: new ResilientStore(primary),
      cursorSecret: 'shared-cursor-secret',
      freshnessMs: 60_000,
      logger: pino({ level: 'info' }, { write: (line: string) => recordLog(line) }),
    });
  }

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    const upstream = await sandbox.listen();
    a = await replica(upstream);
    b = await replica(upstream);
  }, 30_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await redis?.stop();
  });

  const query = async (gateway: Gateway, source: string, token: string) => {
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: source }),
    });
    return (await response.json()) as { data?: any; errors?: any[]; extensions?: any };
  };

  it('serves the inbox one replica read from the other without a call', async () => {
    const me = sandbox.users[5]!;
    const INBOX =
      '{ dmConversations(first: 10) { nodes { conversationId lastEvent { restId } } pageInfo { hasNextPage } } }';
    const first = await query(a, INBOX, me.token);
    expect(first.errors).toBeUndefined();
    expect(first.data.dmConversations.pageInfo.hasNextPage).toBe(false);
    sandbox.clearRequests();
    const second = await query(b, INBOX, me.token);
    expect(second.data).toEqual(first.data);
    expect(sandbox.requests).toHaveLength(0);
    expect(second.extensions?.xCost).toBeUndefined();
  });

  it('serves the users and posts one replica looked up from the other without a call, sealed in Redis', async () => {
    const me = sandbox.users[0]!;
    const LINKED = `{ dmEvents(first: 20) { nodes { restId
      sender { username pinnedTweet { text } }
      referencedTweets { text author { username } }
      entities { mentions { user { username description } } } } } }`;
    const first = await query(a, LINKED, me.token);
    const lookups = sandbox.requests.filter((call) => call.path === '/2/users' || call.path === '/2/tweets');
    expect(lookups.length).toBeGreaterThan(0);
    sandbox.clearRequests();
    const second = await query(b, LINKED, me.token);
    expect(second.data).toEqual(first.data);
    expect(second.errors).toEqual(first.errors);
    expect(sandbox.requests).toHaveLength(0);

    // What was looked up is in Redis only sealed: no username, no post text in the clear.
    const reader = new Redis(redis.url);
    try {
      const names = await reader.keys('*');
      const values = await Promise.all(
        names.map(async (name) =>
          (await reader.type(name)) === 'hash' ? Object.values(await reader.hgetall(name)).join() : '',
        ),
      );
      const everything = names.join() + values.join();
      const sender = first.data.dmEvents.nodes.find((node: any) => node.sender?.pinnedTweet)?.sender;
      expect(sender).toBeDefined();
      expect(everything).not.toContain(sender.username);
      expect(everything).not.toContain(sender.pinnedTweet.text);
    } finally {
      reader.disconnect();
    }
  });
});
