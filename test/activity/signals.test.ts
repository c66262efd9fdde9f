/**
 * `dmTyping` and `dmReadReceipt` from X's Activity API pushes: only the caller's own, typing coalesced, each with
 * its conversation and person.
 */
import { describe, expect, it } from 'vitest';
import { APP_ONLY_TOKEN } from '../../src/sandbox/index.js';
import { sleep, subscribeSse, subscribeWs, useLiveGateway } from '../live/helpers.js';

const h = useLiveGateway({ gateway: { activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN } } });
const TYPING = 'subscription { dmTyping { conversation { conversationId } user { restId username } at } }';
const RECEIPTS =
  'subscription { dmReadReceipt { conversation { conversationId } reader { restId } lastReadEvent { restId text } at } }';

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}
const subscribedAtX = (userId: string, type: string) =>
  [...h.sandbox.activity.subscriptions.values()].some((s) => s.filter.user_id === userId && s.event_type === type);

describe('typing and read receipts', () => {
  it("reach only the caller's subscribers, typing coalesced per conversation and person", async () => {
    const me = h.sandbox.users[1]!;
    const stranger = h.sandbox.users[2]!;
    const conversation = h.sandbox.data.conversations.find(
      (c) => !c.group && c.participantIds.includes(me.id) && !c.participantIds.includes(stranger.id),
    )!;
    const other = conversation.participantIds.find((p) => p !== me.id)!;
    const typing = await subscribeSse(h.url, TYPING, me.token);
    const receipts = subscribeWs(h.url, RECEIPTS, me.token);
    const strangers = await subscribeSse(h.url, TYPING, stranger.token);
    await until(
      () =>
        subscribedAtX(me.id, 'dm.indicate_typing') &&
        subscribedAtX(me.id, 'dm.read') &&
        subscribedAtX(stranger.id, 'dm.indicate_typing'),
    );
    await until(() => h.sandbox.activity.openStreams === 1);
    h.sandbox.activity.typing(conversation.id, other);
    h.sandbox.activity.typing(conversation.id, other);
    const event = h.sandbox.addMessage(conversation.id, me.id, 'did you read this?');
    h.sandbox.activity.read(conversation.id, other, event.id);
    await receipts.waitFor(1);
    // A last typing signal, in another of the caller's conversations (coalescing is per conversation and person): a
    // user's signals arrive in order, so a second one of the first conversation would come before it.
    const elsewhere = h.sandbox.data.conversations.find(
      (c) =>
        !c.group &&
        c.id !== conversation.id &&
        c.participantIds.includes(me.id) &&
        !c.participantIds.includes(stranger.id),
    )!;
    const someoneElse = elsewhere.participantIds.find((p) => p !== me.id)!;
    h.sandbox.activity.typing(elsewhere.id, someoneElse);
    await typing.waitFor(2);
    expect(typing.received).toEqual([
      {
        data: {
          dmTyping: {
            conversation: { conversationId: conversation.id },
            user: { restId: other, username: expect.any(String) },
            at: expect.any(String),
          },
        },
      },
      {
        data: {
          dmTyping: {
            conversation: { conversationId: elsewhere.id },
            user: { restId: someoneElse, username: expect.any(String) },
            at: expect.any(String),
          },
        },
      },
    ]);
    expect(receipts.received).toEqual([
      {
        data: {
          dmReadReceipt: {
            conversation: { conversationId: conversation.id },
            reader: { restId: other },
            lastReadEvent: { restId: event.id, text: 'did you read this?' },
            at: expect.any(String),
          },
        },
      },
    ]);
    expect(strangers.received).toEqual([]);
    await Promise.all([typing.close(), receipts.close(), strangers.close()]);
  });
});
