/**
 * Every fault the sandbox can inject, on the second page of a sync's walk: the answer is the last known state (or an
 * error X's refusal deserves), the memory never holds a gap or a duplicate afterwards, and the next sync completes
 * what the failed one started from X's token instead of starting over.
 */
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../src/sandbox/index.js';
import { useGateway } from '../support/harness.js';

const FRESHNESS_MS = 100;
const h = useGateway({
  gateway: {
    store: 'memory',
    freshnessMs: FRESHNESS_MS,
    now: () => now(),
    upstreamTimeoutMs: 300,
    operationTimeoutMs: 3_000,
    retries: 1,
  },
});
/** What memory holds before the news: a page it can serve however X fails. */
const KNOWN_PAGE = '{ dmEvents(first: 3) { nodes { restId } } }';
const PAGE = '{ dmEvents(first: 25) { nodes { restId } } }';
/** The memory's clock: real time, plus what the tests skip. */
let skipped = 0;
const now = () => Date.now() + skipped;
/** Moves the memory's clock past FRESHNESS_MS: what it holds is no longer fresh. */
const pastFreshness = () => {
  skipped += FRESHNESS_MS + 50;
};

const FAULTS: Fault[] = [
  { type: 'status', status: 500 },
  { type: 'status', status: 502 },
  { type: 'status', status: 503 },
  { type: 'status', status: 504 },
  { type: 'hang' },
  { type: 'reset' },
  { type: 'invalid-json' },
  { type: 'html' },
  { type: 'empty' },
  { type: 'oversized', bytes: 9 * 1024 * 1024 },
  { type: 'slow-body', delayMs: 200 },
];

describe.each(
  FAULTS.map((fault, index) => ({ fault, index, name: fault.type + ('status' in fault ? ` ${fault.status}` : '') })),
)('a sync cut by $name on its second page', ({ fault, index }) => {
  it('leaves no gap and no duplicate, and the next sync finishes the walk', async () => {
    const user = h.sandbox.users[1 + index]!;
    const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    const other = conversation.participantIds.find((id) => id !== user.id)!;
    const before = await h.query(KNOWN_PAGE, undefined, user.token);
    for (let i = 0; i < 9; i++) h.sandbox.addMessage(conversation.id, other, `news ${i}`);
    pastFreshness();
    h.sandbox.clearRequests();
    // The walk's first page (5 events, all new) is answered; every attempt at its second fails.
    h.sandbox.injectFaults(fault, 2, 1);
    const cut = await h.query(KNOWN_PAGE, undefined, user.token);
    h.sandbox.clearFaults();
    // A failing X is answered from memory: the last known state, said to be stale.
    expect(cut.errors).toBeUndefined();
    expect(cut.data).toEqual(before.data);
    expect(cut.extensions!.freshness).toMatchObject({ stale: true });
    h.sandbox.clearRequests();
    pastFreshness();
    const whole = await h.query(PAGE, undefined, user.token);
    expect(whole.errors).toBeUndefined();
    const ids = whole.data.dmEvents.nodes.map((node: { restId: string }) => node.restId);
    expect(ids).toEqual(
      h.sandbox
        .visibleEvents(user.id)
        .slice(0, 25)
        .map((event) => event.id),
    );
    expect(new Set(ids).size).toBe(ids.length);
    const walk = h.calls().filter((call) => call.path === '/2/dm_events');
    // It went on from X's token: the five events it had were not read again.
    expect(walk[0]!.query.pagination_token).toEqual(expect.any(String));
  }, 20_000);
});

describe('a sync cut by X’s 429 on its second page', () => {
  it('is answered from memory, and the spent budget stretches freshness instead of failing', async () => {
    const user = h.sandbox.users[20]!;
    const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    const other = conversation.participantIds.find((id) => id !== user.id)!;
    const before = await h.query(KNOWN_PAGE, undefined, user.token);
    for (let i = 0; i < 9; i++) h.sandbox.addMessage(conversation.id, other, `news ${i}`);
    pastFreshness();
    h.sandbox.injectFaults({ type: 'status', status: 429 }, 1, 1);
    const cut = await h.query(KNOWN_PAGE, undefined, user.token);
    expect(cut.errors).toBeUndefined();
    expect(cut.data).toEqual(before.data);
    pastFreshness();
    h.sandbox.clearRequests();
    const later = await h.query(KNOWN_PAGE, undefined, user.token);
    expect(later.data).toEqual(before.data);
    expect(later.extensions!.freshness).toMatchObject({ stale: true });
    expect(h.calls().filter((call) => call.path.startsWith('/2/dm_'))).toHaveLength(0);
  });
});
