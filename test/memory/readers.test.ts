/**
 * The request's reader, counted at the sandbox: a store that is down when a request comes leaves the whole request to X
 * (pages of exactly the size asked, cursors over X's pages); a store that goes away during a request leaves the read
 * that finds it gone to X, with the same answer, and nothing of the request fails.
 */
import { describe, expect, it } from 'vitest';
import type { UserMemory } from '../../src/memory-model.js';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { InProcessStore } from '../../src/store/in-process.js';
import { useGateway } from '../support/harness.js';

/** A store that is up or down as the test says, and can go down at its next read of a memory. */
class SwitchedStore extends InProcessStore {
  up = true;
  downAtNextRead = false;

  available(): boolean {
    return this.up;
  }

  override async read(userId: string): Promise<UserMemory | undefined> {
    const memory = await super.read(userId);
    if (this.downAtNextRead) this.up = false;
    return memory;
  }
}

const store = new SwitchedStore();
const h = useGateway({ gateway: { store } });
const isDmCall = (call: RecordedRequest) => call.path.startsWith('/2/dm_');

const PAGE = `query($after: String) {
  dmEvents(first: 3, after: $after) { edges { cursor node { restId } } pageInfo { hasNextPage endCursor } }
}`;

const INBOX = `{ dmConversations(first: 2) { edges { node { lastEvent { restId } } } pageInfo { hasNextPage } } }`;

const ids = (answer: { data?: any }) =>
  (answer.data.dmEvents.edges as { node: { restId: string } }[]).map((edge) => edge.node.restId);

describe('the reader of a request', () => {
  it('reads straight from X when the store is down as the request comes, a page of the size asked', async () => {
    store.up = false;
    store.downAtNextRead = false;
    const truth = h.sandbox.visibleEvents(h.sandbox.users[0]!.id).map((event) => event.id);
    const first = await h.query(PAGE);
    expect(first.errors).toBeUndefined();
    expect(ids(first)).toEqual(truth.slice(0, 3));
    const next = await h.query(PAGE, { after: first.data.dmEvents.pageInfo.endCursor });
    expect(ids(next)).toEqual(truth.slice(3, 6));
    const calls = h.calls().filter(isDmCall);
    expect(calls.map((call) => call.query.max_results)).toEqual(['3', '3']);
    expect(calls[1]!.query.pagination_token).toBeDefined();
    // Nothing asked who the token is: without a memory, no identity is needed.
    expect(h.calls().some((call) => call.path === '/2/users/me')).toBe(false);
  });

  it('answers from X the read that finds the store gone during the request, the page and the inbox alike', async () => {
    const user = h.sandbox.users[1]!;
    const truth = h.sandbox.visibleEvents(user.id).map((event) => event.id);
    store.up = true;
    store.downAtNextRead = true;
    const page = await h.query(PAGE, {}, user.token);
    expect(page.errors).toBeUndefined();
    expect(ids(page)).toEqual(truth.slice(0, 3));
    // The memory would have read a whole first page (100 events); the pass-through read asks for the 3.
    expect(
      h
        .calls()
        .filter(isDmCall)
        .map((call) => call.query.max_results),
    ).toEqual(['3']);

    h.sandbox.clearRequests();
    store.up = true;
    const inbox = await h.query(INBOX, {}, user.token);
    expect(inbox.errors).toBeUndefined();
    const seen = new Set<string>();
    const newest = h.sandbox
      .visibleEvents(user.id)
      .filter((event) => !seen.has(event.dm_conversation_id!) && seen.add(event.dm_conversation_id!))
      .map((event) => event.id);
    const edges = inbox.data.dmConversations.edges as { node: { lastEvent: { restId: string } } }[];
    expect(edges.map((edge) => edge.node.lastEvent.restId)).toEqual(newest.slice(0, 2));
    expect(store.up).toBe(false);
  });
});
