/**
 * The deterministic demo data set: same seed, same users, tweets, media, conversations and events. `now` only
 * anchors the events' created_at (they fall in the 30 days before it).
 */
import type { DmEvent, MediaType } from '../../x/wire.js';
import type { DemoData } from '../types.js';
import { WINDOW_MS, generateConversations } from './conversations.js';
import { snowflakeAt } from './ids.js';
import { giveDmMedia } from './dm-media.js';
import { generateMedia } from './media.js';
import { createRandom } from './prng.js';
import { generatePlaces, generateTweets } from './tweets.js';
import { completeUser, generateUserSkeletons } from './users.js';

export interface GeneratedData {
  data: DemoData;
  /** Event id -> the users who may see it. */
  viewers: Map<string, readonly string[]>;
}

const MEDIA_MIX: MediaType[] = [
  ...Array<MediaType>(18).fill('photo'),
  ...Array<MediaType>(7).fill('video'),
  ...Array<MediaType>(5).fill('animated_gif'),
];

export function generateDemoData(seed: number, now: Date, userCount?: number): GeneratedData {
  const random = createRandom(seed);
  const skeletons = generateUserSkeletons(random, userCount);
  const media = MEDIA_MIX.map((type) => generateMedia(type, random));
  const places = generatePlaces(random);
  // Two tweets per user: the first is pinned, the second the most recent.
  const authors = skeletons.flatMap((u) => [u, u]);
  const { tweets, polls } = generateTweets(authors, skeletons, media, places, random);
  const users = skeletons.map((s, i) =>
    completeUser(
      s,
      i,
      skeletons,
      { pinnedTweetId: tweets[2 * i]!.id!, mostRecentTweetId: tweets[2 * i + 1]!.id! },
      random,
    ),
  );
  const missingTweetId = snowflakeAt(Date.UTC(2024, 2, 14, 9, 26, 53), random);
  const { conversations, events } = generateConversations({ users: skeletons, tweets, media, missingTweetId, random });
  media.push(...giveDmMedia(events, media));

  const windowStart = now.getTime() - WINDOW_MS;
  const viewers = new Map<string, readonly string[]>();
  const full: DmEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const { event, offsetMs, viewers: who } = events[i]!;
    // X's DM events carry whole seconds.
    const createdAt = new Date(Math.floor((windowStart + offsetMs) / 1000) * 1000).toISOString();
    full.push(canonicalEvent({ ...event, created_at: createdAt }));
    viewers.set(event.id, who);
  }
  return { data: { users, events: full, tweets, media, conversations, missingTweetId, polls, places }, viewers };
}

const EVENT_KEY_ORDER = [
  'id',
  'event_type',
  'text',
  'created_at',
  'dm_conversation_id',
  'sender_id',
  'participant_ids',
  'attachments',
  'referenced_tweets',
  'hashtags',
  'cashtags',
  'mentions',
  'urls',
] as const;

/** An event with its keys in the order X sends them, so stored and answered events read alike. */
export function canonicalEvent(event: DmEvent): DmEvent {
  const out: Record<string, unknown> = {};
  for (const key of EVENT_KEY_ORDER) if (event[key] !== undefined) out[key] = event[key];
  return out as DmEvent;
}
