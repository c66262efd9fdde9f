/**
 * Isolation with the memory warm: every demo user at once through one gateway, 24 operations in flight, pages walked
 * by cursor, conversations, events by id and the inbox. Every answer holds only what its own user may see, every call
 * X received carries the token of a user whose memory it fills, and a token X refuses reads nothing while every
 * memory is warm. The workload is fixed in advance from a seeded generator.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';
import { generator } from '../support/random.js';

const h = useGateway({ gateway: { store: 'memory', freshnessMs: 60_000 } });

const CONCURRENCY = 24;
const OPERATIONS_PER_USER = 30;

interface Operation {
  readonly userIndex: number;
  run(): Promise<string[]>;
}

describe('the memory under many users at once', () => {
  it('never answers one user with another’s events, and reads nothing for a token X refuses', async () => {
    const random = generator(7);
    const users = h.sandbox.users;
    const byToken = new Map(users.map((user) => [`Bearer ${user.token}`, user.id]));
    const operations: Operation[] = [];
    const cursors = new Map<number, string | undefined>();
    for (let round = 0; round < OPERATIONS_PER_USER; round++) {
      for (let userIndex = 0; userIndex < users.length; userIndex++) {
        const user = users[userIndex]!;
        const visible = h.sandbox.visibleEvents(user.id);
        const conversations = h.sandbox.data.conversations.filter(
          (c) => !c.group && c.participantIds.includes(user.id),
        );
        const kind = random.int(0, 3);
        operations.push({
          userIndex,
          run: async () => {
            if (kind === 0) {
              const answer = await h.query(
                'query($first: Int, $after: String) { dmEvents(first: $first, after: $after) { nodes { restId senderId } pageInfo { endCursor } } }',
                { first: random.int(1, 25), after: cursors.get(userIndex) },
                user.token,
              );
              cursors.set(userIndex, answer.data.dmEvents.pageInfo.endCursor ?? undefined);
              return answer.data.dmEvents.nodes.map((node: { restId: string }) => node.restId);
            }
            if (kind === 1 && conversations.length > 0) {
              const other = random.pick(conversations).participantIds.find((id) => id !== user.id)!;
              const answer = await h.query(
                `{ dmConversationWith(participantId: "${other}") { events(first: ${random.int(1, 15)}) { nodes { restId } } } }`,
                undefined,
                user.token,
              );
              return answer.data.dmConversationWith.events.nodes.map((node: { restId: string }) => node.restId);
            }
            if (kind === 2 && visible.length > 0) {
              const eventId = random.pick(visible).id;
              const answer = await h.query(`{ dmEvent(eventId: "${eventId}") { restId } }`, undefined, user.token);
              return [answer.data.dmEvent.restId];
            }
            const answer = await h.query(
              '{ dmConversations(first: 5) { nodes { lastEvent { restId } } } }',
              undefined,
              user.token,
            );
            return answer.data.dmConversations.nodes.map(
              (node: { lastEvent: { restId: string } }) => node.lastEvent.restId,
            );
          },
        });
      }
    }

    const leaks: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < operations.length) {
        const operation = operations[next++]!;
        const user = users[operation.userIndex]!;
        const visible = new Set(h.sandbox.visibleEvents(user.id).map((event) => event.id));
        for (const eventId of await operation.run())
          if (!visible.has(eventId)) leaks.push(`${user.username} got ${eventId}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(leaks).toEqual([]);

    // Every DM call carried a known user's token, and asked only for lists that user may read.
    for (const call of h.calls().filter((c) => c.path.startsWith('/2/dm_'))) {
      const userId = byToken.get(call.authorization ?? '');
      expect(userId).toBeDefined();
      const conversation = /^\/2\/dm_conversations\/([0-9-]+)\/dm_events$/.exec(call.path)?.[1];
      if (conversation?.includes('-')) expect(conversation.split('-')).toContain(userId);
    }

    h.sandbox.clearRequests();
    const stranger = await h.query(
      '{ dmEvents(first: 5) { nodes { restId } } dmConversations { nodes { conversationId } } }',
      undefined,
      'nobody',
    );
    expect(stranger.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(stranger.data).toBeNull();
    expect(h.calls().filter((c) => c.path.startsWith('/2/dm_'))).toHaveLength(0);
  }, 60_000);
});
