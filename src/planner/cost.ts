/**
 * The worst-case number of X calls an operation may make, estimated before it runs, so that an operation over
 * `MAX_UPSTREAM_REQUESTS` is refused without spending any of the user's tiny rate-limit budget.
 *
 * It walks the operation as the executor will (fragments, `@skip`/`@include`, variables), and at every field that
 * calls X it asks the planner what that call and its batch lookups will be:
 * - a page of DM events is one call, plus one lookup per 100 ids for each batch lookup below its events;
 * - a connection nested below events (a message's conversation's events) multiplies by the page size above it;
 * - an event by id, or a node, is one call plus its lookups; users and tweets asked for by `nodes` share lookups;
 * - lists of linked objects count LIST_FANOUT items each (see there).
 * The request's call budget (`XSession`) enforces the limit when an estimate falls short.
 */
import {
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
} from 'graphql';
import { PAGING } from '../x/wire.js';
import { collectSubfields } from './collect.js';
import { NEEDS_KEY, type XNeeds } from './needs.js';
import { type CallKind, LIST_FANOUT, type PlanContext, planCall } from './planner.js';
import type { Dialect } from '../x/dialect.js';

/** @default 20 events a page when neither `first` nor `last` is given (as the connections do). */
const DEFAULT_PAGE_SIZE = 20;

/** What a node's global id means for the estimate: its type, or undefined for an id that names nothing. */
export type TypeOfGlobalId = (globalId: string) => string | undefined;

const NODE_CALLS: Record<string, CallKind | undefined> = { DmEvent: 'dm_event', User: 'user', Tweet: 'tweet' };

interface Walk extends PlanContext {
  readonly typeOf: TypeOfGlobalId;
  /** The caller's own user is asked for at most once a request. */
  me: boolean;
}

function needsOf(field: GraphQLField<unknown, unknown>): XNeeds | undefined {
  return field.extensions[NEEDS_KEY] as XNeeds | undefined;
}

function argumentsOf(walk: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, walk.variables);
  } catch {
    return {}; // bad arguments fail at execution with BAD_USER_INPUT, before any call
  }
}

function pageSize(args: Record<string, unknown>): number {
  const size =
    typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE_SIZE;
  return Math.min(PAGING.maxResultsMax, Math.max(PAGING.maxResultsMin, size));
}

/** One call asking for `objects` objects of `type`, and the batch lookups below them. */
function callCost(
  walk: Walk,
  kind: CallKind,
  nodes: readonly FieldNode[],
  type: GraphQLObjectType,
  objects: number,
): number {
  const { lookups } = planCall(walk, kind, nodes, type);
  let calls = 0;
  for (const idsPerObject of lookups) calls += Math.ceil((objects * idsPerObject) / 100);
  return calls;
}

/** The calls `ids` (global ids) cost through `node`/`nodes`, and what is selected below them. */
function nodesCost(walk: Walk, nodes: readonly FieldNode[], ids: readonly unknown[], instances: number): number {
  const byType = new Map<string, number>();
  for (const id of ids) {
    const typename = typeof id === 'string' ? walk.typeOf(id) : undefined;
    if (typename) byType.set(typename, (byType.get(typename) ?? 0) + 1);
  }
  return objectsCost(walk, nodes, byType, instances);
}

/**
 * How many of a federation router's `_entities` representations name each type that is looked up by id (the
 * resolver refuses any other before a call).
 */
function entityCounts(representations: unknown): Map<string, number> {
  const byType = new Map<string, number>();
  for (const representation of Array.isArray(representations) ? representations : []) {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    if (typeof typename !== 'string' || !Object.hasOwn(NODE_CALLS, typename)) continue;
    if (NODE_CALLS[typename] !== 'dm_event') byType.set(typename, (byType.get(typename) ?? 0) + 1);
  }
  return byType;
}

/** The calls that objects looked up by id (`count` of each type) cost, and what is selected below them. */
function objectsCost(
  walk: Walk,
  nodes: readonly FieldNode[],
  byType: ReadonlyMap<string, number>,
  instances: number,
): number {
  let calls = 0;
  for (const [typename, count] of byType) {
    const type = walk.schema.getType(typename);
    if (!isObjectType(type)) continue;
    const kind = NODE_CALLS[typename];
    if (kind === 'dm_event') calls += count * (1 + callCost(walk, kind, nodes, type, 1));
    else if (kind) calls += Math.ceil(count / 100) + callCost(walk, kind, nodes, type, count);
    calls += selectionCost(walk, type, nodes, count, LIST_FANOUT);
  }
  return calls * instances;
}

/**
 * The calls made below `instances` objects of `type`. `listSize` is how many items each list field of `type` holds
 * (the page size for a connection's edges and nodes).
 */
function selectionCost(
  walk: Walk,
  type: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
  instances: number,
  listSize: number,
): number {
  let calls = 0;
  const fields = type.getFields();
  for (const nodes of collectSubfields(walk, type, fieldNodes).values()) {
    const field = fields[nodes[0]!.name.value];
    if (!field) continue;
    const named = getNamedType(field.type);
    switch (needsOf(field)?.call) {
      case 'dm_page': {
        const size = pageSize(argumentsOf(walk, field, nodes[0]!));
        if (!isObjectType(named)) continue;
        calls += instances * (1 + callCost(walk, 'dm_event', nodes, named, size));
        calls += selectionCost(walk, named, nodes, instances, size);
        continue;
      }
      case 'dm_event':
        if (!isObjectType(named)) continue;
        calls += instances * (1 + callCost(walk, 'dm_event', nodes, named, 1));
        calls += selectionCost(walk, named, nodes, instances, LIST_FANOUT);
        continue;
      case 'me':
        // One call a request, whoever asks; the viewer's selection may need lookups of its own.
        if (!walk.me) calls += 1;
        walk.me = true;
        if (isObjectType(named))
          calls += callCost(walk, 'user', nodes, named, 1) + selectionCost(walk, named, nodes, instances, LIST_FANOUT);
        continue;
      case 'node':
        calls += nodesCost(walk, nodes, [argumentsOf(walk, field, nodes[0]!).id], instances);
        continue;
      case 'nodes': {
        const ids = argumentsOf(walk, field, nodes[0]!).ids;
        calls += nodesCost(walk, nodes, Array.isArray(ids) ? ids : [], instances);
        continue;
      }
      case 'entities':
        calls += objectsCost(walk, nodes, entityCounts(argumentsOf(walk, field, nodes[0]!).representations), instances);
        continue;
    }
    if (!isObjectType(named)) continue;
    const count = isListType(getNullableType(field.type)) ? instances * listSize : instances;
    calls += selectionCost(walk, named, nodes, count, LIST_FANOUT);
  }
  return calls;
}

/**
 * The most X calls the operation may make with these (coerced) variables. Zero for anything but a query: the schema
 * has no mutations or subscriptions, and validation refuses them.
 */
export function estimateCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>>,
  typeOf: TypeOfGlobalId,
  dialect: Dialect,
): number {
  const operation = getOperationAST(document, operationName);
  const root = schema.getQueryType();
  if (!operation || operation.operation !== OperationTypeNode.QUERY || !root) return 0;
  const fragments = Object.fromEntries(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
    ),
  );
  const walk: Walk = { schema, fragments, variables, dialect, typeOf, me: false };
  const rootNode = {
    kind: 'Field',
    name: { kind: 'Name', value: '' },
    selectionSet: operation.selectionSet,
  } as FieldNode;
  return selectionCost(walk, root, [rootNode], 1, LIST_FANOUT);
}
