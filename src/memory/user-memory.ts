/**
 * The pure operations on one X user's memory (`src/memory-model.ts` is the data). `docs/memory.md` explains the
 * model; in short: events by id, the contiguous run of the global feed from its newest event, each conversation's own
 * run read through the conversation endpoint, and the objects answers linked to.
 */
import { type DmEvent, type DmEventType, compareIds } from '../x/wire.js';
import { type PendingRun, type Run, type UserMemory, RETENTION_MS } from '../memory-model.js';

export {
  type KnownObject,
  type MissingObject,
  type PendingRun,
  type Run,
  type UserMemory,
  RETENTION_MS,
  emptyMemory,
} from '../memory-model.js';

/** The oldest id of a run, or its head marker when it holds none. */
export function floorOf(run: Run): string | undefined {
  return run.ids.length > 0 ? run.ids[run.ids.length - 1] : run.headId;
}

/** One-to-one conversation ids name both users; a group's id is a single number. */
export function isOneToOne(conversationId: string): boolean {
  return conversationId.includes('-');
}

/** Keeps `events`, dropping from every run and index those that `keep` refuses. */
function dropEvents(memory: UserMemory, gone: ReadonlySet<string>): void {
  if (gone.size === 0) return;
  for (const id of gone) delete memory.events[id];
  const prune = (run: Run | PendingRun | undefined) => {
    if (run) run.ids = run.ids.filter((id) => !gone.has(id));
  };
  prune(memory.feed);
  prune(memory.pending);
  if (memory.sent) memory.sent = memory.sent.filter((id) => !gone.has(id));
  for (const run of Object.values(memory.conversations)) prune(run);
}

/**
 * Ids of `run` that a fresh read of X's list between `newest` (undefined: the list's top) and `oldest` (inclusive)
 * should have returned but did not: deleted at X since they were read.
 */
function missingFrom(
  run: Run | undefined,
  returned: ReadonlySet<string>,
  newest: string | undefined,
  oldest: string,
  belongs = (_id: string) => true,
): string[] {
  if (!run) return [];
  return run.ids.filter(
    (id) =>
      (newest === undefined || compareIds(id, newest) <= 0) &&
      compareIds(id, oldest) >= 0 &&
      !returned.has(id) &&
      belongs(id),
  );
}

/** Records events read from X (complete, as a sync asks for them). */
export function rememberEvents(memory: UserMemory, events: readonly DmEvent[]): void {
  for (const event of events) keep(memory, event);
}

/**
 * Keeps `event`, and lowers the memory's expiry bound to the event's own when that is sooner. A memory kept before
 * it had a bound (or a new one) gets it here, so that the store keeps it with the memory from this write on.
 */
function keep(memory: UserMemory, event: DmEvent): void {
  memory.expiresAt ??= scanExpiry(memory, -Infinity).soonest;
  memory.events[event.id] = event;
  if (event.created_at === undefined) return;
  const at = expiryOf(event.created_at);
  if (at < memory.expiresAt) memory.expiresAt = at;
}

/**
 * The memory's events that are past X's window at `now`, and when the first of the others leaves it
 * (`Number.MAX_SAFE_INTEGER` when none has a date): one walk over the events.
 */
function scanExpiry(memory: UserMemory, now: number): { gone: Set<string>; soonest: number } {
  const gone = new Set<string>();
  let soonest = Number.MAX_SAFE_INTEGER;
  for (const [id, event] of Object.entries(memory.events)) {
    if (event.created_at === undefined) continue;
    const at = expiryOf(event.created_at);
    if (now > at) gone.add(id);
    else if (at < soonest) soonest = at;
  }
  return { gone, soonest };
}

/** When an event created at `createdAt` (RFC 3339) leaves X's window; NaN (never sooner) when the date does not parse. */
function expiryOf(createdAt: string): number {
  return Date.parse(createdAt) + RETENTION_MS;
}

/**
 * A read of X's list covered the ids from `newest` down to `oldest` and returned `events`: whatever the memory held in
 * that span of the same list and X no longer returned was deleted. `newest` is undefined for a read from the list's
 * top (X's newest event): the span then starts above anything memory holds. `conversationId` limits the span to one
 * conversation (a conversation endpoint's page says nothing of the others).
 */
export function dropDeleted(
  memory: UserMemory,
  events: readonly DmEvent[],
  newest: string | undefined,
  oldest: string,
  conversationId?: string,
  eventTypes?: ReadonlySet<string>,
): void {
  const returned = new Set(events.map((event) => event.id));
  const belongs = (id: string) => {
    const event = memory.events[id];
    if (!event) return true;
    if (conversationId !== undefined && event.dm_conversation_id !== conversationId) return false;
    return !eventTypes || eventTypes.has(event.event_type);
  };
  const gone = new Set<string>();
  for (const id of missingFrom(memory.feed, returned, newest, oldest, belongs)) gone.add(id);
  if (conversationId !== undefined) {
    for (const id of missingFrom(memory.conversations[conversationId], returned, newest, oldest, belongs)) gone.add(id);
  }
  dropEvents(memory, gone);
}

/**
 * Forgets what X no longer keeps: events older than 30 days, and runs that lost their floor. Walks the events only
 * when the memory's expiry bound has passed (or is not known), and leaves the bound at the oldest kept event's.
 */
export function expire(memory: UserMemory, now: number): void {
  if (memory.expiresAt !== undefined && now <= memory.expiresAt) return;
  const { gone, soonest } = scanExpiry(memory, now);
  memory.expiresAt = soonest;
  if (gone.size === 0) return;
  // A run that held dropped events reached beyond the window, and what lay below them is beyond it too: that run now
  // ends where the window does. A run that lost nothing still has X's events below it, its token to read them.
  const reached = [memory.feed, ...Object.values(memory.conversations)].filter((run) =>
    run?.ids.some((id) => gone.has(id)),
  );
  dropEvents(memory, gone);
  for (const run of reached) {
    if (run && run.next !== undefined) {
      delete run.next;
      run.end = true;
    }
  }
}

/** The conversation events of the feed, newest first. */
function conversationEventsInFeed(memory: UserMemory, conversationId: string): string[] {
  return (memory.feed?.ids ?? []).filter((id) => memory.events[id]?.dm_conversation_id === conversationId);
}

/** What is known contiguously of a list from its newest event, and how fresh and how complete that is. */
export interface View {
  /** Event ids, newest first. */
  readonly ids: readonly string[];
  /** Nothing lies below `ids`. */
  readonly complete: boolean;
  /** When the head was last checked with X; undefined when nothing is known. */
  readonly syncedAt: number | undefined;
}

/** Records a message the user just sent: known at once, on top of its lists until a sync reads it back. */
export function rememberSent(memory: UserMemory, event: DmEvent): void {
  keep(memory, event);
  memory.sent = mergeNewestFirst([event.id], memory.sent ?? []);
}

/** Forgets an event the user deleted: no list, page or lookup by id shows it again. */
export function forgetEvent(memory: UserMemory, eventId: string): void {
  dropEvents(memory, new Set([eventId]));
}

/** Drops from `sent` what a sync has now read back (ids up to the feed's head). */
export function confirmSent(memory: UserMemory): void {
  const head = memory.feed?.headId;
  if (!memory.sent || head === undefined) return;
  memory.sent = memory.sent.filter((id) => compareIds(id, head) > 0);
}

/** The sent messages not yet read back, of one conversation or all. */
function sentIn(memory: UserMemory, conversationId?: string): string[] {
  if (!memory.sent?.length) return [];
  return conversationId === undefined
    ? memory.sent
    : memory.sent.filter((id) => memory.events[id]?.dm_conversation_id === conversationId);
}

/** The global feed as memory knows it. */
export function feedView(memory: UserMemory): View {
  const feed = memory.feed;
  if (!feed) return { ids: [], complete: false, syncedAt: undefined };
  const sent = sentIn(memory);
  return {
    ids: sent.length ? mergeNewestFirst(sent, feed.ids) : feed.ids,
    complete: feed.end,
    syncedAt: feed.syncedAt,
  };
}

/**
 * A conversation as memory knows it: its events in the feed (exact down to the feed's floor), continued by its own
 * run when that run reaches up into the feed. A run that does not is used alone, as fresh as its own read.
 */
export function conversationView(memory: UserMemory, conversationId: string): View {
  const view = knownOfConversation(memory, conversationId);
  const sent = sentIn(memory, conversationId);
  return sent.length && view.syncedAt !== undefined ? { ...view, ids: mergeNewestFirst(sent, view.ids) } : view;
}

function knownOfConversation(memory: UserMemory, conversationId: string): View {
  const feed = memory.feed;
  const run = memory.conversations[conversationId];
  const inFeed = feed ? conversationEventsInFeed(memory, conversationId) : [];
  if (feed?.end) return { ids: inFeed, complete: true, syncedAt: feed.syncedAt };
  const feedFloor = feed ? floorOf(feed) : undefined;
  const joins =
    feed !== undefined &&
    run?.headId !== undefined &&
    feedFloor !== undefined &&
    compareIds(feedFloor, run.headId) <= 0;
  if (run && joins) {
    // The feed knows the conversation down to its floor, the run from its head down: together, all of it.
    return {
      ids: mergeNewestFirst(inFeed, run.ids),
      complete: run.end,
      syncedAt: Math.max(feed.syncedAt, run.syncedAt),
    };
  }
  if (run && (!feed || run.syncedAt >= feed.syncedAt))
    return { ids: run.ids, complete: run.end, syncedAt: run.syncedAt };
  if (feed) return { ids: inFeed, complete: false, syncedAt: feed.syncedAt };
  return { ids: [], complete: false, syncedAt: undefined };
}

/** Two lists of ids, newest first, as one without repeats. */
export function mergeNewestFirst(a: readonly string[], b: readonly string[]): string[] {
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const order = i >= a.length ? 1 : j >= b.length ? -1 : -compareIds(a[i]!, b[j]!);
    if (order <= 0) {
      if (order === 0) j++;
      merged.push(a[i++]!);
    } else merged.push(b[j++]!);
  }
  return merged;
}

/** The events of `ids` that are of one of `types` (all when undefined). */
export function ofTypes(
  memory: UserMemory,
  ids: readonly string[],
  types: ReadonlySet<DmEventType> | undefined,
): string[] {
  if (!types) return [...ids];
  return ids.filter((id) => types.has(memory.events[id]!.event_type as DmEventType));
}
