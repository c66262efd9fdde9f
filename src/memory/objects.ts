/**
 * The users, posts, media, polls and places a user's memory keeps: what X's answers carried (DM pages' `includes`, and
 * the users and posts lookups' `data` and `includes`), each with the fields known of it and when X returned it, and the
 * ids X answered as not found. Users and posts are served for `objectTtlMs` after X returned them (profiles change);
 * `docs/memory.md` ("Users and posts") is the design.
 */
import { type ObjectAnswer, forEachCarried, mergeKnown, missingKindOf } from '../loaders/carried.js';
import type { Dialect } from '../x/dialect.js';
import { type LinkKind, type XParams, isLookupKind } from '../x/params.js';
import type { UserMemory } from './user-memory.js';

/** How long a user or a post X returned is served from memory before it is looked up again. */
export const OBJECT_TTL_MS = 15 * 60 * 1000;

/** Whether something X returned at `at` may still be served at `now` (objects of old memories have no `at`). */
export function isFresh(at: number | undefined, now: number, ttlMs: number): boolean {
  return at !== undefined && now - at <= ttlMs;
}

/**
 * Keeps what `answer` carried, X having returned it at `now`: the objects of `kind` it asked for (`data`, when the call
 * was a lookup of that kind), every object it included, each with the fields a call made with `params` gives it, and
 * the ids it said are missing. An object still fresh joins the new copy as the request's loaders join them
 * (`mergeKnown`) and stays as old as its older part; one past its time is replaced.
 */
export function rememberObjects(
  memory: UserMemory,
  dialect: Dialect,
  params: XParams,
  answer: ObjectAnswer,
  now: number,
  ttlMs: number,
  kind?: LinkKind,
): void {
  pruneObjects(memory, now, ttlMs);
  for (const problem of answer.errors ?? []) {
    const missingKind = missingKindOf(problem);
    if (!missingKind) continue;
    memory.missing[missingKind][problem.resource_id!] = { problem, at: now };
    delete memory.objects[missingKind][problem.resource_id!];
  }
  forEachCarried(dialect, params, answer, kind, (of, id, object, fields) => {
    const kept = memory.objects[of];
    const before = kept[id];
    delete memory.missing[of][id];
    // A user or post past its time is replaced whole; anything else joins what memory knows of it, and stays as old
    // as its older part.
    if (before && (!isLookupKind(of) || isFresh(before.at, now, ttlMs))) {
      const merged = mergeKnown(
        { value: before.value, fields: new Set(before.fields) },
        object as Record<string, unknown>,
        fields,
      );
      kept[id] = { value: merged.value, fields: [...merged.fields], at: before.at ?? now };
    } else {
      kept[id] = { value: object as Record<string, unknown>, fields: [...fields], at: now };
    }
  });
}

/**
 * Forgets users and posts, and ids X said it has no user or post for, past their time: a memory keeps what is still
 * served, and what its events link to is looked up again when read. (Media, polls and places come only with the events
 * that carry them, and are kept as those are.)
 */
function pruneObjects(memory: UserMemory, now: number, ttlMs: number): void {
  for (const kind of ['user', 'tweet'] as const) {
    const kept = memory.objects[kind];
    for (const id in kept) if (!isFresh(kept[id]!.at, now, ttlMs)) delete kept[id];
    const missing = memory.missing[kind];
    for (const id in missing) if (!isFresh(missing[id]!.at, now, ttlMs)) delete missing[id];
  }
}
