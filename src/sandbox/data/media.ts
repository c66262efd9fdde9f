/** Demo media of the three kinds X knows, with every field `media.fields` can ask for. */
import type { components } from '../../x/generated/x-api-2.159.js';
import type { Media, MediaType } from '../../x/wire.js';
import { mediaKey } from './ids.js';
import type { Random } from './prng.js';

const ALT_TEXTS = [
  'A whiteboard covered in boxes and arrows',
  'Sunset over the bay from the office roof',
  'A very serious cat sitting on a keyboard',
  'Screenshot of a dashboard with green graphs',
  'Team photo at the offsite, everyone squinting',
  'A plate of dumplings',
];

type Schemas = components['schemas'];
/**
 * One media object with every field of the three kinds. wire.ts's `Media` intersects the spec's Photo, Video and
 * AnimatedGif whole, whose `type` literals clash, so TypeScript reduces it to `never` fields; this is the shape meant,
 * built with each kind's `type` left out, and handed out as `Media`.
 */
type MediaObject = Omit<Schemas['Photo'], 'type'> &
  Omit<Schemas['Video'], 'type'> &
  Omit<Schemas['AnimatedGif'], 'type'> & { type: MediaType };

function playbackCounts(random: Random, views: number): Record<string, number> {
  const p0 = views;
  const p25 = Math.floor(p0 * (0.6 + random.next() * 0.3));
  const p50 = Math.floor(p25 * 0.8);
  const p75 = Math.floor(p50 * 0.8);
  const p100 = Math.floor(p75 * 0.7);
  return {
    playback_0_count: p0,
    playback_25_count: p25,
    playback_50_count: p50,
    playback_75_count: p75,
    playback_100_count: p100,
  };
}

export function generateMedia(type: MediaType, random: Random): Media {
  return buildMedia(type, random);
}

function buildMedia(type: MediaType, random: Random): MediaObject {
  const ms = Date.UTC(2024, random.int(0, 11), random.int(1, 28), random.int(0, 23), random.int(0, 59));
  const key = mediaKey(type, ms, random);
  const numeric = key.split('_')[1]!;
  if (type === 'photo') {
    const [width, height] = random.pick([
      [1200, 800],
      [1080, 1080],
      [2048, 1536],
      [800, 1200],
    ] as const);
    return {
      media_key: key,
      type,
      url: `https://pbs.twimg.com/media/${random.string(15)}.jpg`,
      alt_text: random.pick(ALT_TEXTS),
      width,
      height,
    };
  }
  if (type === 'video') {
    const views = random.int(100, 90_000);
    const organic = Math.floor(views * 0.9);
    return {
      media_key: key,
      type,
      duration_ms: random.int(3_000, 140_000),
      width: 1280,
      height: 720,
      preview_image_url: `https://pbs.twimg.com/ext_tw_video_thumb/${numeric}/pu/img/${random.string(16)}.jpg`,
      variants: [
        {
          bit_rate: 632_000,
          content_type: 'video/mp4',
          url: `https://video.twimg.com/ext_tw_video/${numeric}/pu/vid/640x360/${random.string(16)}.mp4?tag=12`,
        },
        {
          bit_rate: 2_176_000,
          content_type: 'video/mp4',
          url: `https://video.twimg.com/ext_tw_video/${numeric}/pu/vid/1280x720/${random.string(16)}.mp4?tag=12`,
        },
        // X lists the HLS playlist without a bit rate.
        {
          content_type: 'application/x-mpegURL',
          url: `https://video.twimg.com/ext_tw_video/${numeric}/pu/pl/${random.string(16)}.m3u8?tag=12`,
        },
      ],
      public_metrics: { view_count: views },
      non_public_metrics: playbackCounts(random, views),
      organic_metrics: { ...playbackCounts(random, organic), view_count: organic },
      promoted_metrics: { ...playbackCounts(random, views - organic), view_count: views - organic },
    };
  }
  return {
    media_key: key,
    type,
    width: 498,
    height: 280,
    preview_image_url: `https://pbs.twimg.com/tweet_video_thumb/${random.string(15)}.jpg`,
    variants: [
      { bit_rate: 0, content_type: 'video/mp4', url: `https://video.twimg.com/tweet_video/${random.string(15)}.mp4` },
    ],
    public_metrics: { view_count: random.int(50, 20_000) },
  };
}
