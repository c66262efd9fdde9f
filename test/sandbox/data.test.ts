import { describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/sandbox/index.js';
import { sandboxDialect } from '../../src/sandbox/speech.js';
import { TWEET_FIELDS, USER_FIELDS, type DmEvent, type Tweet, type User } from '../../src/x/wire.js';
import { codePointSlice, NOW, valuesOf } from './helpers.js';

const sandbox = createSandbox({ now: NOW });
const { data } = sandbox;
const main = data.users[0]!;
const DAY = 86_400_000;

/** Every entity's text, sliced by code points, is what the entity says it is. */
function expectEntitiesMatch(
  text: string,
  entities: Pick<DmEvent, 'hashtags' | 'cashtags' | 'mentions' | 'urls'>,
): void {
  for (const h of entities.hashtags ?? []) expect(codePointSlice(text, h.start, h.end)).toBe(`#${h.tag}`);
  for (const c of entities.cashtags ?? []) expect(codePointSlice(text, c.start, c.end)).toBe(`$${c.tag}`);
  for (const m of entities.mentions ?? []) {
    expect(codePointSlice(text, m.start, m.end)).toBe(`@${m.username}`);
    expect(data.users.find((u) => u.id === m.id)?.username).toBe(m.username);
  }
  for (const u of entities.urls ?? []) expect(codePointSlice(text, u.start, u.end)).toBe(u.url);
}

describe('demo data', () => {
  it('is the same for the same seed, and differs for another seed', () => {
    const again = createSandbox({ now: NOW });
    expect(again.data).toEqual(data);
    expect(again.users).toEqual(sandbox.users);
    const other = createSandbox({ now: NOW, seed: 7 });
    expect(other.data.events.map((e) => e.text)).not.toEqual(data.events.map((e) => e.text));
  });

  it('keeps ids and texts when only "now" moves; created_at moves with it', () => {
    const later = createSandbox({ now: new Date(NOW.getTime() + 3 * DAY) });
    expect(later.data.events.map((e) => [e.id, e.text])).toEqual(data.events.map((e) => [e.id, e.text]));
    const shift = Date.parse(later.data.events[0]!.created_at!) - Date.parse(data.events[0]!.created_at!);
    expect(Math.abs(shift - 3 * DAY)).toBeLessThan(1000);
  });

  it('has 24+ users with realistic ids, 300+ events, 150+ of them seen by the main user', () => {
    expect(data.users.length).toBeGreaterThanOrEqual(24);
    for (const u of data.users) expect(u.id).toMatch(/^[1-9][0-9]{0,18}$/);
    expect(new Set(data.users.map((u) => u.id)).size).toBe(data.users.length);
    expect(data.events.length).toBeGreaterThanOrEqual(300);
    expect(sandbox.visibleEvents(main.id).length).toBeGreaterThanOrEqual(150);
  });

  it('gives every demo user some conversations of their own', () => {
    for (const u of data.users) {
      expect(data.conversations.some((c) => !c.group && c.participantIds.includes(u.id))).toBe(true);
      expect(sandbox.visibleEvents(u.id).length).toBeGreaterThan(0);
    }
  });

  it('uses 19-digit event ids, unique and strictly decreasing (newest first) with non-increasing created_at', () => {
    const seen = new Set<string>();
    data.events.forEach((e, i) => {
      expect(e.id).toMatch(/^[0-9]{19}$/);
      expect(seen.has(e.id)).toBe(false);
      seen.add(e.id);
      if (i > 0) {
        const prev = data.events[i - 1]!;
        expect(BigInt(e.id) < BigInt(prev.id)).toBe(true);
        expect(Date.parse(e.created_at!)).toBeLessThanOrEqual(Date.parse(prev.created_at!));
      }
    });
  });

  it('dates every event within the 30 days before now, in RFC 3339', () => {
    for (const e of data.events) {
      expect(e.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
      const t = Date.parse(e.created_at!);
      expect(t).toBeLessThan(NOW.getTime());
      expect(t).toBeGreaterThan(NOW.getTime() - 30 * DAY);
    }
  });

  it('names one-to-one conversations {smaller}-{larger} numerically and groups with 15-19 digits', () => {
    for (const c of data.conversations) {
      if (c.group) {
        expect(c.id).toMatch(/^[0-9]{15,19}$/);
      } else {
        const [a, b] = c.id.split('-').map(BigInt);
        expect(a! < b!).toBe(true);
        expect([...c.participantIds].sort()).toEqual([String(a), String(b)].sort());
      }
    }
    const groups = data.conversations.filter((c) => c.group && c.participantIds.includes(main.id));
    expect(groups.length).toBeGreaterThanOrEqual(2);
  });

  it('has ParticipantsJoin and ParticipantsLeave events with participant_ids in groups the main user sees', () => {
    const seen = sandbox.visibleEvents(main.id);
    for (const type of ['ParticipantsJoin', 'ParticipantsLeave']) {
      const events = seen.filter((e) => e.event_type === type);
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) {
        expect(e.participant_ids!.length).toBeGreaterThan(0);
        expect(e.text).toBeUndefined();
        expect(data.conversations.find((c) => c.id === e.dm_conversation_id)?.group).toBe(true);
      }
    }
  });

  it('fills every user.fields value for every user', () => {
    for (const u of data.users) {
      for (const field of USER_FIELDS) expect(u, `${u.username}.${field}`).toHaveProperty(field);
      expect(u.affiliation).toEqual({
        badge_url: expect.any(String),
        description: expect.any(String),
        url: expect.any(String),
        user_id: [expect.any(String)],
      });
      expect(Object.keys(u.public_metrics!).sort()).toEqual([
        'followers_count',
        'following_count',
        'like_count',
        'listed_count',
        'tweet_count',
      ]);
      expect(Object.keys(u.withheld!).sort()).toEqual(['copyright', 'country_codes', 'scope']);
      expect(u.subscription).toEqual({ subscribes_to_you: expect.any(Boolean) });
      const tweetIds = new Set(data.tweets.map((t) => t.id));
      expect(tweetIds.has(u.pinned_tweet_id)).toBe(true);
      expect(tweetIds.has(u.most_recent_tweet_id)).toBe(true);
    }
  });

  it('puts correct offsets on user description and url entities', () => {
    for (const u of data.users as User[]) {
      const d = u.entities!.description!;
      for (const kind of ['hashtags', 'mentions', 'urls', 'cashtags'] as const)
        expect(d[kind]!.length).toBeGreaterThan(0);
      expectEntitiesMatch(u.description!, d);
      const [link] = u.entities!.url!.urls!;
      expect(codePointSlice(u.url!, link!.start, link!.end)).toBe(link!.url);
    }
  });

  it('fills every tweet.fields value for every tweet, authored by demo users', () => {
    const userIds = new Set(data.users.map((u) => u.id));
    const tweetIds = new Set(data.tweets.map((t) => t.id));
    for (const t of data.tweets as Tweet[]) {
      for (const field of TWEET_FIELDS) expect(t, `${t.id}.${field}`).toHaveProperty(field);
      expect(userIds.has(t.author_id!)).toBe(true);
      for (const ref of t.referenced_tweets!) expect(tweetIds.has(ref.id)).toBe(true);
      expectEntitiesMatch(t.text!, t.entities!);
      expectEntitiesMatch(t.note_tweet!.text!, t.note_tweet!.entities!);
      // Annotations end inclusively.
      for (const a of t.entities!.annotations!)
        expect(codePointSlice(t.text!, a.start, a.end + 1)).toBe(a.normalized_text);
    }
  });

  it('fills every field the posts dialect can ask for, in the gateway names the data is stored in', () => {
    // 2.167's lists: its user fields keep their names; its post fields are translated (`note_post` is `note_tweet`).
    const userFields = valuesOf('posts', 'GET /2/users', 'user.fields');
    const postSelection = sandboxDialect('posts').readSelection('tweet', {
      'post.fields': valuesOf('posts', 'GET /2/tweets', 'post.fields').join(','),
    });
    const postFields = postSelection['tweet.fields']!.split(',');
    expect(userFields).toContain('subscribes_to_you');
    expect(postFields).toEqual(expect.arrayContaining(['article_title', 'note_tweet', 'paid_partnership']));
    for (const u of data.users) {
      for (const field of userFields) expect(u, `${u.username}.${field}`).toHaveProperty(field);
      // One fact in two places: 2.167's top-level field and the `subscription` object both specs have.
      expect(u.subscribes_to_you).toBe(u.subscription!.subscribes_to_you);
    }
    expect(new Set(data.users.map((u) => u.subscribes_to_you))).toEqual(new Set([true, false]));
    const sometimes = ['matched_media_notes', 'note_request_suggestions'] as const;
    for (const t of data.tweets) {
      for (const field of postFields.filter((f) => !(sometimes as readonly string[]).includes(f)))
        expect(t, `${t.id}.${field}`).toHaveProperty(field);
      expect(t.article_title).toEqual({ title: t.article!.title });
      expect(typeof t.paid_partnership).toBe('boolean');
      for (const m of t.matched_media_notes ?? [])
        expect(m).toEqual({ match_status: 'matched', note_id: expect.stringMatching(/^[0-9]{1,19}$/) });
      for (const n of t.note_request_suggestions ?? [])
        expect(n).toEqual({
          suggestion_id: expect.stringMatching(/^[0-9]{1,19}$/),
          suggestion: expect.any(String),
          source_link: expect.stringMatching(/^https:\/\//),
        });
    }
    // Some posts have each, some do not: X leaves out what a post lacks.
    for (const field of [...sometimes, 'paid_partnership'] as const) {
      const having = data.tweets.filter((t) => t[field]);
      expect(having.length, field).toBeGreaterThan(0);
      expect(having.length, field).toBeLessThan(data.tweets.length);
    }
  });

  it('dates one tweet in the legacy form and the others in RFC 3339', () => {
    const legacy = data.tweets.filter((t) => !t.created_at!.includes('T'));
    expect(legacy.map((t) => t.created_at)).toEqual(['Wed Jan 06 18:40:40 +0000 2021']);
    for (const t of data.tweets)
      if (t !== legacy[0]) expect(t.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
  });

  it('has media of all three kinds with their fields and key prefixes', () => {
    const media = data.media as unknown as Record<string, any>[];
    const photo = media.filter((m) => m.type === 'photo');
    const video = media.filter((m) => m.type === 'video');
    const gif = media.filter((m) => m.type === 'animated_gif');
    expect(photo.length && video.length && gif.length).toBeTruthy();
    for (const m of photo) {
      expect(m.media_key).toMatch(/^3_[0-9]{19}$/);
      expect(m).toMatchObject({
        url: expect.any(String),
        alt_text: expect.any(String),
        width: expect.any(Number),
        height: expect.any(Number),
      });
    }
    for (const m of video) {
      expect(m.media_key).toMatch(/^7_[0-9]{19}$/);
      expect(m).toMatchObject({
        preview_image_url: expect.any(String),
        duration_ms: expect.any(Number),
        public_metrics: { view_count: expect.any(Number) },
      });
      for (const key of ['non_public_metrics', 'organic_metrics', 'promoted_metrics'])
        expect(m[key].playback_0_count).toBeTypeOf('number');
      expect(m.variants[0]).toEqual({
        bit_rate: expect.any(Number),
        content_type: 'video/mp4',
        url: expect.any(String),
      });
    }
    for (const m of gif) {
      expect(m.media_key).toMatch(/^16_[0-9]{19}$/);
      expect(m.variants[0]).toEqual({ bit_rate: 0, content_type: 'video/mp4', url: expect.any(String) });
      expect(m.preview_image_url).toEqual(expect.any(String));
    }
    expect(new Set(media.map((m) => m.media_key)).size).toBe(media.length);
  });

  it('shows the main user messages with every kind of entity, media, referenced tweets and the missing tweet', () => {
    const seen = sandbox.visibleEvents(main.id);
    const has = (pred: (e: DmEvent) => boolean) => expect(seen.some(pred)).toBe(true);
    has((e) => !!e.hashtags && !!e.cashtags && !!e.mentions && !!e.urls);
    for (const type of ['photo', 'video', 'animated_gif']) {
      has((e) => !!e.attachments?.media_keys?.some((k) => data.media.find((m) => m.media_key === k)?.type === type));
    }
    has((e) => !!e.attachments?.card_ids);
    expect(data.events.filter((e) => e.referenced_tweets?.some((r) => r.id === data.missingTweetId))).toHaveLength(1);
    has((e) => e.referenced_tweets?.[0]?.id === data.missingTweetId);
    has((e) => e.referenced_tweets?.[0]?.id === data.tweets.find((t) => !t.created_at!.includes('T'))!.id);
    expect(data.tweets.some((t) => t.id === data.missingTweetId)).toBe(false);
  });

  it('puts code-point offsets on every event entity, URL entities with every unwound field', () => {
    let astralBeforeEntity = false;
    for (const e of data.events) {
      if (!e.text) continue;
      expectEntitiesMatch(e.text, e);
      const spans: { start: number }[] = [
        ...(e.hashtags ?? []),
        ...(e.cashtags ?? []),
        ...(e.mentions ?? []),
        ...(e.urls ?? []),
      ];
      const first = spans.sort((a, b) => a.start - b.start)[0];
      if (first && e.text.slice(0, first.start) !== codePointSlice(e.text, 0, first.start)) astralBeforeEntity = true;
      for (const u of e.urls ?? []) {
        expect(u).toMatchObject({
          display_url: expect.any(String),
          expanded_url: expect.any(String),
          unwound_url: expect.any(String),
          title: expect.any(String),
          description: expect.any(String),
          status: 200,
        });
        expect(u.images!.length).toBeGreaterThan(0);
      }
    }
    // Emoji before entities make UTF-16 slicing visibly wrong: the data must exercise that.
    expect(astralBeforeEntity).toBe(true);
  });
});

describe('the number of demo users', () => {
  it('is 24 by default, and what `users` asks for otherwise, each with a token and conversations', () => {
    expect(createSandbox().users).toHaveLength(24);
    const larger = createSandbox({ users: 40 });
    expect(larger.users).toHaveLength(40);
    expect(new Set(larger.users.map((user) => user.token)).size).toBe(40);
    for (const user of larger.users) expect(larger.visibleEvents(user.id).length).toBeGreaterThan(0);
    expect(() => createSandbox({ users: 3 })).toThrow(/users must be 12 to 1001/);
  });
});
