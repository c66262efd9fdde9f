/**
 * Demo tweets (with their polls and places), each with every field `tweet.fields` (2.159) can ask for, and the
 * fields 2.167's `post.fields` added, so a client can be tested against the fullest answer X can give.
 */
import type { Media, Place, Poll, UrlEntity } from '../../x/wire.js';
import type { StoredTweet } from '../types.js';
import { snowflakeAt } from './ids.js';
import type { Random } from './prng.js';
import { TextBuilder, codePointLength, nonEmptyEntities, tcoUrl } from './text.js';
import type { UserSkeleton } from './users.js';

/** The created_at of the tweet that shows X's legacy date form (as in the seeds' `includes.tweets` sample). */
export const LEGACY_DATE = 'Wed Jan 06 18:40:40 +0000 2021';
const LEGACY_MS = Date.UTC(2021, 0, 6, 18, 40, 40);

const TOPICS = [
  {
    tag: 'GraphQL',
    cash: 'MSFT',
    phrase: 'schema stitching',
    domain: { id: '66', name: 'Interests and Hobbies Category' },
    entity: { id: '848920371311001600', name: 'Technology' },
  },
  {
    tag: 'OpenSource',
    cash: 'GOOG',
    phrase: 'weekend release',
    domain: { id: '46', name: 'Business Taxonomy' },
    entity: { id: '1557696940178935808', name: 'Gaming Business' },
  },
  {
    tag: 'TypeScript',
    cash: 'AAPL',
    phrase: 'strict mode',
    domain: { id: '131', name: 'Unified Twitter Taxonomy' },
    entity: { id: '1280276324000161792', name: 'Software development' },
  },
  {
    tag: 'APIs',
    cash: 'NVDA',
    phrase: 'rate limits',
    domain: { id: '65', name: 'Interests and Hobbies Vertical' },
    entity: { id: '781974596752842752', name: 'Services' },
  },
];

export const PLACE_SEEDS = [
  {
    name: 'San Francisco',
    full: 'San Francisco, CA',
    country: 'United States',
    code: 'US',
    lon: -122.4194,
    lat: 37.7749,
  },
  { name: 'Berlin', full: 'Berlin, Germany', country: 'Germany', code: 'DE', lon: 13.405, lat: 52.52 },
  { name: 'Lakewood', full: 'Lakewood, CO', country: 'United States', code: 'US', lon: -105.0814, lat: 39.7047 },
  { name: 'Tokyo', full: 'Tokyo, Japan', country: 'Japan', code: 'JP', lon: 139.6917, lat: 35.6895 },
  { name: 'Lagos', full: 'Lagos, Nigeria', country: 'Nigeria', code: 'NG', lon: 3.3792, lat: 6.5244 },
];

export function generatePlaces(random: Random): Place[] {
  const ids = PLACE_SEEDS.map(() => random.string(16, '0123456789abcdef'));
  return PLACE_SEEDS.map((seed, i) => ({
    id: ids[i]!,
    full_name: seed.full,
    name: seed.name,
    country: seed.country,
    country_code: seed.code,
    place_type: 'city' as const,
    contained_within: [ids[(i + 1) % ids.length]!],
    geo: {
      type: 'Feature' as const,
      bbox: [seed.lon - 0.1, seed.lat - 0.1, seed.lon + 0.1, seed.lat + 0.1],
      properties: {},
    },
  }));
}

function generatePoll(ms: number, random: Random): Poll {
  const labels = random.pick([
    ['Tabs', 'Spaces'],
    ['REST', 'GraphQL', 'gRPC'],
    ['Coffee', 'Tea', 'Water', 'Mate'],
  ]);
  return {
    id: snowflakeAt(ms, random),
    options: labels.map((label, i) => ({ position: i + 1, label, votes: random.int(0, 5_000) })),
    duration_minutes: 1440,
    end_datetime: new Date(ms + 86_400_000).toISOString(),
    voting_status: 'closed',
  };
}

function linkEntity(url: string, expanded: string, random: Random): UrlEntity {
  return {
    start: 0,
    end: url.length,
    url,
    expanded_url: expanded,
    display_url: expanded.replace(/^https:\/\//, ''),
    status: 200,
    title: `Source ${random.int(1, 99)}`,
    description: 'A page a community note cites.',
  };
}

export interface TweetSet {
  tweets: StoredTweet[];
  polls: Poll[];
}

/**
 * `count` tweets; tweet `i` is written by `authors[i]`. Each references another demo tweet, so every link a
 * tweet carries (referenced tweets, media, polls, places, authors) lands on demo data.
 */
export function generateTweets(
  authors: readonly UserSkeleton[],
  users: readonly UserSkeleton[],
  media: readonly Media[],
  places: readonly Place[],
  random: Random,
): TweetSet {
  const count = authors.length;
  // Ids first: referenced tweets point forwards and backwards in the list. Tweet 0 carries the legacy date.
  const times = authors.map((_, i) =>
    i === 0
      ? LEGACY_MS
      : Date.UTC(
          2021 + random.int(0, 3),
          random.int(0, 11),
          random.int(1, 28),
          random.int(0, 23),
          random.int(0, 59),
          random.int(0, 59),
        ),
  );
  const ids = times.map((ms) => snowflakeAt(ms, random));
  const polls: Poll[] = [];
  const tweets = authors.map((author, i): StoredTweet => {
    const topic = random.pick(TOPICS);
    const other = users[(users.indexOf(author) + 1 + random.int(0, users.length - 2)) % users.length]!;
    const ms = times[i]!;
    const id = ids[i]!;
    const referencedIndex = (i + 1 + random.int(0, count - 2)) % count;
    const referenced = ids[referencedIndex]!;
    const isReply = i % 2 === 1;
    const built = new TextBuilder(random)
      .mention(other)
      .plain(' Shipping ')
      .plain(topic.phrase)
      .plain(' today 🎉 ')
      .hashtag(topic.tag)
      .plain(' ')
      .cashtag(topic.cash)
      .plain(' ')
      .url({
        expanded_url: `https://dev.example.com/${topic.tag.toLowerCase()}/${i}`,
        title: `${topic.tag} notes`,
        description: `Everything about ${topic.phrase}.`,
      })
      .build();
    const note = new TextBuilder(random)
      .plain(`${built.text} — the long version: we spent the week on ${topic.phrase}, thanks `)
      .mention(other)
      .plain(' and everyone who tried it. ')
      .hashtag(topic.tag)
      .build();
    const mediaKeys = random.sample(media, 2).map((m) => m.media_key!);
    const poll = generatePoll(ms, random);
    polls.push(poll);
    const place = random.pick(places);
    const impressions = random.int(500, 500_000);
    const suggested = linkEntity(tcoUrl(random), `https://docs.example.org/${topic.tag.toLowerCase()}`, random);
    const seed = PLACE_SEEDS[places.indexOf(place)]!;
    const annotationStart = codePointLength(built.text.slice(0, built.text.indexOf(topic.phrase)));
    const articleTitle = `Notes on ${topic.phrase}`;
    return {
      id,
      text: built.text,
      edit_history_tweet_ids: [id],
      article: {
        title: articleTitle,
        preview_text: `What we learned about ${topic.phrase}`,
        plain_text: `What we learned about ${topic.phrase}. It took a while.`,
        cover_media: mediaKeys[0]!,
        media_entities: mediaKeys,
      },
      attachments: { media_keys: mediaKeys, poll_ids: [poll.id], media_source_tweet_id: [referenced] },
      author_id: author.id,
      card_uri: `card://${snowflakeAt(ms, random)}`,
      community_id: snowflakeAt(Date.UTC(2022, 8, 1), random),
      context_annotations: [
        {
          domain: { ...topic.domain, description: 'Topics the tweet is about' },
          entity: { ...topic.entity, description: `Tweets about ${topic.entity.name}` },
        },
      ],
      conversation_id: isReply ? referenced : id,
      created_at: i === 0 ? LEGACY_DATE : new Date(ms).toISOString(),
      display_text_range: [0, codePointLength(built.text)],
      edit_controls: {
        edits_remaining: 5,
        is_edit_eligible: true,
        editable_until: new Date(ms + 3_600_000).toISOString(),
      },
      entities: {
        ...nonEmptyEntities(built.entities),
        annotations: [
          {
            // Annotations count their end inclusively, unlike the other entities.
            start: annotationStart,
            end: annotationStart + codePointLength(topic.phrase) - 1,
            probability: 0.87,
            type: 'Other',
            normalized_text: topic.phrase,
          },
        ],
      },
      geo: { place_id: place.id, coordinates: { type: 'Point', coordinates: [seed.lon, seed.lat] } },
      in_reply_to_user_id: authors[referencedIndex]!.id,
      lang: 'en',
      media_metadata: mediaKeys.map((key) => ({
        media_key: key,
        alt_text: media.find((m) => m.media_key === key)?.alt_text ?? 'Demo media',
      })),
      non_public_metrics: { impression_count: impressions },
      note_tweet: { text: note.text, entities: nonEmptyEntities(note.entities) },
      organic_metrics: {
        impression_count: Math.floor(impressions * 0.9),
        like_count: random.int(0, 900),
        reply_count: random.int(0, 90),
        retweet_count: random.int(0, 200),
      },
      possibly_sensitive: false,
      promoted_metrics: {
        impression_count: Math.floor(impressions * 0.1),
        like_count: random.int(0, 100),
        reply_count: random.int(0, 10),
        retweet_count: random.int(0, 20),
      },
      public_metrics: {
        retweet_count: random.int(0, 2_000),
        reply_count: random.int(0, 300),
        like_count: random.int(0, 10_000),
        quote_count: random.int(0, 100),
        bookmark_count: random.int(0, 400),
        impression_count: impressions,
      },
      referenced_tweets: [{ type: isReply ? 'replied_to' : 'quoted', id: referenced }],
      // Not `mentionedUsers`: the spec lists it but its own pattern (^[A-Za-z]{1,12}$) rejects it.
      reply_settings: random.pick(['everyone', 'following', 'verified', 'subscribers'] as const),
      scopes: { followers: false },
      source: 'Twitter Web App',
      suggested_source_links: [suggested],
      suggested_source_links_with_counts: { count: random.int(1, 12), url: suggested },
      withheld: { copyright: false, country_codes: ['DE'], scope: 'tweet' },
      ...productionFields(i, id, articleTitle, topic.phrase, suggested.expanded_url!),
    };
  });
  return { tweets, polls };
}

/**
 * The fields 2.167 added to posts. They draw nothing from `random`, so every id and text of the seeded data stays as
 * it was before they existed. Community-notes matches and suggestions are on some posts only: X leaves out what a
 * post does not have, and a client must cope with both.
 */
function productionFields(
  i: number,
  id: string,
  articleTitle: string,
  phrase: string,
  sourceLink: string,
): Pick<StoredTweet, 'article_title' | 'matched_media_notes' | 'note_request_suggestions' | 'paid_partnership'> {
  const derivedId = (offset: bigint) => String(BigInt(id) + offset);
  return {
    article_title: { title: articleTitle },
    paid_partnership: i % 6 === 3,
    ...(i % 3 === 0 && { matched_media_notes: [{ match_status: 'matched', note_id: derivedId(101n) }] }),
    ...(i % 4 === 1 && {
      note_request_suggestions: [
        { suggestion_id: derivedId(202n), suggestion: `Add context on ${phrase}.`, source_link: sourceLink },
      ],
    }),
  };
}
