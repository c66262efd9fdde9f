/**
 * A conversation's head, brought up to date once per request: `lastEvent`, `updatedAt`, `participants` and `events`
 * all read the conversation from memory, and the check for news they need is one walk of the feed (and at most one
 * read of the conversation's first page) shared by all of them, however long X takes to answer. Counted at the
 * sandbox, on a machine made slow: each call to X moves the memory's clock past FRESHNESS_MS.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const FRESHNESS_MS = 200;
/** While true, every call X has received moves the memory's clock by more than FRESHNESS_MS (a slow X). */
let slow = false;
let skipped = 0;
const h = useGateway({
  gateway: {
    store: 'memory',
    freshnessMs: FRESHNESS_MS,
    now: () => Date.now() + skipped + (slow ? h.sandbox.requests.length * (FRESHNESS_MS + 50) : 0),
  },
});

const EVENT = 'fragment E on DmEvent { __typename id restId eventType text conversationId senderId createdAt }';
const CONVERSATION = `query Conversation($id: ID!, $first: Int) {
  dmConversation(conversationId: $id) {
    __typename id conversationId kind updatedAt
    lastEvent { ...E }
    participants { __typename id restId }
    events(first: $first) { edges { cursor node { ...E } } pageInfo { hasNextPage endCursor } }
  }
} ${EVENT}`;
const FEED = 'query { dmEvents(first: 20) { nodes { restId } } }';

describe('a conversation read by several fields of one request', () => {
  it('brings its head up to date with one walk shared by all of them, while X is slow', async () => {
    // A member of a group who is not the main demo user (whose feed other tests of the memory read).
    const group = h.sandbox.data.conversations.find((c) => c.group && c.participantIds.length > 2)!;
    const me = h.sandbox.users.find((user) => user !== h.sandbox.users[0] && group.participantIds.includes(user.id))!;
    const others = group.participantIds.filter((id) => id !== me.id);
    // Memory knows the feed; then the group gets busy: a walk of seven pages (5, 10, ... 100, 100) to reach what memory
    // knew, 7 of the operation's 10 calls.
    await h.query(FEED, undefined, me.token);
    const NEW = 300;
    const added = Array.from({ length: NEW }, (_, i) =>
      h.sandbox.addMessage(group.id, others[i % others.length]!, `busy ${i}`),
    );
    skipped += FRESHNESS_MS + 50;
    h.sandbox.clearRequests();

    slow = true;
    try {
      const answer = await h.query(CONVERSATION, { id: group.id, first: 10 }, me.token);
      expect(answer.errors).toBeUndefined();
      const conversation = answer.data.dmConversation;
      const newest = added[added.length - 1]!;
      expect(conversation.lastEvent.restId).toBe(newest.id);
      expect(conversation.events.edges.map((edge: any) => edge.node.restId)).toEqual(
        h.sandbox
          .visibleEvents(me.id, group.id)
          .slice(0, 10)
          .map((event) => event.id),
      );
      expect(conversation.participants.map((user: any) => user.restId)).toEqual(expect.arrayContaining(others));
    } finally {
      slow = false;
    }
    const calls = h.calls().filter((call) => call.path.startsWith('/2/dm_'));
    // One walk from the newest event down to what memory knew, its pages doubling while all are new.
    const walk = calls.filter((call) => call.path === '/2/dm_events');
    expect(walk.map((call) => call.query.max_results)).toEqual(['5', '10', '20', '40', '80', '100', '100']);
    // The walk reached the conversation's newest events: no field reads its first page again.
    expect(calls.filter((call) => call.path.startsWith('/2/dm_conversations/'))).toEqual([]);
  });
});
