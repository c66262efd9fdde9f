/**
 * Users and posts that lookups return are kept, counted at the sandbox (every call, not only DM reads): the same query
 * answered from memory twice costs no call of any kind the second time, a selection reading more fields than memory
 * knows looks them up once, and after the objects' time to live they are looked up again (missing ones too).
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const OBJECT_TTL_MS = 15 * 60 * 1000;
/** The memory's clock: tests move it past the objects' time to live. */
let clock = Date.now();
const h = useGateway({
  // Fresh for a day: the feed is never synced again here, so every call counted is a lookup.
  gateway: { store: 'memory', freshnessMs: 86_400_000, objectTtlMs: OBJECT_TTL_MS, now: () => clock },
});

/** Links DM expansions cannot reach: a referenced post's author, pinned posts, mentioned users. */
const LINKED = `query($first: Int) {
  dmEvents(first: $first) {
    nodes {
      restId
      sender { username pinnedTweet { text author { username } } }
      referencedTweets { text author { username name } }
      entities { mentions { username user { username pinnedTweet { text } } } }
      participants { username }
    }
  }
}`;

/** Every call X received, by endpoint (ids folded). */
const endpoints = () =>
  h.calls().map((call) =>
    call.path
      .split('/')
      .map((segment, index) => (index > 1 && /^[0-9][0-9-]*$/.test(segment) ? ':id' : segment))
      .join('/'),
  );

describe('users and posts looked up', () => {
  it('cost no call of any kind the second time, at pages of 1, 20 and 100 events', async () => {
    let lookedUp = 0;
    for (const first of [1, 20, 100]) {
      h.sandbox.clearRequests();
      const answer = await h.query(LINKED, { first });
      expect(answer.data.dmEvents.nodes).toHaveLength(first);
      lookedUp += endpoints().filter((path) => path === '/2/users' || path === '/2/tweets').length;
      h.sandbox.clearRequests();
      const again = await h.query(LINKED, { first });
      expect(again.data).toEqual(answer.data);
      expect(again.errors).toEqual(answer.errors);
      expect(endpoints()).toEqual([]);
    }
    // The selection does reach beyond what DM events expand: the first answers looked users and posts up.
    expect(lookedUp).toBeGreaterThan(0);
  });

  it('answers a post X said is missing as NOT_FOUND again, without a call', async () => {
    const first = await h.query(LINKED, { first: 100 });
    const missing = (first.errors ?? []).filter((error) => error.extensions?.code === 'NOT_FOUND');
    expect(missing.length).toBeGreaterThan(0);
    expect(missing[0]!.path).toContain('referencedTweets');
    h.sandbox.clearRequests();
    const again = await h.query(LINKED, { first: 100 });
    expect(again.errors).toEqual(first.errors);
    expect(endpoints()).toEqual([]);
  });

  it('looks an object known with fewer fields up once with the fields a selection reads more', async () => {
    const wider = '{ dmEvents(first: 20) { nodes { sender { username description location } } } }';
    h.sandbox.clearRequests();
    const answer = await h.query(wider);
    expect(answer.errors).toBeUndefined();
    expect(endpoints()).toEqual(['/2/users']);
    const senders = answer.data.dmEvents.nodes.map((node: any) => node.sender);
    for (const sender of senders) expect(sender).toHaveProperty('description');
    h.sandbox.clearRequests();
    expect((await h.query(wider)).data).toEqual(answer.data);
    expect(endpoints()).toEqual([]);
  });

  it('keep the caller (viewer) as GET /2/users/me answered, with the posts it expanded', async () => {
    const me = h.sandbox.users[4]!;
    const VIEWER = '{ viewer { restId username pinnedTweet { text } } }';
    h.sandbox.clearRequests();
    const first = await h.query(VIEWER, undefined, me.token);
    expect(first.data.viewer.restId).toBe(me.id);
    expect(endpoints()).toContain('/2/users/me');
    h.sandbox.clearRequests();
    expect((await h.query(VIEWER, undefined, me.token)).data).toEqual(first.data);
    expect(endpoints()).toEqual([]);
    // A selection reading more of the caller asks X again.
    const wider = await h.query('{ viewer { restId description } }', undefined, me.token);
    expect(wider.data.viewer.restId).toBe(me.id);
    expect(endpoints()).toEqual(['/2/users/me']);
  });

  it('are looked up again past their time to live (and missing ones asked about again), the DM events not', async () => {
    const before = await h.query(LINKED, { first: 100 });
    clock += OBJECT_TTL_MS + 1_000;
    h.sandbox.clearRequests();
    const after = await h.query(LINKED, { first: 100 });
    expect(after.data).toEqual(before.data);
    // The same missing post, now in the words of the lookup that asked X about it again.
    const where = (errors: typeof after.errors) => (errors ?? []).map((error) => [error.extensions?.code, error.path]);
    expect(where(after.errors)).toEqual(where(before.errors));
    const paths = endpoints();
    expect(paths).toContain('/2/users');
    expect(paths).toContain('/2/tweets');
    expect(paths.filter((path) => path.startsWith('/2/dm_'))).toEqual([]);
    // What was looked up again is kept again.
    h.sandbox.clearRequests();
    await h.query(LINKED, { first: 100 });
    expect(endpoints()).toEqual([]);
  });
});
