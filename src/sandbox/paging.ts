/**
 * Pagination of the three DM list endpoints, with X's quirks.
 *
 * A token is opaque base32 (as the spec says, 24 characters) of: a direction, the anchor event id, a hash of the list
 * it belongs to (user + conversation) and a checksum. `next` means "the events right after (older than) the anchor",
 * `previous` "the events right before (newer than) it". Anchoring on an id rather than a position keeps tokens valid
 * while filters differ between calls; binding them to their list makes a token of another list a 400, not a leak.
 */
import type { DmEvent } from '../x/wire.js';
import { compareIds } from './data/ids.js';

export type Direction = 'next' | 'previous';

export interface PageToken {
  direction: Direction;
  anchor: string;
  scope: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const TOKEN_BYTES = 15;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash >>> 0;
}

/** The hash that ties a token to one user's view of one list (`all` or a conversation id). */
export function listScope(userId: string, list: string): number {
  return fnv1a(`${userId}|${list}`);
}

function checksum(bytes: Uint8Array): number {
  return fnv1a(String.fromCharCode(...bytes)) & 0xffff;
}

export function encodeToken(token: PageToken): string {
  const bytes = new Uint8Array(TOKEN_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, token.direction === 'next' ? 0x4e : 0x50);
  view.setBigUint64(1, BigInt(token.anchor));
  view.setUint32(9, token.scope);
  view.setUint16(13, checksum(bytes.subarray(0, 13)));
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** The token, or undefined when it is not one the sandbox issued (wrong length, alphabet, or checksum). */
export function decodeToken(text: string): PageToken | undefined {
  if (text.length !== (TOKEN_BYTES * 8) / 5) return undefined;
  const bytes = new Uint8Array(TOKEN_BYTES);
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return undefined;
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  const view = new DataView(bytes.buffer);
  const marker = view.getUint8(0);
  if ((marker !== 0x4e && marker !== 0x50) || view.getUint16(13) !== checksum(bytes.subarray(0, 13))) return undefined;
  return {
    direction: marker === 0x4e ? 'next' : 'previous',
    anchor: view.getBigUint64(1).toString(),
    scope: view.getUint32(9),
  };
}

export interface Page {
  events: DmEvent[];
  nextToken?: string;
  previousToken?: string;
}

/** The first index in `events` (ids descending) whose id is below `anchor`. */
function firstOlderThan(events: readonly DmEvent[], anchor: string): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareIds(events[mid]!.id, anchor) < 0) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * One page of `events` (newest first). Token presence follows X: a later page carries a token only towards a side
 * that has events; a first page with data carries both, even when a side is empty (following it gives the empty page).
 */
export function paginate(
  events: readonly DmEvent[],
  maxResults: number,
  token: PageToken | undefined,
  scope: number,
): Page {
  let start: number;
  let end: number;
  if (!token) {
    start = 0;
    end = Math.min(maxResults, events.length);
  } else if (token.direction === 'next') {
    start = firstOlderThan(events, token.anchor);
    end = Math.min(start + maxResults, events.length);
  } else {
    // Everything newer than the anchor sits before the first event that is not newer.
    let newerEnd = firstOlderThan(events, token.anchor);
    if (newerEnd > 0 && events[newerEnd - 1]!.id === token.anchor) newerEnd--;
    end = newerEnd;
    start = Math.max(0, end - maxResults);
  }
  if (start >= end) return { events: [] };
  const page: Page = { events: events.slice(start, end) };
  const first = events[start]!;
  const last = events[end - 1]!;
  if (!token || end < events.length) page.nextToken = encodeToken({ direction: 'next', anchor: last.id, scope });
  if (!token || start > 0) page.previousToken = encodeToken({ direction: 'previous', anchor: first.id, scope });
  return page;
}
