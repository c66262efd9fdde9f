/**
 * Which media the gateway will download, and from where: the three ids of X's DM media URL
 * (`https://ton.twitter.com/1.1/ton/data/dm/{dm_id}/{media_id}/{resource_id}`), checked against strict patterns, and
 * the one path of X's download endpoint built from them. Nothing else is ever fetched: no other host, no other path,
 * no `..`, no encoded separator.
 * @see https://docs.x.com/x-api/direct-messages/lookup/introduction
 */
import type { operations } from '../x/generated/x-api-2.167.js';

/** The path parameters of X's download endpoint, as its production spec names them. */
export type DmMediaIds = operations['dmConversationsMediaDownload']['parameters']['path'];

/** A DM event id and a media id: snowflakes. */
const NUMERIC_ID = /^[0-9]{1,19}$/;
/** A resource id: letters, digits, `_` and `-`, then one extension (`oP5p359h.jpg`). No dot elsewhere, no slash. */
const RESOURCE_ID = /^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9]{1,8}$/;
/** X's DM media URL; its ids are checked one by one below. */
const TON_URL = /^https:\/\/ton\.twitter\.com\/1\.1\/ton\/data\/dm\/([^/?#]+)\/([^/?#]+)\/([^/?#]+)$/;

/** Whether the three ids are ones X's download endpoint can be asked for. */
export function validIds(ids: DmMediaIds): boolean {
  return NUMERIC_ID.test(ids.dm_id) && NUMERIC_ID.test(ids.media_id) && RESOURCE_ID.test(ids.resource_id);
}

/** The ids in a DM media URL, or undefined for any other URL (a post's media on pbs.twimg.com, anything odd). */
export function parseTonUrl(url: string | undefined | null): DmMediaIds | undefined {
  if (typeof url !== 'string') return undefined;
  const match = TON_URL.exec(url);
  if (!match) return undefined;
  const ids: DmMediaIds = { dm_id: match[1]!, media_id: match[2]!, resource_id: match[3]! };
  return validIds(ids) ? ids : undefined;
}

/** X's download path for valid ids; throws for any other (callers check first: this is the last gate). */
export function downloadPath(ids: DmMediaIds): string {
  if (!validIds(ids)) throw new Error('Refusing to build a download path from ids that are not X media ids.');
  return `/2/dm_conversations/media/${ids.dm_id}/${ids.media_id}/${ids.resource_id}`;
}

/** What a browser may be told a media file is, by the resource id's extension. */
const TYPE_OF_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

/** Types X may name that are served as they are; anything else (HTML, SVG, scripts) is never labelled as such. */
const MEDIA_TYPES = new Set(Object.values(TYPE_OF_EXTENSION));

/**
 * The content type to serve: X's own when it names an image or video type above, else the one the resource id's
 * extension names (X's spec promises only `application/octet-stream`), else `application/octet-stream`.
 */
export function contentTypeOf(resourceId: string, answered: string | undefined): string {
  const given = answered?.split(';')[0]?.trim().toLowerCase();
  if (given && MEDIA_TYPES.has(given)) return given;
  const extension = resourceId.slice(resourceId.lastIndexOf('.') + 1).toLowerCase();
  return TYPE_OF_EXTENSION[extension] ?? 'application/octet-stream';
}
