/**
 * Idempotency keys when the store that keeps them fails: a key that cannot be claimed sends nothing, an outcome the
 * store could not note is settled by a retry once its claim is abandoned, and of retries settling one outcome only one
 * sends again. Over a context of its own (a counting X, a store that fails on demand, a clock moved by hand).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayContext } from '../../src/context.js';
import { WriteNotSentError, WriteOutcomeUnknownError, UpstreamError } from '../../src/errors.js';
import { InProcessStore } from '../../src/store/in-process.js';
import type { IdempotencyRecord, IdempotencyStore } from '../../src/store/store.js';
import { sendMessage } from '../../src/writes/writes.js';
import type { DmEvent } from '../../src/x/wire.js';

const ME = '1001';

/** X as the writes see it: each send makes an event (or fails as told), `/2/dm_events` shows what was made. */
function fakeX() {
  const made: DmEvent[] = [];
  const x = {
    sends: 0,
    lookups: 0,
    /** What the next send does after X made the message: answer, fail with an unknown outcome, or never answer. */
    next: 'answer' as 'answer' | 'unknown' | 'hang',
    made,
    tokenHash: () => 'token-hash',
    timeLeftMs: () => 30_000,
    send(_method: string, _path: string, body: { text?: string; attachments?: { media_id: string }[] }) {
      x.sends += 1;
      const event: DmEvent = {
        id: String(5000 + made.length),
        event_type: 'MessageCreate',
        sender_id: ME,
        dm_conversation_id: '1001-2002',
        created_at: new Date(Date.now()).toISOString(),
        ...(body.text !== undefined && { text: body.text }),
        ...(body.attachments && { attachments: { media_keys: body.attachments.map((a) => `3_${a.media_id}`) } }),
      };
      made.unshift(event);
      // Its replica dies mid-write: no answer, ever.
      if (x.next === 'hang') return new Promise<never>(() => {});
      if (x.next === 'unknown') {
        x.next = 'answer';
        return Promise.reject(new WriteOutcomeUnknownError(new UpstreamError('X answered 503')));
      }
      return Promise.resolve({ data: { dm_conversation_id: event.dm_conversation_id, dm_event_id: event.id } });
    },
    get() {
      x.lookups += 1;
      return Promise.resolve({ data: [...made] });
    },
  };
  return x;
}

type Failing = (call: keyof IdempotencyStore, record?: IdempotencyRecord) => boolean;

/** An in-process store whose calls fail while `failing` holds for them. */
function failingStore(): { failing: Failing; store: IdempotencyStore } {
  const inner = new InProcessStore();
  const control: { failing: Failing; store: IdempotencyStore } = {
    failing: () => false,
    store: {
      idempotency: (key) =>
        control.failing('idempotency') ? Promise.reject(new Error('store down')) : inner.idempotency(key),
      putIdempotency: (key, record, ttlMs, onlyIfAbsent) =>
        control.failing('putIdempotency', record)
          ? Promise.reject(new Error('store down'))
          : inner.putIdempotency(key, record, ttlMs, onlyIfAbsent),
      forgetIdempotency: (key) =>
        control.failing('forgetIdempotency') ? Promise.reject(new Error('store down')) : inner.forgetIdempotency(key),
    },
  };
  return control;
}

function contextOf(x: ReturnType<typeof fakeX>, writes: IdempotencyStore): GatewayContext {
  return {
    x,
    writes,
    callerId: () => Promise.resolve(ME),
    notifyLive: () => Promise.resolve(),
  } as unknown as GatewayContext;
}

const TO = { conversationId: '1001-2002' };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('idempotency keys when their store fails', () => {
  it('a key the store cannot claim sends nothing: UPSTREAM_ERROR, outcome not_sent; the same key sends once later', async () => {
    const x = fakeX();
    const records = failingStore();
    records.failing = () => true;
    const context = contextOf(x, records.store);
    const refused = await sendMessage(context, TO, { text: 'hello' }, 'k1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WriteNotSentError);
    expect((refused as WriteNotSentError).code).toBe('UPSTREAM_ERROR');
    expect((refused as WriteNotSentError).extensions()).toMatchObject({ outcome: 'not_sent' });
    expect(x.sends).toBe(0);

    records.failing = () => false;
    const sent = await sendMessage(context, TO, { text: 'hello' }, 'k1');
    expect(await sendMessage(context, TO, { text: 'hello' }, 'k1')).toEqual(sent);
    expect(x.sends).toBe(1);
  });

  it('answers a send whose outcome the store could not take at first, and notes it when the store answers again', async () => {
    const x = fakeX();
    const records = failingStore();
    // The store fails once, as the outcome is noted: the claim stays pending a moment.
    let failures = 0;
    records.failing = (call, record) => call === 'putIdempotency' && record?.state === 'done' && failures++ === 0;
    const context = contextOf(x, records.store);
    const sent = await sendMessage(context, TO, { text: 'did it land?' }, 'k2');
    expect(sent.eventId).toBe(x.made[0]!.id);
    // A retry at once waits for the claim, which the outcome noted again settles: the first answer, nothing more.
    expect(await sendMessage(context, TO, { text: 'did it land?' }, 'k2')).toEqual(sent);
    expect(failures).toBe(2);
    expect(x.sends).toBe(1);
    expect(x.lookups).toBe(0);
  });

  it('settles the claim of a replica that died mid-write once it is abandoned, from the message X has', async () => {
    const x = fakeX();
    const records = failingStore();
    const context = contextOf(x, records.store);
    x.next = 'hang';
    void sendMessage(context, TO, { text: 'did it land?' }, 'k6');
    await vi.waitFor(() => expect(x.sends).toBe(1));

    // While the claim may still be in flight, a retry waits for it and sends nothing.
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (now += 1_000));
    await expect(sendMessage(context, TO, { text: 'did it land?' }, 'k6')).rejects.toBeInstanceOf(
      WriteOutcomeUnknownError,
    );
    expect(x.sends).toBe(1);

    // Past the claim's end (its operation's deadline and a margin), the retry finds the message X has.
    now += 10 * 60_000;
    const found = { conversationId: '1001-2002', eventId: x.made[0]!.id };
    expect(await sendMessage(context, TO, { text: 'did it land?' }, 'k6')).toEqual(found);
    expect(x.sends).toBe(1);
    expect(x.lookups).toBe(1);
    // Settled: the next retry answers from the store alone.
    expect(await sendMessage(context, TO, { text: 'did it land?' }, 'k6')).toEqual(found);
    expect(x.lookups).toBe(1);
  });

  it('of concurrent retries after an unknown outcome X does not show, one sends again and the others answer its result', async () => {
    const x = fakeX();
    const records = failingStore();
    const context = contextOf(x, records.store);
    x.next = 'unknown';
    await expect(sendMessage(context, TO, { text: 'lost?' }, 'k3')).rejects.toBeInstanceOf(WriteOutcomeUnknownError);
    // X did not keep it after all.
    x.made.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => sendMessage(context, TO, { text: 'lost?' }, 'k3')),
    );
    expect(x.sends).toBe(2);
    for (const answer of answers) expect(answer).toEqual({ conversationId: '1001-2002', eventId: x.made[0]!.id });
  });

  it('settles an unknown outcome of a message with media only by its media', async () => {
    const x = fakeX();
    const context = contextOf(x, failingStore().store);
    x.next = 'unknown';
    const message = { mediaIds: ['1455952740635586573'] };
    await expect(sendMessage(context, TO, message, 'k4')).rejects.toBeInstanceOf(WriteOutcomeUnknownError);
    expect(await sendMessage(context, TO, message, 'k4')).toEqual({
      conversationId: '1001-2002',
      eventId: x.made[0]!.id,
    });
    expect(x.sends).toBe(1);
    // A message with other media that X lost is sent again, whatever else of the caller's X shows.
    x.next = 'unknown';
    const other = { mediaIds: ['1455952740635586574'] };
    await expect(sendMessage(context, TO, other, 'k5')).rejects.toBeInstanceOf(WriteOutcomeUnknownError);
    x.made.shift();
    const again = await sendMessage(context, TO, other, 'k5');
    expect(x.sends).toBe(3);
    expect(again.eventId).toBe(x.made[0]!.id);
    expect(x.made[0]!.attachments?.media_keys).toEqual(['3_1455952740635586574']);
  });
});
