/**
 * Fields that are one X field as it comes (`createdAt` is X's `created_at`), read without a resolver.
 *
 * graphql-jit calls a field's resolver with its own info and path, and reads a field that has none inline, as a
 * property of its source. So a field written `resolve: fromX('created_at')` (or `...xField('created_at')`, which
 * also tells the planner the field reads `created_at`) is given, once the schema is built, a getter of its name on
 * `Planned` (`createdAt` returns `this.x.created_at`) and no resolver. One getter serves every type with that field
 * name; where two types read a name from different X fields (`conversationId` is `dm_conversation_id` on an event,
 * `conversation_id` on a post), the first keeps the getter and the other its resolver. Either way the field answers
 * what its resolver would.
 *
 * Each getter is a function of its own reading one named property (`this.x.created_at`), so each keeps its own
 * inline cache; one closure shared by all, reading `this.x[name]`, would see every X field at one site and turn
 * megamorphic.
 */
import { type GraphQLSchema, isObjectType } from 'graphql';
import { reads } from '../planner/needs.js';
import { EMPTY_PLAN, Planned } from '../planner/plan.js';

type Read = (source: Planned<Record<string, unknown>>) => unknown;

const readers = new Map<string, Read>();
const xFieldOf = new Map<Read, string>();

/** The resolver of a field that is X's field `name` as it comes. */
export function fromX<K extends string>(
  name: K,
): <T extends { readonly [key in K]?: unknown }>(source: Planned<T>) => T[K] {
  let read = readers.get(name);
  if (!read) {
    read = (source) => source.x[name];
    readers.set(name, read);
    xFieldOf.set(read, name);
  }
  return read as <T extends { readonly [key in K]?: unknown }>(source: Planned<T>) => T[K];
}

/**
 * A getter of X's field `key` on an object wrapping X's object as `x` (`Planned`, `XValue`): a function of its own,
 * `function () { return this.x["created_at"]; }` (the key a JSON string literal, so any name is safe), passing what
 * it reads through `wrap` when given. Made once per field name, at start.
 */
export function xGetter(key: string, wrap?: (value: unknown) => unknown): (this: { readonly x: object }) => unknown {
  const read = `this.x[${JSON.stringify(key)}]`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('wrap', `return function () { return ${wrap ? `wrap(${read})` : read}; };`) as (
    wrapper: typeof wrap,
  ) => (this: { readonly x: object }) => unknown;
  return make(wrap);
}

/** Turns every `fromX` field of `schema` into a getter on `Planned`, where its name is free for it. */
export function withXFieldGetters(schema: GraphQLSchema): GraphQLSchema {
  const getters = new Map<string, string>();
  // What a Planned has of its own (`x`, `plan`) or inherits (`constructor`, `toString`...) is not a field's to take.
  const members = new Planned({}, EMPTY_PLAN);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const xField = field.resolve && xFieldOf.get(field.resolve as Read);
      if (xField === undefined) continue;
      const taken = getters.get(field.name);
      if (taken === undefined) {
        if (field.name in members) continue;
        Object.defineProperty(Planned.prototype, field.name, { get: xGetter(xField) });
        getters.set(field.name, xField);
      } else if (taken !== xField) continue;
      field.resolve = undefined;
    }
  }
  return schema;
}

/** A field that is X's field `name` as it comes: `fromX(name)`, and the planner told it reads `name`. */
export function xField<K extends string>(name: K) {
  return { ...reads(name), resolve: fromX(name) };
}
