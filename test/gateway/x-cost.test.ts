/**
 * `extensions.xCost { calls, dmEvents, users, posts }` on every answer whose execution called X: the calls counted at
 * the sandbox, and the resources X returned, counted by asking the sandbox the same calls again and counting its
 * answers (DM events in DM answers' `data`; users and posts in lookups' `data` and in `includes`). The log line and
 * /metrics carry the same counts.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { type Harness, useGateway } from '../support/harness.js';

interface Cost {
  calls: number;
  dmEvents: number;
  users: number;
  posts: number;
}

/** What X returned to `calls`, asked again of the sandbox in its own words (the posts dialect). */
async function returnedTo(h: Harness, recorded: readonly RecordedRequest[]): Promise<Cost> {
  // A copy: asking again adds to the sandbox's log.
  const calls = [...recorded];
  const cost: Cost = { calls: calls.length, dmEvents: 0, users: 0, posts: 0 };
  for (const call of calls) {
    const response = await fetch(`${h.sandbox.url}${call.path}?${new URLSearchParams(call.query)}`, {
      headers: { authorization: call.authorization! },
    });
    const body = (await response.json()) as { data?: unknown; includes?: { users?: unknown[]; posts?: unknown[] } };
    const asked = Array.isArray(body.data) ? body.data.length : body.data ? 1 : 0;
    if (call.path.startsWith('/2/dm_')) cost.dmEvents += asked;
    else if (call.path.startsWith('/2/users')) cost.users += asked;
    else if (call.path.startsWith('/2/tweets')) cost.posts += asked;
    cost.users += body.includes?.users?.length ?? 0;
    cost.posts += body.includes?.posts?.length ?? 0;
  }
  return cost;
}

const counter = (metrics: string, name: string) =>
  Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? 'NaN');

const LINKED = `query($first: Int) { dmEvents(first: $first) { nodes {
  restId sender { username } referencedTweets { text author { username pinnedTweet { text } } }
} } }`;

describe('extensions.xCost, without memory', () => {
  const h = useGateway();

  it('says the calls made and the DM events, users and posts X returned, as the log line and /metrics do', async () => {
    const metricsOf = async () => (await h.gateway.fetch('http://gateway.test/metrics')).text();
    const before = await metricsOf();
    const answer = await h.query(LINKED, { first: 50 });
    const expected = await returnedTo(h, h.calls());
    expect(expected.calls).toBeGreaterThan(1);
    expect(expected.users).toBeGreaterThan(0);
    expect(expected.posts).toBeGreaterThan(0);
    expect(answer.extensions!.xCost).toEqual(expected);
    expect(expected.dmEvents).toBe(50);

    const line = h.logLines().at(-1)!;
    expect(line).toMatchObject({
      dmEventsRead: expected.dmEvents,
      usersRead: expected.users,
      postsRead: expected.posts,
    });
    const after = await metricsOf();
    for (const [name, count] of [
      ['gateway_dm_events_read_total', expected.dmEvents],
      ['gateway_users_read_total', expected.users],
      ['gateway_posts_read_total', expected.posts],
    ] as const) {
      expect(counter(after, name) - (counter(before, name) || 0)).toBe(count);
    }
  });

  it('counts a failed call too, and is absent from answers that called nothing', async () => {
    h.sandbox.injectFaults({ type: 'status', status: 503 }, 10);
    const failed = await h.query('{ dmEvents(first: 5) { nodes { restId } } }');
    h.sandbox.clearFaults();
    expect(failed.errors![0]!.extensions!.code).toBe('UPSTREAM_ERROR');
    // The transport tried again after X's 503s: every request X received is a call.
    expect(h.calls().length).toBeGreaterThan(1);
    expect(failed.extensions!.xCost).toEqual({ calls: h.calls().length, dmEvents: 0, users: 0, posts: 0 });
    h.sandbox.clearRequests();
    const refused = await h.query('{ dmEvents(first: 500) { nodes { restId } } }');
    expect(refused.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(h.calls()).toHaveLength(0);
    expect(refused.extensions?.xCost).toBeUndefined();
  });
});

describe('extensions.xCost, with memory', () => {
  const h = useGateway({ gateway: { store: 'memory', freshnessMs: 60_000 } });

  it('counts what this request read from X, and is absent once memory answers everything', async () => {
    const first = await h.query(LINKED, { first: 20 });
    const expected = await returnedTo(h, h.calls());
    expect(first.extensions!.xCost).toEqual(expected);
    // The first read of a user is a whole page: more events returned than the page shows.
    expect(expected.dmEvents).toBeGreaterThan(20);
    h.sandbox.clearRequests();
    const again = await h.query(LINKED, { first: 20 });
    expect(h.calls()).toHaveLength(0);
    expect(again.extensions!.xCost).toBeUndefined();
    expect(h.logLines().at(-1)).toMatchObject({ dmEventsRead: 0, usersRead: 0, postsRead: 0 });
  });
});
