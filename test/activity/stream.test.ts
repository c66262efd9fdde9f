/**
 * News pushed by X's Activity API stream (against the sandbox): delivered without a DM lookup, once and in order
 * across a duplicate delivery and a dropped stream (backfill), group messages by one sync, and no polling of users
 * whose news is pushed.
 */
import { describe, expect, it } from 'vitest';
import { APP_ONLY_TOKEN } from '../../src/sandbox/index.js';
import { type Stream, sleep, subscribeSse, useLiveGateway } from '../live/helpers.js';

const h = useLiveGateway({ gateway: { activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN } } });
const QUERY = 'subscription { dmEventAdded { restId text senderId conversation { conversationId } } }';
const texts = (stream: Stream) => stream.received.map((result) => result.data?.dmEventAdded?.text);

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

const liveTicks = async () => (await h.gateway.metrics.liveTicks.get()).values[0]?.value ?? 0;
const dmCalls = () => h.sandbox.requests.filter((r) => r.path.startsWith('/2/dm_')).length;

/** Subscribes user `index` and waits until X pushes their news and the first sync is done. */
async function pushedSubscriber(index: number) {
  const user = h.sandbox.users[index]!;
  const ticks = await liveTicks();
  const stream = await subscribeSse(h.url, QUERY, user.token);
  await until(
    () => [...h.sandbox.activity.subscriptions.values()].filter((s) => s.filter.user_id === user.id).length === 2,
  );
  await until(() => h.sandbox.activity.openStreams === 1 && h.gateway.live.subscriptions(`Bearer ${user.token}`) === 1);
  // The loop's first (and, with pushes, only) sync is done when it counts its tick.
  while ((await liveTicks()) === ticks) await sleep(5);
  const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
  const other = conversation.participantIds.find((p) => p !== user.id)!;
  return { user, stream, conversation, other };
}

describe('news by the Activity API stream', () => {
  it('delivers a pushed message without a DM lookup, once across a duplicate delivery, and does not poll', async () => {
    const { user, stream, conversation, other } = await pushedSubscriber(1);
    const before = dmCalls();
    const event = h.sandbox.addMessage(conversation.id, other, 'pushed to you');
    await stream.waitFor(1);
    expect(stream.received[0]).toEqual({
      data: {
        dmEventAdded: {
          restId: event.id,
          text: 'pushed to you',
          senderId: other,
          conversation: { conversationId: conversation.id },
        },
      },
    });
    h.sandbox.activity.repeatLast();
    await until(() => h.sandbox.activity.openStreams === 1);
    h.sandbox.addMessage(conversation.id, other, 'and again');
    // A last message: a user's news is delivered in order, so a duplicate of the others would come before it.
    h.sandbox.addMessage(conversation.id, other, 'last');
    await stream.waitFor(3);
    expect(texts(stream)).toEqual(['pushed to you', 'and again', 'last']);
    // Pushed news costs no DM lookup, and the user is not polled (FRESHNESS_MS is 150 ms here).
    expect(dmCalls()).toBe(before);
    const metrics = await h.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/gateway_activity_deliveries_total\{kind="message",outcome="duplicate"\} 1/);
    // The app's token went on the stream and the deletions only; the user's never on the stream.
    for (const r of h.sandbox.requests) {
      if (r.path === '/2/activity/stream') expect(r.authorization).toBe(`Bearer ${APP_ONLY_TOKEN}`);
      else if (!r.path.startsWith('/2/activity/subscriptions/'))
        expect(r.authorization).not.toBe(`Bearer ${APP_ONLY_TOKEN}`);
    }
    void user;
    await stream.close();
  });

  it('delivers what arrived while the stream was down, once and in order, by backfill', async () => {
    const { stream, conversation, other } = await pushedSubscriber(2);
    const before = dmCalls();
    h.sandbox.addMessage(conversation.id, other, 'one');
    await stream.waitFor(1);
    h.sandbox.activity.dropStreams();
    h.sandbox.addMessage(conversation.id, other, 'two');
    h.sandbox.addMessage(conversation.id, other, 'three');
    // A last message once the stream is back: in order, so a replayed one would come before it.
    await stream.waitFor(3);
    h.sandbox.addMessage(conversation.id, other, 'four');
    await stream.waitFor(4);
    expect(texts(stream)).toEqual(['one', 'two', 'three', 'four']);
    expect(h.sandbox.requests.some((r) => r.path === '/2/activity/stream' && r.query.backfill_minutes === '1')).toBe(
      true,
    );
    expect(dmCalls()).toBe(before);
    await stream.close();
  });

  it('reads a group message by one sync, since its payload names no conversation', async () => {
    const user = h.sandbox.users[0]!;
    const group = h.sandbox.data.conversations.find((c) => c.group && c.participantIds.includes(user.id))!;
    const index = 0;
    const { stream } = await pushedSubscriber(index);
    const before = dmCalls();
    const sender = group.participantIds.find((p) => p !== user.id)!;
    const event = h.sandbox.addMessage(group.id, sender, 'to the group');
    // Messages of the earlier tests' second may come first (news to a subscription of the same second): wait for it.
    await until(() => stream.received.some((r) => r.data?.dmEventAdded?.restId === event.id));
    const delivered = stream.received.filter((r) => r.data?.dmEventAdded?.restId === event.id);
    expect(delivered).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          dmEventAdded: expect.objectContaining({ conversation: { conversationId: group.id } }),
        }),
      }),
    ]);
    expect(dmCalls()).toBe(before + 1);
    await stream.close();
  });
});
