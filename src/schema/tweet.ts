/**
 * `Tweet`: a post (`tweet.fields`), with its links to users, other posts, media, polls and places, and the value
 * objects it carries. `FullTextEntities` and `WithheldScope` are shared with `User`.
 */
import { links, reads, xKind } from '../planner/needs.js';
import type { Planned } from '../planner/plan.js';
import type { components } from '../x/generated/x-api-2.159.js';
import type { Article, Media, MediaMetadata, Place, Poll, Tweet, User } from '../x/wire.js';
import { builder } from './builder.js';
import { fromX, xField } from './x-fields.js';
import { nodeId } from './node-id.js';
import { attachedMedia } from './media.js';
import { CashtagEntityRef, HashtagEntityRef, MentionEntityRef, UrlEntityRef } from './entities.js';
import { xEnum } from './enums.js';
import { loadLinked, loadLinkedList, planned, plannedList } from './links.js';
import { GeoPointRef } from './place.js';
import { MediaRef, PlaceRef, PollRef, TweetRef, UserRef } from './refs.js';

type Schemas = components['schemas'];
/** Entities of a text; `note_tweet.entities` has the same arrays but no annotations. */
type FullTextEntities = Schemas['FullTextEntities'];
type EntityAnnotation = NonNullable<FullTextEntities['annotations']>[number];
type ContextAnnotation = Schemas['ContextAnnotation'];
type ContextAnnotationDomain = ContextAnnotation['domain'];
type ContextAnnotationEntity = ContextAnnotation['entity'];
type TweetAttachments = NonNullable<Tweet['attachments']>;
type TweetReference = NonNullable<Tweet['referenced_tweets']>[number];
type TweetGeo = NonNullable<Tweet['geo']>;
type NoteTweet = NonNullable<Tweet['note_tweet']>;
type EditControls = NonNullable<Tweet['edit_controls']>;
type TweetPublicMetrics = NonNullable<Tweet['public_metrics']>;
type TweetNonPublicMetrics = NonNullable<Tweet['non_public_metrics']>;
/** `organic_metrics` and `promoted_metrics` have the same fields. */
type TweetEngagementMetrics = NonNullable<Tweet['organic_metrics']> | NonNullable<Tweet['promoted_metrics']>;
type TweetScopes = NonNullable<Tweet['scopes']>;
type TweetWithheld = NonNullable<Tweet['withheld']>;
type SuggestedSourceLinkWithCount = NonNullable<Tweet['suggested_source_links_with_counts']>;

export const ReferencedTweetTypeEnum = xEnum(
  'ReferencedTweetType',
  ['retweeted', 'quoted', 'replied_to'],
  'How a post refers to another.',
);

export const ReplySettingsEnum = xEnum(
  'ReplySettings',
  ['everyone', 'mentionedUsers', 'following', 'other', 'subscribers', 'verified'],
  'Who can reply to a post.',
);

/** Shared by `TweetWithheld.scope` and `UserWithheld.scope`. */
export const WithheldScopeEnum = xEnum(
  'WithheldScope',
  ['tweet', 'user'],
  'What is withheld: a post, or a whole user.',
);

const EntityAnnotationRef = builder.objectRef<EntityAnnotation>('EntityAnnotation').implement({
  description: 'A named thing (a person, a place, a product...) X recognised in a text.',
  fields: (t) => ({
    start: t.exposeInt('start', { nullable: false, description: 'Where it starts in the text (inclusive).' }),
    end: t.exposeInt('end', {
      nullable: false,
      description: 'Where it ends in the text (inclusive, unlike the other entities).',
    }),
    probability: t.exposeFloat('probability', { description: 'How confident X is, from 0 to 1.' }),
    type: t.exposeString('type', { description: 'What kind of thing it is, e.g. `Person`.' }),
    normalizedText: t.exposeString('normalized_text', { description: 'The thing as X names it.' }),
  }),
});

/** The entities of a post's text, of its long-form note, or of a user's profile description. */
export const FullTextEntitiesRef = builder.objectRef<Planned<FullTextEntities>>('FullTextEntities').implement({
  description: 'Hashtags, cashtags, mentions, URLs and annotations found in a text.',
  fields: (t) => ({
    annotations: t.field({ type: [EntityAnnotationRef], resolve: fromX('annotations') }),
    hashtags: t.field({ type: [HashtagEntityRef], resolve: fromX('hashtags') }),
    cashtags: t.field({ type: [CashtagEntityRef], resolve: fromX('cashtags') }),
    mentions: t.field({
      type: [MentionEntityRef],
      resolve: (e, _args, _context, info) => plannedList(e.plan, info, e.x.mentions),
    }),
    urls: t.field({ type: [UrlEntityRef], resolve: fromX('urls') }),
  }),
});

const ContextAnnotationDomainRef = builder.objectRef<ContextAnnotationDomain>('ContextAnnotationDomain').implement({
  description: 'A domain of context annotations, e.g. `Brand`.',
  fields: (t) => ({
    restId: t.exposeString('id', { nullable: false, description: "X's id of the domain." }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
  }),
});

const ContextAnnotationEntityRef = builder.objectRef<ContextAnnotationEntity>('ContextAnnotationEntity').implement({
  description: 'An entity of a context annotation domain, e.g. a given brand.',
  fields: (t) => ({
    restId: t.exposeString('id', { nullable: false, description: "X's id of the entity." }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
  }),
});

const ContextAnnotationRef = builder.objectRef<ContextAnnotation>('ContextAnnotation').implement({
  description: 'A topic X inferred from a post.',
  fields: (t) => ({
    domain: t.expose('domain', { type: ContextAnnotationDomainRef, nullable: false }),
    entity: t.expose('entity', { type: ContextAnnotationEntityRef, nullable: false }),
  }),
});

const TweetAttachmentsRef = builder.objectRef<Planned<TweetAttachments>>('TweetAttachments').implement({
  description: 'What is attached to a post.',
  fields: (t) => ({
    mediaKeys: t.stringList({ nullable: false, resolve: (a) => a.x.media_keys ?? [] }),
    media: t.field({ type: [MediaRef], nullable: false, ...attachedMedia }),
    pollIds: t.stringList({ nullable: false, resolve: (a) => a.x.poll_ids ?? [] }),
    polls: t.field({
      type: [PollRef],
      nullable: false,
      description: 'The attached polls.',
      ...links([], { kind: 'poll', expansion: 'attachments.poll_ids' }),
      resolve: (a, _args, context, info) => loadLinkedList<Poll>(context, a.plan, info, a.x.poll_ids ?? []) ?? [],
    }),
    mediaSourceTweetId: t.stringList({
      nullable: false,
      description: 'Ids of the posts the attached media were first posted in (X names this list in the singular).',
      resolve: (a) => a.x.media_source_tweet_id ?? [],
    }),
    mediaSourceTweets: t.field({
      type: [TweetRef],
      nullable: false,
      description: 'The posts the attached media were first posted in.',
      ...links([], { kind: 'tweet', expansion: 'attachments.media_source_tweet' }),
      resolve: (a, _args, context, info) =>
        loadLinkedList<Tweet>(context, a.plan, info, a.x.media_source_tweet_id ?? []) ?? [],
    }),
  }),
});

const TweetReferenceRef = builder.objectRef<Planned<TweetReference>>('TweetReference').implement({
  description: 'A post this post retweets, quotes or replies to.',
  fields: (t) => ({
    type: t.field({ type: ReferencedTweetTypeEnum, nullable: false, resolve: fromX('type') }),
    restId: t.string({ nullable: false, description: "X's id of the referenced post.", resolve: fromX('id') }),
    tweet: t.field({
      type: TweetRef,
      description: 'The referenced post.',
      ...links([], { kind: 'tweet', expansion: 'referenced_tweets.id' }),
      resolve: (r, _args, context, info) => loadLinked<Tweet>(context, r.plan, info, r.x.id),
    }),
  }),
});

const TweetGeoRef = builder.objectRef<Planned<TweetGeo>>('TweetGeo').implement({
  description: 'The location a post is tagged with.',
  fields: (t) => ({
    placeId: t.string({ resolve: fromX('place_id') }),
    place: t.field({
      type: PlaceRef,
      description: 'The tagged place.',
      ...links([], { kind: 'place', expansion: 'geo.place_id' }),
      resolve: (g, _args, context, info) => loadLinked<Place>(context, g.plan, info, g.x.place_id),
    }),
    coordinates: t.field({
      type: GeoPointRef,
      description: 'The exact point, when the author shared one.',
      resolve: fromX('coordinates'),
    }),
  }),
});

const NoteTweetRef = builder.objectRef<Planned<NoteTweet>>('NoteTweet').implement({
  description: 'The full text of a long post, beyond the 280 characters of `text`.',
  fields: (t) => ({
    text: t.string({ resolve: fromX('text') }),
    entities: t.field({
      type: FullTextEntitiesRef,
      description: 'Entities of the full text (without annotations).',
      resolve: (n, _args, _context, info) => planned(n.plan, info, n.x.entities),
    }),
  }),
});

type MatchedMediaNote = NonNullable<Tweet['matched_media_notes']>[number];
type NoteRequestSuggestion = NonNullable<Tweet['note_request_suggestions']>[number];

const MatchedMediaNoteRef = builder.objectRef<MatchedMediaNote>('MatchedMediaNote').implement({
  description: 'A Community Note matched to media in the post.',
  fields: (t) => ({
    matchStatus: t.string({ description: 'The status of the match.', resolve: (m) => m.match_status }),
    noteId: t.string({ description: "The matched note's id.", resolve: (m) => m.note_id }),
  }),
});

const NoteRequestSuggestionRef = builder.objectRef<NoteRequestSuggestion>('NoteRequestSuggestion').implement({
  description: 'A suggestion made when a Community Note was requested for the post.',
  fields: (t) => ({
    suggestionId: t.string({ resolve: (n) => n.suggestion_id }),
    suggestion: t.exposeString('suggestion', { description: 'The text of the suggestion.' }),
    sourceLink: t.string({ description: 'A source supporting it.', resolve: (n) => n.source_link }),
  }),
});

const TweetArticleRef = builder.objectRef<Planned<Article>>('TweetArticle').implement({
  description: 'A long-form article published as a post.',
  fields: (t) => ({
    title: t.string({ resolve: fromX('title') }),
    previewText: t.string({ description: 'The teaser shown in timelines.', resolve: fromX('preview_text') }),
    plainText: t.string({ description: 'The whole article as plain text.', resolve: fromX('plain_text') }),
    coverMedia: t.string({ description: 'The media key of the cover image.', resolve: fromX('cover_media') }),
    cover: t.field({
      type: MediaRef,
      description: 'The cover image.',
      ...links([], { kind: 'media', expansion: 'article.cover_media' }),
      resolve: (a, _args, context, info) => loadLinked<Media>(context, a.plan, info, a.x.cover_media),
    }),
    mediaEntities: t.stringList({
      description: 'The media keys of the media in the article.',
      resolve: fromX('media_entities'),
    }),
    media: t.field({
      type: [MediaRef],
      description: 'The media in the article.',
      ...links([], { kind: 'media', expansion: 'article.media_entities' }),
      resolve: (a, _args, context, info) => loadLinkedList<Media>(context, a.plan, info, a.x.media_entities),
    }),
  }),
});

const TweetMediaMetadataRef = builder.objectRef<MediaMetadata>('TweetMediaMetadata').implement({
  description: 'What the author said about one attached media object.',
  fields: (t) => ({
    mediaKey: t.exposeString('media_key', { nullable: false }),
    altText: t.exposeString('alt_text', { description: 'The description for people who cannot see it.' }),
  }),
});

const TweetEditControlsRef = builder.objectRef<EditControls>('TweetEditControls').implement({
  description: 'Whether and until when a post can be edited.',
  fields: (t) => ({
    isEditEligible: t.exposeBoolean('is_edit_eligible', { nullable: false }),
    editableUntil: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.editable_until }),
    editsRemaining: t.exposeInt('edits_remaining', { nullable: false }),
  }),
});

const TweetPublicMetricsRef = builder.objectRef<TweetPublicMetrics>('TweetPublicMetrics').implement({
  description: 'Public engagement counts of a post.',
  fields: (t) => ({
    retweetCount: t.exposeInt('retweet_count'),
    replyCount: t.exposeInt('reply_count'),
    likeCount: t.exposeInt('like_count'),
    quoteCount: t.exposeInt('quote_count'),
    bookmarkCount: t.exposeInt('bookmark_count'),
    impressionCount: t.exposeInt('impression_count'),
  }),
});

const TweetNonPublicMetricsRef = builder.objectRef<TweetNonPublicMetrics>('TweetNonPublicMetrics').implement({
  description: 'Private counts of a post, visible to its author only.',
  fields: (t) => ({
    impressionCount: t.exposeInt('impression_count'),
  }),
});

const TweetEngagementMetricsRef = builder.objectRef<TweetEngagementMetrics>('TweetEngagementMetrics').implement({
  description: 'Private engagement counts of a post, organic or promoted, visible to its author only.',
  fields: (t) => ({
    impressionCount: t.exposeInt('impression_count'),
    likeCount: t.exposeInt('like_count'),
    replyCount: t.exposeInt('reply_count'),
    retweetCount: t.exposeInt('retweet_count'),
  }),
});

const TweetScopesRef = builder.objectRef<TweetScopes>('TweetScopes').implement({
  description: 'Who can see a post.',
  fields: (t) => ({
    followers: t.exposeBoolean('followers', {
      description: "Whether the author's followers can see it without knowing its id.",
    }),
  }),
});

const TweetWithheldRef = builder.objectRef<TweetWithheld>('TweetWithheld').implement({
  description: 'Where and why a post (or its author) is withheld.',
  fields: (t) => ({
    copyright: t.exposeBoolean('copyright', { description: 'Whether it is withheld for copyright infringement.' }),
    countryCodes: t.exposeStringList('country_codes', {
      nullable: false,
      description: 'The countries (ISO 3166-1 alpha-2) where it is withheld.',
    }),
    scope: t.expose('scope', { type: WithheldScopeEnum }),
  }),
});

const SuggestedSourceLinkWithCountRef = builder
  .objectRef<SuggestedSourceLinkWithCount>('SuggestedSourceLinkWithCount')
  .implement({
    description: 'A source link suggested for a community note, with how many note requests suggested it.',
    fields: (t) => ({
      count: t.exposeInt('count', { description: 'How many note requests included the link.' }),
      url: t.expose('url', { type: UrlEntityRef }),
    }),
  });

builder.node(TweetRef, {
  description: 'A post (formerly a tweet).',
  ...xKind('tweet'),
  // X always sends a post's id.
  id: nodeId(TweetRef, (tw: Planned<Tweet>) => tw.x.id as string),
  fields: (t) => ({
    restId: t.string({ nullable: false, description: "X's id of the post.", resolve: (tw) => tw.x.id as string }),
    text: t.string({
      description: 'The text, up to 280 characters (see `noteTweet` for longer posts).',
      ...xField('text'),
    }),
    createdAt: t.field({ type: 'DateTime', ...xField('created_at') }),
    authorId: t.string(xField('author_id')),
    author: t.field({
      type: UserRef,
      description: 'Who posted it.',
      ...links('author_id', { kind: 'user', expansion: 'author_id' }),
      resolve: (tw, _args, context, info) => loadLinked<User>(context, tw.plan, info, tw.x.author_id),
    }),
    conversationId: t.string({
      description: 'The id of the post that started the conversation this post belongs to.',
      ...xField('conversation_id'),
    }),
    inReplyToUserId: t.string(xField('in_reply_to_user_id')),
    inReplyToUser: t.field({
      type: UserRef,
      description: 'The author of the post this one replies to.',
      ...links('in_reply_to_user_id', { kind: 'user', expansion: 'in_reply_to_user_id' }),
      resolve: (tw, _args, context, info) => loadLinked<User>(context, tw.plan, info, tw.x.in_reply_to_user_id),
    }),
    referencedTweets: t.field({
      type: [TweetReferenceRef],
      description: 'The posts this post retweets, quotes or replies to.',
      ...reads('referenced_tweets'),
      resolve: (tw, _args, _context, info) => plannedList(tw.plan, info, tw.x.referenced_tweets),
    }),
    attachments: t.field({
      type: TweetAttachmentsRef,
      ...reads('attachments'),
      resolve: (tw, _args, _context, info) => planned(tw.plan, info, tw.x.attachments),
    }),
    geo: t.field({
      type: TweetGeoRef,
      ...reads('geo'),
      resolve: (tw, _args, _context, info) => planned(tw.plan, info, tw.x.geo),
    }),
    entities: t.field({
      type: FullTextEntitiesRef,
      description: 'Entities found in `text`.',
      ...reads('entities'),
      resolve: (tw, _args, _context, info) => planned(tw.plan, info, tw.x.entities),
    }),
    noteTweet: t.field({
      type: NoteTweetRef,
      ...reads('note_tweet'),
      resolve: (tw, _args, _context, info) => planned(tw.plan, info, tw.x.note_tweet),
    }),
    article: t.field({
      type: TweetArticleRef,
      ...reads('article'),
      resolve: (tw, _args, _context, info) => planned(tw.plan, info, tw.x.article),
    }),
    articleTitle: t.string({
      description: 'The title of the long-form article attached to the post.',
      ...reads('article_title'),
      // Spec 2.167 asks for it on its own; 2.159 only inside `article`, which its dialect asks for instead.
      resolve: (tw) =>
        (typeof tw.x.article_title === 'string' ? tw.x.article_title : tw.x.article_title?.title) ??
        tw.x.article?.title,
    }),
    matchedMediaNotes: t.field({
      type: [MatchedMediaNoteRef],
      description: 'Community Notes matched to its media (X spec 2.167; null from an upstream of spec 2.159).',
      ...xField('matched_media_notes'),
    }),
    noteRequestSuggestions: t.field({
      type: [NoteRequestSuggestionRef],
      description: 'Suggestions made with Community Note requests (X spec 2.167; null from an upstream of spec 2.159).',
      ...xField('note_request_suggestions'),
    }),
    paidPartnership: t.boolean({
      description:
        'Whether the author disclosed it as paid promotion (X spec 2.167; null from an upstream of spec 2.159).',
      ...xField('paid_partnership'),
    }),
    cardUri: t.string({
      description: 'The URI of the card (link preview) attached to the post.',
      ...xField('card_uri'),
    }),
    mediaMetadata: t.field({
      type: [TweetMediaMetadataRef],
      ...xField('media_metadata'),
    }),
    communityId: t.string({
      description: 'The id of the community the post was posted in.',
      ...xField('community_id'),
    }),
    contextAnnotations: t.field({
      type: [ContextAnnotationRef],
      ...xField('context_annotations'),
    }),
    displayTextRange: t.intList({
      description: 'The `[start, end]` of the visible part of `text`, leaving out leading mentions and trailing links.',
      ...xField('display_text_range'),
    }),
    editControls: t.field({
      type: TweetEditControlsRef,
      ...xField('edit_controls'),
    }),
    editHistoryTweetIds: t.stringList({
      description: 'The ids of every version of the post, oldest first.',
      ...xField('edit_history_tweet_ids'),
    }),
    lang: t.string({ description: 'The detected language, as a BCP 47 tag.', ...xField('lang') }),
    possiblySensitive: t.boolean({
      description: 'Whether the post links to content that may be sensitive.',
      ...xField('possibly_sensitive'),
    }),
    replySettings: t.field({ type: ReplySettingsEnum, ...xField('reply_settings') }),
    scopes: t.field({ type: TweetScopesRef, ...xField('scopes') }),
    source: t.string({
      description: 'The app it was posted with (deprecated by X).',
      ...xField('source'),
    }),
    publicMetrics: t.field({
      type: TweetPublicMetricsRef,
      ...xField('public_metrics'),
    }),
    nonPublicMetrics: t.field({
      type: TweetNonPublicMetricsRef,
      ...xField('non_public_metrics'),
    }),
    organicMetrics: t.field({
      type: TweetEngagementMetricsRef,
      ...xField('organic_metrics'),
    }),
    promotedMetrics: t.field({
      type: TweetEngagementMetricsRef,
      ...xField('promoted_metrics'),
    }),
    suggestedSourceLinks: t.field({
      type: [UrlEntityRef],
      description: "Source links suggested for a community note on the post, as URL entities (X's spec shape).",
      ...xField('suggested_source_links'),
    }),
    suggestedSourceLinksWithCounts: t.field({
      type: SuggestedSourceLinkWithCountRef,
      description: "A suggested source link with its count (a single object in X's spec).",
      ...xField('suggested_source_links_with_counts'),
    }),
    withheld: t.field({ type: TweetWithheldRef, ...xField('withheld') }),
  }),
});
