/**
 * DM media as X gives it: each DM's photo or video is its own media object, whose `url` is on ton.twitter.com
 * (`https://ton.twitter.com/1.1/ton/data/dm/{dm_id}/{media_id}/{resource_id}`) and needs a participant's
 * credentials. The demo conversations pick their attachments from the media the demo posts use; this turns each such
 * attachment into a DM media object of its own, derived from the event's id (no random draws: every other id and
 * text of the data set stays as it was).
 */
import { createHash } from 'node:crypto';
import type { DmEvent, Media } from '../../x/wire.js';

/** `3_` photo, `7_` video, `16_` animated GIF: the media key's prefix, kept from the media it copies. */
const prefixOf = (key: string) => key.slice(0, key.indexOf('_'));

/** The ton.twitter.com URL of a DM's media. */
export function tonUrl(dmId: string, mediaId: string, resourceId: string): string {
  return `https://ton.twitter.com/1.1/ton/data/dm/${dmId}/${mediaId}/${resourceId}`;
}

/** A resource id such as X's (`oP5p359h.jpg`): letters and digits from a hash of `seed`, then the extension. */
export function resourceIdOf(seed: string, type: string): string {
  const name = createHash('sha256')
    .update(seed)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 8);
  return `${name}.${type === 'photo' ? 'png' : 'mp4'}`;
}

/** The DM media object of `eventId` copying `media`: its own key (`<prefix>_<event id - 1>`) and a ton URL. */
export function dmMediaOf(eventId: string, media: Media): Media {
  const mediaId = String(BigInt(eventId) - 1n);
  return {
    ...media,
    media_key: `${prefixOf(media.media_key!)}_${mediaId}`,
    url: tonUrl(eventId, mediaId, resourceIdOf(`${eventId}/${mediaId}`, media.type)),
  };
}

/** Gives every event's attachment a DM media object of its own; returns the objects made, to join the data's media. */
export function giveDmMedia(events: { event: DmEvent }[], media: readonly Media[]): Media[] {
  const byKey = new Map(media.map((m) => [m.media_key!, m]));
  const made: Media[] = [];
  for (const item of events) {
    const keys = item.event.attachments?.media_keys;
    if (!keys) continue;
    const own = keys.map((key) => dmMediaOf(item.event.id, byKey.get(key)!));
    made.push(...own);
    item.event = {
      ...item.event,
      attachments: { ...item.event.attachments, media_keys: own.map((m) => m.media_key!) },
    };
  }
  return made;
}
