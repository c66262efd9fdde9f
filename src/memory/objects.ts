/**
 * The users, posts, media, polls and places a user's memory keeps: what X's answers carried (DM pages' `includes`, and
 * the users and posts lookups' `data` and `includes`), each with the fields known of it and when X returned it, and the
 * ids X answered as not found. Users and posts are served for `objectTtlMs` after X returned them (profiles change);
 * `docs/memory.md` ("Users and posts") is the design.
 */
import { missingKindOf } from '../loaders/loaders.js';
import type { Dialect } from '../x/dialect.js';
import { FIELDS_PARAM, type LinkKind, type XParams, isLookupKind } from '../x/params.js';
import type { Includes, Problem } from '../x/wire.js';
import type { UserMemory } from './user-memory.js';

/** How long a user or a post X returned is served from memory before it is looked up again. */
export const OBJECT_TTL_MS = 15 * 60 * 1000;

/** Where each kind's objects sit in `includes`. */
const INCLUDES: readonly [LinkKind, keyof Includes][] = [
  ['user', 'users'],
  ['tweet', 'tweets'],
  ['media', 'media'],
  ['poll', 'polls'],
  ['place', 'places'],
];

/** An answer of X as memory keeps it: the objects it asked for, those it included, and its partial errors. */
export interface ObjectAnswer {
  readonly data?: object[] | object;
  readonly includes?: Includes;
  readonly errors?: readonly Problem[];
}

/** Whether something X returned at `at` may still be served at `now` (objects of old memories have no `at`). */
export function isFresh(at: number | undefined, now: number, ttlMs: number): boolean {
  return at !== undefined && now - at <= ttlMs;
}

/**
 * Keeps what `answer` carried, X having returned it at `now`: the objects of `kind` it asked for (`data`, when the call
 * was a lookup of that kind), every object it included, each with the fields a call made with `params` gives it, and
 * the ids it said are missing. An object still fresh gains the new fields (and stays as old as its older part); one
 * past its time is replaced.
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
  if (kind && answer.data) {
    const asked = Array.isArray(answer.data) ? answer.data : [answer.data];
    keep(memory, dialect, kind, params, asked, true, now, ttlMs);
  }
  const includes = answer.includes;
  if (!includes) return;
  for (const [included, key] of INCLUDES) {
    const objects = includes[key];
    if (objects) keep(memory, dialect, included, params, objects, false, now, ttlMs);
  }
}

function keep(
  memory: UserMemory,
  dialect: Dialect,
  kind: LinkKind,
  params: XParams,
  objects: readonly object[],
  asked: boolean,
  now: number,
  ttlMs: number,
): void {
  const fields = [...dialect.knownFields(kind, params[FIELDS_PARAM[kind]], asked)];
  const kept = memory.objects[kind];
  const ageing = isLookupKind(kind);
  for (const object of objects) {
    const id = (object as Record<string, unknown>)[kind === 'media' ? 'media_key' : 'id'];
    if (typeof id !== 'string') continue;
    const before = kept[id];
    delete memory.missing[kind][id];
    if (before && (!ageing || isFresh(before.at, now, ttlMs))) {
      const union = new Set([...before.fields, ...fields]);
      kept[id] = {
        value: { ...before.value, ...(object as Record<string, unknown>) },
        fields: [...union],
        at: before.at ?? now,
      };
    } else {
      kept[id] = { value: object as Record<string, unknown>, fields, at: now };
    }
  }
}

/**
 * Forgets users and posts, and ids X said it has no user or post for, past their time: a memory keeps what is still
 * served, and what its events link to is looked up again when read. (Media, polls and places come only with the events
 * that carry them, and are kept as those are.)
 */
export function pruneObjects(memory: UserMemory, now: number, ttlMs: number): void {
  for (const kind of ['user', 'tweet'] as const) {
    const kept = memory.objects[kind];
    for (const id in kept) if (!isFresh(kept[id]!.at, now, ttlMs)) delete kept[id];
    const missing = memory.missing[kind];
    for (const id in missing) if (!isFresh(missing[id]!.at, now, ttlMs)) delete missing[id];
  }
}
