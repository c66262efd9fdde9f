import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES } from '../../src/x/dialect.js';
import type { DmEventsPage } from '../../src/x/wire.js';
import { get, ids, startSandbox, walk } from './helpers.js';

const EMPTY_PAGE = '{"meta":{"result_count":0}}';

describe.each(DIALECT_NAMES)('pagination (%s dialect)', (dialect) => {
  let sandbox: Sandbox;
  let mainId: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect });
    mainId = sandbox.users[0]!.id;
  });
  afterAll(() => sandbox.close());

  it('walks next_token to the end: every visible event exactly once, newest first', async () => {
    const pages = await walk(sandbox, '/2/dm_events', { max_results: 17 });
    const seen = pages.flatMap((p) => ids(p.data));
    expect(seen).toEqual(ids(sandbox.visibleEvents(mainId) as never));
    for (const p of pages) expect(p.meta.result_count).toBe(p.data?.length ?? 0);
    // The last page has data and no next_token: events after it do not exist.
    expect(pages.at(-1)!.meta).not.toHaveProperty('next_token');
    expect(pages.at(-1)!.meta.previous_token).toEqual(expect.any(String));
  });

  it('puts tokens on later pages only towards sides that have events', async () => {
    const total = sandbox.visibleEvents(mainId).length;
    const first = (await get<DmEventsPage>(sandbox, '/2/dm_events', { query: { max_results: 50 } })).body;
    let token = first.meta.next_token;
    let fetched = 50;
    while (fetched < total) {
      const page = (
        await get<DmEventsPage>(sandbox, '/2/dm_events', { query: { max_results: 50, pagination_token: token } })
      ).body;
      fetched += page.meta.result_count;
      expect(page.meta.previous_token).toEqual(expect.any(String));
      if (fetched < total) expect(page.meta.next_token).toEqual(expect.any(String));
      else expect(page.meta).not.toHaveProperty('next_token');
      token = page.meta.next_token;
    }
  });

  it('walks previous_token back from the last page: the same events, in order', async () => {
    const forward = await walk(sandbox, '/2/dm_events', { max_results: 40 });
    const last = forward.at(-1)!;
    const backward = await walk(
      sandbox,
      '/2/dm_events',
      { max_results: 23 },
      'previous',
      undefined,
      last.meta.previous_token,
    );
    const before = backward.flatMap((p) => ids(p.data));
    const all = ids(sandbox.visibleEvents(mainId));
    // Pages going back are newest-first each; reversing the page order restores the list before the last page.
    expect(
      backward
        .slice()
        .reverse()
        .flatMap((p) => ids(p.data)),
    ).toEqual(all.slice(0, all.length - last.data!.length));
    expect(new Set(before).size).toBe(before.length);
    // Back at the newest events, the page has no previous_token: it was reached with a token, so no quirk.
    expect(backward.at(-1)!.meta).not.toHaveProperty('previous_token');
  });

  it('sizes a previous page by the new call max_results, ending right before the anchor page', async () => {
    const all = ids(sandbox.visibleEvents(mainId));
    const second = (await walk(sandbox, '/2/dm_events', { max_results: 10 })).at(2)!; // events 20..29
    const back = (
      await get<DmEventsPage>(sandbox, '/2/dm_events', {
        query: { max_results: 4, pagination_token: second.meta.previous_token },
      })
    ).body;
    expect(ids(back.data)).toEqual(all.slice(16, 20));
  });

  it('gives a first page with data both tokens, even with nothing before it (X quirk): following it is the empty page', async () => {
    const first = await get<DmEventsPage>(sandbox, '/2/dm_events', { query: { max_results: 5 } });
    expect(first.body.meta).toEqual({
      result_count: 5,
      next_token: expect.any(String),
      previous_token: expect.any(String),
    });
    expect(first.body.meta.next_token!.length).toBeGreaterThanOrEqual(16);
    const before = await get(sandbox, '/2/dm_events', {
      query: { max_results: 5, pagination_token: first.body.meta.previous_token },
    });
    expect(before.status).toBe(200);
    expect(before.text).toBe(EMPTY_PAGE);
  });

  it('gives a short single first page both tokens too, and the next one is the exact empty page', async () => {
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(mainId))!;
    const first = await get<DmEventsPage>(sandbox, `/2/dm_conversations/${conversation.id}/dm_events`);
    expect(first.body.meta.result_count).toBe(sandbox.visibleEvents(mainId, conversation.id).length);
    expect(first.body.meta.result_count).toBeLessThan(100);
    expect(first.body.meta.next_token && first.body.meta.previous_token).toBeTruthy();
    const next = await get(sandbox, `/2/dm_conversations/${conversation.id}/dm_events`, {
      query: { pagination_token: first.body.meta.next_token },
    });
    expect(next.text).toBe(EMPTY_PAGE);
  });

  it('defaults max_results to 100', async () => {
    const page = await get<DmEventsPage>(sandbox, '/2/dm_events');
    expect(page.body.meta.result_count).toBe(100);
  });

  it('lists one conversation, and with/{participant} is the same one-to-one conversation', async () => {
    const other = sandbox.users[2]!;
    const conversationId = BigInt(mainId) < BigInt(other.id) ? `${mainId}-${other.id}` : `${other.id}-${mainId}`;
    const byId = await walk(sandbox, `/2/dm_conversations/${conversationId}/dm_events`, {
      max_results: 4,
      'dm_event.fields': 'dm_conversation_id',
    });
    const byParticipant = await walk(sandbox, `/2/dm_conversations/with/${other.id}/dm_events`, {
      max_results: 4,
      'dm_event.fields': 'dm_conversation_id',
    });
    const events = byId.flatMap((p) => p.data ?? []);
    expect(events.length).toBeGreaterThan(4);
    expect(events.every((e) => e.dm_conversation_id === conversationId)).toBe(true);
    expect(ids(events)).toEqual(ids(sandbox.visibleEvents(mainId, conversationId) as never));
    expect(byParticipant.flatMap((p) => ids(p.data))).toEqual(ids(events));
  });

  it('answers the exact empty page for a conversation the user is not in, or a user never talked to', async () => {
    const foreign = sandbox.data.conversations.find((c) => !c.participantIds.includes(mainId))!;
    expect((await get(sandbox, `/2/dm_conversations/${foreign.id}/dm_events`)).text).toBe(EMPTY_PAGE);
    expect((await get(sandbox, '/2/dm_conversations/123-456/dm_events')).text).toBe(EMPTY_PAGE);
    const stranger = sandbox.users.find(
      (u) =>
        !sandbox.data.conversations.some(
          (c) => !c.group && c.participantIds.includes(u.id) && c.participantIds.includes(mainId),
        ) && u.id !== mainId,
    )!;
    expect((await get(sandbox, `/2/dm_conversations/with/${stranger.id}/dm_events`)).text).toBe(EMPTY_PAGE);
    expect((await get(sandbox, '/2/dm_conversations/with/12345/dm_events')).text).toBe(EMPTY_PAGE);
  });

  it('filters by event_types before paging', async () => {
    const pages = await walk(sandbox, '/2/dm_events', {
      max_results: 3,
      event_types: 'ParticipantsJoin,ParticipantsLeave',
    });
    const events = pages.flatMap((p) => p.data ?? []);
    const expected = sandbox.visibleEvents(mainId).filter((e) => e.event_type !== 'MessageCreate');
    expect(ids(events)).toEqual(ids(expected as never));
    expect(events.length).toBeGreaterThanOrEqual(4);
    const messages = await get<DmEventsPage>(sandbox, '/2/dm_events', { query: { event_types: 'MessageCreate' } });
    expect(messages.body.data!.every((e) => e.event_type === 'MessageCreate')).toBe(true);
    expect(messages.body.meta.result_count).toBe(100);
  });

  it('refuses a token issued for another list or another user with a 400', async () => {
    const first = (await get<DmEventsPage>(sandbox, '/2/dm_events', { query: { max_results: 5 } })).body;
    const conversation = sandbox.data.conversations.find((c) => c.participantIds.includes(mainId))!;
    const elsewhere = await get(sandbox, `/2/dm_conversations/${conversation.id}/dm_events`, {
      query: { pagination_token: first.meta.next_token },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors[0].parameters).toEqual({ pagination_token: [first.meta.next_token] });
    const otherUser = await get(sandbox, '/2/dm_events', {
      token: sandbox.users[1]!.token,
      query: { pagination_token: first.meta.next_token },
    });
    expect(otherUser.status).toBe(400);
  });
});

describe('page tokens and slicing (in process)', async () => {
  const fc = await import('fast-check');
  const { decodeToken, encodeToken, paginate } = await import('../../src/sandbox/paging.js');

  it('round-trips tokens and refuses any other 24-character string', () => {
    fc.assert(
      fc.property(
        fc.bigInt(1n, 9_223_372_036_854_775_807n),
        fc.boolean(),
        fc.nat(0xffffffff),
        (anchor, next, scope) => {
          const token = {
            direction: next ? ('next' as const) : ('previous' as const),
            anchor: anchor.toString(),
            scope,
          };
          const text = encodeToken(token);
          expect(text).toMatch(/^[A-Z2-7]{24}$/);
          expect(decodeToken(text)).toEqual(token);
          const tampered = text.slice(0, 5) + (text[5] === 'A' ? 'B' : 'A') + text.slice(6);
          expect(decodeToken(tampered)).toBeUndefined();
        },
      ),
    );
  });

  it('visits every event exactly once whatever page sizes a client walks with, in both directions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 80 }),
        (count, sizes) => {
          const events = Array.from({ length: count }, (_, i) => ({
            id: String(1_900_000_000_000_000_000n - BigInt(i) * 7n),
            event_type: 'MessageCreate',
          }));
          const seen: string[] = [];
          let page = paginate(events, sizes[0]!, undefined, 1);
          let i = 1;
          for (;;) {
            seen.push(...page.events.map((e) => e.id));
            if (!page.nextToken) break;
            const next = paginate(events, sizes[i++ % sizes.length]!, decodeToken(page.nextToken), 1);
            if (next.events.length === 0) break; // the first page's quirk token leads to the empty page
            page = next;
          }
          expect(seen).toEqual(events.map((e) => e.id));
          // And back from the last page with data.
          const back: string[] = [];
          let prev = page.previousToken;
          while (prev) {
            const p = paginate(events, sizes[i++ % sizes.length]!, decodeToken(prev), 1);
            back.unshift(...p.events.map((e) => e.id));
            prev = p.previousToken;
          }
          expect([...back, ...page.events.map((e) => e.id)]).toEqual(events.map((e) => e.id));
        },
      ),
      { numRuns: 200 },
    );
  });
});
