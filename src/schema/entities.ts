/**
 * Entities found in texts: hashtags, cashtags, mentions and URLs with their `start`/`end` offsets. DMs, tweets
 * (`entities`, `note_tweet.entities`) and user profiles (`entities.description`, `entities.url`) share them.
 */
import { links } from '../planner/needs.js';
import type { Planned } from '../planner/plan.js';
import type { CashtagEntity, HashtagEntity, MentionEntity, UrlEntity, User } from '../x/wire.js';
import { builder } from './builder.js';
import { fromX } from './x-fields.js';
import { loadLinked } from './links.js';
import { UserRef } from './refs.js';

type UrlImage = NonNullable<UrlEntity['images']>[number];

const span = { start: 'Where it starts in the text (inclusive).', end: 'Where it ends in the text (exclusive).' };

export const HashtagEntityRef = builder.objectRef<HashtagEntity>('HashtagEntity').implement({
  description: 'A `#hashtag` in a text.',
  fields: (t) => ({
    start: t.exposeInt('start', { nullable: false, description: span.start }),
    end: t.exposeInt('end', { nullable: false, description: span.end }),
    tag: t.exposeString('tag', { nullable: false, description: 'The hashtag without its `#`.' }),
  }),
});

export const CashtagEntityRef = builder.objectRef<CashtagEntity>('CashtagEntity').implement({
  description: 'A `$CASHTAG` in a text.',
  fields: (t) => ({
    start: t.exposeInt('start', { nullable: false, description: span.start }),
    end: t.exposeInt('end', { nullable: false, description: span.end }),
    tag: t.exposeString('tag', { nullable: false, description: 'The cashtag without its `$`.' }),
  }),
});

export const MentionEntityRef = builder.objectRef<Planned<MentionEntity>>('MentionEntity').implement({
  description: 'An `@mention` of a user in a text.',
  fields: (t) => ({
    start: t.int({ nullable: false, description: span.start, resolve: fromX('start') }),
    end: t.int({ nullable: false, description: span.end, resolve: fromX('end') }),
    username: t.string({ nullable: false, resolve: fromX('username') }),
    userId: t.string({ description: "The mentioned user's X id.", resolve: fromX('id') }),
    user: t.field({
      type: UserRef,
      description: 'The mentioned user.',
      ...links([], { kind: 'user', expansion: 'entities.mentions.username' }),
      resolve: (m, _args, context, info) => loadLinked<User>(context, m.plan, info, m.x.id),
    }),
  }),
});

export const UrlImageRef = builder.objectRef<UrlImage>('UrlImage').implement({
  description: 'A preview image of a linked page.',
  fields: (t) => ({
    url: t.exposeString('url'),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
  }),
});

export const UrlEntityRef = builder.objectRef<UrlEntity>('UrlEntity').implement({
  description: 'A URL in a text, with what X learned of the page it points to.',
  fields: (t) => ({
    start: t.exposeInt('start', { nullable: false, description: span.start }),
    end: t.exposeInt('end', { nullable: false, description: span.end }),
    url: t.exposeString('url', { nullable: false, description: 'The URL as it stands in the text (often t.co).' }),
    expandedUrl: t.exposeString('expanded_url'),
    displayUrl: t.exposeString('display_url'),
    unwoundUrl: t.exposeString('unwound_url'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    status: t.exposeInt('status', { description: 'The HTTP status of the linked page when X fetched it.' }),
    mediaKey: t.exposeString('media_key'),
    images: t.expose('images', { type: [UrlImageRef] }),
  }),
});
