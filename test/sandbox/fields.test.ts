/**
 * Field selection, expansions and lookups in the tweets dialect (spec 2.159), whose names the stored demo data uses.
 * What the posts dialect does differently is in `dialects.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import {
  DM_EVENT_FIELDS,
  MEDIA_FIELDS,
  TWEET_FIELDS,
  USER_FIELDS,
  type DmEvent,
  type DmEventsPage,
} from '../../src/x/wire.js';
import { get, pickKeys, startSandbox } from './helpers.js';

const ENTITY_KEYS = ['hashtags', 'cashtags', 'mentions', 'urls'];
const defaultsOf = (e: DmEvent) =>
  e.event_type === 'MessageCreate' ? ['id', 'event_type', 'text'] : ['id', 'event_type', 'participant_ids'];
/** What X sends for `event` given `dm_event.fields` (top-level entity shape): defaults plus the fields it has. */
function expected(event: DmEvent, fields: string[]): Record<string, unknown> {
  const keys = new Set([...defaultsOf(event), ...fields.flatMap((f) => (f === 'entities' ? ENTITY_KEYS : [f]))]);
  return Object.fromEntries(Object.entries(event).filter(([k]) => keys.has(k)));
}
/** A stored user or tweet as the tweets dialect can show it at most: the demo data also holds 2.167's new fields. */
const allOfUser = (user: object) => pickKeys(user, USER_FIELDS);
const allOfTweet = (tweet: object) => pickKeys(tweet, TWEET_FIELDS);
const unique = <T>(xs: T[]) => [...new Set(xs)];

describe('field selection', () => {
  let sandbox: Sandbox;
  let byId: Map<string, DmEvent>;
  let groupId: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect: 'tweets' });
    byId = new Map(sandbox.data.events.map((e) => [e.id, e]));
    groupId = sandbox.data.conversations.find((c) => c.group && c.participantIds.includes(sandbox.users[0]!.id))!.id;
  });
  afterAll(() => sandbox.close());

  /** Main's newest 100 events plus a group conversation (it has the participant events). */
  async function pages(query: Record<string, string> = {}): Promise<DmEventsPage[]> {
    return Promise.all([
      get<DmEventsPage>(sandbox, '/2/dm_events', { query }).then((a) => a.body),
      get<DmEventsPage>(sandbox, `/2/dm_conversations/${groupId}/dm_events`, { query }).then((a) => a.body),
    ]);
  }

  it('returns only the default fields when no fields are asked, and no includes', async () => {
    for (const page of await pages()) {
      expect(Object.keys(page)).toEqual(['data', 'meta']);
      for (const e of page.data!) expect(Object.keys(e)).toEqual(defaultsOf(byId.get(e.id)!));
    }
    const [, group] = await pages();
    expect(group!.data!.some((e) => e.event_type === 'ParticipantsJoin')).toBe(true);
    expect(group!.data!.some((e) => e.event_type === 'ParticipantsLeave')).toBe(true);
  });

  it.each(DM_EVENT_FIELDS.map((f) => [f]))('honours dm_event.fields=%s exactly', async (field) => {
    for (const page of await pages({ 'dm_event.fields': field })) {
      for (const e of page.data!) expect(e).toEqual(expected(byId.get(e.id)!, [field]));
    }
  });

  it('returns the full stored events when every field is asked', async () => {
    for (const page of await pages({ 'dm_event.fields': DM_EVENT_FIELDS.join(',') })) {
      for (const e of page.data!) expect(e).toEqual(byId.get(e.id));
    }
  });

  it('leaves out fields an event does not have instead of sending null', async () => {
    const [all, group] = await pages({
      'dm_event.fields': 'text,participant_ids,attachments,referenced_tweets,entities',
    });
    for (const e of [...all!.data!, ...group!.data!]) {
      if (e.event_type !== 'MessageCreate') expect(e).not.toHaveProperty('text');
      else expect(e).not.toHaveProperty('participant_ids');
    }
    expect(all!.data!.some((e) => !('attachments' in e))).toBe(true);
    expect(JSON.stringify([all, group])).not.toContain('null');
  });

  it('nests the entity arrays under entities in the nested shape, and only when asked', async () => {
    sandbox.setEntityShape('nested');
    try {
      const [page] = await pages({ 'dm_event.fields': 'entities' });
      const withEntities = page!.data!.filter((e) => e.entities);
      expect(withEntities.length).toBeGreaterThan(0);
      for (const e of page!.data!) {
        const full = byId.get(e.id)!;
        for (const key of ENTITY_KEYS) expect(e).not.toHaveProperty(key);
        const nested = pickKeys(full, ENTITY_KEYS);
        if (Object.keys(nested).length) expect(e.entities).toEqual(nested);
        else expect(e).not.toHaveProperty('entities');
      }
      const [bare] = await pages();
      for (const e of bare!.data!) expect(e).not.toHaveProperty('entities');
    } finally {
      sandbox.setEntityShape('top-level');
    }
  });

  it('honours entityShape: nested given at creation', async () => {
    const nested = await startSandbox({ dialect: 'tweets', entityShape: 'nested' });
    try {
      const answer = await get<DmEventsPage>(nested, '/2/dm_events', { query: { 'dm_event.fields': 'entities' } });
      expect(answer.body.data!.some((e) => e.entities?.hashtags || e.entities?.urls)).toBe(true);
      expect(answer.body.data!.some((e) => 'urls' in e)).toBe(false);
    } finally {
      await nested.close();
    }
  });

  it('fills includes.users from sender_id without adding sender_id to the events', async () => {
    const [page] = await pages({ expansions: 'sender_id' });
    for (const e of page!.data!) expect(e).not.toHaveProperty('sender_id');
    // ParticipantsLeave events have no sender.
    const senders = unique(page!.data!.flatMap((e) => byId.get(e.id)!.sender_id ?? []));
    expect(page!.includes!.users!.map((u) => u.id)).toEqual(senders);
    for (const u of page!.includes!.users!) expect(Object.keys(u)).toEqual(['id', 'name', 'username']);
  });

  it('selects included users with defaults plus the asked user.fields, deduplicated', async () => {
    const [page] = await pages({ expansions: 'sender_id,participant_ids', 'user.fields': 'created_at,description' });
    const users = page!.includes!.users!;
    expect(unique(users.map((u) => u.id))).toHaveLength(users.length);
    for (const u of users) {
      const full = sandbox.data.users.find((x) => x.id === u.id)!;
      expect(u).toEqual(pickKeys(full, ['id', 'name', 'username', 'created_at', 'description']));
    }
  });

  it('includes full users when every user.field is asked', async () => {
    const [, group] = await pages({ expansions: 'participant_ids', 'user.fields': USER_FIELDS.join(',') });
    const expectedIds = unique(group!.data!.flatMap((e) => byId.get(e.id)!.participant_ids ?? []));
    expect(group!.includes!.users!.map((u) => u.id)).toEqual(expectedIds);
    for (const u of group!.includes!.users!)
      expect(u).toEqual(allOfUser(sandbox.data.users.find((x) => x.id === u.id)!));
  });

  it('includes media with media_key,type by default and every media field on request', async () => {
    const [page] = await pages({ expansions: 'attachments.media_keys' });
    const keys = unique(page!.data!.flatMap((e) => byId.get(e.id)!.attachments?.media_keys ?? []));
    expect(keys.length).toBeGreaterThan(0);
    expect(page!.includes!.media!.map((m) => m.media_key)).toEqual(keys);
    for (const m of page!.includes!.media!) expect(Object.keys(m)).toEqual(['media_key', 'type']);
    const [full] = await pages({ expansions: 'attachments.media_keys', 'media.fields': MEDIA_FIELDS.join(',') });
    for (const m of full!.includes!.media!)
      expect(m).toEqual(sandbox.data.media.find((x) => x.media_key === m.media_key));
  });

  it('includes tweets with id,text,edit_history_tweet_ids by default and every tweet field on request', async () => {
    const [page] = await pages({ expansions: 'referenced_tweets.id' });
    const tweets = page!.includes!.tweets!;
    expect(tweets.length).toBeGreaterThan(0);
    for (const t of tweets) expect(Object.keys(t)).toEqual(['id', 'text', 'edit_history_tweet_ids']);
    const [full] = await pages({ expansions: 'referenced_tweets.id', 'tweet.fields': TWEET_FIELDS.join(',') });
    for (const t of full!.includes!.tweets!)
      expect(t).toEqual(allOfTweet(sandbox.data.tweets.find((x) => x.id === t.id)!));
  });

  it('ignores *.fields of objects that no expansion brings in', async () => {
    const [page] = await pages({ 'user.fields': 'description', 'media.fields': 'url', 'tweet.fields': 'lang' });
    expect(page).not.toHaveProperty('includes');
  });

  it('reports the referenced tweet that does not exist as a partial error beside the data', async () => {
    const event = sandbox.data.events.find((e) => e.referenced_tweets?.[0]?.id === sandbox.data.missingTweetId)!;
    const id = sandbox.data.missingTweetId;
    const answer = await get(sandbox, `/2/dm_events/${event.id}`, {
      query: { expansions: 'referenced_tweets.id', 'dm_event.fields': 'referenced_tweets' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({
      id: event.id,
      event_type: 'MessageCreate',
      text: event.text,
      referenced_tweets: [{ id }],
    });
    expect(answer.body).not.toHaveProperty('includes');
    expect(answer.text).toContain(
      `"errors":[{"value":"${id}","detail":"Could not find tweet with referenced_tweets.id: [${id}].","title":"Not Found Error","resource_type":"tweet","parameter":"referenced_tweets.id","resource_id":"${id}","type":"https://api.twitter.com/2/problems/resource-not-found"}]`,
    );
  });

  it('answers /2/dm_events/{id} with one object and no meta, or X not-found error', async () => {
    const event = sandbox.visibleEvents(sandbox.users[0]!.id)[0]!;
    const answer = await get(sandbox, `/2/dm_events/${event.id}`, {
      query: { 'dm_event.fields': 'created_at,sender_id' },
    });
    expect(answer.body).toEqual({ data: expected(event, ['created_at', 'sender_id']) });
    const missing = await get(sandbox, '/2/dm_events/1234567890123456789');
    expect(missing.status).toBe(200);
    expect(missing.text).toBe(
      '{"errors":[{"value":"1234567890123456789","detail":"Could not find dm_event with id: [1234567890123456789].","title":"Not Found Error","resource_type":"dm_event","parameter":"event_id","resource_id":"1234567890123456789","type":"https://api.twitter.com/2/problems/resource-not-found"}]}',
    );
  });
});

describe('users and tweets lookups', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect: 'tweets' });
  });
  afterAll(() => sandbox.close());

  it('answers users in the requested order, unknown ids as resource-not-found errors', async () => {
    const [a, b] = [sandbox.data.users[5]!, sandbox.data.users[2]!];
    const answer = await get(sandbox, '/2/users', { query: { ids: `${a.id},42,${b.id}` } });
    expect(answer.body.data).toEqual([
      pickKeys(a, ['id', 'name', 'username']),
      pickKeys(b, ['id', 'name', 'username']),
    ]);
    expect(answer.body.errors).toEqual([
      {
        value: '42',
        detail: 'Could not find user with ids: [42].',
        title: 'Not Found Error',
        resource_type: 'user',
        parameter: 'ids',
        resource_id: '42',
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      },
    ]);
    const none = await get(sandbox, '/2/users', { query: { ids: '42' } });
    expect(Object.keys(none.body)).toEqual(['errors']);
  });

  it('returns every user field and the user expansions with tweet.fields', async () => {
    const user = sandbox.data.users[3]!;
    const answer = await get(sandbox, '/2/users', {
      query: {
        ids: user.id,
        'user.fields': USER_FIELDS.join(','),
        expansions: 'pinned_tweet_id,most_recent_tweet_id,affiliation.user_id',
        'tweet.fields': 'author_id',
      },
    });
    expect(answer.body.data).toEqual([allOfUser(user)]);
    const tweet = (id: string) =>
      pickKeys(
        sandbox.data.tweets.find((t) => t.id === id)!,
        ['id', 'text', 'edit_history_tweet_ids', 'author_id'],
      );
    expect(answer.body.includes.tweets).toEqual([tweet(user.pinned_tweet_id!), tweet(user.most_recent_tweet_id!)]);
    expect(answer.body.includes.users.map((u: { id: string }) => u.id)).toEqual(user.affiliation!.user_id);
  });

  it('answers /2/users/me and /2/users/{id} with one object', async () => {
    const me = await get(sandbox, '/2/users/me', {
      token: sandbox.users[4]!.token,
      query: { 'user.fields': 'location' },
    });
    expect(me.body).toEqual({ data: pickKeys(sandbox.data.users[4]!, ['id', 'name', 'username', 'location']) });
    const one = await get(sandbox, `/2/users/${sandbox.users[6]!.id}`);
    expect(one.body.data.id).toBe(sandbox.users[6]!.id);
    const missing = await get(sandbox, '/2/users/77');
    expect(missing.body.errors[0]).toMatchObject({ parameter: 'id', detail: 'Could not find user with id: [77].' });
  });

  it('answers tweets with defaults, every field on request, and unknown ids as errors', async () => {
    const [t1, t2] = [sandbox.data.tweets[4]!, sandbox.data.tweets[0]!];
    const bare = await get(sandbox, '/2/tweets', {
      query: { ids: `${t1.id},${t2.id},${sandbox.data.missingTweetId}` },
    });
    expect(bare.body.data).toEqual([
      pickKeys(t1, ['id', 'text', 'edit_history_tweet_ids']),
      pickKeys(t2, ['id', 'text', 'edit_history_tweet_ids']),
    ]);
    expect(bare.body.errors).toEqual([
      expect.objectContaining({ resource_type: 'tweet', parameter: 'ids', resource_id: sandbox.data.missingTweetId }),
    ]);
    const full = await get(sandbox, '/2/tweets', { query: { ids: t2.id, 'tweet.fields': TWEET_FIELDS.join(',') } });
    expect(full.body.data).toEqual([allOfTweet(t2)]);
    expect(full.body.data[0].created_at).toBe('Wed Jan 06 18:40:40 +0000 2021');
  });

  it('expands tweet links into users, media, tweets, polls and places', async () => {
    const t = sandbox.data.tweets[7]!;
    const answer = await get(sandbox, '/2/tweets', {
      query: {
        ids: t.id,
        expansions:
          'author_id,in_reply_to_user_id,entities.mentions.username,attachments.media_keys,referenced_tweets.id,attachments.poll_ids,geo.place_id',
        'user.fields': 'verified',
        'place.fields': 'country_code',
      },
    });
    const inc = answer.body.includes;
    const userIds = unique([t.author_id!, t.in_reply_to_user_id!, ...t.entities!.mentions!.map((m) => m.id!)]);
    expect(inc.users.map((u: { id: string }) => u.id)).toEqual(userIds);
    for (const u of inc.users) expect(Object.keys(u)).toEqual(['id', 'name', 'username', 'verified']);
    expect(inc.media.map((m: { media_key: string }) => m.media_key)).toEqual(t.attachments!.media_keys);
    expect(inc.tweets.map((x: { id: string }) => x.id)).toEqual(t.referenced_tweets!.map((r) => r.id));
    expect(inc.polls.map((p: { id: string }) => p.id)).toEqual(t.attachments!.poll_ids);
    expect(Object.keys(inc.polls[0])).toEqual(['id', 'options']);
    expect(inc.places).toEqual([
      pickKeys(
        sandbox.data.places.find((p) => p.id === t.geo!.place_id)!,
        ['id', 'full_name', 'country_code'],
      ),
    ]);
  });

  it('answers /2/tweets/{id} with one object', async () => {
    const t = sandbox.data.tweets[1]!;
    expect((await get(sandbox, `/2/tweets/${t.id}`)).body).toEqual({
      data: pickKeys(t, ['id', 'text', 'edit_history_tweet_ids']),
    });
  });
});
