/**
 * `dmEventAdded` over Server-Sent Events and WebSocket, counted at the sandbox: one loop per user whatever the number
 * of subscribers, stopping soon after the last leaves; a spent budget slows it instead of tripping X's 429; events are
 * delivered exactly once across an outage; one user's news never reaches another.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { type LiveHarness, type Stream, sleep, subscribeSse, subscribeWs, useLiveGateway } from './helpers.js';

const h = useLiveGateway();
/**
 * How long a test watches for what must not happen (calls X should not get): absence has no signal to wait for. A
 * check of a pace measures the time it actually watched.
 */
const WINDOW_MS = 1_000;
const QUERY =
  'subscription { dmEventAdded { restId text senderId sender { restId } conversation { conversationId } } }';

const user = (index: number) => h.sandbox.users[index]!;
/** A one-to-one conversation of the user at `index`, and the other person in it. */
function oneToOne(index: number) {
  const me = user(index).id;
  const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me))!;
  return { id: conversation.id, other: conversation.participantIds.find((p) => p !== me)! };
}
const texts = (stream: Stream) => stream.received.map((result) => result.data?.dmEventAdded?.text);
/** Resolves once the gateway holds `count` subscriptions of the user: their streams are registered with the loop. */
const subscribed = (harness: LiveHarness, userId: string, count: number) =>
  until(`${count} subscription(s) of ${userId}`, () => harness.gateway.live.subscribersOf(userId) === count);
/** The DM calls X received with `token`. */
const callsWith = (harness: LiveHarness, token: string) =>
  harness.sandbox.requests.filter((call) => call.path.startsWith('/2/dm_') && call.authorization === `Bearer ${token}`);

describe('dmEventAdded', () => {
  it('delivers a new message to every subscriber of the user, over SSE and WebSocket, from one loop', async () => {
    const { token, id: me } = user(1);
    const streams = [
      await subscribeSse(h.url, QUERY, token),
      await subscribeSse(h.url, QUERY, token),
      subscribeWs(h.url, QUERY, token),
      subscribeWs(h.url, QUERY, token),
    ];
    await subscribed(h, me, 4);
    expect(h.gateway.live.running).toBe(1);
    const { id, other } = oneToOne(1);
    const before = h.dmCalls();
    const arrived = h.sandbox.addMessage(id, other, 'hello, every tab');
    for (const stream of streams) await stream.waitFor(1);
    for (const stream of streams) {
      expect(stream.received).toEqual([
        {
          data: {
            dmEventAdded: {
              restId: arrived.id,
              text: 'hello, every tab',
              senderId: other,
              sender: { restId: other },
              conversation: { conversationId: id },
            },
          },
        },
      ]);
    }
    // Four subscribers, one loop: its pace is FRESHNESS_MS (150 ms), not four times that, over the time it was watched.
    const start = h.dmCalls();
    const began = performance.now();
    await sleep(WINDOW_MS);
    const watched = performance.now() - began;
    expect(h.dmCalls() - start).toBeLessThanOrEqual(Math.ceil(watched / 150) + 1);
    expect(start - before).toBeGreaterThan(0);
    await Promise.all(streams.map((stream) => stream.close()));
  });

  it('stops checking X within 3 seconds of the last subscriber leaving', async () => {
    const { token, id: me } = user(2);
    const sse = await subscribeSse(h.url, QUERY, token);
    const ws = subscribeWs(h.url, QUERY, token);
    await subscribed(h, me, 2);
    await sse.close();
    await ws.close();
    await subscribed(h, me, 0);
    const left = performance.now();
    await until('the loop stopping', () => !h.gateway.live.runs(me), { timeoutMs: 10_000 });
    expect(performance.now() - left).toBeLessThan(3_000);
    // No loop, no timer: X hears nothing more with this token.
    const after = callsWith(h, token).length;
    await sleep(WINDOW_MS);
    expect(callsWith(h, token)).toHaveLength(after);
  });

  it('never delivers an event from before the subscription, and delivers each later one once, in order', async () => {
    const { token, id: me } = user(3);
    const { id, other } = oneToOne(3);
    const old = h.sandbox.addMessage(id, other, 'old news');
    // X's timestamps have whole seconds: an event of the very second a subscription starts counts as news, so this
    // one starts in a later second than the old message's.
    await until('the second after the old message', () => Date.now() >= Date.parse(old.created_at!) + 1_000);
    const stream = await subscribeSse(h.url, QUERY, token);
    await subscribed(h, me, 1);
    for (const text of ['one', 'two', 'three']) h.sandbox.addMessage(id, other, text);
    await stream.waitFor(3);
    // Events arrive in order: once a later message is here, a second copy of an earlier one would be too.
    h.sandbox.addMessage(id, other, 'last');
    await stream.waitFor(4);
    expect(texts(stream)).toEqual(['one', 'two', 'three', 'last']);
    await stream.close();
  });

  it('keeps the subscription through an outage and delivers what arrived meanwhile, once each', async () => {
    const { token, id: me } = user(4);
    const { id, other } = oneToOne(4);
    const stream = subscribeWs(h.url, QUERY, token);
    await subscribed(h, me, 1);
    // The outage is this loop's alone once the earlier tests' loops have stopped.
    await until('the other loops stopping', () => h.gateway.live.running === 1);
    h.sandbox.injectFaults({ type: 'status', status: 503 }, 12);
    for (const text of ['during 1', 'during 2']) h.sandbox.addMessage(id, other, text);
    await until('the loop meeting the outage', () => callsWith(h, token).some((call) => call.status === 503));
    h.sandbox.clearFaults();
    h.sandbox.addMessage(id, other, 'after');
    await stream.waitFor(3, 10_000);
    h.sandbox.addMessage(id, other, 'last');
    await stream.waitFor(4, 10_000);
    expect(texts(stream)).toEqual(['during 1', 'during 2', 'after', 'last']);
    await stream.close();
  });

  it('sends one user’s news to nobody else, over SSE and WebSocket', async () => {
    const a = user(5);
    const { id, other } = oneToOne(5);
    const stranger = h.sandbox.users.findIndex(
      (u) =>
        u.id !== a.id &&
        u.id !== other &&
        h.sandbox.data.conversations.some((c) => !c.group && c.participantIds.includes(u.id)),
    );
    const b = user(stranger);
    const mine = await subscribeSse(h.url, QUERY, a.token);
    const theirs = [await subscribeSse(h.url, QUERY, b.token), subscribeWs(h.url, QUERY, b.token)];
    await subscribed(h, a.id, 1);
    await subscribed(h, b.id, 2);
    h.sandbox.addMessage(id, other, 'only for a');
    await mine.waitFor(1);
    // b's own news, sent after a's message, reaches b's streams: a's did not come before it, nor with it.
    const forB = h.sandbox.data.conversations.find(
      (c) => !c.group && c.participantIds.includes(b.id) && !c.participantIds.includes(a.id),
    )!;
    h.sandbox.addMessage(
      forB.id,
      forB.participantIds.find((p) => p !== b.id)!,
      'for b',
    );
    for (const stream of theirs) await stream.waitFor(1);
    for (const stream of theirs) expect(texts(stream)).toEqual(['for b']);
    expect(texts(mine)).toEqual(['only for a']);
    await Promise.all([mine, ...theirs].map((stream) => stream.close()));
  });

  it('without a token is UNAUTHENTICATED, and calls nothing', async () => {
    const running = h.gateway.live.running;
    const tokenless = () => h.sandbox.requests.filter((call) => !call.authorization).length;
    const before = tokenless();
    const sse = await subscribeSse(h.url, QUERY, null);
    await sse.waitFor(1);
    expect(sse.received[0]!.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const ws = subscribeWs(h.url, QUERY, null);
    await ws.waitFor(1);
    expect(JSON.stringify(ws.received[0])).toContain('UNAUTHENTICATED');
    expect(tokenless()).toBe(before);
    expect(h.gateway.live.running).toBeLessThanOrEqual(running);
    await sse.close();
    await ws.close();
  });

  it('filters by conversation and event type', async () => {
    const { token, id: me } = user(6);
    const conversations = h.sandbox.data.conversations.filter((c) => !c.group && c.participantIds.includes(me));
    const [first, second] = conversations;
    const stream = await subscribeSse(
      h.url,
      `subscription { dmEventAdded(conversationId: "${first!.id}", eventTypes: [MESSAGE_CREATE]) { text } }`,
      token,
    );
    await subscribed(h, me, 1);
    h.sandbox.addMessage(
      second!.id,
      second!.participantIds.find((p) => p !== me)!,
      'elsewhere',
    );
    h.sandbox.addMessage(
      first!.id,
      first!.participantIds.find((p) => p !== me)!,
      'here',
    );
    await stream.waitFor(1);
    // Events arrive in order: by the time a later message here arrives, the one elsewhere would have.
    h.sandbox.addMessage(
      first!.id,
      first!.participantIds.find((p) => p !== me)!,
      'here again',
    );
    await stream.waitFor(2);
    expect(texts(stream)).toEqual(['here', 'here again']);
    await stream.close();
  });

  it('keeps an idle SSE stream alive with pings', async () => {
    const stream = await subscribeSse(h.url, QUERY, user(7).token);
    // yoga pings every 12 s, every 300 ms under NODE_ENV=test; the stream opens with one.
    await until('a second ping', () => stream.pings >= 2);
    expect(stream.received).toEqual([]);
    await stream.close();
  });

  it('delivers a message that arrives right after subscribing, before the loop’s first check', async () => {
    const { token } = user(8);
    const { id, other } = oneToOne(8);
    const stream = await subscribeSse(h.url, QUERY, token);
    h.sandbox.addMessage(id, other, 'straight away');
    await stream.waitFor(1);
    expect(texts(stream)).toEqual(['straight away']);
    await stream.close();
  });
});

describe('a spent budget', () => {
  const limited = useLiveGateway();

  it('slows the loop to its share of what is left instead of tripping X’s 429', async () => {
    limited.sandbox.setRateLimit(8, 900_000, 'dm-read');
    const { token } = limited.sandbox.users[0]!;
    const stream = await subscribeSse(limited.url, QUERY, token);
    await until('the loop’s first check', () => callsWith(limited, token).some((call) => call.status !== 0));
    // At its share of the budget the next check is minutes away: none comes while the test watches.
    await sleep(WINDOW_MS);
    const calls = callsWith(limited, token);
    // Half of what is left, spread over 15 minutes: a couple of calls, never the whole budget, never a 429.
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(calls.every((call) => call.status === 200)).toBe(true);
    await stream.close();
  });
});

describe('SIGTERM', () => {
  const closing = useLiveGateway();

  it('ends every stream cleanly', async () => {
    const sse = await subscribeSse(closing.url, QUERY, closing.sandbox.users[0]!.token);
    const ws = subscribeWs(closing.url, QUERY, closing.sandbox.users[0]!.token);
    await subscribed(closing, closing.sandbox.users[0]!.id, 2);
    closing.gateway.live.close();
    await Promise.all([sse.ended, ws.ended]);
    expect(closing.gateway.live.running).toBe(0);
    await ws.close();
  });
});

describe('limits', () => {
  const small = useLiveGateway({ gateway: { subscriptions: { maxPerToken: 2, maxTotal: 3 } } });

  it('refuses a token’s subscription beyond its share, and any beyond the total, as RATE_LIMITED', async () => {
    const [a, b] = [small.sandbox.users[0]!.token, small.sandbox.users[1]!.token];
    const open = [await subscribeSse(small.url, QUERY, a), await subscribeSse(small.url, QUERY, a)];
    const third = await subscribeSse(small.url, QUERY, a);
    await third.waitFor(1);
    expect(third.received[0]!.errors[0].extensions.code).toBe('RATE_LIMITED');
    open.push(await subscribeSse(small.url, QUERY, b));
    const fourth = await subscribeSse(small.url, QUERY, b);
    await fourth.waitFor(1);
    expect(fourth.received[0]!.errors[0].extensions.code).toBe('RATE_LIMITED');
    // Leaving frees a place.
    const userA = small.sandbox.users[0]!.id;
    await open[0]!.close();
    await subscribed(small, userA, 1);
    const again = await subscribeSse(small.url, QUERY, a);
    await until(
      'the new subscription taken or refused',
      () => small.gateway.live.subscribersOf(userA) === 2 || again.received.length > 0,
    );
    expect(again.received).toEqual([]);
    await Promise.all([...open.slice(1), third, fourth, again].map((stream) => stream.close()));
  });
});
