/**
 * Relay connection arguments over X's pagination tokens.
 *
 * X pages from the newest event: `next_token` continues after a page, `previous_token` gives the page that ends where
 * a page began. `first`/`after` walk forward, `last`/`before` walk back. A cursor in the middle of a page resumes
 * right after (or before) its own edge by fetching from that page's token and skipping what came before; a cursor on
 * a page's last edge follows the page's `next_token` (and on its first edge, for `before`, its `previous_token`).
 * X hands out tokens even when nothing lies beyond them: the end is an empty page, which ends the walk.
 */
import { BadUserInputError } from '../errors.js';
import { PAGING, compareIds } from '../x/wire.js';
import { type CallerCursors, type EdgePosition, type PageRef, namesEvent } from './cursor.js';

export interface ConnectionArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

/** @default 20 events when neither `first` nor `last` is given. */
export const DEFAULT_PAGE_SIZE = 20;

/** One X call, and which of its events make the connection's page. */
export interface PageFetch {
  readonly token?: string;
  readonly backward?: boolean;
  readonly maxResults: number;
  /** Events to drop from the start of X's page. */
  readonly skip: number;
  /** Events to keep after those. */
  readonly take: number;
  /** The page is known to be empty without asking X (a cursor at the very end). */
  readonly empty?: boolean;
  /** Events exist before this page, whatever X's tokens say (a `before` cursor points into a later page). */
  readonly moreAfter?: boolean;
  readonly isFirstPage?: boolean;
  /**
   * The cursor's event, on a page that moves down as news arrives (X's first page, or a page walked back to that
   * reaches the top): `skip` and `take` are placed around this id once X answered (`placeAnchor`), `size` events after
   * it (or before it, walking back).
   */
  readonly anchor?: { readonly id: string; readonly size: number };
}

function pageSize(value: number | null | undefined, argument: 'first' | 'last'): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < PAGING.maxResultsMin || value > PAGING.maxResultsMax) {
    throw new BadUserInputError(
      `\`${argument}\` must be between ${PAGING.maxResultsMin} and ${PAGING.maxResultsMax}; it was ${value}.`,
      { argument },
    );
  }
  return value;
}

/** A connection's arguments, checked: which way, how many, and from which cursor (still encoded). */
export interface PageRequest {
  readonly backward: boolean;
  readonly size: number;
  readonly cursor?: string;
}

/** Checks a connection's arguments. Throws BAD_USER_INPUT for arguments that cannot be served. */
export function readPageArgs(args: ConnectionArgs): PageRequest {
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  const after = args.after ?? undefined;
  const before = args.before ?? undefined;
  if (first !== undefined && last !== undefined) {
    throw new BadUserInputError('Give `first` or `last`, not both.', { argument: 'last' });
  }
  if (after !== undefined && before !== undefined) {
    throw new BadUserInputError('Give `after` or `before`, not both.', { argument: 'before' });
  }
  if (last !== undefined || before !== undefined) {
    if (first !== undefined || after !== undefined) {
      throw new BadUserInputError('Page backward with `last` and `before`, forward with `first` and `after`.', {
        argument: first !== undefined ? 'first' : 'after',
      });
    }
    if (before === undefined) {
      throw new BadUserInputError(
        '`last` needs `before`: X pages from the newest event, so the oldest are reached only by walking forward.',
        { argument: 'last' },
      );
    }
    return { backward: true, size: last ?? DEFAULT_PAGE_SIZE, cursor: before };
  }
  return { backward: false, size: first ?? DEFAULT_PAGE_SIZE, ...(after !== undefined && { cursor: after }) };
}

/**
 * Which kind of cursor a connection's arguments page from (`namesEvent`), if any: each reader hands the other's kind
 * to the other. Not checked here: `readPageArgs` and the decoders do that.
 */
export function cursorKind(args: ConnectionArgs): 'event' | 'page' | undefined {
  const cursor = args.after ?? args.before;
  if (typeof cursor !== 'string') return undefined;
  return namesEvent(cursor) ? 'event' : 'page';
}

/** What X call a connection's arguments need. Throws BAD_USER_INPUT for arguments that cannot be served. */
export function planPage(args: ConnectionArgs, connection: string, cursors: CallerCursors): PageFetch {
  const { backward, size, cursor } = readPageArgs(args);
  if (backward) return planBackward(size, cursors.decode(cursor!, connection, 'before'));
  if (cursor === undefined) return { maxResults: size, skip: 0, take: size, isFirstPage: true };
  const { page, index, anchor } = cursors.decode(cursor, connection, 'after');
  if (index === page.size - 1) {
    // The last edge of its X page: the next page starts at that page's next_token, if it had one.
    if (page.nextToken === undefined) return { maxResults: size, skip: 0, take: 0, empty: true };
    return { token: page.nextToken, maxResults: size, skip: 0, take: size };
  }
  const skip = index + 1;
  // A page fetched walking back is asked again as it was; a page forward only as far down as this one needs.
  const maxResults = page.backward ? page.maxResults : Math.min(PAGING.maxResultsMax, skip + size);
  return {
    maxResults,
    skip,
    take: size,
    ...tokenOf(page),
    ...(anchor !== undefined && { anchor: { id: anchor, size } }),
  };
}

function planBackward(size: number, { page, index, anchor }: EdgePosition): PageFetch {
  if (index === 0) {
    // The first edge of its X page: what came before is the page X's previous_token names.
    if (page.previousToken === undefined) return { maxResults: size, skip: 0, take: 0, empty: true, moreAfter: true };
    return { token: page.previousToken, backward: true, maxResults: size, skip: 0, take: size, moreAfter: true };
  }
  const skip = Math.max(0, index - size);
  const placed = anchor !== undefined && { anchor: { id: anchor, size } };
  if (page.backward)
    return { maxResults: page.maxResults, skip, take: index - skip, moreAfter: true, ...tokenOf(page), ...placed };
  if (!placed) return { maxResults: index, skip, take: index - skip, moreAfter: true, ...tokenOf(page) };
  // X's first page: news may have pushed the edge down, by up to `size` events here.
  return {
    maxResults: Math.min(PAGING.maxResultsMax, index + size),
    skip,
    take: index - skip,
    moreAfter: true,
    ...placed,
  };
}

/**
 * `fetch`'s `skip` and `take`, placed around its anchor among the events X answered (newest first): right after it, or
 * the `size` right before it walking back. Undefined when the page did not reach down to it (more news arrived than
 * the page holds beyond the edge).
 */
export function placeAnchor(fetch: PageFetch, events: readonly { readonly id: string }[]): PageFetch | undefined {
  const { anchor } = fetch;
  if (!anchor) return fetch;
  // Where the page starts (forward: the first event older than the anchor) or ends (back: the anchor). Ids are
  // compared, not matched: an anchor deleted since still has its place.
  const start = events.findIndex(({ id }) =>
    fetch.moreAfter ? compareIds(id, anchor.id) <= 0 : compareIds(id, anchor.id) < 0,
  );
  // A page X did not fill is the list's end: nothing lies below it.
  const at = start >= 0 ? start : events.length < fetch.maxResults ? events.length : undefined;
  if (at === undefined) return undefined;
  if (!fetch.moreAfter) return { ...fetch, skip: at, take: anchor.size };
  const skip = Math.max(0, at - anchor.size);
  return { ...fetch, skip, take: at - skip };
}

function tokenOf(page: PageRef): { token?: string; backward?: boolean } {
  return {
    ...(page.token !== undefined && { token: page.token }),
    ...(page.backward && { backward: true }),
  };
}

export interface PageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

/** `pageInfo` of a page served from X's answer (`size` events, tokens as X gave them). */
export function pageInfoOf(
  fetch: PageFetch,
  meta: { size: number; nextToken?: string | undefined; previousToken?: string | undefined },
): PageInfo {
  const end = Math.min(meta.size, fetch.skip + fetch.take);
  const laterInPage = end < meta.size;
  if (fetch.moreAfter) {
    // Walking back: the page ends where the cursor was, so there is always something after it.
    return {
      hasNextPage: true,
      hasPreviousPage: fetch.skip > 0 || (meta.size > 0 && meta.previousToken !== undefined),
    };
  }
  return {
    hasNextPage: laterInPage || (meta.size > 0 && meta.nextToken !== undefined),
    hasPreviousPage: !fetch.isFirstPage && (fetch.skip > 0 || (meta.size > 0 && meta.previousToken !== undefined)),
  };
}
