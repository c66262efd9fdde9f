/**
 * A shared store that goes down and comes back, between one request and the next or within one: walks of a list go
 * on across it whichever kind of cursor they hold, a keyed write is not sent when its key cannot be claimed where
 * every replica sees it, and a message X took is answered even when the memory fails right after. Over a
 * ResilientStore whose primary (an in-process store) fails on demand, against the sandbox.
 */
import { describe, expect, it } from 'vitest';
import { InProcessStore } from '../../src/store/in-process.js';
import { ResilientStore } from '../../src/store/resilient.js';
import type { DmStore } from '../../src/store/store.js';
import { subscribeSse, useLiveGateway } from '../live/helpers.js';
import { until } from '../support/until.js';

/** Which of the primary's calls fail now (by method name). */
let failing: (method: string) => boolean = () => false;
const primary = new Proxy(new InProcessStore(), {
  get(target, property, receiver) {
    const value = Reflect.get(target, property, receiver) as unknown;
    if (typeof value !== 'function') return value;
    return (...args: unknown[]) =>
      failing(String(property))
        ? Promise.reject(new Error('primary is down'))
        : (value as (...a: unknown[]) => unknown).apply(target, args);
  },
}) as DmStore;
const store = new ResilientStore(primary, () => {}, { retryAfterMs: 0 });

const h = useLiveGateway({ gateway: { store, freshnessMs: 60_000 } });

/** The primary fails from now on, and the store knows it: requests are served from X. */
async function down(): Promise<void> {
  failing = () => true;
  await store.identity('probe');
  expect(store.available()).toBe(false);
}

/** The primary answers again, and the store knows it. */
async function up(): Promise<void> {
  failing = () => false;
  await store.identity('probe');
  expect(store.available()).toBe(true);
}

async function query(document: string, variables: Record<string, unknown>, token: string) {
  const response = await h.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as {
    data?: any;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

const FEED = `query($first: Int, $after: String, $last: Int, $before: String) {
  dmEvents(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { restId } } pageInfo { endCursor }
  }
}`;
const CONVERSATION = `query($id: ID!, $first: Int, $after: String) {
  dmConversation(conversationId: $id) { events(first: $first, after: $after) { nodes { restId } pageInfo { endCursor } } }
}`;
const SEND = `mutation($input: SendDmInput!) { sendDm(input: $input) { event { restId } } }`;

const user = (index: number) => h.sandbox.users[index]!;
const visible = (index: number) => h.sandbox.visibleEvents(user(index).id).map((event) => event.id);
const ids = (answer: { data?: any }) => answer.data.dmEvents.edges.map((edge: any) => edge.node.restId);
const posts = () => h.sandbox.requests.filter((call) => call.method === 'POST').length;

describe('a shared store that goes down and comes back', () => {
  it('a walk begun from memory goes on from X while the store is down, and from memory once it is back', async () => {
    const { token } = user(1);
    await up();
    const first = await query(FEED, { first: 5 }, token);
    expect(ids(first)).toEqual(visible(1).slice(0, 5));

    await down();
    const before = h.dmCalls();
    const second = await query(FEED, { first: 5, after: first.data.dmEvents.pageInfo.endCursor }, token);
    expect(second.errors).toBeUndefined();
    expect(ids(second)).toEqual(visible(1).slice(5, 10));
    expect(h.dmCalls()).toBeGreaterThan(before);
    // Backward from an edge of the first page, too.
    const back = await query(FEED, { last: 2, before: first.data.dmEvents.edges[4].cursor }, token);
    expect(back.errors).toBeUndefined();
    expect(ids(back)).toEqual(visible(1).slice(2, 4));

    await up();
    const third = await query(FEED, { first: 5, after: second.data.dmEvents.pageInfo.endCursor }, token);
    expect(third.errors).toBeUndefined();
    expect(ids(third)).toEqual(visible(1).slice(10, 15));
  });

  it('a cursor deep in a conversation is walked down to in whole pages while the store is down', async () => {
    const { token, id: me } = user(5);
    const counts = new Map<string, number>();
    for (const event of h.sandbox.visibleEvents(me))
      counts.set(event.dm_conversation_id!, (counts.get(event.dm_conversation_id!) ?? 0) + 1);
    const [id] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const events = h.sandbox
      .visibleEvents(me)
      .filter((event) => event.dm_conversation_id === id)
      .map((event) => event.id);
    expect(events.length).toBeGreaterThan(24);
    await up();
    let cursor: string | undefined;
    for (let walked = 0; walked < 21; walked += 3) {
      const answer = await query(CONVERSATION, { id, first: 3, ...(cursor && { after: cursor }) }, token);
      cursor = answer.data.dmConversation.events.pageInfo.endCursor;
    }
    await down();
    const before = h.dmCalls();
    const deep = await query(CONVERSATION, { id, first: 3, after: cursor }, token);
    expect(deep.errors).toBeUndefined();
    expect(deep.data.dmConversation.events.nodes.map((n: any) => n.restId)).toEqual(events.slice(21, 24));
    // One page of the conversation, 100 events deep, reaches the cursor (a walk in steps of 3 would take seven).
    expect(h.dmCalls() - before).toBe(1);
  });

  it('a request that saw the store fail reads from X from then on, even if the store is back at once', async () => {
    const { token } = user(6);
    await up();
    // Every write fails, every read answers: what the request reads from X is never kept.
    failing = (method) => method === 'update';
    const before = h.dmCalls();
    const answer = await query(FEED, { first: 5 }, token);
    expect(answer.errors).toBeUndefined();
    expect(ids(answer)).toEqual(visible(6).slice(0, 5));
    // The sync that was not kept, then the page from X: not the same read again and again.
    expect(h.dmCalls() - before).toBe(2);
    await up();
  });

  it('a walk begun from X while the store was down goes on once it is back', async () => {
    const { token, id: me } = user(2);
    const conversation = h.sandbox.data.conversations.find((c) => c.participantIds.includes(me))!;
    const events = h.sandbox
      .visibleEvents(me)
      .filter((event) => event.dm_conversation_id === conversation.id)
      .map((event) => event.id);
    await down();
    const first = await query(CONVERSATION, { id: conversation.id, first: 2 }, token);
    expect(first.errors).toBeUndefined();
    await up();
    const second = await query(
      CONVERSATION,
      { id: conversation.id, first: 2, after: first.data.dmConversation.events.pageInfo.endCursor },
      token,
    );
    expect(second.errors).toBeUndefined();
    expect(second.data.dmConversation.events.nodes.map((n: any) => n.restId)).toEqual(events.slice(2, 4));
  });

  it('a keyed send is not sent while its key cannot be claimed, and is sent once when the store is back', async () => {
    const { token, id: me } = user(3);
    const conversation = h.sandbox.data.conversations.find((c) => c.participantIds.includes(me))!;
    const input = { conversationId: conversation.id, text: 'while the store is down', idempotencyKey: 'down-1' };
    await down();
    const postsBefore = posts();
    const refused = await query(SEND, { input }, token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'not_sent' });
    expect(posts()).toBe(postsBefore);

    await up();
    const sent = await query(SEND, { input }, token);
    expect(sent.errors).toBeUndefined();
    const again = await query(SEND, { input }, token);
    expect(again.data).toEqual(sent.data);
    expect(posts()).toBe(postsBefore + 1);
  });

  it('answers a send X took when the memory fails right after it', async () => {
    const { token, id: me } = user(4);
    const conversation = h.sandbox.data.conversations.find((c) => c.participantIds.includes(me))!;
    await up();
    const stream = await subscribeSse(h.url, 'subscription { dmEventAdded { restId } }', token);
    await until('the subscription registered', () => h.gateway.live.subscribersOf(me) === 1);
    const sentBefore = h.sandbox.sent.length;
    // The memory's reads fail once X has the message: the subscribers' delivery after the send finds no memory.
    failing = (method) => method === 'read' && h.sandbox.sent.length > sentBefore;
    const answer = await query(
      SEND,
      { input: { conversationId: conversation.id, text: 'sent, then the store failed', idempotencyKey: 'down-2' } },
      token,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.sendDm.event.restId).toBe(h.sandbox.sent.at(-1)!.id);
    expect(h.sandbox.sent.length).toBe(sentBefore + 1);
    await up();
    await stream.close();
  });
});
