/**
 * `Media`: a photo, video or animated GIF (`media.fields`). X's spec splits it by `type`; here it is one type whose
 * video-only fields are null for photos and so on.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { links, reads, xKind } from '../planner/needs.js';
import type { Planned } from '../planner/plan.js';
import type { components } from '../x/generated/x-api-2.159.js';
import type { Media, MediaType, Variant } from '../x/wire.js';
import { builder } from './builder.js';
import { xField } from './x-fields.js';
import { xEnum } from './enums.js';
import { loadLinkedList } from './links.js';
import { MediaRef } from './refs.js';

type Video = components['schemas']['Video'];
type NonPublicMetrics = NonNullable<Video['non_public_metrics']>;
/** `organic_metrics` and `promoted_metrics` have the same fields. */
type PlaybackMetrics = NonNullable<Video['organic_metrics']> & NonNullable<Video['promoted_metrics']>;
type PublicMetrics = NonNullable<Video['public_metrics']>;

export const MEDIA_TYPES = ['photo', 'video', 'animated_gif'] as const satisfies readonly MediaType[];

export const MediaTypeEnum = xEnum('MediaType', MEDIA_TYPES, 'What kind of media an object is.');

/** The playback counts every private video metric has: GraphQL name, X name, description. */
const PLAYBACK_COUNTS = [
  ['playback0Count', 'playback_0_count', 'How many users started the video (made it through 0%).'],
  ['playback25Count', 'playback_25_count', 'How many users made it through 25% of the video.'],
  ['playback50Count', 'playback_50_count', 'How many users made it through 50% of the video.'],
  ['playback75Count', 'playback_75_count', 'How many users made it through 75% of the video.'],
  ['playback100Count', 'playback_100_count', 'How many users watched the whole video.'],
] as const;

const MediaNonPublicMetricsRef = builder.objectRef<NonPublicMetrics>('MediaNonPublicMetrics').implement({
  description: 'Private playback metrics of a video, visible to its owner only.',
  fields: (t) =>
    Object.fromEntries(PLAYBACK_COUNTS.map(([name, key, description]) => [name, t.exposeInt(key, { description })])),
});

const MediaPlaybackMetricsRef = builder.objectRef<PlaybackMetrics>('MediaPlaybackMetrics').implement({
  description: 'Private playback metrics of a video, organic or promoted, visible to its owner only.',
  fields: (t) => ({
    ...Object.fromEntries(PLAYBACK_COUNTS.map(([name, key, description]) => [name, t.exposeInt(key, { description })])),
    viewCount: t.exposeInt('view_count', { description: 'How many times the video was viewed.' }),
  }),
});

/** The media an object's `attachments.media_keys` name (a DM's or a post's), expanded where the call can. */
export const attachedMedia = {
  description: 'The attached photos, videos and GIFs.',
  ...links([], { kind: 'media', expansion: 'attachments.media_keys' }),
  resolve: (
    attachments: Planned<{ media_keys?: string[] }>,
    _args: unknown,
    context: GatewayContext,
    info: GraphQLResolveInfo,
  ) => loadLinkedList<Media>(context, attachments.plan, info, attachments.x.media_keys ?? []) ?? [],
};

const MediaPublicMetricsRef = builder.objectRef<PublicMetrics>('MediaPublicMetrics').implement({
  description: 'Public metrics of a video.',
  fields: (t) => ({
    viewCount: t.exposeInt('view_count', { description: 'How many times the video was viewed.' }),
  }),
});

const MediaVariantRef = builder.objectRef<Variant>('MediaVariant').implement({
  description: 'One encoding of a video or animated GIF.',
  fields: (t) => ({
    bitRate: t.exposeInt('bit_rate', { description: 'Bits per second; absent for streaming playlists.' }),
    contentType: t.exposeString('content_type', { description: 'The MIME type, e.g. `video/mp4`.' }),
    url: t.exposeString('url'),
  }),
});

MediaRef.implement({
  description: 'A photo, video or animated GIF. Fields that do not apply to its `type` are null.',
  ...xKind('media'),
  fields: (t) => ({
    mediaKey: t.string({
      nullable: false,
      description: "X's key of the media object, e.g. `3_1365362339449561088`.",
      ...reads('media_key'),
      // Always sent: it is a default field of media objects.
      resolve: (m) => m.x.media_key ?? '',
    }),
    type: t.field({ type: MediaTypeEnum, nullable: false, ...xField('type') }),
    url: t.string({ description: 'Where the photo is served.', ...xField('url') }),
    downloadUrl: t.string({
      description:
        'DM media only: a URL of this gateway that loads the media without any header (in an `<img>` or `<video>` of ' +
        'any page) for `MEDIA_URL_TTL_MS`, fetched from X with the credentials of the caller it was made for. Null ' +
        "for media that is not a DM's.",
      ...reads('url'),
      resolve: (m, _args, context) => context.downloadUrlOf(m.x.url),
    }),
    altText: t.string({
      description: 'The description of a photo for people who cannot see it.',
      ...xField('alt_text'),
    }),
    width: t.int({ description: 'In pixels.', ...xField('width') }),
    height: t.int({ description: 'In pixels.', ...xField('height') }),
    durationMs: t.int({
      description: 'The length of a video, in milliseconds.',
      ...xField('duration_ms'),
    }),
    previewImageUrl: t.string({
      description: 'A still image of a video or animated GIF.',
      ...xField('preview_image_url'),
    }),
    variants: t.field({
      type: [MediaVariantRef],
      description: 'The encodings of a video or animated GIF.',
      ...xField('variants'),
    }),
    publicMetrics: t.field({ type: MediaPublicMetricsRef, ...xField('public_metrics') }),
    nonPublicMetrics: t.field({
      type: MediaNonPublicMetricsRef,
      ...xField('non_public_metrics'),
    }),
    organicMetrics: t.field({
      type: MediaPlaybackMetricsRef,
      ...xField('organic_metrics'),
    }),
    promotedMetrics: t.field({
      type: MediaPlaybackMetricsRef,
      ...xField('promoted_metrics'),
    }),
  }),
});
