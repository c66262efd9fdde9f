/**
 * The dialects: every name they translate into is one X's spec of that dialect lists, and what the gateway asks and
 * reads agrees with the sandbox's own speech of each dialect (`src/sandbox/speech.ts`, written apart from it).
 */
import { describe, expect, it } from 'vitest';
import { sandboxDialect } from '../../src/sandbox/speech.js';
import { DIALECTS } from '../../src/x/dialect.js';
import { SPEC_VOCABULARY } from '../../src/x/generated/vocabulary.js';
import type { RootKind, XKind } from '../../src/x/params.js';

/** A query with each list sorted, to compare lists as sets. */
const sorted = (query: Record<string, string>) =>
  Object.fromEntries(Object.entries(query).map(([name, value]) => [name, value.split(',').sort().join(',')]));

const OPERATION: Record<RootKind, 'GET /2/dm_events' | 'GET /2/users' | 'GET /2/tweets'> = {
  dm_event: 'GET /2/dm_events',
  user: 'GET /2/users',
  tweet: 'GET /2/tweets',
};

/** Everything the gateway's vocabulary can ask of a call asking for `root` objects: the whole of spec 2.159. */
function everything(root: RootKind): Record<string, string> {
  const parameters = SPEC_VOCABULARY['2.159'][OPERATION[root]] as Record<string, { values?: readonly string[] }>;
  const query: Record<string, string> = {};
  for (const [name, rule] of Object.entries(parameters))
    if (rule.values && name !== 'event_types') query[name] = rule.values.join(',');
  return query;
}

const posts = DIALECTS.posts;
const tweets = DIALECTS.tweets;
/** How the sandbox speaks 2.167: what the gateway's translation is checked against. */
const sandboxPosts = sandboxDialect('posts');

describe.each(['dm_event', 'user', 'tweet'] as const)('calls asking for %s objects', (root) => {
  it('the posts dialect asks only for what spec 2.167 lists', () => {
    const wire = posts.toWire(root, everything(root));
    const parameters = SPEC_VOCABULARY['2.167'][OPERATION[root]] as Record<string, { values?: readonly string[] }>;
    for (const [name, value] of Object.entries(wire)) {
      expect(parameters[name], name).toBeDefined();
      for (const item of value.split(',')) expect(parameters[name]!.values, `${name}=${item}`).toContain(item);
    }
  });

  it('the tweets dialect passes the gateway’s names through unchanged', () => {
    const query = everything(root);
    expect(sorted(tweets.toWire(root, query))).toEqual(sorted(query));
  });

  it('what the posts dialect asks for reads back as what was asked, less what 2.167 gives only to other calls', () => {
    const query = everything(root);
    const back = sandboxPosts.readSelection(root, posts.toWire(root, query));
    const lost: string[] = [];
    for (const [name, value] of Object.entries(query)) {
      const kind = name === 'expansions' ? root : (name.replace('.fields', '') as XKind);
      for (const item of value.split(',')) {
        if (back[name]?.split(',').includes(item)) continue;
        const expected =
          name === 'expansions' ? !posts.canExpand(root, item) : kind !== root && posts.isRootOnly(kind, item);
        if (!expected) lost.push(`${name}=${item}`);
      }
    }
    expect(lost).toEqual([]);
  });
});

describe('the posts dialect', () => {
  it('asks for a DM event’s link ids through their expansions', () => {
    expect(
      posts.toWire('dm_event', {
        'dm_event.fields': 'participant_ids,referenced_tweets,sender_id,text',
        max_results: '5',
      }),
    ).toEqual({
      'dm_event.fields': 'text',
      expansions: 'participant_ids,referenced_posts,sender_id',
      max_results: '5',
    });
  });

  it('leaves out a post’s or a user’s id fields on an object the call only includes', () => {
    expect(
      posts.toWire('dm_event', { 'tweet.fields': 'author_id,lang', 'user.fields': 'pinned_tweet_id,name' }),
    ).toEqual({
      'post.fields': 'lang',
      'user.fields': 'name',
    });
  });

  it('translates a set of field parameters once, and never carries one call’s ids or paging into another', () => {
    const fields = { 'dm_event.fields': 'sender_id,text', 'user.fields': 'name' };
    const first = posts.toWire('dm_event', { ...fields, max_results: '5', pagination_token: 'A' });
    const second = posts.toWire('dm_event', { ...fields, max_results: '20' });
    expect(first).toEqual({
      'dm_event.fields': 'text',
      'user.fields': 'name',
      expansions: 'sender_id',
      max_results: '5',
      pagination_token: 'A',
    });
    expect(second).toEqual({
      'dm_event.fields': 'text',
      'user.fields': 'name',
      expansions: 'sender_id',
      max_results: '20',
    });
    // Other field values translate on their own, in either order of parameters.
    expect(posts.toWire('dm_event', { 'user.fields': 'username', 'dm_event.fields': 'text' })).toEqual({
      'dm_event.fields': 'text',
      'user.fields': 'username',
    });
    // The answer is the caller's to change: the remembered translation is not.
    first['dm_event.fields'] = 'changed';
    expect(posts.toWire('dm_event', fields)).toEqual({
      'dm_event.fields': 'text',
      'user.fields': 'name',
      expansions: 'sender_id',
    });
  });

  it('translates as before once it has remembered so many values that it starts over', () => {
    const values = (root: RootKind, name: string) => everything(root)[name]!.split(',');
    const [users, tweetFields, media] = [
      values('dm_event', 'user.fields'),
      values('dm_event', 'tweet.fields'),
      values('dm_event', 'media.fields'),
    ];
    const query = (i: number, j: number, k: number) => ({
      'user.fields': users[i]!,
      'tweet.fields': tweetFields[j]!,
      'media.fields': media[k]!,
    });
    const before = posts.toWire('dm_event', query(0, 0, 0));
    // More combinations than the memo keeps (each is a path of three values).
    expect(users.length * tweetFields.length * media.length).toBeGreaterThan(5_000);
    for (let i = 0; i < users.length; i++) {
      for (let j = 0; j < tweetFields.length; j++)
        for (let k = 0; k < media.length; k++) posts.toWire('dm_event', query(i, j, k));
    }
    expect(posts.toWire('dm_event', query(0, 0, 0))).toEqual(before);
  });

  it('knows which fields only the objects a call asks for carry', () => {
    expect(posts.isRootOnly('tweet', 'author_id')).toBe(true);
    expect(posts.isRootOnly('user', 'pinned_tweet_id')).toBe(true);
    expect(posts.isRootOnly('tweet', 'lang')).toBe(false);
    expect(tweets.isRootOnly('tweet', 'author_id')).toBe(false);
  });

  it('offers the expansions of spec 2.167, in the gateway’s names', () => {
    expect(posts.canExpand('dm_event', 'referenced_tweets.id')).toBe(true);
    expect(posts.canExpand('user', 'affiliation.user_id')).toBe(true);
    expect(posts.canExpand('tweet', 'referenced_tweets.id.author_id')).toBe(false);
    expect(tweets.canExpand('tweet', 'referenced_tweets.id.author_id')).toBe(true);
  });

  it('renames an answer into the gateway’s names and back', () => {
    const wire = () => ({
      data: [{ id: '1', referenced_posts: [{ id: '2' }] }],
      includes: {
        posts: [
          {
            id: '2',
            note_post: { text: 'long' },
            edit_history_post_ids: ['2'],
            referenced_posts: [{ id: '3', type: 'quoted' }],
          },
        ],
        users: [{ id: '4', pinned_post_id: '5', most_recent_post_id: '6' }],
      },
      errors: [
        {
          type: 'https://api.x.com/2/problems/resource-not-found',
          resource_type: 'post',
          parameter: 'referenced_posts',
          resource_id: '9',
        },
      ],
    });
    const own = posts.readAnswer('dm_event', wire());
    expect(own).toEqual({
      data: [{ id: '1', referenced_tweets: [{ id: '2' }] }],
      includes: {
        tweets: [
          {
            id: '2',
            note_tweet: { text: 'long' },
            edit_history_tweet_ids: ['2'],
            referenced_tweets: [{ id: '3', type: 'quoted' }],
          },
        ],
        users: [{ id: '4', pinned_tweet_id: '5', most_recent_tweet_id: '6' }],
      },
      errors: [
        {
          type: 'https://api.x.com/2/problems/resource-not-found',
          resource_type: 'tweet',
          parameter: 'referenced_tweets.id',
          resource_id: '9',
        },
      ],
    });
    expect(sandboxPosts.writeAnswer('dm_event', own)).toEqual(wire());
  });

  it('renames with copies: keys keep their order, value objects are renamed too, and what it was given is unchanged', () => {
    const post = {
      id: '2',
      edit_history_tweet_ids: ['2'],
      public_metrics: { retweet_count: 3, like_count: 4 },
      withheld: { scope: 'tweet' },
      lang: 'en',
    };
    const user = { id: '4', public_metrics: { tweet_count: 7 }, name: 'Four' };
    const given = { data: [{ id: '1', text: 'no renamed key' }], includes: { tweets: [post], users: [user] } };
    const snapshot = structuredClone(given);
    const wire = sandboxPosts.writeAnswer('dm_event', structuredClone(given));
    expect(Object.keys(wire.includes).sort()).toEqual(['posts', 'users']);
    const [written] = (wire.includes as unknown as { posts: Record<string, unknown>[] }).posts;
    expect(Object.keys(written!)).toEqual(['id', 'edit_history_post_ids', 'public_metrics', 'withheld', 'lang']);
    expect(written).toMatchObject({ public_metrics: { repost_count: 3, like_count: 4 }, withheld: { scope: 'post' } });
    expect(wire.includes.users[0]).toEqual({ id: '4', public_metrics: { post_count: 7 }, name: 'Four' });
    expect(posts.readAnswer('dm_event', wire)).toEqual(given);

    // The sandbox answers from its demo data: writing an answer must not change the objects it was made of.
    sandboxPosts.writeAnswer('dm_event', given);
    expect([post, user]).toEqual([snapshot.includes.tweets[0], snapshot.includes.users[0]]);
  });

  it('keeps a `__proto__` key of X’s JSON as data, not as the copy’s prototype', () => {
    const body = JSON.parse('{"data":[{"id":"1","referenced_posts":[],"__proto__":{"polluted":true}}]}') as {
      data: object[];
    };
    const [event] = posts.readAnswer('dm_event', body).data as Record<string, unknown>[];
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect((event as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(event!)).toEqual(['id', 'referenced_tweets', '__proto__']);
  });

  it('spells problem types on api.x.com; the tweets dialect on api.twitter.com', () => {
    expect(posts.problemType('invalid-request')).toBe('https://api.x.com/2/problems/invalid-request');
    expect(tweets.problemType('invalid-request')).toBe('https://api.twitter.com/2/problems/invalid-request');
  });
});
