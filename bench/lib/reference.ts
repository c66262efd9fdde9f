/**
 * The reference (arm E): a hand-written graphql-yoga + graphql-jit server with its own small schema (the types and
 * fields `operations/everything.graphql` selects, under the gateway's names, so the same operation runs unchanged)
 * and resolvers that read X's JSON as it comes: one request to X per operation with a fixed query string (the
 * parameters the gateway sends), a Map of `includes` by id for the links. No planner, loaders, memory, rate-limit
 * book, deadline, logging or metrics: what the stack itself (yoga + graphql-jit + JSON) costs for this page.
 *
 * `fetchPage` is how it reaches X: undici over HTTP in the benchmark's child (`children/reference.ts`), a parsed
 * buffer in `npm run bench:in-process`.
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type GraphQLFieldResolver, GraphQLScalarType, isObjectType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';

type X = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Fetches `path` from X with the caller's `authorization`; resolves to the parsed body of a 200, rejects otherwise. */
export type FetchPage = (path: string, authorization: string | null) => Promise<X>;

/** What the gateway asks X for the arm-C operation (its query string, `max_results` appended). */
export const REFERENCE_QUERY =
  '/2/dm_events?user.fields=affiliation,confirmed_email,connection_status,created_at,description,entities,is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,subscription,subscription_type,url,username,verified,verified_followers_count,verified_type,withheld' +
  '&media.fields=alt_text,duration_ms,height,media_key,non_public_metrics,organic_metrics,preview_image_url,promoted_metrics,public_metrics,type,url,variants,width' +
  '&tweet.fields=article,attachments,author_id,card_uri,community_id,context_annotations,conversation_id,created_at,display_text_range,edit_controls,edit_history_tweet_ids,entities,geo,in_reply_to_user_id,lang,media_metadata,non_public_metrics,note_tweet,organic_metrics,possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,reply_settings,scopes,source,suggested_source_links,suggested_source_links_with_counts,text,withheld' +
  '&dm_event.fields=attachments,created_at,dm_conversation_id,entities,event_type,participant_ids,referenced_tweets,sender_id,text' +
  '&expansions=attachments.media_keys,participant_ids,referenced_tweets.id,sender_id&max_results=';

interface Page {
  events: X[];
  users: Map<string, X>;
  media: Map<string, X>;
  tweets: Map<string, X>;
  next?: string;
}

const byId = (list: X[] | undefined, key: string) => new Map((list ?? []).map((o) => [o[key] as string, o]));
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
/** `MessageCreate`, `replied_to`, `mentionedUsers`, `photo` -> the GraphQL enum value. */
const enumOf = (v: string | undefined) => v?.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
/** RFC 3339 in UTC without empty milliseconds, as the gateway's DateTime serialises X's usual strings. */
const dateOf = (v: string | undefined) => (v?.endsWith('.000Z') ? `${v.slice(0, -5)}Z` : v);
const list = (v: unknown) => v ?? [];

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
  page?: Page;
}
type Event = { e: X; p: Page };

/** The reference's yoga, reaching X through `fetchPage`. */
export function createReference(fetchPage: FetchPage) {
  const schema = createSchema<Ctx>({
    typeDefs,
    resolvers: {
      DateTime: new GraphQLScalarType({ name: 'DateTime', serialize: (v) => dateOf(v as string) }),
      Query: {
        async dmEvents(_: unknown, args: { first?: number }, ctx: Ctx) {
          const body = await fetchPage(
            REFERENCE_QUERY + String(args.first ?? 100),
            ctx.request.headers.get('authorization'),
          );
          const inc = body.includes ?? {};
          const p: Page = {
            events: body.data ?? [],
            users: byId(inc.users, 'id'),
            media: byId(inc.media, 'media_key'),
            tweets: byId(inc.tweets, 'id'),
            next: body.meta?.next_token,
          };
          return p;
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
        participants: ({ e, p }: Event) => e.participant_ids?.map((id: string) => p.users.get(id)),
        attachments: ({ e, p }: Event) =>
          e.event_type === 'MessageCreate'
            ? {
                media_keys: list(e.attachments?.media_keys),
                card_ids: list(e.attachments?.card_ids),
                media: (e.attachments?.media_keys ?? []).map((k: string) => p.media.get(k)).filter(Boolean),
              }
            : null,
        referencedTweets: ({ e, p }: Event) => e.referenced_tweets?.map((r: X) => p.tweets.get(r.id)).filter(Boolean),
        entities: ({ e }: Event) => (e.event_type === 'MessageCreate' ? e : null),
      },
      DmEntities: {
        hashtags: (e: X) => list(e.hashtags),
        cashtags: (e: X) => list(e.cashtags),
        mentions: (e: X) => list(e.mentions),
        urls: (e: X) => list(e.urls),
      },
      MentionEntity: { userId: (m: X) => m.id },
      User: {
        id: (u: X) => globalId('User', u.id),
        restId: (u: X) => u.id,
        connectionStatus: (u: X) => u.connection_status?.map(enumOf),
        subscriptionType: (u: X) => enumOf(u.subscription_type),
        verifiedType: (u: X) => enumOf(u.verified_type),
      },
      UserWithheld: { countryCodes: (w: X) => list(w.country_codes), scope: (w: X) => enumOf(w.scope) },
      TweetWithheld: { countryCodes: (w: X) => list(w.country_codes), scope: (w: X) => enumOf(w.scope) },
      Media: { type: (m: X) => enumOf(m.type) },
      Tweet: {
        id: (t: X) => globalId('Tweet', t.id),
        restId: (t: X) => t.id,
        replySettings: (t: X) => enumOf(t.reply_settings),
      },
      TweetAttachments: {
        mediaKeys: (a: X) => list(a.media_keys),
        mediaSourceTweetId: (a: X) => list(a.media_source_tweet_id),
        pollIds: (a: X) => list(a.poll_ids),
      },
      ContextAnnotationPart: { restId: (d: X) => d.id },
      TweetReference: { restId: (r: X) => r.id, type: (r: X) => enumOf(r.type) },
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
      field.resolve = ((source: X) => source[x]) as GraphQLFieldResolver<X, Ctx>;
    }
  }

  return createYoga<Ctx>({ schema, plugins: [useGraphQlJit()], landingPage: false, graphiql: false, logging: false });
}
