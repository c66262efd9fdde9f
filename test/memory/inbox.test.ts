/**
 * The inbox answers full pages, counted at the sandbox: `first` conversations, or every conversation of the window with
 * `hasNextPage: false`; a memory that knows nothing of a user reads 100 events first; the same inbox again costs no
 * call; `after:` pages behave the same; and only the call cap or X's budget may leave a page short, with an error at
 * the connection's path that says which, the data still returned.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { type Harness, useGateway } from '../support/harness.js';

const INBOX = `query($first: Int, $after: String) {
  dmConversations(first: $first, after: $after) {
    edges { cursor node { lastEvent { restId } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const isDmCall = (call: RecordedRequest) => call.path.startsWith('/2/dm_');

/** The conversations of a user, newest activity first, as X's feed shows them: their newest events' ids. */
function truth(h: Harness, userId: string): string[] {
  const seen = new Set<string>();
  const newest: string[] = [];
  for (const event of h.sandbox.visibleEvents(userId)) {
    if (seen.has(event.dm_conversation_id!)) continue;
    seen.add(event.dm_conversation_id!);
    newest.push(event.id);
  }
  return newest;
}

/**
 * Makes a user's feed deeper than one page of X: 100 new messages in their newest conversation push the others below
 * the first 100 events. Returns the user.
 */
function deepFeed(h: Harness, index: number) {
  const me = h.sandbox.users[index]!;
  const newest = h.sandbox.visibleEvents(me.id)[0]!.dm_conversation_id!;
  const other = h.sandbox.data.conversations.find((c) => c.id === newest)!.participantIds.find((id) => id !== me.id)!;
  for (let i = 0; i < 100; i++) h.sandbox.addMessage(newest, i % 2 === 0 ? other : me.id, `busy ${i}`);
  const inFirstHundred = new Set(
    h.sandbox
      .visibleEvents(me.id)
      .slice(0, 100)
      .map((event) => event.dm_conversation_id),
  );
  expect(inFirstHundred.size).toBe(1);
  return me;
}

const lastEvents = (answer: { data?: any }) =>
  (answer.data.dmConversations.edges as { node: { lastEvent: { restId: string } } }[]).map(
    (edge) => edge.node.lastEvent.restId,
  );

describe('the inbox', () => {
  const h = useGateway({ gateway: { store: 'memory', freshnessMs: 60_000 } });
  const dmCalls = () => h.calls().filter(isDmCall);

  it('answers every conversation with hasNextPage false when there are fewer than asked, from one read of 100', async () => {
    const me = h.sandbox.users[1]!;
    const conversations = truth(h, me.id);
    expect(conversations.length).toBeLessThan(10);
    const answer = await h.query(INBOX, { first: 10 }, me.token);
    expect(lastEvents(answer)).toEqual(conversations);
    expect(answer.data.dmConversations.pageInfo.hasNextPage).toBe(false);
    expect(answer.errors).toBeUndefined();
    // A whole page first; X's end is proven by the next page (X sends next_token on a short page too).
    expect(dmCalls()[0]!.query.max_results).toBe('100');
    expect(dmCalls()[0]!.query.pagination_token).toBeUndefined();
    expect(dmCalls().length).toBeLessThanOrEqual(2);
    h.sandbox.clearRequests();
    const again = await h.query(INBOX, { first: 10 }, me.token);
    expect(again.data).toEqual(answer.data);
    expect(h.calls()).toHaveLength(0);
  });

  it('answers full pages, and after: pages full or truly at the end, reading on within one request', async () => {
    const me = deepFeed(h, 2);
    const conversations = truth(h, me.id);
    const first = await h.query(INBOX, { first: 2 }, me.token);
    expect(lastEvents(first)).toEqual(conversations.slice(0, 2));
    expect(dmCalls().length).toBeGreaterThan(1);
    expect(first.data.dmConversations.pageInfo.hasNextPage).toBe(true);

    h.sandbox.clearRequests();
    const rest = await h.query(INBOX, { first: 50, after: first.data.dmConversations.pageInfo.endCursor }, me.token);
    expect(rest.errors).toBeUndefined();
    expect(lastEvents(rest)).toEqual(conversations.slice(2));
    expect(rest.data.dmConversations.pageInfo.hasNextPage).toBe(false);
    expect(
      dmCalls().every((call) => call.query.max_results === '100' && call.query.pagination_token !== undefined),
    ).toBe(true);

    h.sandbox.clearRequests();
    const full = await h.query(INBOX, { first: conversations.length }, me.token);
    expect(lastEvents(full)).toEqual(conversations);
    expect(full.data.dmConversations.pageInfo.hasNextPage).toBe(false);
    expect(await h.query(INBOX, { first: 50, after: first.data.dmConversations.pageInfo.endCursor }, me.token)).toEqual(
      rest,
    );
    expect(h.calls()).toHaveLength(0);
  });
});

describe('an inbox read the call cap stops', () => {
  // Two calls: whose token it is, and one page of the feed.
  const h = useGateway({ gateway: { store: 'memory', freshnessMs: 60_000, maxUpstreamRequests: 2 } });

  it('is short with hasNextPage true and COST_LIMIT_EXCEEDED at the connection, the data still returned', async () => {
    const me = deepFeed(h, 2);
    const conversations = truth(h, me.id);
    const answer = await h.query(INBOX, { first: 50 }, me.token);
    const shown = lastEvents(answer);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(conversations.length);
    expect(shown).toEqual(conversations.slice(0, shown.length));
    expect(answer.data.dmConversations.pageInfo.hasNextPage).toBe(true);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]!.path).toEqual(['dmConversations']);
    expect(answer.errors![0]!.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', cost: { limit: 2 } });
    expect(h.calls().filter(isDmCall)).toHaveLength(1);

    // Asked again, it reads on from where it stopped, and the page is whole.
    h.sandbox.clearRequests();
    const next = await h.query(INBOX, { first: 50 }, me.token);
    expect(lastEvents(next)).toEqual(conversations);
    expect(next.data.dmConversations.pageInfo.hasNextPage).toBe(false);
    expect(next.errors).toBeUndefined();
  });
});

describe('the inbox without memory (STORE=off)', () => {
  const h = useGateway();

  it('is full or truly at the end too, read within the one request', async () => {
    const me = deepFeed(h, 7);
    const conversations = truth(h, me.id);
    const answer = await h.query(INBOX, { first: 50 }, me.token);
    expect(lastEvents(answer)).toEqual(conversations);
    expect(answer.data.dmConversations.pageInfo.hasNextPage).toBe(false);
    expect(answer.errors).toBeUndefined();
    expect(h.calls().filter(isDmCall).length).toBeGreaterThan(1);
  });
});

describe('an inbox read the call cap stops after a full page', () => {
  const h = useGateway({ gateway: { store: 'memory', freshnessMs: 60_000, maxUpstreamRequests: 2 } });

  it('is whole: no error, and hasNextPage true since more may follow', async () => {
    const me = deepFeed(h, 6);
    const answer = await h.query(INBOX, { first: 1 }, me.token);
    expect(lastEvents(answer)).toEqual(truth(h, me.id).slice(0, 1));
    expect(answer.data.dmConversations.pageInfo.hasNextPage).toBe(true);
    expect(answer.errors).toBeUndefined();
    expect(h.calls().filter(isDmCall)).toHaveLength(1);
  });
});

describe('an inbox read X’s budget stops', () => {
  // One DM lookup per window: the first page of the feed spends it.
  const h = useGateway({
    sandbox: { rateLimit: { limit: 1, windowMs: 900_000 } },
    gateway: { store: 'memory', freshnessMs: 60_000 },
  });

  it('is short with hasNextPage true and RATE_LIMITED with resetAt at the connection, the data still returned', async () => {
    const me = deepFeed(h, 2);
    const conversations = truth(h, me.id);
    const answer = await h.query(INBOX, { first: 50 }, me.token);
    const shown = lastEvents(answer);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(conversations.slice(0, shown.length));
    expect(shown.length).toBeLessThan(conversations.length);
    expect(answer.data.dmConversations.pageInfo.hasNextPage).toBe(true);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]!.path).toEqual(['dmConversations']);
    expect(answer.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', resetAt: expect.any(String) });
    // The spent budget refused the second page before it left.
    expect(h.calls().filter(isDmCall)).toHaveLength(1);
  });
});
