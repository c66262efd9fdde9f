/**
 * A real client library against the gateway over HTTP: graphql-request's `GraphQLClient` with the typed documents
 * that codegen made of `schema/operations/*.graphql` (results and variables typed by the operation). Checked against
 * the sandbox's own records.
 */
import { ClientError, GraphQLClient } from 'graphql-request';
import { describe, expect, it } from 'vitest';
import {
  ConversationPageDocument,
  type ConversationPageQuery,
  DmEventByIdDocument,
  InboxDocument,
  WalkEventsDocument,
  type WalkEventsQuery,
} from '../../src/generated/graphql.js';
import type { DmEvent } from '../../src/x/wire.js';
import { useGateway } from '../support/harness.js';
import { listen } from './listen.js';

const h = useGateway();
const server = listen(h);

function client(token: string | null = h.sandbox.users[0]!.token): GraphQLClient {
  return new GraphQLClient(server.url, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
}

const mainEvents = () => h.sandbox.visibleEvents(h.sandbox.users[0]!.id);
const usernameOf = (id: string | undefined) => h.sandbox.data.users.find((user) => user.id === id)?.username;

describe('graphql-request with the typed documents', () => {
  it('Inbox: the latest events with senders and media', async () => {
    const { dmEvents } = await client().request(InboxDocument, { first: 5 });
    const expected = mainEvents().slice(0, 5);
    expect(dmEvents.edges).toHaveLength(5);
    dmEvents.edges.forEach(({ node }, index) => {
      const event = expected[index]!;
      expect(node.text ?? undefined).toBe(event.text);
      expect(node.sender?.username).toBe(usernameOf(event.sender_id));
      expect((node.attachments?.media ?? []).map((media) => media.mediaKey)).toEqual(
        event.attachments?.media_keys ?? [],
      );
    });
    expect(dmEvents.pageInfo.hasNextPage).toBe(true);
    expect(h.calls()).toHaveLength(1);
  });

  it('Inbox with its default page size of 10', async () => {
    const { dmEvents } = await client().request(InboxDocument, {});
    expect(dmEvents.edges).toHaveLength(10);
  });

  it('DmEventById: one event with its conversation, sender and media', async () => {
    const event = mainEvents().find((e) => e.attachments?.media_keys?.length && e.sender_id)!;
    const { dmEvent } = await client().request(DmEventByIdDocument, { eventId: event.id });
    expect(dmEvent).not.toBeNull();
    expect(dmEvent!.restId).toBe(event.id);
    expect(dmEvent!.eventType).toBe('MESSAGE_CREATE');
    expect(dmEvent!.text ?? undefined).toBe(event.text);
    expect(dmEvent!.conversation?.conversationId).toBe(event.dm_conversation_id);
    expect(dmEvent!.sender).toMatchObject({ restId: event.sender_id, username: usernameOf(event.sender_id) });
    expect(dmEvent!.attachments?.media.map((media) => media.mediaKey)).toEqual(event.attachments!.media_keys);
  });

  it('WalkEvents: follows pageInfo.endCursor until hasNextPage is false, every event exactly once, in order', async () => {
    const api = client();
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { dmEvents }: WalkEventsQuery = await api.request(WalkEventsDocument, { first: 40, after });
      pages += 1;
      seen.push(...dmEvents.nodes.map((node) => node.restId));
      if (!dmEvents.pageInfo.hasNextPage) break;
      expect(dmEvents.pageInfo.endCursor).toBeTruthy();
      after = dmEvents.pageInfo.endCursor;
      if (pages > 50) throw new Error('the walk does not end');
    }
    const expected = mainEvents().map((event) => event.id);
    expect(expected.length).toBeGreaterThan(40);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 40));
  });

  it('ConversationPage: walks a conversation with its media and entities', async () => {
    // The conversation with the most events that carry media or entities.
    const counts = new Map<string, number>();
    for (const event of mainEvents()) {
      if (
        event.attachments?.media_keys?.length ||
        event.hashtags?.length ||
        event.mentions?.length ||
        event.urls?.length
      ) {
        counts.set(event.dm_conversation_id!, (counts.get(event.dm_conversation_id!) ?? 0) + 1);
      }
    }
    const [conversationId] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const expected = h.sandbox.visibleEvents(h.sandbox.users[0]!.id, conversationId);

    const nodes: ConversationPageQuery['dmConversation']['events']['edges'][number]['node'][] = [];
    let after: string | undefined;
    do {
      const { dmConversation } = await client().request(ConversationPageDocument, { conversationId, first: 10, after });
      expect(dmConversation.conversationId).toBe(conversationId);
      nodes.push(...dmConversation.events.edges.map((edge) => edge.node));
      after = dmConversation.events.pageInfo.hasNextPage ? dmConversation.events.pageInfo.endCursor! : undefined;
    } while (after);

    expect(nodes.map((node) => node.restId)).toEqual(expected.map((event) => event.id));
    const mediaByKey = new Map(h.sandbox.data.media.map((media) => [media.media_key, media]));
    let media = 0;
    let entities = 0;
    nodes.forEach((node, index) => {
      const event: DmEvent = expected[index]!;
      const keys = event.attachments?.media_keys ?? [];
      expect((node.attachments?.media ?? []).map((m) => [m.mediaKey, m.type])).toEqual(
        keys.map((key) => [key, mediaByKey.get(key)!.type.toUpperCase()]),
      );
      media += keys.length;
      expect((node.entities?.hashtags ?? []).map((e) => [e.tag, e.start, e.end])).toEqual(
        (event.hashtags ?? []).map((e) => [e.tag, e.start, e.end]),
      );
      expect((node.entities?.mentions ?? []).map((e) => [e.username, e.start, e.end])).toEqual(
        (event.mentions ?? []).map((e) => [e.username, e.start, e.end]),
      );
      expect((node.entities?.urls ?? []).map((e) => [e.url, e.expandedUrl ?? undefined])).toEqual(
        (event.urls ?? []).map((e) => [e.url, e.expanded_url]),
      );
      entities += (event.hashtags?.length ?? 0) + (event.mentions?.length ?? 0) + (event.urls?.length ?? 0);
    });
    expect(media).toBeGreaterThan(0);
    expect(entities).toBeGreaterThan(0);
  });

  it("raises the gateway's UNAUTHENTICATED as a ClientError without a token", async () => {
    const error = await client(null)
      .request(InboxDocument, { first: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.calls()).toHaveLength(0);
  });
});
