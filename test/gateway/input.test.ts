/** Credentials and ids are checked before any call to X. */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway();

describe('credentials', () => {
  it('a request without a bearer token is UNAUTHENTICATED and calls nothing', async () => {
    const answer = await h.query('{ dmEvents { nodes { text } } }', undefined, null);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.calls()).toHaveLength(0);
  });

  it("the caller's Authorization header reaches X unchanged, on every call of the request", async () => {
    const user = h.sandbox.users[3]!;
    await h.query('{ dmEvents(first: 50) { nodes { sender { pinnedTweet { text } } } } }', undefined, user.token);
    expect(h.calls().length).toBeGreaterThan(1);
    for (const call of h.calls()) expect(call.authorization).toBe(`Bearer ${user.token}`);
  });

  it("an unknown token is X's 401, as UNAUTHENTICATED", async () => {
    const answer = await h.query('{ dmEvents { nodes { text } } }', undefined, 'not-a-demo-token');
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', title: 'Unauthorized' });
  });

  it("an app-only token is X's 403, as FORBIDDEN", async () => {
    const answer = await h.query('{ dmEvents { nodes { text } } }', undefined, h.sandbox.appOnlyToken);
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      type: 'https://api.x.com/2/problems/unsupported-authentication',
    });
  });
});

describe('ids are checked against X patterns', () => {
  it.each([
    ['dmEvent', '{ dmEvent(eventId: "12a") { text } }'],
    ['dmEvent, too long', '{ dmEvent(eventId: "12345678901234567890") { text } }'],
    ['dmConversation', '{ dmConversation(conversationId: "123") { events { nodes { text } } } }'],
    ['dmConversation, not a pair', '{ dmConversation(conversationId: "1-2-3") { events { nodes { text } } } }'],
    ['dmConversationWith', '{ dmConversationWith(participantId: "me") { events { nodes { text } } } }'],
  ])('%s', async (_name, query) => {
    const answer = await h.query(query);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.calls()).toHaveLength(0);
  });

  it('an event the user cannot see is NOT_FOUND', async () => {
    const answer = await h.query('{ dmEvent(eventId: "1") { text } }');
    expect(answer.data?.dmEvent).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('dmConversationWith', () => {
  it("names X's one-to-one conversation id and pages its events", async () => {
    const other = h.sandbox.users[1]!;
    const answer = await h.query(
      `query($id: ID!) { dmConversationWith(participantId: $id) { conversationId events(first: 5) { nodes { conversationId } } } }`,
      { id: other.id },
    );
    const { conversationId, events } = answer.data.dmConversationWith;
    const [a, b] = [BigInt(h.sandbox.users[0]!.id), BigInt(other.id)];
    expect(conversationId).toBe(a < b ? `${a}-${b}` : `${b}-${a}`);
    expect(events.nodes.length).toBeGreaterThan(0);
    for (const node of events.nodes) expect(node.conversationId).toBe(conversationId);
  });
});
