/**
 * The memory, counted at the sandbox: what is read once is served again without a call, a check for news reads a
 * handful of events with one call shared by every request of the user, deletions at X do not linger, older pages
 * continue with X's tokens, and a failing X or a spent budget leaves the last known state served (and says so).
 */
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { useGateway } from '../support/harness.js';

const FRESHNESS_MS = 200;
const h = useGateway({ gateway: { store: 'memory', freshnessMs: FRESHNESS_MS, now: () => now() } });

const isDmCall = (call: RecordedRequest) => call.path.startsWith('/2/dm_');
const dmCalls = () => h.calls().filter(isDmCall);
/** The memory's clock: real time, plus what the tests skip. */
let skipped = 0;
const now = () => Date.now() + skipped;
/** Moves the memory's clock past FRESHNESS_MS: what it holds is no longer fresh. */
const pastFreshness = () => {
  skipped += FRESHNESS_MS + 50;
};

const PAGE =
  'query($first: Int, $after: String) { dmEvents(first: $first, after: $after) { nodes { restId text } pageInfo { endCursor hasNextPage } } }';
const ids = (answer: { data?: any }) => (answer.data.dmEvents.nodes as { restId: string }[]).map((node) => node.restId);

/** Each test uses a user of its own, so the memory of one does not serve another's. */
const user = (index: number) => ({ token: h.sandbox.users[index]!.token, id: h.sandbox.users[index]!.id });
const truth = (userId: string, conversationId?: string) =>
  h.sandbox.visibleEvents(userId, conversationId).map((event) => event.id);
const conversationOf = (userId: string) =>
  h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(userId))!;

describe('what the memory has read', () => {
  it('is served again without a call, and the answer says how fresh it is', async () => {
    const { token, id } = user(1);
    const first = await h.query(PAGE, { first: 10 }, token);
    expect(ids(first)).toEqual(truth(id).slice(0, 10));
    expect(dmCalls()).toHaveLength(1);
    // Memory knew nothing of this user: its first read is a whole page, what the first screens show.
    expect(dmCalls()[0]!.query.max_results).toBe('100');
    h.sandbox.clearRequests();

    const again = await h.query(PAGE, { first: 10 }, token);
    expect(ids(again)).toEqual(ids(first));
    expect(h.calls()).toHaveLength(0);
    const freshness = again.extensions!.freshness as { syncedAt: string; stale: boolean };
    expect(freshness.stale).toBe(false);
    expect(now() - Date.parse(freshness.syncedAt)).toBeLessThan(FRESHNESS_MS + 1_000);
  });

  it('serves a shorter page, an event by id and a node from what it read', async () => {
    const { token, id } = user(2);
    await h.query(PAGE, { first: 20 }, token);
    h.sandbox.clearRequests();
    const short = await h.query(PAGE, { first: 5 }, token);
    expect(ids(short)).toEqual(truth(id).slice(0, 5));
    const eventId = truth(id)[7]!;
    const byId = await h.query(`{ dmEvent(eventId: "${eventId}") { restId text } }`, undefined, token);
    expect(byId.data.dmEvent.restId).toBe(eventId);
    const node = await h.query(
      `{ node(id: "${Buffer.from(`DmEvent:${eventId}`).toString('base64')}") { ... on DmEvent { restId } } }`,
      undefined,
      token,
    );
    expect(node.data.node.restId).toBe(eventId);
    expect(dmCalls()).toHaveLength(0);
  });

  it('continues below with X’s token, asking for just the events the page still needs', async () => {
    // The main demo user has more events than X's first page of 100 holds.
    const { token, id } = user(0);
    expect(truth(id).length).toBeGreaterThan(125);
    const first = await h.query(PAGE, { first: 100 }, token);
    expect(dmCalls()).toHaveLength(1);
    h.sandbox.clearRequests();
    const second = await h.query(PAGE, { first: 10, after: first.data.dmEvents.pageInfo.endCursor }, token);
    expect(ids(second)).toEqual(truth(id).slice(100, 110));
    expect(dmCalls()).toHaveLength(1);
    expect(dmCalls()[0]!.query).toMatchObject({ max_results: '10', pagination_token: expect.any(String) });
    h.sandbox.clearRequests();
    // Both pages are now known: walking them again costs nothing, from either cursor.
    const again = await h.query(PAGE, { first: 15, after: first.data.dmEvents.pageInfo.endCursor }, token);
    expect(ids(again)).toEqual(truth(id).slice(100, 115));
    expect(dmCalls()).toHaveLength(1);
    expect(dmCalls()[0]!.query.max_results).toBe('5');
  });

  it('reads a conversation’s older pages through the conversation endpoint with its own token', async () => {
    // The main demo user's feed is known only in part (the test above): below it, a conversation reads on by itself.
    const { id } = user(0);
    const conversation = h.sandbox.data.conversations
      .filter((c) => c.participantIds.includes(id))
      .sort((a, b) => truth(id, b.id).length - truth(id, a.id).length)[0]!;
    const query = `query($after: String) { dmConversation(conversationId: "${conversation.id}") { events(first: 10, after: $after) { nodes { restId } pageInfo { endCursor hasNextPage } } } }`;
    const pages: string[] = [];
    let after: string | undefined;
    for (let more = true; more;) {
      const answer = await h.query(query, { after });
      pages.push(...answer.data.dmConversation.events.nodes.map((node: { restId: string }) => node.restId));
      after = answer.data.dmConversation.events.pageInfo.endCursor;
      more = answer.data.dmConversation.events.pageInfo.hasNextPage;
    }
    expect(pages).toEqual(truth(id, conversation.id));
    const conversationCalls = dmCalls().filter((call) => call.path.startsWith('/2/dm_conversations/'));
    expect(conversationCalls.length).toBeGreaterThan(0);
    expect(conversationCalls.slice(1).every((call) => call.query.pagination_token !== undefined)).toBe(true);
  });
});

describe('news', () => {
  it('is checked with one call of a handful of events once the head is older than FRESHNESS_MS', async () => {
    const { token, id } = user(4);
    const conversation = conversationOf(id);
    const other = conversation.participantIds.find((p) => p !== id)!;
    await h.query(PAGE, { first: 10 }, token);
    const arrived = h.sandbox.addMessage(conversation.id, other, 'news for you');
    h.sandbox.clearRequests();

    const before = await h.query(PAGE, { first: 10 }, token);
    expect(ids(before)).not.toContain(arrived.id); // fresh enough: memory, no call
    expect(h.calls()).toHaveLength(0);

    pastFreshness();
    const after = await h.query(PAGE, { first: 10 }, token);
    expect(ids(after)).toEqual(truth(id).slice(0, 10));
    expect(ids(after)[0]).toBe(arrived.id);
    expect(dmCalls()).toHaveLength(1);
    expect(dmCalls()[0]!.query.max_results).toBe('5');
  });

  it('is one sync for every request of the user at once', async () => {
    const { token } = user(5);
    await h.query(PAGE, { first: 5 }, token);
    pastFreshness();
    h.sandbox.clearRequests();
    const answers = await Promise.all(Array.from({ length: 6 }, () => h.query(PAGE, { first: 5 }, token)));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(dmCalls()).toHaveLength(1);
  });

  it('walks back to the last known event after a long absence, each event read once', async () => {
    const { token, id } = user(6);
    const conversation = conversationOf(id);
    const other = conversation.participantIds.find((p) => p !== id)!;
    await h.query(PAGE, { first: 3 }, token);
    for (let i = 0; i < 12; i++) h.sandbox.addMessage(conversation.id, other, `message ${i}`);
    pastFreshness();
    h.sandbox.clearRequests();
    const answer = await h.query(PAGE, { first: 15 }, token);
    expect(ids(answer)).toEqual(truth(id).slice(0, 15));
    // 5, then 10: twelve new events and the first known one; nothing known is read a second time but that one page.
    expect(dmCalls().map((call) => call.query.max_results)).toEqual(['5', '10']);
  });

  it('drops what X deleted when it reads that span again', async () => {
    const { token, id } = user(7);
    const first = await h.query(PAGE, { first: 6 }, token);
    const victim = ids(first)[1]!;
    expect(h.sandbox.deleteEvent(victim)).toBe(true);
    pastFreshness();
    const after = await h.query(PAGE, { first: 6 }, token);
    expect(ids(after)).not.toContain(victim);
    expect(ids(after)).toEqual(truth(id).slice(0, 6));
    const byId = await h.query(`{ dmEvent(eventId: "${victim}") { restId } }`, undefined, token);
    expect(byId.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('when X cannot be asked', () => {
  it('serves the last known state when X fails, and says it is stale', async () => {
    const { token } = user(8);
    const first = await h.query(PAGE, { first: 5 }, token);
    pastFreshness();
    h.sandbox.injectFaults({ type: 'status', status: 500 }, 3);
    const answer = await h.query(PAGE, { first: 5 }, token);
    h.sandbox.clearFaults();
    expect(answer.errors).toBeUndefined();
    expect(ids(answer)).toEqual(ids(first));
    expect(answer.extensions!.freshness).toMatchObject({ stale: true });
  });

  it('stretches freshness instead of spending the last of a low budget', async () => {
    const { token } = user(9);
    h.sandbox.setRateLimit(3, 900_000, 'dm-read');
    try {
      await h.query(PAGE, { first: 5 }, token); // 2 left
      pastFreshness();
      await h.query(PAGE, { first: 5 }, token); // a sync: 1 left
      pastFreshness();
      h.sandbox.clearRequests();
      const answer = await h.query(PAGE, { first: 5 }, token);
      // One call left for 15 minutes: its fair share is far longer than FRESHNESS_MS, so memory answers.
      expect(dmCalls()).toHaveLength(0);
      expect(answer.errors).toBeUndefined();
      expect(answer.extensions!.freshness).toMatchObject({ stale: true });
    } finally {
      h.sandbox.setRateLimit(100_000, 900_000);
    }
  });

  it('keeps a walk cut short, and the next sync goes on from X’s token instead of starting over', async () => {
    const { token, id } = user(10);
    const conversation = conversationOf(id);
    const other = conversation.participantIds.find((p) => p !== id)!;
    await h.query(PAGE, { first: 3 }, token);
    for (let i = 0; i < 12; i++) h.sandbox.addMessage(conversation.id, other, `burst ${i}`);
    pastFreshness();
    h.sandbox.clearRequests();
    // The walk's first page (5 new events) is answered; its second fails on every attempt (the first and 2 retries).
    h.sandbox.injectFaults({ type: 'status', status: 503 }, 3, 1);
    const cut = await h.query(PAGE, { first: 3 }, token);
    expect(cut.errors).toBeUndefined();
    expect(cut.extensions!.freshness).toMatchObject({ stale: true });
    expect(dmCalls().map((call) => call.status)).toEqual([200, 503, 503, 503]);
    h.sandbox.clearRequests();

    const whole = await h.query(PAGE, { first: 20 }, token);
    // It goes on from the token of the page it had (no re-read of the five), and joins the feed.
    expect(dmCalls()[0]!.query.pagination_token).toEqual(expect.any(String));
    expect(ids(whole)).toEqual(truth(id).slice(0, 20));
  });
});

describe('isolation', () => {
  it('gives each token only its own user’s memory, and a token X refuses reads nothing', async () => {
    const a = user(11);
    const b = user(12);
    await h.query(PAGE, { first: 20 }, a.token);
    await h.query(PAGE, { first: 20 }, b.token);
    const asA = await h.query(PAGE, { first: 20 }, a.token);
    const asB = await h.query(PAGE, { first: 20 }, b.token);
    const visibleToA = new Set(truth(a.id));
    const visibleToB = new Set(truth(b.id));
    expect(ids(asA).every((eventId) => visibleToA.has(eventId))).toBe(true);
    expect(ids(asB).every((eventId) => visibleToB.has(eventId))).toBe(true);
    h.sandbox.clearRequests();
    const stranger = await h.query(PAGE, { first: 20 }, 'not-a-token-x-knows');
    expect(stranger.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(stranger.data).toBeNull();
    expect(dmCalls()).toHaveLength(0);
  });
});

describe('the inbox', () => {
  it('lists conversations by newest activity, each with its newest event, as X’s events show them', async () => {
    const { token, id } = user(13);
    const answer = await h.query(
      '{ dmConversations(first: 50) { nodes { conversationId kind lastEvent { restId } updatedAt participants { restId } } pageInfo { hasNextPage } } }',
      undefined,
      token,
    );
    expect(answer.errors).toBeUndefined();
    const expected: { conversationId: string; lastEventId: string }[] = [];
    for (const event of h.sandbox.visibleEvents(id)) {
      if (!expected.some((c) => c.conversationId === event.dm_conversation_id)) {
        expected.push({ conversationId: event.dm_conversation_id!, lastEventId: event.id });
      }
    }
    const nodes = answer.data.dmConversations.nodes as any[];
    expect(nodes.map((n) => ({ conversationId: n.conversationId, lastEventId: n.lastEvent.restId }))).toEqual(
      expected.slice(0, 50),
    );
    for (const node of nodes) {
      expect(node.kind).toBe(node.conversationId.includes('-') ? 'ONE_TO_ONE' : 'GROUP');
      if (node.kind === 'ONE_TO_ONE')
        expect(node.participants.map((p: any) => p.restId).sort()).toEqual(node.conversationId.split('-').sort());
      else expect(node.participants.map((p: any) => p.restId)).toContain(id);
    }
  });

  it('pages with its cursors in X’s order, reading a bounded part of the feed each time; walking again costs no DM call', async () => {
    const { token, id } = user(14);
    const expected: string[] = [];
    for (const event of h.sandbox.visibleEvents(id)) {
      if (!expected.includes(event.dm_conversation_id!)) expected.push(event.dm_conversation_id!);
    }
    const walk = async () => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 20 && seen.length < 6; page++) {
        const answer = await h.query(
          'query($after: String) { dmConversations(first: 2, after: $after) { nodes { conversationId } pageInfo { endCursor hasNextPage } } }',
          { after },
          token,
        );
        const { nodes, pageInfo } = answer.data.dmConversations;
        expect(nodes.length).toBeLessThanOrEqual(2);
        seen.push(...nodes.map((node: { conversationId: string }) => node.conversationId));
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor ?? after;
      }
      return seen;
    };
    const first = await walk();
    expect(first).toEqual(expected.slice(0, 6));
    // Each request reads a bounded part of the feed: a handful of calls for the whole walk, never the whole window.
    expect(dmCalls().length).toBeLessThanOrEqual(8);
    h.sandbox.clearRequests();
    expect(await walk()).toEqual(first);
    expect(dmCalls()).toHaveLength(0);
  });
});

describe('what it tells', () => {
  it('logs the DM events each request read from X, and counts them, with hits, misses and syncs, in /metrics', async () => {
    const { token, id } = user(15);
    await h.query(PAGE, { first: 7 }, token);
    const line = h.logLines().at(-1)!;
    // A first read is a whole page: all of this user's events, fewer than 100.
    expect(truth(id).length).toBeLessThan(100);
    expect(line.dmEventsRead).toBe(truth(id).length);
    await h.query(PAGE, { first: 7 }, token);
    expect(h.logLines().at(-1)!.dmEventsRead).toBe(0);
    const metrics = await (await h.gateway.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/gateway_dm_events_read_total \d+/);
    expect(metrics).toMatch(/gateway_memory_reads_total\{result="hit"\} \d+/);
    expect(metrics).toMatch(/gateway_memory_reads_total\{result="miss"\} \d+/);
    expect(metrics).toMatch(/gateway_memory_syncs_total\{outcome="ok"\} \d+/);
  });
});
