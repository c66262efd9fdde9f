/**
 * `User`: an X account (`user.fields`), with its links to its pinned and most recent posts and its affiliation.
 */
import { type GraphQLObjectType, getNamedType } from 'graphql';
import { callsX, links, reads, xKind } from '../planner/needs.js';
import { Planned } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import type { Tweet, User } from '../x/wire.js';
import { builder } from './builder.js';
import { fromX, xField } from './x-fields.js';
import { nodeId } from './node-id.js';
import { UrlEntityRef } from './entities.js';
import { xEnum } from './enums.js';
import { loadLinked, loadLinkedList, planned } from './links.js';
import { TweetRef, UserRef } from './refs.js';
import { FullTextEntitiesRef, WithheldScopeEnum } from './tweet.js';

type UserAffiliation = NonNullable<User['affiliation']>;
type UserEntities = NonNullable<User['entities']>;
type UserUrlEntities = NonNullable<UserEntities['url']>;
type UserPublicMetrics = NonNullable<User['public_metrics']>;
type UserSubscription = NonNullable<User['subscription']>;
type UserWithheld = NonNullable<User['withheld']>;

export const UserVerifiedTypeEnum = xEnum(
  'UserVerifiedType',
  ['blue', 'government', 'business', 'none'],
  'Which kind of verification checkmark a user has.',
);

export const UserSubscriptionTypeEnum = xEnum(
  'UserSubscriptionType',
  ['Basic', 'Premium', 'PremiumPlus', 'None'],
  'Which X Premium subscription a user has.',
);

export const UserConnectionStatusEnum = xEnum(
  'UserConnectionStatus',
  ['follow_request_received', 'follow_request_sent', 'blocking', 'followed_by', 'following', 'muting'],
  'One aspect of the relationship between the caller and a user.',
);

const UserAffiliationRef = builder.objectRef<Planned<UserAffiliation>>('UserAffiliation').implement({
  description: 'The organisation a user is affiliated with, shown as a badge on the profile.',
  fields: (t) => ({
    description: t.string({ description: 'The name of the affiliation.', resolve: fromX('description') }),
    badgeUrl: t.string({ description: 'The image of the badge.', resolve: fromX('badge_url') }),
    url: t.string({ description: 'Where to learn about the affiliation.', resolve: fromX('url') }),
    userId: t.stringList({
      description: 'Ids of the affiliated organisation accounts (X names this list in the singular).',
      resolve: fromX('user_id'),
    }),
    users: t.field({
      type: [UserRef],
      description: 'The affiliated organisation accounts.',
      ...links([], { kind: 'user', expansion: 'affiliation.user_id' }),
      resolve: (a, _args, context, info) => loadLinkedList<User>(context, a.plan, info, a.x.user_id),
    }),
  }),
});

const UserUrlEntitiesRef = builder.objectRef<UserUrlEntities>('UserUrlEntities').implement({
  description: "The expanded form of the URL in a user's profile.",
  fields: (t) => ({
    urls: t.expose('urls', { type: [UrlEntityRef] }),
  }),
});

const UserEntitiesRef = builder.objectRef<Planned<UserEntities>>('UserEntities').implement({
  description: "Entities found in a user's profile description and URL.",
  fields: (t) => ({
    description: t.field({
      type: FullTextEntitiesRef,
      description: 'Entities of the profile description.',
      resolve: (e, _args, _context, info) => planned(e.plan, info, e.x.description),
    }),
    url: t.field({ type: UserUrlEntitiesRef, description: 'The profile URL.', resolve: fromX('url') }),
  }),
});

const UserPublicMetricsRef = builder.objectRef<UserPublicMetrics>('UserPublicMetrics').implement({
  description: 'Public counts of a user.',
  fields: (t) => ({
    followersCount: t.exposeInt('followers_count'),
    followingCount: t.exposeInt('following_count'),
    tweetCount: t.exposeInt('tweet_count', { description: 'How many posts (retweets included) the user posted.' }),
    listedCount: t.exposeInt('listed_count', { description: 'How many lists include the user.' }),
    likeCount: t.exposeInt('like_count', { description: 'How many posts the user liked.' }),
  }),
});

const UserSubscriptionRef = builder.objectRef<UserSubscription>('UserSubscription').implement({
  description: 'Subscriptions between the caller and a user.',
  fields: (t) => ({
    subscribesToYou: t.exposeBoolean('subscribes_to_you', {
      description: 'Whether the user subscribes to the caller.',
    }),
  }),
});

const UserWithheldRef = builder.objectRef<UserWithheld>('UserWithheld').implement({
  description: 'Where a user is withheld.',
  fields: (t) => ({
    countryCodes: t.exposeStringList('country_codes', {
      nullable: false,
      description: 'The countries (ISO 3166-1 alpha-2) where the user is withheld.',
    }),
    scope: t.expose('scope', { type: WithheldScopeEnum }),
  }),
});

builder.node(UserRef, {
  description: 'An X account.',
  ...xKind('user'),
  id: nodeId(UserRef, (u: Planned<User>) => u.x.id),
  fields: (t) => ({
    restId: t.string({ nullable: false, description: "X's id of the user.", resolve: fromX('id') }),
    name: t.string({
      nullable: false,
      description: 'The display name.',
      ...xField('name'),
    }),
    username: t.string({
      nullable: false,
      description: 'The handle, without its `@`.',
      ...xField('username'),
    }),
    createdAt: t.field({ type: 'DateTime', ...xField('created_at') }),
    description: t.string({ description: 'The profile bio.', ...xField('description') }),
    entities: t.field({
      type: UserEntitiesRef,
      ...reads('entities'),
      resolve: (u, _args, _context, info) => planned(u.plan, info, u.x.entities),
    }),
    location: t.string({
      description: 'The free-form location of the profile.',
      ...xField('location'),
    }),
    url: t.string({ description: 'The URL of the profile.', ...xField('url') }),
    profileImageUrl: t.string(xField('profile_image_url')),
    profileBannerUrl: t.string(xField('profile_banner_url')),
    protected: t.boolean({
      description: "Whether the user's posts are visible to approved followers only.",
      ...xField('protected'),
    }),
    verified: t.boolean(xField('verified')),
    verifiedType: t.field({ type: UserVerifiedTypeEnum, ...xField('verified_type') }),
    verifiedFollowersCount: t.int({
      ...xField('verified_followers_count'),
    }),
    isIdentityVerified: t.boolean({
      description: 'Whether the user verified their identity with X.',
      ...xField('is_identity_verified'),
    }),
    parody: t.boolean({
      description: 'Whether the account is labelled as parody, commentary or fan account.',
      ...xField('parody'),
    }),
    subscriptionType: t.field({
      type: UserSubscriptionTypeEnum,
      ...xField('subscription_type'),
    }),
    subscription: t.field({ type: UserSubscriptionRef, ...xField('subscription') }),
    subscribesToYou: t.boolean({
      description: 'Whether the user subscribes to the caller.',
      ...reads('subscribes_to_you'),
      // Spec 2.159 says it only inside `subscription`, which its dialect asks for instead.
      resolve: (u) => u.x.subscribes_to_you ?? u.x.subscription?.subscribes_to_you,
    }),
    confirmedEmail: t.string({
      description: "The user's confirmed email address; only for the caller, with the `users.email` scope.",
      ...xField('confirmed_email'),
    }),
    connectionStatus: t.field({
      type: [UserConnectionStatusEnum],
      description: 'How the caller and the user are related.',
      ...xField('connection_status'),
    }),
    receivesYourDm: t.boolean({
      description: 'Whether the caller can send the user a direct message.',
      ...xField('receives_your_dm'),
    }),
    publicMetrics: t.field({ type: UserPublicMetricsRef, ...xField('public_metrics') }),
    affiliation: t.field({
      type: UserAffiliationRef,
      ...reads('affiliation'),
      resolve: (u, _args, _context, info) => planned(u.plan, info, u.x.affiliation),
    }),
    pinnedTweetId: t.string(xField('pinned_tweet_id')),
    pinnedTweet: t.field({
      type: TweetRef,
      description: 'The post pinned to the profile.',
      ...links('pinned_tweet_id', { kind: 'tweet', expansion: 'pinned_tweet_id' }),
      resolve: (u, _args, context, info) => loadLinked<Tweet>(context, u.plan, info, u.x.pinned_tweet_id),
    }),
    mostRecentTweetId: t.string(xField('most_recent_tweet_id')),
    mostRecentTweet: t.field({
      type: TweetRef,
      description: "The user's latest post.",
      ...links('most_recent_tweet_id', { kind: 'tweet', expansion: 'most_recent_tweet_id' }),
      resolve: (u, _args, context, info) => loadLinked<Tweet>(context, u.plan, info, u.x.most_recent_tweet_id),
    }),
    withheld: t.field({ type: UserWithheldRef, ...xField('withheld') }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: UserRef,
    description:
      'The caller: the X user whose token the request carries (`GET /2/users/me`), planned like any other user.',
    ...callsX('me'),
    resolve: async (_root, _args, context, info) => {
      const { params, plan } = planField(
        info,
        'user',
        getNamedType(info.returnType) as GraphQLObjectType,
        context.x.dialect,
      );
      // From memory while it knows the caller freshly, else `GET /2/users/me`, shared with
      // `DmConversation.conversationId`, which asks the same endpoint for the caller's id: one call.
      const self = await context.reader.self(params);
      return self ? new Planned(self, plan) : null;
    },
  }),
);
