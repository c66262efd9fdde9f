/**
 * What an X answer carries of users, posts, media, polls and places, and how a second answer's copy of an object joins
 * what is known of it: one reading for the request's loaders (`loaders.ts`) and for the caller's memory
 * (`src/memory/objects.ts`), so both know an object with the same fields.
 */
import type { Dialect } from '../x/dialect.js';
import { FIELDS_PARAM, type LinkKind, type XParams } from '../x/params.js';
import type { Includes, Problem } from '../x/wire.js';

/** The field that names each kind's objects. */
const KEY_FIELD: Record<LinkKind, string> = { user: 'id', tweet: 'id', media: 'media_key', poll: 'id', place: 'id' };

/** Where each kind's objects sit in `includes`. */
const INCLUDES_KEY: readonly (readonly [LinkKind, keyof Includes])[] = [
  ['user', 'users'],
  ['tweet', 'tweets'],
  ['media', 'media'],
  ['poll', 'polls'],
  ['place', 'places'],
];

/** X's `resource_type` of a partial not-found error, per kind. */
const RESOURCE_TYPE: Readonly<Record<string, LinkKind>> = {
  user: 'user',
  tweet: 'tweet',
  media: 'media',
  poll: 'poll',
  place: 'place',
};

/** An answer of X as far as its objects go: those it asked for, those it included, and its partial errors. */
export interface ObjectAnswer {
  readonly data?: readonly object[] | object;
  readonly includes?: Includes;
  readonly errors?: readonly Problem[];
}

/**
 * Calls `visit` for every object `answer` carries: the objects of `kind` it asked for (`data`, when the call was a
 * lookup of that kind, `asked` true), then every object it included, each with the fields a call made with `params`
 * gives it in `dialect` (some dialects give included objects fewer fields than were asked: only asked-for 2.167 posts
 * carry `author_id`). Objects without their key are skipped.
 */
export function forEachCarried(
  dialect: Dialect,
  params: XParams,
  answer: ObjectAnswer,
  kind: LinkKind | undefined,
  visit: (kind: LinkKind, id: string, object: object, fields: ReadonlySet<string>, asked: boolean) => void,
): void {
  const group = (of: LinkKind, objects: readonly object[], asked: boolean) => {
    const fields = dialect.knownFields(of, params[FIELDS_PARAM[of]], asked);
    const keyField = KEY_FIELD[of];
    for (const object of objects) {
      const id = (object as Record<string, unknown>)[keyField];
      if (typeof id === 'string') visit(of, id, object, fields, asked);
    }
  };
  if (kind && answer.data) group(kind, Array.isArray(answer.data) ? answer.data : [answer.data], true);
  const includes = answer.includes;
  if (!includes) return;
  for (const [included, key] of INCLUDES_KEY) {
    const objects = includes[key];
    if (objects) group(included, objects, false);
  }
}

/** The kind of object a partial error says X does not have, if it says that. */
export function missingKindOf(problem: Problem): LinkKind | undefined {
  const kind = problem.resource_type ? RESOURCE_TYPE[problem.resource_type] : undefined;
  return kind && problem.resource_id && problem.type?.endsWith('/problems/resource-not-found') ? kind : undefined;
}

/** An object as known: its value, and the fields it is known with. */
export interface KnownObject<V extends object = object> {
  readonly value: V;
  readonly fields: ReadonlySet<string>;
}

/**
 * What is known of an object once an answer carried it again with `fields`: the new copy alone when it has every field
 * known before (it is the whole object, as X has it now); otherwise both together, the new copy's values over the old,
 * known with the fields of either. A set known before is kept when it still holds every
 * field: plans check a known set against their field lists once per set.
 */
export function mergeKnown<V extends object>(
  before: KnownObject<V> | undefined,
  object: V,
  fields: ReadonlySet<string>,
): KnownObject<V> {
  if (!before || isSubset(before.fields, fields)) return { value: object, fields };
  const value = { ...before.value, ...object };
  return { value, fields: isSubset(fields, before.fields) ? before.fields : new Set([...before.fields, ...fields]) };
}

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
