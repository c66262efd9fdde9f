/**
 * Single events: one by id (from memory when known, else X's own copy, remembered), the feed's newest since an id
 * (the live loop's read), and the caller's own sends and deletes, in memory at once (read your writes).
 */
import type { XParams } from '../x/params.js';
import { type DmEvent, type DmEventAnswer, type Problem, compareIds } from '../x/wire.js';
import { userIdOf } from './identity.js';
import { readEvents } from './reads.js';
import type { RequestState } from './request-state.js';
import { feedView, forgetEvent, rememberSent } from './user-memory.js';

/**
 * One event by id: from memory when known, else `GET /2/dm_events/{id}`, remembered. Without `event`, X has none
 * (and `problem` may say so in X's words).
 */
export async function eventById(
  state: RequestState,
  eventId: string,
  params: XParams,
): Promise<{ event?: DmEvent; problem?: Problem }> {
  const userId = await userIdOf(state);
  const memory = await state.readMemory(userId);
  const known = memory.events[eventId];
  // A message sent through the gateway is known only as the input told it, until X's own copy is read.
  if (known && !memory.sent?.includes(eventId)) {
    state.useObjects(memory);
    return { event: known };
  }
  const { body, memory: updated } = await readEvents<DmEventAnswer>(state, userId, {
    path: `/2/dm_events/${eventId}`,
    params,
    answered: (asked, answer) => state.loaders.prime('dm_event', asked, answer),
    keepEmpty: false,
  });
  if (!body.data) return body.errors?.[0] ? { problem: body.errors[0] } : {};
  state.useObjects(updated!);
  return { event: body.data };
}

/**
 * In one read: the feed's events newer than `afterId` (or, without it, its newest `limit`), newest first, with the
 * messages the caller sent that no sync has read back yet; and the feed's head, the newest id X has shown (events
 * at or below it are confirmed by X, those above it only by the caller's own sends).
 */
export async function news(
  state: RequestState,
  afterId: string | undefined,
  limit: number,
): Promise<{ events: DmEvent[]; head: string | undefined }> {
  const memory = await state.readMemory(await userIdOf(state));
  const ids = feedView(memory).ids;
  const newer = ids.slice(0, afterId === undefined ? limit : Math.min(limit, indexAtOrBelow(ids, afterId)));
  return { events: newer.map((id) => memory.events[id]!), head: memory.feed?.headId };
}

/** A message the caller just sent: in memory at once, on top of its conversation and the feed. */
export async function sent(state: RequestState, event: DmEvent): Promise<void> {
  await state.memory.store.update(await userIdOf(state), (m) => rememberSent(m, event));
}

/** An event the caller just deleted: gone from memory at once. */
export async function deleted(state: RequestState, eventId: string): Promise<void> {
  await state.memory.store.update(await userIdOf(state), (m) => forgetEvent(m, eventId));
}

/** The index of the first id at or below `id` (ids newest first), or the length when there is none. */
function indexAtOrBelow(ids: readonly string[], id: string): number {
  const index = ids.findIndex((other) => compareIds(other, id) <= 0);
  return index < 0 ? ids.length : index;
}
