/**
 * `dmEventAdded` over Server-Sent Events and WebSocket, counted at the sandbox: one loop per user whatever the number
 * of subscribers, stopping soon after the last leaves; a spent budget slows it instead of tripping X's 429; events are
 * delivered exactly once across an outage; one user's news never reaches another.
 */
import { describe, expect, it } from 'vitest';
import { type Stream, sleep, subscribeSse, subscribeWs, useLiveGateway } from './helpers.js';

const h = useLiveGateway();
const QUERY = 'subscription { dmEventAdded { restId text senderId sender { restId } conversation { conversationId } } }';

const user = (index: number) => h.sandbox.users[index]!;
/** A one-to-one conversation of the user at `index`, and the other person in it. */
function oneToOne(index: number) {
  const me = user(index).id;
  const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me))!;
  return { id: conversation.id, other: conversation.participantIds.find((p) => p !== me)! };
}
const texts = (stream: Stream) => stream.received.map((result) => result.data?.dmEventAdded?.text);

describe('dmEventAdded', () => {
  it('delivers a new message to every subscriber of the user, over SSE and WebSocket, from one loop', async () => {
    const { token } = user(1);
    const streams = [
      await subscribeSse(h.url, QUERY, token),
      await subscribeSse(h.url, QUERY, token),
      subscribeWs(h.url, QUERY, token),
      subscribeWs(h.url, QUERY, token),
    ];
    await sleep(500);
    expect(h.gateway.live.running).toBe(1);
    const { id, other } = oneToOne(1);
    const before = h.dmCalls();
    const arrived = h.sandbox.addMessage(id, other, 'hello, every tab');
    for (const stream of streams) await stream.waitFor(1);
    for (const stream of streams) {
      expect(stream.received).toEqual([
        {
          data: {
            dmEventAdded: { restId: arrived.id, text: 'hello, every tab', senderId: other, sender: { restId: other }, conversation: { conversationId: id } },
          },
        },
      ]);
    }
    // Four subscribers, one loop: its pace is FRESHNESS_MS (150 ms), not four times that.
    const window = 1_000;
    const start = h.dmCalls();
    await sleep(window);
    expect(h.dmCalls() - start).toBeLessThanOrEqual(Math.ceil(window / 150) + 1);
    expect(start - before).toBeGreaterThan(0);
    await Promise.all(streams.map((stream) => stream.close()));
  });

  it('stops checking X within 3 seconds of the last subscriber leaving', async () => {
    const { token } = user(2);
    const sse = await subscribeSse(h.url, QUERY, token);
    const ws = subscribeWs(h.url, QUERY, token);
    await sleep(400);
    await sse.close();
    await ws.close();
    await sleep(3_000);
    const after = h.dmCalls();
    await sleep(600);
    expect(h.dmCalls()).toBe(after);
    expect(h.gateway.live.running).toBe(0);
  });

  it('never delivers an event from before the subscription, and delivers each later one once, in order', async () => {
    const { token } = user(3);
    const { id, other } = oneToOne(3);
    h.sandbox.addMessage(id, other, 'old news');
    // X's timestamps have whole seconds: an event of the very second a subscription starts counts as news.
    await sleep(1_100);
    const stream = await subscribeSse(h.url, QUERY, token);
    await sleep(400);
    for (const text of ['one', 'two', 'three']) h.sandbox.addMessage(id, other, text);
    await stream.waitFor(3);
    await sleep(500);
    expect(texts(stream)).toEqual(['one', 'two', 'three']);
    await stream.close();
  });

  it('keeps the subscription through an outage and delivers what arrived meanwhile, once each', async () => {
    const { token } = user(4);
    const { id, other } = oneToOne(4);
    const stream = subscribeWs(h.url, QUERY, token);
    await sleep(400);
    h.sandbox.injectFaults({ type: 'status', status: 503 }, 12);
    for (const text of ['during 1', 'during 2']) h.sandbox.addMessage(id, other, text);
    await sleep(800);
    h.sandbox.clearFaults();
    h.sandbox.addMessage(id, other, 'after');
    await stream.waitFor(3, 10_000);
    await sleep(400);
    expect(texts(stream)).toEqual(['during 1', 'during 2', 'after']);
    await stream.close();
  });

  it('sends one user’s news to nobody else, over SSE and WebSocket', async () => {
    const a = user(5);
    const { id, other } = oneToOne(5);
    const stranger = h.sandbox.users.findIndex((u) => u.id !== a.id && u.id !== other && h.sandbox.data.conversations.some((c) => !c.group && c.participantIds.includes(u.id)));
    const b = user(stranger);
    const mine = await subscribeSse(h.url, QUERY, a.token);
    const theirs = [await subscribeSse(h.url, QUERY, b.token), subscribeWs(h.url, QUERY, b.token)];
    await sleep(400);
    h.sandbox.addMessage(id, other, 'only for a');
    await mine.waitFor(1);
    await sleep(600);
    for (const stream of theirs) expect(stream.received).toEqual([]);
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
    const stream = await subscribeSse(h.url, `subscription { dmEventAdded(conversationId: "${first!.id}", eventTypes: [MESSAGE_CREATE]) { text } }`, token);
    await sleep(400);
    h.sandbox.addMessage(second!.id, second!.participantIds.find((p) => p !== me)!, 'elsewhere');
    h.sandbox.addMessage(first!.id, first!.participantIds.find((p) => p !== me)!, 'here');
    await stream.waitFor(1);
    await sleep(500);
    expect(texts(stream)).toEqual(['here']);
    await stream.close();
  });

  it('keeps an idle SSE stream alive with pings', async () => {
    const stream = await subscribeSse(h.url, QUERY, user(7).token);
    await sleep(800);
    // yoga pings every 12 s, every 300 ms under NODE_ENV=test; the stream opens with one.
    expect(stream.pings).toBeGreaterThanOrEqual(2);
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
    const stream = await subscribeSse(limited.url, QUERY, limited.sandbox.users[0]!.token);
    await sleep(2_000);
    const calls = limited.sandbox.requests.filter((call) => call.path.startsWith('/2/dm_'));
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
    await sleep(400);
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
    await open[0]!.close();
    await sleep(100);
    const again = await subscribeSse(small.url, QUERY, a);
    await sleep(300);
    expect(again.received).toEqual([]);
    await Promise.all([...open.slice(1), third, fourth, again].map((stream) => stream.close()));
  });
});
