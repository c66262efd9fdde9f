/** The memory's data: positions by id, runs joined without gaps, and X's 30-day window. */
import { describe, expect, it } from 'vitest';
import {
  RETENTION_MS,
  conversationView,
  emptyMemory,
  expire,
  mergeNewestFirst,
  rememberEvents,
  rememberSent,
} from '../../src/memory/user-memory.js';
import { type DmEvent, compareIds } from '../../src/x/wire.js';

const event = (id: string, conversation: string, createdAt = new Date().toISOString()): DmEvent => ({
  id,
  event_type: 'MessageCreate',
  dm_conversation_id: conversation,
  created_at: createdAt,
});

describe('ids', () => {
  it('compare by value, whatever their length', () => {
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('1870722793955188658', '1870555900194111893')).toBeGreaterThan(0);
    expect(compareIds('42', '42')).toBe(0);
  });

  it('merge newest first, once each', () => {
    expect(mergeNewestFirst(['9', '7', '3'], ['8', '7', '2'])).toEqual(['9', '8', '7', '3', '2']);
  });
});

describe('a conversation’s view', () => {
  it('joins the feed and the conversation’s own run when the run reaches up into the feed', () => {
    const memory = emptyMemory('u');
    for (const e of [event('90', 'c'), event('80', 'd'), event('70', 'c'), event('60', 'c'), event('50', 'c')])
      memory.events[e.id] = e;
    memory.feed = { ids: ['90', '80', '70'], headId: '90', next: 'feed-token', end: false, syncedAt: 1_000 };
    memory.conversations.c = { ids: ['70', '60', '50'], headId: '70', next: 'c-token', end: false, syncedAt: 500 };
    expect(conversationView(memory, 'c')).toEqual({ ids: ['90', '70', '60', '50'], complete: false, syncedAt: 1_000 });
  });

  it('uses only the feed when the run stops below it: a gap is never served', () => {
    const memory = emptyMemory('u');
    for (const e of [event('90', 'c'), event('80', 'd'), event('40', 'c')]) memory.events[e.id] = e;
    memory.feed = { ids: ['90', '80'], headId: '90', next: 'feed-token', end: false, syncedAt: 1_000 };
    memory.conversations.c = { ids: ['40'], headId: '40', end: true, syncedAt: 500 };
    expect(conversationView(memory, 'c')).toEqual({ ids: ['90'], complete: false, syncedAt: 1_000 });
  });

  it('is complete from the feed once the feed reached X’s end', () => {
    const memory = emptyMemory('u');
    for (const e of [event('90', 'c'), event('80', 'd')]) memory.events[e.id] = e;
    memory.feed = { ids: ['90', '80'], headId: '90', end: true, syncedAt: 1_000 };
    expect(conversationView(memory, 'c')).toEqual({ ids: ['90'], complete: true, syncedAt: 1_000 });
  });
});

describe('X’s 30-day window', () => {
  const expiry = (createdAt: string) => Date.parse(createdAt) + RETENTION_MS;

  it('forgets older events, and a run then ends where the window does', () => {
    const now = Date.now();
    const memory = emptyMemory('u');
    const old = new Date(now - RETENTION_MS - 60_000).toISOString();
    for (const e of [event('90', 'c'), event('80', 'c', old)]) memory.events[e.id] = e;
    memory.feed = { ids: ['90', '80'], headId: '90', next: 'token', end: false, syncedAt: now };
    expire(memory, now);
    expect(Object.keys(memory.events)).toEqual(['90']);
    expect(memory.feed).toMatchObject({ ids: ['90'], end: true });
    expect(memory.feed.next).toBeUndefined();
  });

  it('leaves the runs that lost nothing going on below: their older events are still within the window', () => {
    const now = Date.now();
    const memory = emptyMemory('u');
    const old = new Date(now - RETENTION_MS - 60_000).toISOString();
    for (const e of [event('90', 'c'), event('80', 'd'), event('20', 'd', old), event('10', 'd', old)])
      memory.events[e.id] = e;
    memory.feed = { ids: ['90', '80'], headId: '90', next: 'feed-token', end: false, syncedAt: now };
    memory.conversations.d = { ids: ['80', '20', '10'], headId: '80', next: 'd-token', end: false, syncedAt: now };
    expire(memory, now);
    expect(Object.keys(memory.events).sort()).toEqual(['80', '90']);
    expect(memory.conversations.d).toMatchObject({ ids: ['80'], end: true });
    expect(memory.conversations.d.next).toBeUndefined();
    expect(memory.feed).toMatchObject({ ids: ['90', '80'], next: 'feed-token', end: false });
  });

  it('walks the events again only once the oldest kept one may have left the window', () => {
    const start = Date.parse('2026-11-01T00:00:00.000Z');
    const memory = emptyMemory('u');
    rememberEvents(memory, [
      event('90', 'c', '2026-10-30T00:00:00.000Z'),
      event('80', 'c', '2026-10-20T00:00:00.000Z'),
    ]);
    memory.feed = { ids: ['90', '80'], headId: '90', end: true, syncedAt: start };
    expect(memory.expiresAt).toBe(expiry('2026-10-20T00:00:00.000Z'));
    let walks = 0;
    const events = memory.events;
    memory.events = new Proxy(events, {
      ownKeys: (target) => {
        walks += 1;
        return Reflect.ownKeys(target);
      },
    });

    expire(memory, start);
    expire(memory, memory.expiresAt!);
    expect(walks).toBe(0);
    expect(Object.keys(events).sort()).toEqual(['80', '90']);

    // An older event kept later (a page further down, a message just sent) brings the bound forward.
    rememberEvents(memory, [event('70', 'c', '2026-10-10T00:00:00.000Z')]);
    rememberSent(memory, event('95', 'c', '2026-10-05T00:00:00.000Z'));
    expect(memory.expiresAt).toBe(expiry('2026-10-05T00:00:00.000Z'));

    // Past the bound, the walk drops what left the window and moves the bound to the oldest event left.
    expire(memory, Date.parse('2026-11-15T00:00:00.000Z'));
    expect(walks).toBe(1);
    expect(Object.keys(events).sort()).toEqual(['80', '90']);
    expect(memory.expiresAt).toBe(expiry('2026-10-20T00:00:00.000Z'));
  });

  it('finds the bound of a memory kept without one at its next read or write', () => {
    const stored = () => {
      const memory = emptyMemory('u');
      for (const e of [event('90', 'c', '2026-10-30T00:00:00.000Z'), event('80', 'c', '2026-10-20T00:00:00.000Z')])
        memory.events[e.id] = e;
      return memory;
    };
    const read = stored();
    expire(read, Date.parse('2026-11-01T00:00:00.000Z'));
    expect(read.expiresAt).toBe(expiry('2026-10-20T00:00:00.000Z'));
    // A write to a memory read without the walk (the store's own update) counts the events it already held.
    const written = stored();
    rememberEvents(written, [event('99', 'c', '2026-10-31T00:00:00.000Z')]);
    expect(written.expiresAt).toBe(expiry('2026-10-20T00:00:00.000Z'));
  });
});
