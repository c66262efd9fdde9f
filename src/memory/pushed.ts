/**
 * An event X pushed (its Activity API), into a user's memory at once: on top of the feed and of its conversation's
 * run, the head moved up to it. The feed stays exact only while the pushes have no gap: a gap the stream cannot replay
 * makes the gateway sync the user instead (`src/sync/activity.ts`).
 */
import { type DmEvent, compareIds } from '../x/wire.js';
import { type Run, type UserMemory, mergeNewestFirst, rememberEvents } from './user-memory.js';

function onTop(run: Run, id: string): void {
  run.ids = mergeNewestFirst([id], run.ids);
  if (run.headId === undefined || compareIds(id, run.headId) > 0) run.headId = id;
}

/**
 * Adds `event` (one-to-one, its conversation named) to `memory`. False when memory knew it already (X delivers at
 * least once); a message the user sent through the gateway is kept as the gateway wrote it and joins the feed now.
 */
export function rememberPushed(memory: UserMemory, event: DmEvent): boolean {
  const sent = memory.sent?.includes(event.id) ?? false;
  if (memory.events[event.id] && !sent) return false;
  if (!memory.events[event.id]) rememberEvents(memory, [event]);
  // Without a feed there is no head to put it on: the first sync reads the feed, this event with it.
  if (memory.feed) onTop(memory.feed, event.id);
  const conversationId = event.dm_conversation_id;
  const run = conversationId === undefined ? undefined : memory.conversations[conversationId];
  if (run) onTop(run, event.id);
  if (sent && memory.feed) memory.sent = memory.sent!.filter((id) => id !== event.id);
  return true;
}

/** Empties a user's memory (the user revoked the app): events, lists, objects, sent messages. */
export function forgetAll(memory: UserMemory): void {
  memory.events = {};
  delete memory.feed;
  delete memory.pending;
  delete memory.sent;
  memory.conversations = {};
  for (const kind of Object.keys(memory.objects) as (keyof UserMemory['objects'])[]) memory.objects[kind] = {};
  for (const kind of Object.keys(memory.missing) as (keyof UserMemory['missing'])[]) memory.missing[kind] = {};
}
