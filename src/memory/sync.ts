/**
 * Sync: the walk of `GET /2/dm_events` from X's newest event down to the first one the feed already holds, which brings
 * every conversation's news in few calls. Pages start at a handful and double while every event on them is new; a
 * walk cut short is kept as `pending`, continued next time, and only a joined run is ever served.
 */
import type { UserMemory } from '../memory-model.js';
import type { XParams } from '../x/params.js';
import { type DmEvent, type DmEventsPage, compareIds } from '../x/wire.js';
import { userIdOf } from './identity.js';
import { MAX_PAGE, SYNC_FIRST_PAGE, nextOf, readEvents } from './reads.js';
import type { RequestState } from './request-state.js';
import { confirmSent, dropDeleted, mergeNewestFirst } from './user-memory.js';

/**
 * One sync: walks `GET /2/dm_events` from the newest event until one the feed already holds. A feed memory knows
 * starts small (a check for news); one it knows nothing of starts at `firstPage`.
 */
export async function sync(state: RequestState, userId: string, firstPage: number, selection: XParams): Promise<void> {
  const startedAt = state.memory.now();
  const before = await state.readMemory(userId);
  let token = before?.pending?.next;
  let size = token !== undefined ? MAX_PAGE : before?.feed ? SYNC_FIRST_PAGE : firstPage;
  for (;;) {
    let done = false;
    const { events, body } = await readEvents<DmEventsPage>(state, userId, {
      path: '/2/dm_events',
      query: { max_results: String(size), pagination_token: token },
      params: selection,
      keep: (m, events, page) => {
        done = joinFeed(m, events, nextOf(events, page), m.pending?.syncedAt ?? startedAt);
      },
    });
    if (done) return;
    token = nextOf(events, body);
    size = Math.min(MAX_PAGE, size * 2);
  }
}

/** A sync of the caller's feed now, whatever its freshness (the live loop's tick); one at a time per user. */
export async function syncNow(state: RequestState): Promise<void> {
  const userId = await userIdOf(state);
  await state.memory.shareSync(userId, () => sync(state, userId, SYNC_FIRST_PAGE, {}));
}

/**
 * Adds a sync's page to the feed. True when the walk is done: it reached an event the feed holds (or X's end), or it
 * was the feed's first read. Otherwise the page is kept as `pending`, with X's token to continue.
 */
function joinFeed(memory: UserMemory, events: readonly DmEvent[], next: string | undefined, syncedAt: number): boolean {
  const ids = events.map((event) => event.id);
  const feed = memory.feed;
  if (!feed) {
    memory.feed = {
      ids,
      ...(ids[0] && { headId: ids[0] }),
      ...(next !== undefined && { next }),
      end: next === undefined,
      syncedAt,
    };
    delete memory.pending;
    confirmSent(memory);
    return true;
  }
  const marker = feed.headId;
  const fresh = marker === undefined ? ids : ids.filter((id) => compareIds(id, marker) > 0);
  const walked = [...(memory.pending?.ids ?? []), ...fresh];
  const reached = fresh.length < ids.length || next === undefined;
  if (!reached) {
    memory.pending = { ids: walked, headId: memory.pending?.headId ?? walked[0]!, next: next, syncedAt };
    return false;
  }
  if (fresh.length < ids.length) {
    // The page reached into the feed: what the feed held in the span the walk covered (from X's newest event, so also
    // above this page, up to the feed's head) and X no longer has was deleted.
    dropDeleted(memory, events, undefined, ids[ids.length - 1]!);
    memory.feed!.ids = mergeNewestFirst(walked, memory.feed!.ids);
  } else {
    // X ended before the feed's head: everything the feed held is gone from X.
    const gone = new Set(memory.feed!.ids);
    for (const id of gone) delete memory.events[id];
    memory.feed = { ids: walked, end: true, syncedAt };
  }
  const head = walked[0] ?? marker;
  if (head !== undefined && (marker === undefined || compareIds(head, marker) > 0)) memory.feed!.headId = head;
  memory.feed!.syncedAt = syncedAt;
  delete memory.pending;
  confirmSent(memory);
  return true;
}
