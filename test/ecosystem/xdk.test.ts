/**
 * X's own TypeScript SDK (`@xdevplatform/xdk`, generated from X's production spec 2.167) drives a posts sandbox on
 * 127.0.0.1, unchanged: only its `baseUrl` points at the sandbox and its OAuth 2.0 user token is a demo token. The
 * SDK builds every query from the spec's names (`post.fields`, `expansions=referenced_posts`), so a sandbox that
 * refused or misread any of them would fail here; it also turns every key of an answer into camelCase
 * (`sender_id` -> `senderId`), which the assertions follow. Its direct-messages writes (send to a participant, to a
 * conversation, start a group, delete) run against the sandbox's manage endpoints the same way.
 */
import { ApiError, Client, EventPaginator, type PaginatedResponse } from '@xdevplatform/xdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { SPEC_VOCABULARY } from '../../src/x/generated/vocabulary.js';
import type { DmEvent } from '../../src/x/wire.js';
import { startSandbox } from '../sandbox/helpers.js';

/** Every value 2.167 lists for the DM lookups, the users lookup and the posts lookup (the SDK's own types). */
const DM = SPEC_VOCABULARY['2.167']['GET /2/dm_events'];
const USERS = SPEC_VOCABULARY['2.167']['GET /2/users'];
const POSTS = SPEC_VOCABULARY['2.167']['GET /2/tweets'];
const EVERY_DM = {
  dmEventFields: [...DM['dm_event.fields'].values],
  expansions: [...DM.expansions.values],
  userFields: [...DM['user.fields'].values],
  postFields: [...DM['post.fields'].values],
  mediaFields: [...DM['media.fields'].values],
};

const unique = <T>(xs: T[]) => [...new Set(xs)];
const ids = (events: readonly { id?: string }[] | undefined) => (events ?? []).map((e) => e.id);

describe('X TypeScript SDK (@xdevplatform/xdk) against a posts sandbox', () => {
  let sandbox: Sandbox;
  let client: Client;
  let mainId: string;
  let byId: Map<string, DmEvent>;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect: 'posts' });
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    client = new Client({ baseUrl: sandbox.url, accessToken: sandbox.users[0]!.token });
    mainId = sandbox.users[0]!.id;
    byId = new Map(sandbox.data.events.map((e) => [e.id, e]));
  });
  afterAll(() => sandbox.close());

  it('reads a DM events page with every field and expansion: senders, participants, media and posts in includes', async () => {
    const page = await client.directMessages.getEvents({ maxResults: 100, ...EVERY_DM });
    const visible = sandbox.visibleEvents(mainId);
    expect(ids(page.data)).toEqual(ids(visible.slice(0, 100)));
    expect(page.meta).toEqual({ resultCount: 100, nextToken: expect.any(String), previousToken: expect.any(String) });
    for (const e of page.data!) {
      const stored = byId.get(e.id!)!;
      expect(e.eventType).toBe(stored.event_type);
      expect(e.dmConversationId).toBe(stored.dm_conversation_id);
      expect(e.senderId).toBe(stored.sender_id);
      expect(e.referencedPosts).toEqual(stored.referenced_tweets);
      if (stored.text) expect(e.text).toBe(stored.text);
    }
    // The answer's own links, and nothing else, fill includes (the SDK camel-cases `includes.posts` keys too).
    const userIds = unique(
      page.data!.flatMap((e) => [...(e.senderId ? [e.senderId] : []), ...(e.participantIds ?? [])]),
    );
    expect(page.includes!.users!.map((u) => u.id).sort()).toEqual(userIds.sort());
    for (const u of page.includes!.users!) expect(u.username).toBe(sandbox.users.find((x) => x.id === u.id)!.username);
    const mediaKeys = unique(page.data!.flatMap((e) => e.attachments?.mediaKeys ?? []));
    expect(page.includes!.media!.map((m) => m.mediaKey).sort()).toEqual(mediaKeys.sort());
    const postIds = unique(page.data!.flatMap((e) => (e.referencedPosts ?? []).map((r) => r.id)));
    const included = page.includes!.posts!;
    expect(included.map((p) => p.id).sort()).toEqual(postIds.filter((id) => id !== sandbox.data.missingTweetId).sort());
    for (const p of included) {
      const stored = sandbox.data.tweets.find((t) => t.id === p.id)!;
      expect(p.text).toBe(stored.text);
      expect(p.notePost!.text).toBe(stored.note_tweet!.text);
      expect(p.publicMetrics!.repostCount).toBe(stored.public_metrics!.retweet_count);
      expect(p.articleTitle).toEqual({ title: stored.article!.title });
    }
    // Entities come nested under `entities`, as 2.167 has them.
    expect(page.data!.some((e) => e.entities?.urls?.length)).toBe(true);
  });

  it('walks every visible event once, to the end, with the SDK paginator and pagination tokens', async () => {
    const tokens: (string | undefined)[] = [];
    const walk = new EventPaginator(async (token?: string): Promise<PaginatedResponse<any>> => {
      tokens.push(token);
      const res = await client.directMessages.getEvents({
        maxResults: 37,
        paginationToken: token,
        expansions: ['sender_id'],
      });
      return { data: res.data ?? [], meta: res.meta, includes: res.includes, errors: res.errors };
    });
    const seen: string[] = [];
    for await (const event of walk) seen.push(event.id);
    expect(seen).toEqual(ids(sandbox.visibleEvents(mainId)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(tokens.length).toBe(Math.ceil(seen.length / 37));
    expect(tokens[0]).toBeUndefined();
    expect(walk.done).toBe(true);
  });

  it('reads a conversation by id and the same one by participant', async () => {
    const other = sandbox.users[2]!.id;
    const conversationId = BigInt(mainId) < BigInt(other) ? `${mainId}-${other}` : `${other}-${mainId}`;
    const byConversation = await client.directMessages.getEventsByConversationId(conversationId, {
      dmEventFields: ['dm_conversation_id', 'created_at'],
      expansions: ['sender_id'],
    });
    const byParticipant = await client.directMessages.getEventsByParticipantId(other, {
      dmEventFields: ['dm_conversation_id', 'created_at'],
      expansions: ['sender_id'],
    });
    const expected = ids(sandbox.visibleEvents(mainId, conversationId));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(byConversation.data)).toEqual(expected);
    expect(byParticipant).toEqual(byConversation);
    for (const e of byConversation.data!) {
      expect(e.dmConversationId).toBe(conversationId);
      expect([mainId, other]).toContain(e.senderId);
    }
  });

  it('reads one event by id, with the deleted post it references as a partial error', async () => {
    const event = sandbox
      .visibleEvents(mainId)
      .find((e) => e.referenced_tweets?.[0]?.id === sandbox.data.missingTweetId)!;
    const answer = await client.directMessages.getEventsById(event.id, {
      dmEventFields: ['created_at'],
      expansions: ['sender_id', 'referenced_posts'],
      userFields: ['subscribes_to_you'],
    });
    expect(answer.data).toEqual({
      id: event.id,
      eventType: 'MessageCreate',
      text: event.text,
      createdAt: event.created_at,
      senderId: event.sender_id,
      referencedPosts: [{ id: sandbox.data.missingTweetId }],
    });
    const sender = sandbox.data.users.find((u) => u.id === event.sender_id)!;
    expect(answer.includes!.users).toEqual([
      { id: sender.id, name: sender.name, username: sender.username, subscribesToYou: sender.subscribes_to_you },
    ]);
    expect(answer.errors).toEqual([
      expect.objectContaining({
        type: 'https://api.x.com/2/problems/resource-not-found',
        resourceType: 'post',
        resourceId: sandbox.data.missingTweetId,
        parameter: 'referenced_posts',
      }),
    ]);
  });

  it('looks users up with every field and expansion, and reads users/me', async () => {
    const wanted = sandbox.data.users.slice(1, 6);
    const answer = await client.users.getByIds(
      wanted.map((u) => u.id),
      {
        userFields: [...USERS['user.fields'].values],
        expansions: [...USERS.expansions.values],
        postFields: [...USERS['post.fields'].values],
      },
    );
    expect(answer.data!.map((u) => u.id)).toEqual(wanted.map((u) => u.id));
    answer.data!.forEach((u, i) => {
      const stored = wanted[i]!;
      expect(u.username).toBe(stored.username);
      expect(u.pinnedPostId).toBe(stored.pinned_tweet_id);
      expect(u.mostRecentPostId).toBe(stored.most_recent_tweet_id);
      expect(u.affiliation!.userId).toEqual(stored.affiliation!.user_id);
      expect(u.subscribesToYou).toBe(stored.subscribes_to_you);
      expect(u.publicMetrics!.postCount).toBe(stored.public_metrics!.tweet_count);
    });
    expect(answer.includes!.posts!.map((p) => p.id)).toEqual(
      wanted.flatMap((u) => [u.pinned_tweet_id, u.most_recent_tweet_id]),
    );
    // Affiliated users are included without the fields only looked-up users get.
    for (const u of answer.includes!.users!) expect(u).not.toHaveProperty('pinnedPostId');
    const me = await client.users.getMe({ userFields: ['created_at'] });
    expect(me.data).toEqual({
      id: mainId,
      name: 'Sandbox Demo',
      username: 'sandbox_demo',
      createdAt: sandbox.data.users[0]!.created_at,
    });
  });

  it('looks posts up with every field and expansion, and reports the missing one', async () => {
    const wanted = sandbox.data.tweets.slice(0, 5);
    const answer = await client.posts.getByIds([...wanted.map((t) => t.id!), sandbox.data.missingTweetId], {
      postFields: [...POSTS['post.fields'].values],
      expansions: [...POSTS.expansions.values],
      userFields: ['username'],
      mediaFields: ['type'],
      pollFields: [...POSTS['poll.fields'].values],
      placeFields: [...POSTS['place.fields'].values],
    });
    expect(answer.data!.map((p) => [p.id, p.text, p.authorId, p.editHistoryPostIds])).toEqual(
      wanted.map((t) => [t.id, t.text, t.author_id, t.edit_history_tweet_ids]),
    );
    expect(answer.data!.map((p) => p.referencedPosts)).toEqual(wanted.map((t) => t.referenced_tweets));
    expect(answer.data!.map((p) => p.paidPartnership)).toEqual(wanted.map((t) => t.paid_partnership));
    const authors = answer.includes!.users!.map((u) => u.id);
    for (const t of wanted) expect(authors).toContain(t.author_id);
    expect(answer.includes!.polls!.map((p) => p.id).sort()).toEqual(
      unique(wanted.flatMap((t) => t.attachments!.poll_ids!)).sort(),
    );
    expect(answer.includes!.places!.length).toBeGreaterThan(0);
    expect(answer.errors).toEqual([
      expect.objectContaining({ resourceType: 'post', resourceId: sandbox.data.missingTweetId, parameter: 'ids' }),
    ]);
  });

  it('sends to a participant and to a conversation, starts a group and deletes an event, as the SDK sends them', async () => {
    const other = sandbox.users[2]!;
    const conversationId = BigInt(mainId) < BigInt(other.id) ? `${mainId}-${other.id}` : `${other.id}-${mainId}`;
    const sent = sandbox.sent.length;

    // The SDK writes the spec's snake_case body from camelCase (`mediaId` -> `media_id`) and reads the answer back in camelCase.
    const toParticipant = await client.directMessages.createByParticipantId(other.id, {
      text: 'Hello from the SDK',
      attachments: [{ mediaId: '1146654567674912769' }],
    });
    expect(toParticipant.data).toEqual({
      dmConversationId: conversationId,
      dmEventId: expect.stringMatching(/^\d{19}$/),
    });
    const first = toParticipant.data!.dmEventId;
    const readBack = await client.directMessages.getEventsById(first, {
      dmEventFields: ['attachments', 'dm_conversation_id'],
      expansions: ['sender_id', 'attachments.media_keys'],
    });
    expect(readBack.data).toEqual({
      id: first,
      eventType: 'MessageCreate',
      text: 'Hello from the SDK',
      dmConversationId: conversationId,
      senderId: mainId,
      attachments: { mediaKeys: ['3_1146654567674912769'] },
    });
    expect(readBack.includes!.media).toEqual([{ mediaKey: '3_1146654567674912769', type: 'photo' }]);

    // The other side answers in the conversation, by its id, with its own client.
    const theirs = new Client({ baseUrl: sandbox.url, accessToken: other.token });
    const toConversation = await theirs.directMessages.createByConversationId(conversationId, { text: 'Hello back' });
    expect(toConversation.data!.dmConversationId).toBe(conversationId);
    const page = await client.directMessages.getEventsByConversationId(conversationId, {
      maxResults: 2,
      expansions: ['sender_id'],
    });
    expect(page.data!.map((e) => [e.id, e.senderId])).toEqual([
      [toConversation.data!.dmEventId, other.id],
      [first, mainId],
    ]);

    const members = [sandbox.users[3]!.id, sandbox.users[11]!.id];
    const group = await client.directMessages.createConversation({
      conversationType: 'Group',
      participantIds: members,
      message: { text: 'A new group' },
    });
    const groupId = group.data!.dmConversationId;
    expect(groupId).toMatch(/^\d{19}$/);
    expect(sandbox.data.conversations.find((c) => c.id === groupId)).toEqual({
      id: groupId,
      participantIds: [mainId, ...members],
      group: true,
    });
    const member = new Client({ baseUrl: sandbox.url, accessToken: sandbox.users[11]!.token });
    const seen = await member.directMessages.getEvents({ maxResults: 1, dmEventFields: ['dm_conversation_id'] });
    expect(seen.data).toEqual([
      { id: group.data!.dmEventId, eventType: 'MessageCreate', text: 'A new group', dmConversationId: groupId },
    ]);

    const deleted = await client.directMessages.deleteEvents(first);
    expect(deleted.data).toEqual({ deleted: true });
    const gone = await client.directMessages.getEventsById(first);
    expect(gone.data).toBeUndefined();
    expect(gone.errors).toEqual([
      expect.objectContaining({ type: 'https://api.x.com/2/problems/resource-not-found', resourceId: first }),
    ]);
    expect(sandbox.sent.slice(sent).map((e) => e.text)).toEqual(['Hello from the SDK', 'Hello back', 'A new group']);
    expect(sandbox.deleted.map((e) => e.id)).toEqual([first]);

    // Refusals come back as ApiError: an event the user cannot see (404), someone else's (403), a conversation the user
    // is not in (403), a second attachment (400).
    const unseen = await theirs.directMessages.deleteEvents(group.data!.dmEventId).catch((e: unknown) => e);
    expect((unseen as ApiError).status).toBe(404);
    const notMine = await client.directMessages.deleteEvents(toConversation.data!.dmEventId).catch((e: unknown) => e);
    expect([(notMine as ApiError).status, (notMine as ApiError).data.type]).toEqual([
      403,
      'https://api.x.com/2/problems/not-authorized-for-resource',
    ]);
    const outsider = await theirs.directMessages
      .createByConversationId(groupId, { text: 'let me in' })
      .catch((e: unknown) => e);
    expect((outsider as ApiError).status).toBe(403);
    const twoAttachments = await client.directMessages
      .createByParticipantId(other.id, { attachments: [{ mediaId: '1' }, { mediaId: '2' }] })
      .catch((e: unknown) => e);
    expect([(twoAttachments as ApiError).status, (twoAttachments as ApiError).data.type]).toEqual([
      400,
      'https://api.x.com/2/problems/invalid-request',
    ]);
    expect(sandbox.sent.length - sent).toBe(3);
  });

  it("surfaces the sandbox's refusals as the SDK's ApiError", async () => {
    const stranger = new Client({ baseUrl: sandbox.url, accessToken: 'not-a-demo-token' });
    const refused = await stranger.users.getMe().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(401);
    // A 2.159 name, passed through the SDK's escape hatch for raw parameter names, is refused by the posts sandbox.
    const invalid = await client.directMessages
      .getEvents({ 'dm_event.fields': ['sender_id'] } as never)
      .catch((e: unknown) => e);
    expect((invalid as ApiError).status).toBe(400);
    expect((invalid as ApiError).data.type).toBe('https://api.x.com/2/problems/invalid-request');
  });
});
