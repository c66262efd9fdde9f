/**
 * The mutations over real HTTP against the sandbox, counting what X received: input refused before any call, exactly
 * one POST per send whatever fails, idempotency keys, budgets apart, read your writes, and deletes gone at once.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway({ gateway: { store: 'memory', freshnessMs: 60_000, upstreamTimeoutMs: 1_000 } });

const SEND = `mutation($input: SendDmInput!) {
  sendDm(input: $input) { event { restId text eventType senderId conversationId } conversation { conversationId } }
}`;
const posts = () => h.calls().filter((call) => call.method === 'POST');
const user = (index: number) => h.sandbox.users[index]!;
function oneToOne(index: number) {
  const me = user(index).id;
  const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me))!;
  return { id: conversation.id, other: conversation.participantIds.find((p) => p !== me)! };
}

describe('sendDm', () => {
  it('sends once, and answers the event from what it knows without reading it back', async () => {
    const { id, other } = oneToOne(1);
    const answer = await h.query(SEND, { input: { participantId: other, text: 'hi there' } }, user(1).token);
    expect(answer.errors).toBeUndefined();
    const sent = h.sandbox.sent.at(-1)!;
    expect(answer.data.sendDm).toEqual({
      event: {
        restId: sent.id,
        text: 'hi there',
        eventType: 'MESSAGE_CREATE',
        senderId: user(1).id,
        conversationId: id,
      },
      conversation: { conversationId: id },
    });
    expect(posts()).toHaveLength(1);
    expect(h.calls().filter((call) => call.path.startsWith('/2/dm_events'))).toHaveLength(0);
  });

  it('reads from X only what it cannot know, such as createdAt, when it is selected', async () => {
    const { id } = oneToOne(2);
    const answer = await h.query(
      'mutation($input: SendDmInput!) { sendDm(input: $input) { event { restId createdAt sender { username } } } }',
      { input: { conversationId: id, text: 'when?' } },
      user(2).token,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.sendDm.event.sender.username).toBe(user(2).username);
    expect(Date.parse(answer.data.sendDm.event.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(posts()).toHaveLength(1);
  });

  const refusals: [string, Record<string, unknown>, string][] = [
    ['neither target', { text: 'x' }, 'input.participantId'],
    ['both targets', { participantId: '1', conversationId: '1-2', text: 'x' }, 'input.conversationId'],
    ['no text and no media', { participantId: '1' }, 'input.text'],
    ['empty text', { participantId: '1', text: '' }, 'input.text'],
    ['text over 10,000 characters', { participantId: '1', text: '😀'.repeat(10_001) }, 'input.text'],
    ['more than one media id', { participantId: '1', mediaIds: ['1', '2'] }, 'input.mediaIds'],
    ['a media id that is not X’s', { participantId: '1', mediaIds: ['abc'] }, 'input.mediaIds[0]'],
    ['a participant id that is not X’s', { participantId: 'me', text: 'x' }, 'input.participantId'],
    ['a conversation id that is not X’s', { conversationId: '12', text: 'x' }, 'input.conversationId'],
    ['an empty idempotency key', { participantId: '1', text: 'x', idempotencyKey: '' }, 'input.idempotencyKey'],
  ];
  for (const [name, input, argument] of refusals) {
    it(`refuses ${name} before any call`, async () => {
      const answer = await h.query(SEND, { input });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(h.calls()).toHaveLength(0);
    });
  }

  it('accepts exactly 10,000 characters, counted as X counts them', async () => {
    const { other } = oneToOne(3);
    const answer = await h.query(SEND, { input: { participantId: other, text: '😀'.repeat(10_000) } }, user(3).token);
    expect(answer.errors).toBeUndefined();
  });
});

describe('never twice', () => {
  for (const then of [503, 500, 'reset', 'hang'] as const) {
    it(`a send that fails after X did it (${then}) is UPSTREAM_ERROR with an unknown outcome, and is not sent again`, async () => {
      const { other } = oneToOne(4);
      h.sandbox.clearWrites();
      h.sandbox.injectFaults({ type: 'after-write', then });
      const answer = await h.query(SEND, { input: { participantId: other, text: `unknown ${then}` } }, user(4).token);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'unknown' });
      expect(posts()).toHaveLength(1);
      expect(h.sandbox.sent).toHaveLength(1);
    }, 30_000);
  }

  it('an idempotency key answers the first result without a second call', async () => {
    const { other } = oneToOne(5);
    const input = { participantId: other, text: 'once only', idempotencyKey: 'key-1' };
    const first = await h.query(SEND, { input }, user(5).token);
    const again = await h.query(SEND, { input }, user(5).token);
    expect(again.data).toEqual(first.data);
    expect(posts()).toHaveLength(1);
    const other2 = await h.query(SEND, { input: { ...input, text: 'something else' } }, user(5).token);
    expect(other2.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.idempotencyKey' });
    expect(posts()).toHaveLength(1);
  });

  it('the same key from two callers never meets', async () => {
    const a = oneToOne(6);
    const b = oneToOne(7);
    await h.query(
      SEND,
      { input: { participantId: a.other, text: 'same key', idempotencyKey: 'shared' } },
      user(6).token,
    );
    const second = await h.query(
      SEND,
      { input: { participantId: b.other, text: 'same key', idempotencyKey: 'shared' } },
      user(7).token,
    );
    expect(second.errors).toBeUndefined();
    expect(posts()).toHaveLength(2);
  });

  it('concurrent sends with one key make one POST', async () => {
    const { other } = oneToOne(8);
    const input = { participantId: other, text: 'racing', idempotencyKey: 'race' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.query(SEND, { input }, user(8).token)));
    expect(posts()).toHaveLength(1);
    for (const answer of answers) expect(answer.data).toEqual(answers[0]!.data);
  });

  it('a retry with the key after an unknown outcome finds the message X has, and sends nothing', async () => {
    const { other } = oneToOne(9);
    h.sandbox.clearWrites();
    const input = { participantId: other, text: 'did it go?', idempotencyKey: 'unknown-then-retry' };
    h.sandbox.injectFaults({ type: 'after-write', then: 503 });
    const first = await h.query(SEND, { input }, user(9).token);
    expect(first.errors?.[0]?.extensions).toMatchObject({ outcome: 'unknown' });
    const retry = await h.query(SEND, { input }, user(9).token);
    expect(retry.errors).toBeUndefined();
    expect(retry.data.sendDm.event.restId).toBe(h.sandbox.sent[0]!.id);
    expect(posts()).toHaveLength(1);
    expect(h.sandbox.sent).toHaveLength(1);
  });
});

describe('budgets apart', () => {
  it('a spent write budget fails sends fast and leaves reads alone; a spent read budget leaves sends alone', async () => {
    const { other } = oneToOne(10);
    const token = user(10).token;
    h.sandbox.injectFaults({ type: 'status', status: 429 });
    const limited = await h.query(SEND, { input: { participantId: other, text: 'one' } }, token);
    expect(limited.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const again = await h.query(SEND, { input: { participantId: other, text: 'two' } }, token);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', resetAt: expect.any(String) });
    expect(posts()).toHaveLength(1); // the 429; the second never left
    const read = await h.query('{ dmEvents(first: 2) { nodes { restId } } }', undefined, token);
    expect(read.errors).toBeUndefined();

    const { other: friend } = oneToOne(11);
    const reader = user(11).token;
    await h.query('{ dmEvents(first: 1) { nodes { restId } } }', undefined, reader); // identity and memory
    h.sandbox.injectFaults({ type: 'status', status: 429 });
    await h.query('{ dmEvent(eventId: "1") { restId } }', undefined, reader);
    const send = await h.query(SEND, { input: { participantId: friend, text: 'reads are spent, not sends' } }, reader);
    expect(send.errors).toBeUndefined();
  });
});

describe('read your writes', () => {
  it('a sent message heads its conversation and the inbox at once, and the next sync does not repeat it', async () => {
    const { id, other } = oneToOne(12);
    const token = user(12).token;
    const page = `{ dmConversation(conversationId: "${id}") { events(first: 3) { nodes { restId text } } } }`;
    await h.query(page, undefined, token);
    await h.query('{ dmConversations(first: 3) { nodes { conversationId } } }', undefined, token);
    const sent = await h.query(SEND, { input: { participantId: other, text: 'fresh off the press' } }, token);
    const eventId = sent.data.sendDm.event.restId;
    h.sandbox.clearRequests();
    const after = await h.query(page, undefined, token);
    expect(after.data.dmConversation.events.nodes[0]).toEqual({ restId: eventId, text: 'fresh off the press' });
    const inbox = await h.query(
      '{ dmConversations(first: 1) { nodes { conversationId lastEvent { restId } } } }',
      undefined,
      token,
    );
    expect(inbox.data.dmConversations.nodes[0]).toEqual({ conversationId: id, lastEvent: { restId: eventId } });
    expect(h.calls().filter((call) => call.path.startsWith('/2/dm_'))).toHaveLength(0);
  });

  it('a deleted message is gone at once from pages, dmEvent and node', async () => {
    const { id, other } = oneToOne(13);
    const token = user(13).token;
    const sent = await h.query(SEND, { input: { participantId: other, text: 'regret' } }, token);
    const eventId = sent.data.sendDm.event.restId as string;
    const deleted = await h.query(
      `mutation { deleteDmEvent(input: { eventId: "${eventId}" }) { deletedEventId } }`,
      undefined,
      token,
    );
    expect(deleted.data.deleteDmEvent).toEqual({ deletedEventId: eventId });
    const page = await h.query(
      `{ dmConversation(conversationId: "${id}") { events(first: 5) { nodes { restId } } } }`,
      undefined,
      token,
    );
    expect(page.data.dmConversation.events.nodes.map((n: { restId: string }) => n.restId)).not.toContain(eventId);
    const byId = await h.query(`{ dmEvent(eventId: "${eventId}") { restId } }`, undefined, token);
    expect(byId.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(h.sandbox.deleted.map((event) => event.id)).toContain(eventId);
  });

  it('deleting someone else’s message is FORBIDDEN, X’s word', async () => {
    const theirs = h.sandbox
      .visibleEvents(user(14).id)
      .find((event) => event.event_type === 'MessageCreate' && event.sender_id !== user(14).id)!;
    const answer = await h.query(
      `mutation { deleteDmEvent(input: { eventId: "${theirs.id}" }) { deletedEventId } }`,
      undefined,
      user(14).token,
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('createDmGroup', () => {
  it('starts a group with a first message, once', async () => {
    const others = [user(16).id, user(17).id];
    const answer = await h.query(
      'mutation($input: CreateDmGroupInput!) { createDmGroup(input: $input) { event { restId text } conversation { conversationId kind } } }',
      { input: { participantIds: others, text: 'welcome, both' } },
      user(15).token,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.createDmGroup.conversation.kind).toBe('GROUP');
    expect(answer.data.createDmGroup.event.text).toBe('welcome, both');
    expect(posts()).toHaveLength(1);
    expect(JSON.parse(posts()[0]!.body!)).toEqual({
      conversation_type: 'Group',
      participant_ids: others,
      message: { text: 'welcome, both' },
    });
  });

  for (const [name, participantIds] of [
    ['fewer than 2 others', ['1']],
    ['more than 49 others', Array.from({ length: 50 }, (_, i) => String(i + 1))],
    ['someone twice', ['1', '1']],
  ] as const) {
    it(`refuses ${name} before any call`, async () => {
      const answer = await h.query(
        'mutation($input: CreateDmGroupInput!) { createDmGroup(input: $input) { event { restId } } }',
        { input: { participantIds, text: 'x' } },
      );
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'input.participantIds',
      });
      expect(h.calls()).toHaveLength(0);
    });
  }
});
