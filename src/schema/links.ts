/**
 * Resolving a field that links to another X object: through the request's loaders, with the plan of what the
 * selection below reads, so an object already known with those fields costs nothing and the rest are batched.
 */
import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { childPlan, Planned, type SelectionPlan } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import { FIELDS_PARAM } from '../x/params.js';

/**
 * The plan of a field whose users or posts are looked up by id (`/2/users?ids=`, `/2/tweets?ids=`) with what its
 * selection reads of them (`type`: the field's object type).
 */
export function lookupPlanOf(
  context: GatewayContext,
  info: GraphQLResolveInfo,
  kind: 'user' | 'tweet',
  type: GraphQLObjectType,
): SelectionPlan {
  const { params, plan } = planField(info, kind, type, context.x.dialect);
  const fields = params[FIELDS_PARAM[kind]]?.split(',') ?? [];
  return { children: plan.children, load: { kind, fields, batch: params } };
}

/** The linked object named by `id`, or null when X has none by that id. */
export function loadLinked<T>(
  context: GatewayContext,
  parentPlan: SelectionPlan,
  info: GraphQLResolveInfo,
  id: string | undefined,
): Planned<T> | Promise<Planned<T> | null> | null {
  if (id === undefined) return null;
  const plan = childPlan(parentPlan, info.path.key);
  return context.loaders.load<T>(plan, id);
}

/**
 * The linked objects named by `ids`, in order; ids X does not know are left out. When every one is known already (an
 * answer from memory, or objects the page's own call expanded) the list comes back as it is, not in a promise, so
 * graphql-jit carries on below it in the same turn instead of waiting on `Promise.all` and a `then` per list.
 */
export function loadLinkedList<T>(
  context: GatewayContext,
  parentPlan: SelectionPlan,
  info: GraphQLResolveInfo,
  ids: readonly string[] | undefined,
): Planned<T>[] | Promise<Planned<T>[]> | null {
  if (ids === undefined) return null;
  const plan = childPlan(parentPlan, info.path.key);
  const loaded = ids.map((id) => context.loaders.load<T>(plan, id));
  if (!loaded.some((object) => object instanceof Promise)) return knownOnly(loaded as (Planned<T> | null)[]);
  return Promise.all(loaded.map((object) => Promise.resolve(object))).then(knownOnly);
}

function knownOnly<T>(objects: readonly (Planned<T> | null)[]): Planned<T>[] {
  return objects.filter((object): object is Planned<T> => object !== null);
}

/** A value object below a planned X object, carrying its own plan down (for value objects that hold links). */
export function planned<T>(
  parentPlan: SelectionPlan,
  info: GraphQLResolveInfo,
  value: T | undefined,
): Planned<T> | null {
  return value === undefined ? null : new Planned(value, childPlan(parentPlan, info.path.key));
}

/** A list of value objects below a planned X object, each carrying the same plan down. */
export function plannedList<T>(
  parentPlan: SelectionPlan,
  info: GraphQLResolveInfo,
  values: readonly T[] | undefined,
): Planned<T>[] | null {
  if (values === undefined) return null;
  const plan = childPlan(parentPlan, info.path.key);
  return values.map((x) => new Planned(x, plan));
}
