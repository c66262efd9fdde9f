/**
 * X's value objects (a post's `public_metrics`, a URL entity), read without a resolver per field.
 *
 * Pothos gives a field exposed under another name (`expandedUrl: t.exposeString('expanded_url')`) a resolver, and
 * graphql-jit calls it with an info and a path of its own: at 100 events, about a third of an answer's resolver
 * calls. So once the schema is built, a type whose fields are all X fields as they come, some of them renamed, is a
 * value type: its objects are served wrapped in an `XValue`, whose class has a getter for each of its fields
 * (`expandedUrl` returns `this.x.expanded_url`), and its fields have no resolver. The fields that lead to a value type
 * wrap what they return: a value type's own through its getter, any other through a resolver (one call for the object
 * or the list, rather than one per field of it).
 *
 * One getter serves every value type with that field name. A type whose field would need another getter under a
 * name already taken (another X field, or wrapping where the other does not) stays as it is, with its resolvers.
 */
import {
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
} from 'graphql';
import { xGetter } from './x-fields.js';

/**
 * An X value object on its way down the tree. Always made with `new`, of the class `withXValueGetters` makes for its
 * schema: only that class has the schema's getters.
 */
export class XValue {
  constructor(readonly x: Readonly<Record<string, unknown>>) {}
}

type Wrap = (value: unknown) => unknown;
type Resolver = GraphQLFieldResolver<unknown, unknown>;

/** What a field leading to a value type returns, wrapped in `Value`: an object, a list of them, or nothing. */
function wrapperOf(Value: typeof XValue): Wrap {
  const one = (item: unknown) =>
    item === null || typeof item !== 'object' ? item : new Value(item as Record<string, unknown>);
  return (value) => (Array.isArray(value) ? value.map(one) : one(value));
}

/** The X field a field exposes (Pothos's `t.expose*`), if it is one. */
function exposedKey(field: GraphQLField<unknown, unknown>): string | undefined {
  const key = (field.extensions as { pothosExposedField?: unknown } | undefined)?.pothosExposedField;
  return typeof key === 'string' ? key : undefined;
}

interface Getter {
  readonly key: string;
  readonly wraps: boolean;
}

/** The value types of `schema`, with the getter each field name needs. */
function valueTypes(schema: GraphQLSchema): { types: Set<GraphQLObjectType>; getters: Map<string, Getter> } {
  const members = new XValue({});
  const candidates = Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType =>
      isObjectType(type) &&
      !type.name.startsWith('__') &&
      Object.values(type.getFields()).every((field) => exposedKey(field) !== undefined && !(field.name in members)) &&
      Object.values(type.getFields()).some((field) => field.resolve),
  );
  // Whether a field wraps depends on which types are value types, and a clash can remove one: settle it by rounds.
  let types = new Set(candidates);
  for (;;) {
    const getters = new Map<string, Getter>();
    const kept = new Set<GraphQLObjectType>();
    for (const type of types) {
      const wanted = Object.values(type.getFields()).map((field) => ({
        name: field.name,
        getter: { key: exposedKey(field)!, wraps: types.has(getNamedType(field.type) as GraphQLObjectType) },
      }));
      const clashes = wanted.some(({ name, getter }) => {
        const taken = getters.get(name);
        return taken !== undefined && (taken.key !== getter.key || taken.wraps !== getter.wraps);
      });
      if (clashes) continue;
      for (const { name, getter } of wanted) getters.set(name, getter);
      kept.add(type);
    }
    if (kept.size === types.size) return { types, getters };
    types = kept;
  }
}

/** A resolver giving what `resolve` (or, without one, the property of the field's name) gives, wrapped. */
function wrapping(name: string, resolve: Resolver | undefined, wrap: Wrap): Resolver {
  if (!resolve) return (source) => wrap((source as Record<string, unknown>)[name]);
  return (source, args, context, info) => {
    const result = resolve(source, args, context, info);
    return result instanceof Promise ? result.then(wrap) : wrap(result);
  };
}

/** Serves the value types of `schema` through `XValue`'s getters (see above). */
export function withXValueGetters(schema: GraphQLSchema): GraphQLSchema {
  const { types, getters } = valueTypes(schema);
  const Value = class extends XValue {};
  const wrap = wrapperOf(Value);
  for (const [name, { key, wraps }] of getters) {
    Object.defineProperty(Value.prototype, name, { get: xGetter(key, wraps ? wrap : undefined) });
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (types.has(type)) field.resolve = undefined;
      else if (types.has(getNamedType(field.type) as GraphQLObjectType)) {
        field.resolve = wrapping(field.name, field.resolve, wrap);
      }
    }
  }
  return schema;
}
