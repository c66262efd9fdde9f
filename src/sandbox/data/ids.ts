/** Identifier shapes of X: snowflakes, media keys, one-to-one conversation ids. */
import type { MediaType } from '../../x/wire.js';
import type { Random } from './prng.js';

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z). */
const SNOWFLAKE_EPOCH = 1288834974657n;
const LOW_BITS = 22n;

/** A snowflake for a moment: the time in the high bits, random worker/sequence bits below. */
export function snowflakeAt(ms: number, random: Random): string {
  return (((BigInt(ms) - SNOWFLAKE_EPOCH) << LOW_BITS) + random.bigint(0n, (1n << LOW_BITS) - 1n)).toString();
}

const MEDIA_PREFIX: Record<MediaType, string> = { photo: '3', video: '7', animated_gif: '16' };

export function mediaKey(type: MediaType, ms: number, random: Random): string {
  return `${MEDIA_PREFIX[type]}_${snowflakeAt(ms, random)}`;
}

/** X names a one-to-one conversation `{smaller user id}-{larger user id}`, compared as numbers. */
export function oneToOneConversationId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}

/** Ids of equal length compare as strings; mixed lengths need numbers. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
