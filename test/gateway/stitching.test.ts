/**
 * Includes stitched back onto events, lookups batched, and objects never answered with fewer fields than selected.
 * Data is checked against the sandbox's own records, calls by counting what X received.
 */
import { describe, expect, it } from 'vitest';
import type { DmEvent, Tweet, User } from '../../src/x/wire.js';
import { useGateway } from '../support/harness.js';

const h = useGateway();

const EVERYTHING = `
  query($first: Int, $after: String) {
    dmEvents(first: $first, after: $after) {
      nodes {
        restId text createdAt eventType
        sender { restId username name description }
        participants { restId username }
        attachments { mediaKeys media { mediaKey type url previewImageUrl variants { url bitRate contentType } } }
        referencedTweets { restId text createdAt authorId }
        entities { hashtags { tag } cashtags { tag } mentions { username userId } urls { url expandedUrl } }
      }
      pageInfo { endCursor }
    }
  }`;

const usersById = () => new Map(h.sandbox.data.users.map((user): [string, User] => [user.id, user]));
const tweetsById = () => new Map(h.sandbox.data.tweets.map((tweet): [string, Tweet] => [tweet.id!, tweet]));
const expectedEvents = () =>
  new Map(h.sandbox.visibleEvents(h.sandbox.users[0]!.id).map((e): [string, DmEvent] => [e.id, e]));

/**
 * What X receives for one page of EVERYTHING: the page, and (spec 2.167 gives a post's `author_id` only to the posts a
 * call asks for) one lookup of the referenced posts for their authors' ids.
 */
const PAGE_CALLS = ['/2/dm_events', '/2/tweets'];

describe('a page with every expansion', () => {
  it('is one call and one posts lookup, and its senders, participants, media and tweets are the right ones', async () => {
    const answer = await h.query(EVERYTHING, { first: 100 });
    expect(h.calls().map((call) => call.path)).toEqual(PAGE_CALLS);
    const users = usersById();
    const tweets = tweetsById();
    const events = expectedEvents();
    const nodes = answer.data.dmEvents.nodes as any[];
    expect(nodes).toHaveLength(100);
    let media = 0;
    let referenced = 0;
    for (const node of nodes) {
      const event = events.get(node.restId)!;
      expect(node.text ?? undefined).toEqual(event.text);
      if (event.sender_id) {
        const sender = users.get(event.sender_id)!;
        expect(node.sender).toEqual({
          restId: sender.id,
          username: sender.username,
          name: sender.name,
          description: sender.description,
        });
      }
      if (event.participant_ids) {
        expect(node.participants.map((p: any) => p.restId)).toEqual(event.participant_ids);
      }
      for (const [index, key] of (event.attachments?.media_keys ?? []).entries()) {
        expect(node.attachments.media[index].mediaKey).toBe(key);
        media += 1;
      }
      for (const [index, reference] of (event.referenced_tweets ?? []).entries()) {
        const tweet = tweets.get(reference.id);
        if (!tweet) continue;
        expect(node.referencedTweets[index]).toMatchObject({
          restId: tweet.id,
          text: tweet.text,
          authorId: tweet.author_id,
        });
        referenced += 1;
      }
    }
    expect(media).toBeGreaterThan(0);
    expect(referenced).toBeGreaterThan(0);
  });

  it('two pages are two calls (and their lookups)', async () => {
    const first = await h.query(EVERYTHING, { first: 10 });
    await h.query(EVERYTHING, { first: 10, after: first.data.dmEvents.pageInfo.endCursor });
    expect(h.calls().filter((call) => call.path === '/2/dm_events')).toHaveLength(2);
  });

  it('aliases of the same connection with the same arguments are one call', async () => {
    const answer = await h.query(`{
      a: dmEvents(first: 8) { nodes { restId sender { name } } }
      b: dmEvents(first: 8) { edges { node { restId text participants { username } } } }
    }`);
    expect(h.calls()).toHaveLength(1);
    expect(answer.data.a.nodes.map((n: any) => n.restId)).toEqual(answer.data.b.edges.map((e: any) => e.node.restId));
  });
});

describe('what the DM endpoints cannot expand', () => {
  it('mentioned users come from one users lookup and carry the fields selected', async () => {
    const answer = await h.query(
      `{ dmEvents(first: 100) { nodes { entities { mentions { userId user { username location } } } } } }`,
    );
    const lookups = h.calls().filter((call) => call.path === '/2/users');
    expect(lookups).toHaveLength(1);
    const users = usersById();
    const mentions = answer.data.dmEvents.nodes.flatMap((n: any) => n.entities?.mentions ?? []);
    expect(mentions.length).toBeGreaterThan(0);
    for (const mention of mentions) {
      expect(mention.user).toEqual({
        username: users.get(mention.userId)!.username,
        location: users.get(mention.userId)!.location,
      });
    }
    expect(new Set(lookups[0]!.query.ids!.split(','))).toEqual(new Set(mentions.map((m: any) => m.userId)));
  });

  it('a user primed with fewer fields than a later selection reads is looked up again, not answered with holes', async () => {
    // Senders arrive through the DM call with `name` only; the same users as mentions need `description` as well.
    const answer = await h.query(`{ dmEvents(first: 100) {
      nodes { sender { restId name } entities { mentions { userId user { name description } } } }
    } }`);
    const users = usersById();
    const senders = new Set(answer.data.dmEvents.nodes.map((n: any) => n.sender?.restId).filter(Boolean));
    const mentions = answer.data.dmEvents.nodes.flatMap((n: any) => n.entities?.mentions ?? []);
    expect(mentions.some((m: any) => senders.has(m.userId))).toBe(true);
    for (const mention of mentions) {
      const user = users.get(mention.userId)!;
      expect(mention.user).toEqual({ name: user.name, description: user.description });
      expect(mention.user.description).toBeTruthy();
    }
    const lookup = h.calls().find((call) => call.path === '/2/users')!;
    expect(lookup.query['user.fields']).toBe('description,name');
  });

  it('a user known with every field a selection reads costs no lookup', async () => {
    await h.query(`{ dmEvents(first: 100) { nodes { sender { name } participants { name } } } }`);
    expect(h.calls()).toHaveLength(1);
  });

  it("referenced tweets' authors and senders' pinned tweets are one batch per type", async () => {
    const answer = await h.query(`{ dmEvents(first: 100) { nodes {
      sender { pinnedTweet { restId text } }
      referencedTweets { author { restId username } }
    } } }`);
    const paths = h
      .calls()
      .map((call) => call.path)
      .sort();
    expect(paths).toEqual(['/2/dm_events', '/2/tweets', '/2/users']);
    const tweets = tweetsById();
    const users = usersById();
    for (const node of answer.data.dmEvents.nodes) {
      if (node.sender) {
        const pinned = node.sender.pinnedTweet;
        if (pinned) expect(pinned.text).toBe(tweets.get(pinned.restId)!.text);
      }
      for (const tweet of node.referencedTweets ?? []) {
        expect(tweet.author.username).toBe(users.get(tweet.author.restId)!.username);
      }
    }
  });

  it('a referenced tweet that no longer exists is an error at its path, and the rest of the data stays', async () => {
    const { missingTweetId } = h.sandbox.data;
    const event = h.sandbox
      .visibleEvents(h.sandbox.users[0]!.id)
      .find((e) => e.referenced_tweets?.some((reference) => reference.id === missingTweetId))!;
    const answer = await h.query(
      `query($id: ID!) { dmConversation(conversationId: $id) { events(first: 100) { nodes { restId referencedTweets { text } } } } }`,
      { id: event.dm_conversation_id },
    );
    const nodes = answer.data.dmConversation.events.nodes as any[];
    const index = nodes.findIndex((node) => node.restId === event.id);
    const missing = answer.errors?.find((e) => e.extensions?.code === 'NOT_FOUND');
    expect(missing?.path).toEqual(['dmConversation', 'events', 'nodes', index, 'referencedTweets']);
    expect(missing?.extensions?.type).toBe('https://api.x.com/2/problems/resource-not-found');
    expect(nodes[index].referencedTweets).toBeNull();
    expect(nodes.filter((node) => node.referencedTweets?.length).length).toBeGreaterThan(0);
  });
});

describe('node and nodes', () => {
  it('refetch an event, a user, a tweet and a conversation by their global ids', async () => {
    const list = await h.query(
      `{ dmEvents(first: 100) { nodes { id restId conversation { id conversationId } sender { id username } referencedTweets { id restId } } } }`,
    );
    const nodes = list.data.dmEvents.nodes as any[];
    const event = nodes.find((n) => n.sender && n.referencedTweets?.length);
    if (!event) throw new Error('the demo data has a message that references a tweet');
    h.sandbox.clearRequests();
    const answer = await h.query(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on DmEvent { restId } ... on User { username } ... on Tweet { restId } ... on DmConversation { conversationId } } }`,
      { ids: [event.id, event.sender.id, event.referencedTweets[0].id, event.conversation.id] },
    );
    expect(answer.data.nodes).toEqual([
      { id: event.id, restId: event.restId },
      { id: event.sender.id, username: event.sender.username },
      { id: event.referencedTweets[0].id, restId: event.referencedTweets[0].restId },
      { id: event.conversation.id, conversationId: event.conversation.conversationId },
    ]);
  });

  it('refuse ids that name nothing of this API, before any call', async () => {
    for (const id of ['nope', Buffer.from('Post:1').toString('base64'), Buffer.from('User:abc').toString('base64')]) {
      const answer = await h.query('query($id: ID!) { node(id: $id) { id } }', { id });
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(h.calls()).toHaveLength(0);
  });
});
