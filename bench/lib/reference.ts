/**
 * The reference (arm E): a hand-written graphql-yoga + graphql-jit server with its own small schema (the types and
 * fields the bench's operations select, under the gateway's names, so the same operations run unchanged) and
 * resolvers that read X's JSON as it comes, with a fixed query string per operation (the parameters the gateway
 * sends) and a Map by id for the links. No planner, loaders, memory, rate-limit book, deadline, logging or metrics:
 * what the stack itself (yoga + graphql-jit + JSON) costs for these answers.
 *
 * - `Everything` (`operations/everything.graphql`): one request to X, `GET /2/dm_events` with every field.
 * - `App` (`operations/app.graphql`): `GET /2/dm_events` with the fields a DM client shows, then, in parallel, the
 *   lookups by ids its answer needs: the referenced posts' authors X did not expand (`GET /2/users?ids=`) and any
 *   referenced post missing from the page (`GET /2/tweets?ids=`, with its author expanded), 100 ids a call.
 *
 * `fetchJson` is how it reaches X: undici over HTTP in the benchmark's child (`children/reference.ts`), parsed
 * buffers in `npm run bench:in-process`.
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type GraphQLFieldResolver, type GraphQLResolveInfo, GraphQLScalarType, isObjectType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import type { DmEvent, DmEventsPage, Media, Problem, Tweet, User } from '../../src/x/wire.js';

/**
 * Fetches `path` from X with the caller's `authorization`; resolves to the parsed body of a 200 (typed as the caller
 * says: X's JSON as its wire types describe it), rejects otherwise.
 */
export type FetchJson = <T>(path: string, authorization: string | null) => Promise<T>;

/** What the gateway asks X for the `Everything` operation (its query string, `max_results` appended). */
export const REFERENCE_QUERY =
  '/2/dm_events?user.fields=affiliation,confirmed_email,connection_status,created_at,description,entities,is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,subscription,subscription_type,url,username,verified,verified_followers_count,verified_type,withheld' +
  '&media.fields=alt_text,duration_ms,height,media_key,non_public_metrics,organic_metrics,preview_image_url,promoted_metrics,public_metrics,type,url,variants,width' +
  '&tweet.fields=article,attachments,author_id,card_uri,community_id,context_annotations,conversation_id,created_at,display_text_range,edit_controls,edit_history_tweet_ids,entities,geo,in_reply_to_user_id,lang,media_metadata,non_public_metrics,note_tweet,organic_metrics,possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,reply_settings,scopes,source,suggested_source_links,suggested_source_links_with_counts,text,withheld' +
  '&dm_event.fields=attachments,created_at,dm_conversation_id,entities,event_type,participant_ids,referenced_tweets,sender_id,text' +
  '&expansions=attachments.media_keys,participant_ids,referenced_tweets.id,sender_id&max_results=';

/** The fields the `App` operation shows of a post's author. */
const AUTHOR_FIELDS = 'name,profile_image_url,username,verified';
/** The fields the `App` operation shows of a referenced post. */
const APP_TWEET_FIELDS = 'author_id,created_at,public_metrics,text';

/** What the gateway asks X for the `App` operation's page (`max_results` appended). */
export const APP_QUERY =
  '/2/dm_events?user.fields=description,name,profile_image_url,public_metrics,username,verified,verified_type' +
  '&media.fields=alt_text,height,media_key,preview_image_url,type,url,width' +
  `&tweet.fields=${APP_TWEET_FIELDS}` +
  '&dm_event.fields=attachments,created_at,dm_conversation_id,event_type,participant_ids,referenced_tweets,sender_id,text' +
  '&expansions=attachments.media_keys,participant_ids,referenced_tweets.id,sender_id&max_results=';

/** The `App` operation's lookup of the authors X did not expand (ids appended). */
export const APP_USERS_LOOKUP = `/2/users?user.fields=${AUTHOR_FIELDS}&ids=`;
/** The `App` operation's lookup of referenced posts missing from the page, their authors expanded (ids appended). */
export const APP_TWEETS_LOOKUP = `/2/tweets?tweet.fields=${APP_TWEET_FIELDS}&expansions=author_id&user.fields=${AUTHOR_FIELDS}&ids=`;

/** X's lookups take at most this many ids a call. */
const LOOKUP_BATCH = 100;

/** X's answer to a lookup by ids. */
interface LookupBody<T> {
  data?: T[];
  includes?: { users?: User[] };
  errors?: Problem[];
}

interface Page {
  events: DmEvent[];
  users: Map<string, User>;
  media: Map<string, Media>;
  tweets: Map<string, Tweet>;
  next?: string;
}

function byKey<T>(list: readonly T[] | undefined, key: (item: T) => string | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of list ?? []) {
    const k = key(item);
    if (k !== undefined) map.set(k, item);
  }
  return map;
}

function pageOf(body: DmEventsPage): Page {
  const inc = body.includes;
  return {
    events: body.data ?? [],
    users: byKey(inc?.users, (u) => u.id),
    media: byKey(inc?.media, (m) => m.media_key),
    tweets: byKey(inc?.tweets, (t) => t.id),
    ...(body.meta?.next_token !== undefined && { next: body.meta.next_token }),
  };
}

function batches(ids: ReadonlySet<string>): string[] {
  const all = [...ids];
  const out: string[] = [];
  for (let i = 0; i < all.length; i += LOOKUP_BATCH) out.push(all.slice(i, i + LOOKUP_BATCH).join(','));
  return out;
}

/** Adds to `page` what its referenced posts and their authors need beyond it: the lookups by ids, in parallel. */
async function lookUpLinks(page: Page, fetchJson: FetchJson, authorization: string | null): Promise<void> {
  const users = new Set<string>();
  const tweets = new Set<string>();
  for (const event of page.events) {
    for (const ref of event.referenced_tweets ?? []) {
      const tweet = page.tweets.get(ref.id);
      if (!tweet) tweets.add(ref.id);
      else if (tweet.author_id !== undefined && !page.users.has(tweet.author_id)) users.add(tweet.author_id);
    }
  }
  if (users.size === 0 && tweets.size === 0) return;
  await Promise.all([
    ...batches(users).map(async (ids) => {
      const body = await fetchJson<LookupBody<User>>(APP_USERS_LOOKUP + ids, authorization);
      for (const user of body.data ?? []) page.users.set(user.id, user);
    }),
    ...batches(tweets).map(async (ids) => {
      const body = await fetchJson<LookupBody<Tweet>>(APP_TWEETS_LOOKUP + ids, authorization);
      for (const tweet of body.data ?? []) if (tweet.id !== undefined) page.tweets.set(tweet.id, tweet);
      for (const user of body.includes?.users ?? []) if (!page.users.has(user.id)) page.users.set(user.id, user);
    }),
  ]);
}

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
/** `MessageCreate`, `replied_to`, `mentionedUsers`, `photo` -> the GraphQL enum value. */
const enumOf = (v: string | undefined) => v?.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
/** RFC 3339 in UTC without empty milliseconds, as the gateway's DateTime serialises X's usual strings. */
const dateOf = (v: string | undefined) => (v?.endsWith('.000Z') ? `${v.slice(0, -5)}Z` : v);
const list = <T>(v: readonly T[] | undefined): readonly T[] => v ?? [];
const present = <T>(v: T | undefined): v is T => v !== undefined;

const typeDefs = /* GraphQL */ `
  scalar DateTime
  enum DmEventType {
    MESSAGE_CREATE
    PARTICIPANTS_JOIN
    PARTICIPANTS_LEAVE
  }
  enum MediaType {
    ANIMATED_GIF
    PHOTO
    VIDEO
  }
  enum UserConnectionStatus {
    BLOCKING
    FOLLOWED_BY
    FOLLOWING
    FOLLOW_REQUEST_RECEIVED
    FOLLOW_REQUEST_SENT
    MUTING
  }
  enum UserSubscriptionType {
    BASIC
    NONE
    PREMIUM
    PREMIUM_PLUS
  }
  enum UserVerifiedType {
    BLUE
    BUSINESS
    GOVERNMENT
    NONE
  }
  enum WithheldScope {
    TWEET
    USER
  }
  enum ReferencedTweetType {
    QUOTED
    REPLIED_TO
    RETWEETED
  }
  enum ReplySettings {
    EVERYONE
    FOLLOWING
    MENTIONED_USERS
    OTHER
    SUBSCRIBERS
    VERIFIED
  }
  type Query {
    dmEvents(first: Int): DmEventConnection!
  }
  type DmEventConnection {
    edges: [DmEventEdge!]!
    nodes: [DmEvent!]!
    pageInfo: PageInfo!
  }
  type DmEventEdge {
    cursor: String!
    node: DmEvent!
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type DmConversation {
    id: ID!
    conversationId: String
  }
  type DmEvent {
    id: ID!
    restId: String!
    eventType: DmEventType!
    text: String
    createdAt: DateTime
    conversationId: String
    conversation: DmConversation
    senderId: String
    sender: User
    participantIds: [String!]
    participants: [User!]
    attachments: DmAttachments
    referencedTweets: [Tweet!]
    entities: DmEntities
  }
  type DmAttachments {
    mediaKeys: [String!]!
    cardIds: [String!]!
    media: [Media!]!
  }
  type DmEntities {
    hashtags: [HashtagEntity!]!
    cashtags: [CashtagEntity!]!
    mentions: [MentionEntity!]!
    urls: [UrlEntity!]!
  }
  type HashtagEntity {
    tag: String!
    start: Int!
    end: Int!
  }
  type CashtagEntity {
    tag: String!
    start: Int!
    end: Int!
  }
  type MentionEntity {
    username: String!
    userId: String
    start: Int!
    end: Int!
  }
  type EntityAnnotation {
    start: Int!
    end: Int!
    probability: Float
    type: String
    normalizedText: String
  }
  type UrlImage {
    url: String
    width: Int
    height: Int
  }
  type UrlEntity {
    url: String!
    start: Int!
    end: Int!
    expandedUrl: String
    displayUrl: String
    unwoundUrl: String
    title: String
    description: String
    status: Int
    mediaKey: String
    images: [UrlImage!]
  }
  type FullTextEntities {
    annotations: [EntityAnnotation!]
    cashtags: [CashtagEntity!]
    hashtags: [HashtagEntity!]
    mentions: [MentionEntity!]
    urls: [UrlEntity!]
  }
  type User {
    id: ID!
    restId: String!
    name: String!
    username: String!
    affiliation: UserAffiliation
    confirmedEmail: String
    connectionStatus: [UserConnectionStatus!]
    createdAt: DateTime
    description: String
    entities: UserEntities
    isIdentityVerified: Boolean
    location: String
    mostRecentTweetId: String
    parody: Boolean
    pinnedTweetId: String
    profileBannerUrl: String
    profileImageUrl: String
    protected: Boolean
    publicMetrics: UserPublicMetrics
    receivesYourDm: Boolean
    subscription: UserSubscription
    subscriptionType: UserSubscriptionType
    url: String
    verified: Boolean
    verifiedFollowersCount: Int
    verifiedType: UserVerifiedType
    withheld: UserWithheld
  }
  type UserAffiliation {
    badgeUrl: String
    description: String
    url: String
    userId: [String!]
  }
  type UserEntities {
    description: FullTextEntities
    url: UserUrlEntities
  }
  type UserUrlEntities {
    urls: [UrlEntity!]
  }
  type UserPublicMetrics {
    followersCount: Int
    followingCount: Int
    likeCount: Int
    listedCount: Int
    tweetCount: Int
  }
  type UserSubscription {
    subscribesToYou: Boolean
  }
  type UserWithheld {
    countryCodes: [String!]!
    scope: WithheldScope
  }
  type Media {
    mediaKey: String!
    type: MediaType!
    url: String
    altText: String
    width: Int
    height: Int
    durationMs: Int
    previewImageUrl: String
    variants: [MediaVariant!]
    publicMetrics: MediaPublicMetrics
    nonPublicMetrics: MediaNonPublicMetrics
    organicMetrics: MediaPlaybackMetrics
    promotedMetrics: MediaPlaybackMetrics
  }
  type MediaVariant {
    bitRate: Int
    contentType: String
    url: String
  }
  type MediaPublicMetrics {
    viewCount: Int
  }
  type MediaNonPublicMetrics {
    playback0Count: Int
    playback25Count: Int
    playback50Count: Int
    playback75Count: Int
    playback100Count: Int
  }
  type MediaPlaybackMetrics {
    playback0Count: Int
    playback25Count: Int
    playback50Count: Int
    playback75Count: Int
    playback100Count: Int
    viewCount: Int
  }
  type Tweet {
    id: ID!
    restId: String!
    text: String
    author: User
    article: TweetArticle
    attachments: TweetAttachments
    authorId: String
    cardUri: String
    communityId: String
    contextAnnotations: [ContextAnnotation!]
    conversationId: String
    createdAt: DateTime
    displayTextRange: [Int!]
    editControls: TweetEditControls
    editHistoryTweetIds: [String!]
    entities: FullTextEntities
    geo: TweetGeo
    inReplyToUserId: String
    lang: String
    mediaMetadata: [TweetMediaMetadata!]
    nonPublicMetrics: TweetNonPublicMetrics
    noteTweet: NoteTweet
    organicMetrics: TweetEngagementMetrics
    possiblySensitive: Boolean
    promotedMetrics: TweetEngagementMetrics
    publicMetrics: TweetPublicMetrics
    referencedTweets: [TweetReference!]
    replySettings: ReplySettings
    scopes: TweetScopes
    source: String
    suggestedSourceLinks: [UrlEntity!]
    suggestedSourceLinksWithCounts: SuggestedSourceLinkWithCount
    withheld: TweetWithheld
  }
  type TweetArticle {
    title: String
    previewText: String
    plainText: String
    coverMedia: String
    mediaEntities: [String!]
  }
  type TweetAttachments {
    mediaKeys: [String!]!
    mediaSourceTweetId: [String!]!
    pollIds: [String!]!
  }
  type ContextAnnotation {
    domain: ContextAnnotationPart!
    entity: ContextAnnotationPart!
  }
  type ContextAnnotationPart {
    restId: String!
    name: String
    description: String
  }
  type TweetEditControls {
    editableUntil: DateTime!
    editsRemaining: Int!
    isEditEligible: Boolean!
  }
  type TweetGeo {
    placeId: String
    coordinates: GeoPoint
  }
  type GeoPoint {
    type: String!
    coordinates: [Float!]!
  }
  type TweetMediaMetadata {
    mediaKey: String!
    altText: String
  }
  type TweetNonPublicMetrics {
    impressionCount: Int
  }
  type NoteTweet {
    text: String
    entities: FullTextEntities
  }
  type TweetEngagementMetrics {
    impressionCount: Int
    likeCount: Int
    replyCount: Int
    retweetCount: Int
  }
  type TweetPublicMetrics {
    bookmarkCount: Int
    impressionCount: Int
    likeCount: Int
    quoteCount: Int
    replyCount: Int
    retweetCount: Int
  }
  type TweetReference {
    restId: String!
    type: ReferencedTweetType!
  }
  type TweetScopes {
    followers: Boolean
  }
  type SuggestedSourceLinkWithCount {
    count: Int
    url: UrlEntity
  }
  type TweetWithheld {
    copyright: Boolean
    countryCodes: [String!]!
    scope: WithheldScope
  }
`;

interface Ctx {
  request: Request;
  /** The page the operation read, for the links outside an event (a post's author). */
  page?: Page;
}
type Event = { e: DmEvent; p: Page };
type Withheld = { country_codes?: string[]; scope?: string };
type ContextAnnotationPart = NonNullable<Tweet['context_annotations']>[number]['domain'];
type TweetAttachments = NonNullable<Tweet['attachments']>;
type TweetReference = NonNullable<Tweet['referenced_tweets']>[number];
type MentionEntity = NonNullable<DmEvent['mentions']>[number];

/** The DM page's query string for each operation the reference answers (`max_results` appended). */
const QUERY_OF: Readonly<Record<string, string>> = { Everything: REFERENCE_QUERY, App: APP_QUERY };

/** The reference's yoga, reaching X through `fetchJson`. */
export function createReference(fetchJson: FetchJson) {
  const schema = createSchema<Ctx>({
    typeDefs,
    resolvers: {
      DateTime: new GraphQLScalarType({
        name: 'DateTime',
        serialize: (v) => dateOf(typeof v === 'string' ? v : undefined),
      }),
      Query: {
        async dmEvents(_: unknown, args: { first?: number }, ctx: Ctx, info: GraphQLResolveInfo) {
          const name = info.operation.name?.value ?? 'Everything';
          const authorization = ctx.request.headers.get('authorization');
          const page = pageOf(
            await fetchJson<DmEventsPage>(
              (QUERY_OF[name] ?? REFERENCE_QUERY) + String(args.first ?? 100),
              authorization,
            ),
          );
          // The app screen shows each referenced post's author: what the page lacks is looked up before answering.
          if (name === 'App') await lookUpLinks(page, fetchJson, authorization);
          ctx.page = page;
          return page;
        },
      },
      DmEventConnection: {
        edges: (p: Page) => p.events.map((e, i) => ({ cursor: `${p.next ?? ''}.${i}`, node: { e, p } })),
        nodes: (p: Page) => p.events.map((e) => ({ e, p })),
        pageInfo: (p: Page) => ({
          hasNextPage: p.next !== undefined,
          hasPreviousPage: false,
          startCursor: p.events.length ? `${p.next ?? ''}.0` : null,
          endCursor: p.events.length ? `${p.next ?? ''}.${p.events.length - 1}` : null,
        }),
      },
      DmEvent: {
        id: ({ e }: Event) => globalId('DmEvent', e.id),
        restId: ({ e }: Event) => e.id,
        eventType: ({ e }: Event) => enumOf(e.event_type),
        text: ({ e }: Event) => e.text,
        createdAt: ({ e }: Event) => e.created_at,
        conversationId: ({ e }: Event) => e.dm_conversation_id,
        conversation: ({ e }: Event) =>
          e.dm_conversation_id && {
            id: globalId('DmConversation', `c_${e.dm_conversation_id}`),
            conversationId: e.dm_conversation_id,
          },
        senderId: ({ e }: Event) => e.sender_id,
        sender: ({ e, p }: Event) => (e.sender_id ? p.users.get(e.sender_id) : null),
        participantIds: ({ e }: Event) => e.participant_ids,
        participants: ({ e, p }: Event) => e.participant_ids?.map((id) => p.users.get(id)),
        attachments: ({ e, p }: Event) =>
          e.event_type === 'MessageCreate'
            ? {
                media_keys: list(e.attachments?.media_keys),
                card_ids: list(e.attachments?.card_ids),
                media: (e.attachments?.media_keys ?? []).map((k) => p.media.get(k)).filter(present),
              }
            : null,
        referencedTweets: ({ e, p }: Event) => e.referenced_tweets?.map((r) => p.tweets.get(r.id)).filter(present),
        entities: ({ e }: Event) => (e.event_type === 'MessageCreate' ? e : null),
      },
      DmEntities: {
        hashtags: (e: DmEvent) => list(e.hashtags),
        cashtags: (e: DmEvent) => list(e.cashtags),
        mentions: (e: DmEvent) => list(e.mentions),
        urls: (e: DmEvent) => list(e.urls),
      },
      MentionEntity: { userId: (m: MentionEntity) => m.id },
      User: {
        id: (u: User) => globalId('User', u.id),
        restId: (u: User) => u.id,
        connectionStatus: (u: User) => u.connection_status?.map(enumOf),
        subscriptionType: (u: User) => enumOf(u.subscription_type),
        verifiedType: (u: User) => enumOf(u.verified_type),
      },
      UserWithheld: { countryCodes: (w: Withheld) => list(w.country_codes), scope: (w: Withheld) => enumOf(w.scope) },
      TweetWithheld: { countryCodes: (w: Withheld) => list(w.country_codes), scope: (w: Withheld) => enumOf(w.scope) },
      Media: { type: (m: Media) => enumOf(m.type) },
      Tweet: {
        id: (t: Tweet) => globalId('Tweet', t.id ?? ''),
        restId: (t: Tweet) => t.id,
        author: (t: Tweet, _: unknown, ctx: Ctx) => (t.author_id ? ctx.page?.users.get(t.author_id) : null),
        replySettings: (t: Tweet) => enumOf(t.reply_settings),
      },
      TweetAttachments: {
        mediaKeys: (a: TweetAttachments) => list(a.media_keys),
        mediaSourceTweetId: (a: TweetAttachments) => list(a.media_source_tweet_id),
        pollIds: (a: TweetAttachments) => list(a.poll_ids),
      },
      ContextAnnotationPart: { restId: (d: ContextAnnotationPart) => d.id },
      TweetReference: { restId: (r: TweetReference) => r.id, type: (r: TweetReference) => enumOf(r.type) },
    },
  });

  /** Types whose objects the resolvers above build under GraphQL's names. */
  const OWN = new Set(['Query', 'DmEventConnection', 'DmEventEdge', 'PageInfo', 'DmConversation']);
  // Every other field whose GraphQL name is not X's (`expandedUrl` <- `expanded_url`): a resolver reading X's name.
  // Fields under the same name keep no resolver, so graphql-jit reads the property inline.
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || OWN.has(type.name)) continue;
    for (const field of Object.values(type.getFields())) {
      const x = field.name
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([a-z])(\d)/g, '$1_$2')
        .toLowerCase();
      if (field.resolve || x === field.name) continue;
      const read: GraphQLFieldResolver<Record<string, unknown>, Ctx> = (source) => source[x];
      field.resolve = read;
    }
  }

  return createYoga<Ctx>({ schema, plugins: [useGraphQlJit()], landingPage: false, graphiql: false, logging: false });
}
