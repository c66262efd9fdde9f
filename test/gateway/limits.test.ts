/**
 * Cost and document limits: an operation whose worst case exceeds MAX_UPSTREAM_REQUESTS is refused before any call;
 * abusive documents (too deep, too many aliases, too many tokens) are refused, also through fragments, while an
 * ordinary deep Relay query goes through; wrong argument types are BAD_USER_INPUT.
 */
import { describe, expect, it } from 'vitest';
import { XSession } from '../../src/upstream/session.js';
import { useGateway } from '../support/harness.js';

const h = useGateway({ gateway: { maxUpstreamRequests: 10 } });
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

async function refusedForCost(query: string, variables?: Record<string, unknown>) {
  const answer = await h.query(query, variables);
  expect(answer.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
  expect(h.calls()).toHaveLength(0);
  return answer.errors![0]!.extensions!.cost as { estimate: number; limit: number };
}

describe('the cost limit', () => {
  it('refuses nested connections that multiply past the limit, with the estimate, before any call', async () => {
    const cost = await refusedForCost(
      '{ dmEvents(first: 20) { nodes { conversation { events(first: 5) { nodes { text } } } } } }',
    );
    expect(cost).toEqual({ estimate: 21, limit: 10 });
  });

  it('lets the same shape through when the pages are small enough, and it costs no more than estimated', async () => {
    const answer = await h.query(
      '{ dmEvents(first: 9) { nodes { conversation { events(first: 2) { nodes { text } } } } } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(h.calls().length).toBeGreaterThan(1);
    expect(h.calls().length).toBeLessThanOrEqual(10);
  });

  it('reads page sizes from variables and counts through fragments', async () => {
    const query = `query($n: Int) { dmEvents(first: $n) { ...Nested } }
      fragment Nested on DmEventConnection { nodes { conversation { events(first: 1) { nodes { text } } } } }`;
    expect(await refusedForCost(query, { n: 30 })).toEqual({ estimate: 31, limit: 10 });
    expect((await h.query(query, { n: 3 })).errors).toBeUndefined();
  });

  it('counts batch lookups: a page, its tweets lookup and its users lookup', async () => {
    const cost = await h.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.sandbox.users[0]!.token}` },
      body: JSON.stringify({
        query: `{ a: dmEvents(first: 5) { nodes { sender { pinnedTweet { text } } referencedTweets { author { name } } } }
                  b: dmEvents(first: 6) { nodes { sender { pinnedTweet { text } } referencedTweets { author { name } } } }
                  c: dmEvents(first: 7) { nodes { sender { pinnedTweet { text } } referencedTweets { author { name } } } }
                  d: dmEvents(first: 8) { nodes { text } } e: dmEvents(first: 9) { nodes { text } } }`,
      }),
    });
    const body = (await cost.json()) as { errors?: { extensions: { cost: unknown } }[] };
    expect(body.errors?.[0]?.extensions.cost).toEqual({ estimate: 3 + 3 + 3 + 1 + 1, limit: 10 });
  });

  it('counts DM events asked for by nodes one call each, and users one lookup for all', async () => {
    const events = h.sandbox.visibleEvents(h.sandbox.users[0]!.id).slice(0, 11);
    const cost = await refusedForCost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: events.map((event) => globalId('DmEvent', event.id)),
    });
    expect(cost).toEqual({ estimate: 11, limit: 10 });
    const users = h.sandbox.users.slice(0, 20).map((user) => globalId('User', user.id));
    const answer = await h.query('query($ids: [ID!]!) { nodes(ids: $ids) { ... on User { name } } }', { ids: users });
    expect(answer.errors).toBeUndefined();
    expect(h.calls()).toHaveLength(1);
  });

  it("is enforced by the request's call budget where an estimate falls short", async () => {
    let calls = 0;
    const transport = {
      get: <T>() => {
        calls += 1;
        return Promise.resolve({ status: 200, body: {} as T, rateLimit: undefined });
      },
    };
    const session = new XSession(transport, 'Bearer t', {
      maxCalls: 2,
    });
    await session.get('/2/users/me', {});
    await session.get('/2/users/me', {});
    await expect(session.get('/2/users/me', {})).rejects.toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: { estimate: 3, limit: 2 },
    });
    expect(calls).toBe(2);
  });
});

describe('document limits', () => {
  const DEEP_RELAY = `query Deep($id: ID!) { dmConversation(conversationId: $id) { events(first: 2) { edges { node { ...Refs } } } } }
    fragment Refs on DmEvent { referencedTweets { author { pinnedTweet { entities { mentions { user { name } } } } } } }`;

  it('let an ordinary deep Relay query through fragments (depth 11)', async () => {
    const id = h.sandbox.data.conversations.find((c) => c.participantIds.includes(h.sandbox.users[0]!.id))!.id;
    const answer = await h.query(DEEP_RELAY, { id });
    expect(answer.errors).toBeUndefined();
  });

  it('refuse a document deeper than 16 fields, also when the depth hides in fragments', async () => {
    const fragments = Array.from(
      { length: 8 },
      (_, i) => `fragment F${i} on User { pinnedTweet { author { ...F${i + 1} } } }`,
    );
    fragments.push('fragment F8 on User { name }');
    const answer = await h.query(`{ dmEvents { nodes { sender { ...F0 } } } } ${fragments.join(' ')}`);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.message).toMatch(/fields deep; at most 16/);
    expect(h.calls()).toHaveLength(0);
  });

  it('refuse more than 32 aliases, counting a fragment each time it is spread', async () => {
    const aliases = Array.from({ length: 17 }, (_, i) => `t${i}: text`).join(' ');
    const answer = await h.query(
      `{ dmEvents { a: nodes { ...A } b: nodes { ...A } } } fragment A on DmEvent { ${aliases} }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.message).toMatch(/36 aliased fields; at most 32/);
    expect((await h.query(`{ dmEvents { nodes { ${aliases} } } }`)).errors).toBeUndefined();
  });

  it('stop parsing a document of more than 2000 tokens', async () => {
    const answer = await h.query(`{ dmEvents { nodes { ${'text '.repeat(2100)} } } }`);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.message).toMatch(/tokens/);
    expect(h.calls()).toHaveLength(0);
  });

  it('refuse a fragment bomb (each fragment spread twice, 2^30 fields written out), measured without writing it out', async () => {
    const bomb = Array.from({ length: 30 }, (_, i) => `fragment B${i} on DmEvent { ...B${i + 1} ...B${i + 1} }`).join(
      ' ',
    );
    const answer = await h.query(`{ dmEvents(first: 2) { nodes { ...B0 } } } ${bomb} fragment B30 on DmEvent { text }`);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.message).toMatch(
      /selects 1073741826 fields with its fragments written out; at most 2000/,
    );
    expect(h.calls()).toHaveLength(0);
  });

  it('let a query that spreads fragments in many places through', async () => {
    const answer = await h.query(`{ dmEvents(first: 2) { nodes { ...E sender { ...U } participants { ...U } } } }
      fragment E on DmEvent { text createdAt } fragment U on User { name username }`);
    expect(answer.errors).toBeUndefined();
  });
});

describe('arguments of the wrong type', () => {
  it('in a variable are BAD_USER_INPUT', async () => {
    for (const [query, variables] of [
      ['query($n: Int) { dmEvents(first: $n) { nodes { text } } }', { n: 'ten' }],
      ['query($t: [DmEventType!]) { dmEvents(eventTypes: $t) { nodes { text } } }', { t: ['NOPE'] }],
      ['query($id: ID!) { dmEvent(eventId: $id) { text } }', {}],
    ] as const) {
      const answer = await h.query(query, variables);
      expect(answer.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
    }
    expect(h.calls()).toHaveLength(0);
  });

  it('are BAD_USER_INPUT every time, and the same document with fitting variables then runs', async () => {
    // The checks are remembered by the variables as sent: a repeated mistake is refused again, in the same words.
    const query = 'query($n: Int) { dmEvents(first: $n) { nodes { text } } }';
    const first = await h.query(query, { n: 'ten' });
    const again = await h.query(query, { n: 'ten' });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toBe(first.errors?.[0]?.message);
    const costly =
      'query($n: Int) { dmEvents(first: $n) { nodes { conversation { events(first: 1) { nodes { text } } } } } }';
    for (let i = 0; i < 2; i++) expect(await refusedForCost(costly, { n: 30 })).toEqual({ estimate: 31, limit: 10 });
    const answer = await h.query(query, { n: 2 });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.dmEvents).toBeDefined();
  });

  it('in the document are BAD_USER_INPUT', async () => {
    const answer = await h.query('{ dmEvents(first: "ten") { nodes { text } } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.calls()).toHaveLength(0);
  });
});
