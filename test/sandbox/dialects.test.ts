/**
 * What the posts dialect (X's production spec 2.167, the sandbox's default) answers differently from the tweets
 * dialect (2.159): renamed keys and includes, link ids that come only with their expansion and only on the objects a
 * call asks for, post defaults, renamed metrics, 2.167's new fields, problem URLs. Refusals of the other dialect's
 * names are in `validation.test.ts`; budgets per endpoint family in `rate-limit.test.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, type StoredTweet, type StoredUser } from '../../src/sandbox/index.js';
import { dialectOf } from '../../src/x/dialect.js';
import type { DmEvent, DmEventsPage } from '../../src/x/wire.js';
import { get, NOW, pickKeys, type Query, startSandbox, valuesOf } from './helpers.js';

const posts = dialectOf('posts');
const unique = <T>(xs: T[]) => [...new Set(xs)];
/**
 * What only the tweets dialect spells, with the quotes (`"tweet_count"` must not match `"retweet_count"`, which 2.167
 * keeps in the metrics it leaves untyped: `organic_metrics`, `promoted_metrics`).
 */
const TWEETS_NAMES = [
  '"tweets"',
  '"referenced_tweets"',
  '"note_tweet"',
  '"edit_history_tweet_ids"',
  '"pinned_tweet_id"',
  '"most_recent_tweet_id"',
  '"tweet_count"',
  '"scope":"tweet"',
  'api.twitter.com',
];
/** What a client reads of a problem: not `detail` (X's wording), and `type` by its name on either host. */
function readable<T extends { errors?: Record<string, unknown>[] }>(body: T): T {
  for (const problem of body.errors ?? []) {
    delete problem.detail;
    problem.type = String(problem.type).replace(/^https:\/\/api\.(x|twitter)\.com/, '');
  }
  return body;
}

describe('the sandbox dialect', () => {
  it('is posts by default, tweets on request, and nothing else', () => {
    expect(createSandbox({ now: NOW }).dialect).toBe('posts');
    expect(createSandbox({ now: NOW, dialect: 'tweets' }).dialect).toBe('tweets');
    expect(() => createSandbox({ dialect: 'x' as never })).toThrow(/Unknown dialect x/);
  });

  it("speaks on its own: nothing of the sandbox imports the gateway's translation (src/x/dialect.ts)", () => {
    const root = fileURLToPath(new URL('../../src/sandbox/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files).toContain('speech.ts');
    const importers = files.filter((file) =>
      /from '(\.\.\/)+x\/dialect\.js'/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(importers).toEqual([]);
  });

  it('places event entities as each spec does: nested in posts, top level in tweets, unless told', async () => {
    const byDialect = await Promise.all(
      (['posts', 'tweets'] as const).map(async (dialect) => {
        const sandbox = await startSandbox({ dialect });
        try {
          return (await get<DmEventsPage>(sandbox, '/2/dm_events', { query: { 'dm_event.fields': 'entities' } })).body
            .data!;
        } finally {
          await sandbox.close();
        }
      }),
    );
    expect(byDialect[0]!.some((e) => e.entities?.urls) && !byDialect[0]!.some((e) => 'urls' in e)).toBe(true);
    expect(byDialect[1]!.some((e) => e.urls) && !byDialect[1]!.some((e) => 'entities' in e)).toBe(true);
    const told = await startSandbox({ entityShape: 'top-level' });
    try {
      const page = (await get<DmEventsPage>(told, '/2/dm_events', { query: { 'dm_event.fields': 'entities' } })).body
        .data!;
      expect(page.some((e) => e.urls) && !page.some((e) => 'entities' in e)).toBe(true);
    } finally {
      await told.close();
    }
  });
});

describe('the posts dialect', () => {
  let sandbox: Sandbox;
  let byId: Map<string, DmEvent>;
  let tweetOf: (id: string) => StoredTweet;
  let userOf: (id: string) => StoredUser;
  beforeAll(async () => {
    sandbox = await startSandbox();
    byId = new Map(sandbox.data.events.map((e) => [e.id, e]));
    tweetOf = (id) => sandbox.data.tweets.find((t) => t.id === id)!;
    userOf = (id) => sandbox.data.users.find((u) => u.id === id)!;
  });
  afterAll(() => sandbox.close());

  const page = async (query: Query) =>
    (await get<DmEventsPage & { includes?: { posts?: any[] } }>(sandbox, '/2/dm_events', { query })).body;

  it('gives an event its sender_id only with expansions=sender_id, which also includes the senders', async () => {
    const bare = await page({ 'dm_event.fields': 'created_at,dm_conversation_id' });
    for (const e of bare.data!) expect(e).not.toHaveProperty('sender_id');
    const expanded = await page({ expansions: 'sender_id' });
    for (const e of expanded.data!) expect(e.sender_id).toBe(byId.get(e.id)!.sender_id);
    expect(expanded.data!.some((e) => e.sender_id)).toBe(true);
    expect(expanded.includes!.users!.map((u) => u.id)).toEqual(
      unique(expanded.data!.flatMap((e) => e.sender_id ?? [])),
    );
  });

  it('gives participant events their participant_ids by default (their defaults), and messages none', async () => {
    const group = sandbox.data.conversations.find((c) => c.group && c.participantIds.includes(sandbox.users[0]!.id))!;
    const events = (await get<DmEventsPage>(sandbox, `/2/dm_conversations/${group.id}/dm_events`)).body.data!;
    for (const e of events) {
      if (e.event_type === 'MessageCreate') expect(Object.keys(e)).toEqual(['id', 'event_type', 'text']);
      else expect(e).toEqual(pickKeys(byId.get(e.id)!, ['id', 'event_type', 'participant_ids']));
    }
  });

  it('names the posts an event references referenced_posts, with expansions=referenced_posts only, and includes them as includes.posts', async () => {
    expect((await page({ 'dm_event.fields': 'attachments' })).data!.some((e) => 'referenced_posts' in e)).toBe(false);
    const expanded = await page({ expansions: 'referenced_posts', 'post.fields': 'note_post,created_at' });
    const referencing = expanded.data!.filter((e) => byId.get(e.id)!.referenced_tweets);
    expect(referencing.length).toBeGreaterThan(0);
    for (const e of expanded.data!) {
      expect(e).not.toHaveProperty('referenced_tweets');
      expect((e as Record<string, unknown>).referenced_posts).toEqual(byId.get(e.id)!.referenced_tweets);
    }
    expect(expanded.includes).not.toHaveProperty('tweets');
    const included = expanded.includes!.posts!;
    expect(included.length).toBeGreaterThan(0);
    for (const p of included) {
      // A post's defaults are id and text: its edit history comes only with its own expansion, on posts asked for.
      const stored = tweetOf(p.id);
      expect(p).toEqual({ id: p.id, text: stored.text, created_at: stored.created_at, note_post: stored.note_tweet });
    }
  });

  it('renames the deleted post of an event as a post in its partial error, on api.x.com', async () => {
    const id = sandbox.data.missingTweetId;
    const event = sandbox.data.events.find((e) => e.referenced_tweets?.[0]?.id === id)!;
    const answer = await get(sandbox, `/2/dm_events/${event.id}`, { query: { expansions: 'referenced_posts' } });
    expect(answer.body.data).toEqual({
      id: event.id,
      event_type: 'MessageCreate',
      text: event.text,
      referenced_posts: [{ id }],
    });
    expect(answer.body.errors).toEqual([
      {
        value: id,
        detail: `Could not find post with referenced_posts: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'post',
        parameter: 'referenced_posts',
        resource_id: id,
        type: 'https://api.x.com/2/problems/resource-not-found',
      },
    ]);
    const lookup = await get(sandbox, '/2/tweets', { query: { ids: `${sandbox.data.tweets[0]!.id},${id}` } });
    expect(lookup.body.errors).toEqual([
      expect.objectContaining({
        resource_type: 'post',
        parameter: 'ids',
        type: 'https://api.x.com/2/problems/resource-not-found',
      }),
    ]);
    const event404 = await get(sandbox, '/2/dm_events/42');
    expect(event404.body.errors[0]).toMatchObject({
      resource_type: 'dm_event',
      parameter: 'event_id',
      type: 'https://api.x.com/2/problems/resource-not-found',
    });
  });

  it('answers a post lookup with id and text by default, and its link ids only through their expansions, only on the posts asked for', async () => {
    const t = sandbox.data.tweets[7]!;
    expect((await get(sandbox, `/2/tweets/${t.id}`)).body).toEqual({ data: { id: t.id, text: t.text } });
    const answer = await get(sandbox, '/2/tweets', {
      query: {
        ids: t.id,
        expansions: 'author_id,in_reply_to_user_id,referenced_posts,edit_history_post_ids',
        'post.fields': 'lang',
      },
    });
    expect(answer.body.data).toEqual([
      {
        id: t.id,
        text: t.text,
        lang: t.lang,
        author_id: t.author_id,
        in_reply_to_user_id: t.in_reply_to_user_id,
        referenced_posts: t.referenced_tweets,
        edit_history_post_ids: t.edit_history_tweet_ids,
      },
    ]);
    const included = answer.body.includes.posts as Record<string, unknown>[];
    expect(included.map((p) => p.id)).toEqual(
      unique([...t.edit_history_tweet_ids!, ...t.referenced_tweets!.map((r) => r.id)]),
    );
    // The same post, included through its own edit history, has none of its asked-for-only fields.
    for (const p of included) expect(Object.keys(p)).toEqual(['id', 'text', 'lang']);
    expect(answer.body.includes.users.map((u: { id: string }) => u.id)).toEqual(
      unique([t.author_id!, t.in_reply_to_user_id!]),
    );
  });

  it('gives looked-up users pinned_post_id, most_recent_post_id and affiliation through their expansions, never the users they include', async () => {
    const users = [sandbox.data.users[3]!, sandbox.data.users[8]!];
    const answer = await get(sandbox, '/2/users', {
      query: {
        ids: users.map((u) => u.id).join(','),
        expansions: 'pinned_post_id,affiliation,most_recent_post_id',
        'user.fields': 'created_at',
      },
    });
    expect(answer.body.data).toEqual(
      users.map((u) => ({
        id: u.id,
        name: u.name,
        username: u.username,
        created_at: u.created_at,
        affiliation: u.affiliation,
        pinned_post_id: u.pinned_tweet_id,
        most_recent_post_id: u.most_recent_tweet_id,
      })),
    );
    const affiliated = unique(users.flatMap((u) => u.affiliation!.user_id!));
    expect(answer.body.includes.users).toEqual(
      affiliated.map((id) => pickKeys(userOf(id), ['id', 'name', 'username', 'created_at'])),
    );
    expect(answer.body.includes.posts.map((p: { id: string }) => p.id)).toEqual(
      users.flatMap((u) => [u.pinned_tweet_id, u.most_recent_tweet_id]),
    );
    const me = await get(sandbox, '/2/users/me', { query: { expansions: 'most_recent_post_id' } });
    const main = sandbox.data.users[0]!;
    expect(me.body).toEqual({
      data: { id: main.id, name: main.name, username: main.username, most_recent_post_id: main.most_recent_tweet_id },
      includes: { posts: [{ id: main.most_recent_tweet_id, text: tweetOf(main.most_recent_tweet_id!).text }] },
    });
  });

  it("speaks 2.167's metrics and withheld scope, and leaves the demo data as it was", async () => {
    const t = sandbox.data.tweets[2]!;
    const before = structuredClone(t);
    const answer = await get(sandbox, `/2/tweets/${t.id}`, {
      query: { 'post.fields': 'public_metrics,withheld', expansions: 'author_id', 'user.fields': 'public_metrics' },
    });
    const { retweet_count, ...rest } = t.public_metrics!;
    expect(answer.body.data.public_metrics).toEqual({ ...rest, repost_count: retweet_count });
    expect(answer.body.data.withheld).toEqual({ ...t.withheld, scope: 'post' });
    const { tweet_count, ...userRest } = userOf(t.author_id!).public_metrics!;
    expect(answer.body.includes.users[0].public_metrics).toEqual({ ...userRest, post_count: tweet_count });
    expect(t).toEqual(before);
  });

  it("answers 2.167's new fields when asked, as stored, and only then", async () => {
    const withNotes = sandbox.data.tweets.find((t) => t.matched_media_notes)!;
    const withSuggestions = sandbox.data.tweets.find((t) => t.note_request_suggestions)!;
    const fields = ['article_title', 'matched_media_notes', 'note_request_suggestions', 'paid_partnership'];
    const answer = await get(sandbox, '/2/tweets', {
      query: { ids: `${withNotes.id},${withSuggestions.id}`, 'post.fields': fields.join(',') },
    });
    expect(answer.body.data).toEqual([withNotes, withSuggestions].map((t) => pickKeys(t, ['id', 'text', ...fields])));
    expect(answer.body.data[0].article_title).toEqual({ title: withNotes.article!.title });
    const users = await get(sandbox, '/2/users', {
      query: {
        ids: sandbox.data.users
          .slice(0, 4)
          .map((u) => u.id)
          .join(','),
        'user.fields': 'subscribes_to_you',
      },
    });
    expect(users.body.data.map((u: StoredUser) => u.subscribes_to_you)).toEqual(
      sandbox.data.users.slice(0, 4).map((u) => u.subscribes_to_you),
    );
    const bare = await get(sandbox, `/2/tweets/${withNotes.id}`, { query: { 'post.fields': 'lang' } });
    for (const field of fields) expect(bare.body.data).not.toHaveProperty(field);
  });

  it("reads the undescribed expansion username as the author's handle on the posts asked for", async () => {
    const t = sandbox.data.tweets[5]!;
    const answer = await get(sandbox, `/2/tweets/${t.id}`, { query: { expansions: 'username' } });
    expect(answer.body).toEqual({ data: { id: t.id, text: t.text, username: userOf(t.author_id!).username } });
  });

  it('spells nothing the tweets dialect way, even asked for everything', async () => {
    const everything = (operation: string, extra: Query = {}): Query => {
      const query: Query = { ...extra };
      for (const name of [
        'dm_event.fields',
        'expansions',
        'user.fields',
        'post.fields',
        'media.fields',
        'poll.fields',
        'place.fields',
      ]) {
        try {
          query[name] = valuesOf('posts', operation, name).join(',');
        } catch {
          // not a parameter of this operation
        }
      }
      return query;
    };
    const texts = [
      (await get(sandbox, '/2/dm_events', { query: everything('GET /2/dm_events') })).text,
      (
        await get(sandbox, '/2/users', {
          query: everything('GET /2/users', { ids: sandbox.users.map((u) => u.id).join(',') }),
        })
      ).text,
      (
        await get(sandbox, '/2/tweets', {
          query: everything('GET /2/tweets', {
            ids: [...sandbox.data.tweets.map((t) => t.id), sandbox.data.missingTweetId].join(','),
          }),
        })
      ).text,
      (await get(sandbox, '/2/users/me', { token: sandbox.appOnlyToken })).text,
      (await get(sandbox, '/2/users/me', { query: { 'tweet.fields': 'id' } })).text,
    ];
    for (const text of texts) for (const name of TWEETS_NAMES) expect(text).not.toContain(name);
    expect(texts[0]).toContain('"posts"');
    const post = JSON.parse(texts[2]!).data[0];
    expect(post.public_metrics).toHaveProperty('repost_count');
    expect(post.public_metrics).not.toHaveProperty('retweet_count');
  });
});

describe('one engine, two dialects', () => {
  let sandboxes: { posts: Sandbox; tweets: Sandbox };
  beforeAll(async () => {
    sandboxes = {
      posts: await startSandbox({ dialect: 'posts', entityShape: 'nested' }),
      tweets: await startSandbox({ dialect: 'tweets', entityShape: 'nested' }),
    };
  });
  afterAll(async () => {
    await sandboxes.posts.close();
    await sandboxes.tweets.close();
  });

  it("answers the gateway's posts translation of a tweets query with what the gateway reads as the tweets answer", async () => {
    // Everything both specs can ask of a DM page: the link ids are fields in 2.159 and expansions in 2.167.
    // The fields of included objects that the posts dialect can ask for too (its `toWire` drops the others).
    const common = (parameter: string, postsParameter = parameter) =>
      valuesOf('tweets', 'GET /2/dm_events', parameter).filter(
        (f) => posts.toWire('dm_event', { [parameter]: f })[postsParameter],
      );
    const tweetsQuery = {
      'dm_event.fields': valuesOf('tweets', 'GET /2/dm_events', 'dm_event.fields').join(','),
      expansions: valuesOf('tweets', 'GET /2/dm_events', 'expansions').join(','),
      'user.fields': common('user.fields').join(','),
      'tweet.fields': common('tweet.fields', 'post.fields').join(','),
      'media.fields': valuesOf('tweets', 'GET /2/dm_events', 'media.fields').join(','),
      max_results: '100',
    };
    const postsQuery = posts.toWire('dm_event', tweetsQuery);
    expect(postsQuery.expansions).toBe('attachments.media_keys,participant_ids,referenced_posts,sender_id');
    expect(postsQuery).not.toHaveProperty('tweet.fields');

    const [inPosts, inTweets] = await Promise.all([
      get(sandboxes.posts, '/2/dm_events', { query: postsQuery }),
      get(sandboxes.tweets, '/2/dm_events', { query: tweetsQuery }),
    ]);
    expect(inPosts.body.includes.posts.length).toBeGreaterThan(0);
    // The one difference of substance: 2.159 gives every included post its edit history; 2.167 only by expansion.
    const expected = structuredClone(inTweets.body);
    for (const t of expected.includes.tweets) delete t.edit_history_tweet_ids;
    expect(readable(posts.readAnswer('dm_event', structuredClone(inPosts.body)))).toEqual(
      readable(structuredClone(expected)),
    );
  });
});
