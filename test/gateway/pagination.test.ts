/**
 * Relay pagination over X's page tokens: walks forward and back, cursors in the middle of a page, bounds, and
 * cursors that belong to another connection.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway();

const mainUser = () => h.sandbox.users[0]!.id;
/** The main user's busiest conversation. */
function busiestConversation(): string {
  const counts = new Map<string, number>();
  for (const event of h.sandbox.visibleEvents(mainUser())) {
    counts.set(event.dm_conversation_id!, (counts.get(event.dm_conversation_id!) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

const PAGE = `
  query Page($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    dmConversation(conversationId: $id) {
      events(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { restId } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }`;

interface Page {
  edges: { cursor: string; node: { restId: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

async function page(variables: Record<string, unknown>): Promise<Page> {
  const answer = await h.query<{ dmConversation: { events: Page } }>(PAGE, variables);
  expect(answer.errors).toBeUndefined();
  return answer.data!.dmConversation.events;
}

const ids = (p: Page) => p.edges.map((edge) => edge.node.restId);

describe('walking a conversation', () => {
  it('with first: 7 and each endCursor returns every event exactly once, in order, one call a page', async () => {
    const id = busiestConversation();
    const expected = h.sandbox.visibleEvents(mainUser(), id).map((event) => event.id);
    expect(expected.length).toBeGreaterThan(20);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page({ id, first: 7, after });
      pages += 1;
      seen.push(...ids(p));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
      expect(pages).toBeLessThan(100);
    }
    expect(seen).toEqual(expected);
    expect(h.calls()).toHaveLength(pages);
  });

  it('resumes right after a cursor in the middle of a page', async () => {
    const id = busiestConversation();
    const expected = h.sandbox.visibleEvents(mainUser(), id).map((event) => event.id);
    const first = await page({ id, first: 7 });
    const resumed = await page({ id, first: 7, after: first.edges[2]!.cursor });
    expect(ids(resumed)).toEqual(expected.slice(3, 10));
    const seen = [...ids(first).slice(0, 3)];
    let p = resumed;
    for (;;) {
      seen.push(...ids(p));
      if (!p.pageInfo.hasNextPage) break;
      p = await page({ id, first: 7, after: p.pageInfo.endCursor });
    }
    expect(seen).toEqual(expected);
  });

  it('every edge cursor of a page resumes right after its own edge', async () => {
    const id = busiestConversation();
    const expected = h.sandbox.visibleEvents(mainUser(), id).map((event) => event.id);
    const first = await page({ id, first: 5 });
    for (const [index, edge] of first.edges.entries()) {
      const next = await page({ id, first: 2, after: edge.cursor });
      expect(ids(next)).toEqual(expected.slice(index + 1, index + 3));
    }
  });

  it('walks back with last and before', async () => {
    const id = busiestConversation();
    const expected = h.sandbox.visibleEvents(mainUser(), id).map((event) => event.id);
    const first = await page({ id, first: 7 });
    const second = await page({ id, first: 7, after: first.pageInfo.endCursor });
    const third = await page({ id, first: 7, after: second.pageInfo.endCursor });
    expect(ids(third)).toEqual(expected.slice(14, 21));

    const back = await page({ id, last: 7, before: third.pageInfo.startCursor });
    expect(ids(back)).toEqual(expected.slice(7, 14));
    expect(back.pageInfo.hasNextPage).toBe(true);
    const backAgain = await page({ id, last: 7, before: back.pageInfo.startCursor });
    expect(ids(backAgain)).toEqual(expected.slice(0, 7));

    const midPage = await page({ id, last: 3, before: third.edges[4]!.cursor });
    expect(ids(midPage)).toEqual(expected.slice(15, 18));
  });

  it('takes 20 events when neither first nor last is given', async () => {
    const p = await page({ id: busiestConversation() });
    expect(p.edges).toHaveLength(20);
    expect(h.calls()[0]!.query.max_results).toBe('20');
  });

  it('ends the walk on the empty page X answers past the last token', async () => {
    const id = busiestConversation();
    const all = h.sandbox.visibleEvents(mainUser(), id);
    const whole = await page({ id, first: 100 });
    expect(ids(whole)).toEqual(all.map((event) => event.id));
    // X hands a first page a next_token even when nothing follows: the gateway cannot know before asking.
    expect(whole.pageInfo.hasNextPage).toBe(true);
    const after = await page({ id, first: 100, after: whole.pageInfo.endCursor });
    expect(after.edges).toEqual([]);
    expect(after.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
    expect(h.calls()).toHaveLength(2);
  });
});

describe('eventTypes', () => {
  it('filters, and X is asked for those types only', async () => {
    const answer = await h.query(
      `{ dmEvents(first: 50, eventTypes: [PARTICIPANTS_JOIN, PARTICIPANTS_LEAVE]) { nodes { eventType } } }`,
    );
    const types = answer.data.dmEvents.nodes.map((n: { eventType: string }) => n.eventType);
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['PARTICIPANTS_JOIN', 'PARTICIPANTS_LEAVE']));
    expect(h.calls()[0]!.query.event_types).toBe('ParticipantsJoin,ParticipantsLeave');
  });
});

describe('arguments X would refuse get BAD_USER_INPUT and no call', () => {
  const refused = async (query: string, variables?: Record<string, unknown>) => {
    const answer = await h.query(query, variables);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.calls()).toHaveLength(0);
    return answer.errors![0]!;
  };

  it.each([
    ['first: 0', '{ dmEvents(first: 0) { nodes { text } } }'],
    ['first: 101', '{ dmEvents(first: 101) { nodes { text } } }'],
    ['first: -1', '{ dmEvents(first: -1) { nodes { text } } }'],
    ['last: 0', '{ dmEvents(last: 0, before: "x") { nodes { text } } }'],
    ['first and last', '{ dmEvents(first: 2, last: 2) { nodes { text } } }'],
    ['last without before', '{ dmEvents(last: 5) { nodes { text } } }'],
    ['after and before', '{ dmEvents(after: "a", before: "b") { nodes { text } } }'],
    ['an empty eventTypes', '{ dmEvents(eventTypes: []) { nodes { text } } }'],
    ['a cursor that is not one', '{ dmEvents(after: "bm90IGEgY3Vyc29y") { nodes { text } } }'],
  ])('%s', async (_name, query) => {
    await refused(query);
  });

  it('a tampered cursor', async () => {
    const first = await page({ id: busiestConversation(), first: 3 });
    h.sandbox.clearRequests();
    const cursor = first.pageInfo.endCursor!;
    const [body, signature, index] = cursor.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    payload.s = 100;
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}.${index}`;
    await refused(PAGE, { id: busiestConversation(), first: 3, after: forged });
    await refused(PAGE, { id: busiestConversation(), first: 3, after: `${body}.${signature}.99` });
  });

  it('a cursor of another conversation, endpoint or eventTypes', async () => {
    const id = busiestConversation();
    const cursor = (await page({ id, first: 3 })).pageInfo.endCursor!;
    const other = h.sandbox.data.conversations.find((c) => c.id !== id && c.participantIds.includes(mainUser()))!.id;
    h.sandbox.clearRequests();
    await refused(PAGE, { id: other, first: 3, after: cursor });
    await refused('query($c: String) { dmEvents(after: $c) { nodes { text } } }', { c: cursor });
    const filtered = await h.query('{ dmEvents(first: 2, eventTypes: [MESSAGE_CREATE]) { pageInfo { endCursor } } }');
    h.sandbox.clearRequests();
    await refused('query($c: String) { dmEvents(after: $c) { nodes { text } } }', {
      c: filtered.data.dmEvents.pageInfo.endCursor,
    });
  });
});

describe("news between two pages (X's first page moves down as it arrives)", () => {
  /** The busiest conversation, someone else in it, and its events as X holds them now. */
  function conversation() {
    const id = busiestConversation();
    const other = h.sandbox.data.conversations.find((c) => c.id === id)!.participantIds.find((p) => p !== mainUser())!;
    const events = () =>
      h.sandbox
        .visibleEvents(mainUser())
        .filter((event) => event.dm_conversation_id === id)
        .map((event) => event.id);
    return { id, other, events };
  }
  const ids = (p: Page) => p.edges.map((edge) => edge.node.restId);

  it('after a cursor of the first page: the events right below it, none again, in one call; the walk goes on', async () => {
    const { id, other, events } = conversation();
    const first = await page({ id, first: 6 });
    for (let i = 0; i < 3; i++) h.sandbox.addMessage(id, other, `news ${i}`);
    h.sandbox.clearRequests();
    const next = await page({ id, first: 6, after: first.edges[2]!.cursor });
    expect(h.calls()).toHaveLength(1);
    const all = events();
    const at = all.indexOf(first.edges[2]!.node.restId);
    // The page X is asked again holds fewer events below the edge now: a first part of them, saying more follow.
    expect(next.edges.length).toBeGreaterThan(0);
    expect(ids(next)).toEqual(all.slice(at + 1, at + 1 + next.edges.length));
    expect(next.pageInfo.hasNextPage).toBe(true);
    const then = await page({ id, first: 6, after: next.pageInfo.endCursor });
    expect(ids(then)).toEqual(all.slice(at + 1 + next.edges.length, at + 7 + next.edges.length));
  });

  it('before a cursor of the first page: the events right above it', async () => {
    const { id, other, events } = conversation();
    const first = await page({ id, first: 6 });
    for (let i = 0; i < 2; i++) h.sandbox.addMessage(id, other, `more news ${i}`);
    const back = await page({ id, last: 3, before: first.edges[4]!.cursor });
    const all = events();
    const at = all.indexOf(first.edges[4]!.node.restId);
    expect(ids(back)).toEqual(all.slice(at - 3, at));
  });

  it('after a cursor of a page walked back to the top: the events right below it', async () => {
    const { id, other, events } = conversation();
    const first = await page({ id, first: 4 });
    const second = await page({ id, first: 4, after: first.pageInfo.endCursor });
    // Back from the second page's first edge, more than lie above it: X's previous page reaches the top.
    const back = await page({ id, last: 6, before: second.edges[0]!.cursor });
    expect(ids(back)).toEqual(ids(first));
    for (let i = 0; i < 2; i++) h.sandbox.addMessage(id, other, `news from the top ${i}`);
    const next = await page({ id, first: 3, after: back.edges[1]!.cursor });
    const all = events();
    const at = all.indexOf(back.edges[1]!.node.restId);
    expect(ids(next)).toEqual(all.slice(at + 1, at + 1 + next.edges.length));
    expect(next.edges.length).toBeGreaterThan(0);
  });

  it('after more news than the page held below the edge: still the events right below it', async () => {
    const { id, other, events } = conversation();
    const first = await page({ id, first: 4 });
    for (let i = 0; i < 8; i++) h.sandbox.addMessage(id, other, `a burst ${i}`);
    h.sandbox.clearRequests();
    const next = await page({ id, first: 4, after: first.edges[1]!.cursor });
    const all = events();
    const at = all.indexOf(first.edges[1]!.node.restId);
    expect(ids(next)).toEqual(all.slice(at + 1, at + 5));
    // The page asked again did not reach the edge; a whole one did.
    expect(h.calls()).toHaveLength(2);
  });
});
