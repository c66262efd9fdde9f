/**
 * Pages of a list (the feed, or one conversation) served from memory where it can, from X for what it lacks: a stale
 * head is brought up to date first (a sync, or a conversation's first page), then what the page still needs below
 * what memory holds is read with X's token.
 */
import type { Run, UserMemory } from '../memory-model.js';
import type { XParams } from '../x/params.js';
import { type DmEvent, type DmEventType, type DmEventsPage, compareIds } from '../x/wire.js';
import { userIdOf } from './identity.js';
import { MAX_PAGE, SYNC_FIRST_PAGE, isOutage, nextOf, readEvents } from './reads.js';
import type { ListRef, RequestState } from './request-state.js';
import { sync } from './sync.js';
import { type View, conversationView, dropDeleted, floorOf, mergeNewestFirst, ofTypes } from './user-memory.js';

export interface MemoryPageRequest {
  readonly list: ListRef;
  readonly backward: boolean;
  readonly size: number;
  /** The event id the page starts after (forward) or ends before (backward). */
  readonly from?: string;
  readonly eventTypes?: ReadonlySet<DmEventType>;
  /** The selection's own parameters (user and post fields of expanded objects), merged into any call. */
  readonly params: XParams;
}

export interface MemoryPage {
  readonly events: readonly DmEvent[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

/** A page of a list, from memory where it can, from X for what it lacks. */
export async function page(state: RequestState, request: MemoryPageRequest): Promise<MemoryPage> {
  const userId = await userIdOf(state);
  let memory = await state.readMemory(userId);
  let view = state.viewOf(memory, request.list);
  // News arrives at the head: a page below a cursor shows none of it, so it needs no check for news first.
  const belowCursor = !request.backward && request.from !== undefined;
  if (!belowCursor && state.isStale(view)) {
    ({ memory, view } = await refresh(state, userId, request, request.backward ? MAX_PAGE : request.size));
  }
  for (;;) {
    const ids = ofTypes(memory, view.ids, request.eventTypes);
    const slice = sliceOf(ids, request);
    if (slice.enough || view.complete) {
      state.noteServed(view);
      state.useObjects(memory);
      return {
        events: slice.ids.map((id) => memory.events[id]!),
        hasNextPage: request.backward ? true : slice.more || !view.complete,
        hasPreviousPage: request.backward ? slice.more : false,
      };
    }
    // Filtered by type, the events still missing say nothing of how many X must send: read whole pages.
    ({ memory, view } = await extend(
      state,
      userId,
      request,
      memory,
      view,
      request.eventTypes ? MAX_PAGE : slice.missing,
    ));
  }
}

/** The events memory knows of a conversation, newest first (read after a page of it brought its head up to date). */
export async function knownConversationEvents(
  state: RequestState,
  conversationId: string,
): Promise<readonly DmEvent[]> {
  const memory = await state.readMemory(await userIdOf(state));
  return conversationView(memory, conversationId).ids.map((id) => memory.events[id]!);
}

/**
 * Brings a stale list's head up to date, once per request and list (`RequestState.once`): a sync of the feed, and for a
 * conversation that the feed does not reach, a read of its first page. When X fails, the list is served as last known
 * (stale).
 */
export async function refresh(
  state: RequestState,
  userId: string,
  request: MemoryPageRequest,
  want: number,
): Promise<{ memory: UserMemory; view: View }> {
  const list = request.list;
  await state.once(list.kind === 'feed' ? 'feed' : `conversation:${list.conversationId}`, async () => {
    try {
      await syncFeed(state, userId, request.params);
    } catch (error) {
      const { syncedAt } = state.viewOf(await state.readMemory(userId), list);
      if (!isOutage(error) || syncedAt === undefined) throw error;
      return;
    }
    if (list.kind === 'conversation' && state.isStale(state.viewOf(await state.readMemory(userId), list))) {
      await readConversation(state, userId, request, undefined, Math.min(MAX_PAGE, want));
    }
  });
  const memory = await state.readMemory(userId);
  return { memory, view: state.viewOf(memory, list) };
}

/** The feed's sync for this request: the user's sync in flight (`shareSync`), walked at most once per request. */
function syncFeed(state: RequestState, userId: string, selection: XParams): Promise<void> {
  // A feed memory knows nothing of is read a whole page first: the first screens' events, in one call.
  return state.once('feed:sync', () => state.memory.shareSync(userId, () => sync(state, userId, MAX_PAGE, selection)));
}

/** Reads more of a list below what memory holds, `missing` events at least. */
export async function extend(
  state: RequestState,
  userId: string,
  request: MemoryPageRequest,
  memory: UserMemory,
  view: View,
  missing: number,
): Promise<{ memory: UserMemory; view: View }> {
  const size = Math.min(MAX_PAGE, Math.max(missing, SYNC_FIRST_PAGE));
  if (request.list.kind === 'conversation') {
    const run = memory.conversations[request.list.conversationId];
    // Its own run continues it, when that run is what the view ends with; otherwise its first page is read.
    const continues = run?.next !== undefined && view.ids.length > 0 && view.ids[view.ids.length - 1] === floorOf(run);
    const updated = await readConversation(
      state,
      userId,
      request,
      continues ? run : undefined,
      Math.min(MAX_PAGE, continues ? size : view.ids.length + size),
    );
    return { memory: updated, view: state.viewOf(updated, request.list) };
  }
  const feed = memory.feed;
  if (!feed || feed.next === undefined) {
    // Nothing to continue from (the feed was never read): a sync reads its head, a whole page.
    await state.memory.shareSync(userId, () => sync(state, userId, MAX_PAGE, request.params));
  } else {
    await readEvents<DmEventsPage>(state, userId, {
      path: '/2/dm_events',
      query: { max_results: String(size), pagination_token: feed.next },
      params: request.params,
      keep: (m, events, page) => {
        if (m.feed && m.feed.next === feed.next) extendRun(m.feed, events, nextOf(events, page));
      },
    });
  }
  const updated = await state.readMemory(userId);
  return { memory: updated, view: state.viewOf(updated, request.list) };
}

/**
 * Reads a conversation through its endpoint: below its run with the run's token, or from its first page (then the
 * run starts anew, and what memory held of the span X returned but X no longer has is dropped).
 */
async function readConversation(
  state: RequestState,
  userId: string,
  request: MemoryPageRequest,
  run: Run | undefined,
  size: number,
): Promise<UserMemory> {
  const list = request.list as Extract<ListRef, { kind: 'conversation' }>;
  const startedAt = state.memory.now();
  const path = run?.path ?? list.path;
  const { memory } = await readEvents<DmEventsPage>(state, userId, {
    path,
    query: { max_results: String(Math.max(1, size)), pagination_token: run?.next },
    params: request.params,
    keep: (m, events, page) => {
      const next = nextOf(events, page);
      const current = m.conversations[list.conversationId];
      if (run) {
        if (current && current.next === run.next) extendRun(current, events, next);
        return;
      }
      // Its first page starts at the conversation's newest event: the span reaches up past anything memory holds.
      if (events.length > 0) dropDeleted(m, events, undefined, events[events.length - 1]!.id, list.conversationId);
      m.conversations[list.conversationId] = {
        ids: events.map((event) => event.id),
        ...(events[0] && { headId: events[0].id }),
        ...(next !== undefined && { next }),
        end: next === undefined,
        syncedAt: startedAt,
        path,
      };
    },
  });
  return memory!;
}

/** The page a request asks for, out of the known ids (already filtered by type). */
function sliceOf(
  ids: readonly string[],
  request: MemoryPageRequest,
): { ids: string[]; enough: boolean; more: boolean; missing: number } {
  const { from, size } = request;
  if (request.backward) {
    // Everything newer than `from` is known (the head is fresh); the page is the `size` right before it, once
    // memory reaches down to `from`.
    const reached = from === undefined || (ids.length > 0 && compareIds(ids[ids.length - 1]!, from) < 0);
    const end = from === undefined ? ids.length : ids.findIndex((id) => compareIds(id, from) <= 0);
    const stop = end < 0 ? ids.length : end;
    const start = Math.max(0, stop - size);
    return { ids: ids.slice(start, stop), enough: reached, more: start > 0, missing: MAX_PAGE };
  }
  const start = from === undefined ? 0 : firstOlder(ids, from);
  const page = ids.slice(start, start + size);
  const more = ids.length > start + size;
  // A cursor below all that memory holds (it let that part go, or another reader issued the cursor) is walked down to
  // in whole pages: how far down it lies is not known, and calls are scarcer than events.
  const below = from !== undefined && (ids.length === 0 || compareIds(ids[ids.length - 1]!, from) > 0);
  // A full page is enough: whether more follow is X's to say when the page reaches the end of what is known.
  return { ids: page, enough: page.length === size, more, missing: below ? MAX_PAGE : start + size - ids.length };
}

/** The index of the first id older than `from` (ids newest first), or the length when there is none. */
function firstOlder(ids: readonly string[], from: string): number {
  const index = ids.findIndex((id) => compareIds(id, from) < 0);
  return index < 0 ? ids.length : index;
}

/** Adds a page read below a run to it. */
function extendRun(run: Run, events: readonly DmEvent[], next: string | undefined): void {
  run.ids = mergeNewestFirst(
    run.ids,
    events.map((event) => event.id),
  );
  if (next === undefined) {
    delete run.next;
    run.end = true;
  } else run.next = next;
}
