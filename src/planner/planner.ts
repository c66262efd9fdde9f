/**
 * The planner: from a GraphQL selection to the X calls that serve it, asking for every X field a selected GraphQL
 * field needs and for no other.
 *
 * It walks the selection below a field that calls X (a DM connection, an event by id, a node), reading each field's
 * declared needs (`needs.ts`). Fields of the called object add to its `*.fields`; a link to another X object is
 * expanded into the same call when the endpoint can expand it from the called object, and otherwise becomes a batch
 * lookup of its own (`/2/users?ids=`, `/2/tweets?ids=`), planned the same way with the linked object as its root.
 *
 * Plans depend only on the document, the position in it, the concrete type and the `@skip`/`@include` variables,
 * so they are memoised on the field nodes: a document seen before is planned in a map lookup.
 */
import {
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
} from 'graphql';
import type { Dialect } from '../x/dialect.js';
import { FIELDS_PARAM, type RootKind, type XKind, type XParams, isLookupKind } from '../x/params.js';
import { type CollectContext, collectSubfields } from './collect.js';
import { KIND_KEY, NEEDS_KEY, type XLink, type XNeeds } from './needs.js';
import type { SelectionPlan } from './plan.js';

/** What is called: a DM endpoint, or one of the lookups by id. */
export type CallKind = RootKind;

/** What planning reads besides the selection: the document's fragments and variables, and the upstream's dialect. */
export interface PlanContext extends CollectContext {
  readonly dialect: Dialect;
}

export interface CallPlan {
  /** `*.fields` and `expansions` of the call (paging and ids are added when it runs). */
  readonly params: XParams;
  /** The plan of the selection below the planned field. */
  readonly plan: SelectionPlan;
  /**
   * The batch lookups the selection may cause, each as the number of ids it may need per object the call asks for
   * (a sender's pinned tweet: 1; the users mentioned in a message: LIST_FANOUT). For cost estimates.
   */
  readonly lookups: readonly number[];
}

/** Fields X always returns, which no call needs to ask for. */
const ALWAYS_RETURNED: Partial<Record<XKind, string>> = {
  dm_event: 'id',
  user: 'id',
  tweet: 'id',
  poll: 'id',
  place: 'id',
};

/** One X call being planned: the fields of each kind it asks for, and its expansions. */
class CallDraft {
  readonly fields = new Map<XKind, Set<string>>();
  readonly expansions = new Set<string>();
  readonly lookups: number[] = [];

  constructor(
    readonly kind: CallKind,
    private readonly dialect: Dialect,
  ) {}

  canExpand(expansion: string | undefined): boolean {
    return expansion !== undefined && this.dialect.canExpand(this.kind, expansion);
  }

  addFields(kind: XKind, fields: Iterable<string>): void {
    let set = this.fields.get(kind);
    if (!set) this.fields.set(kind, (set = new Set()));
    for (const field of fields) if (field !== ALWAYS_RETURNED[kind]) set.add(field);
  }

  params(): XParams {
    const params: Record<string, string> = {};
    for (const [kind, fields] of this.fields) {
      if (fields.size > 0) params[FIELDS_PARAM[kind]] = [...fields].sort().join(',');
    }
    if (this.expansions.size > 0) params.expansions = [...this.expansions].sort().join(',');
    return params;
  }
}

/**
 * How many items a list of linked X objects (participants, mentions, referenced posts) is taken to hold, for cost
 * estimates. Their ids are batched 100 to a call, and lists are short in practice, so a batch counts one call per
 * 100 objects holding such lists. X bounds none of them: an estimate can fall short, and the request's call budget
 * (`XSession`) enforces the limit then.
 */
export const LIST_FANOUT = 1;

/** Where the walk stands: the call being planned, and the X object whose fields the selection reads. */
interface Scope {
  readonly call: CallDraft;
  readonly kind: XKind;
  /** The X object is the one the call asks for (not an object it expands). */
  readonly isCallRoot: boolean;
  /** X fields the selection reads of that object. */
  readonly fields: Set<string>;
  /** How many such objects one object the call asks for may lead to (lists below multiply it). */
  readonly fanout: number;
  /** The walk is inside an X object (not in a connection or edge around the objects called for). */
  readonly insideObject?: boolean;
  /**
   * Set when something below could not be reached from this call: an expansion that only a lookup of this object
   * offers, or a field X gives only to the objects a call asks for (in 2.167, a post's `author_id`). Shared by the
   * scopes of the value objects inside the same X object.
   */
  readonly reach: { unreachable: boolean };
}

function needsOf(field: GraphQLField<unknown, unknown>): XNeeds | undefined {
  return field.extensions[NEEDS_KEY] as XNeeds | undefined;
}

function kindOf(type: GraphQLObjectType): XKind | undefined {
  return type.extensions[KIND_KEY] as XKind | undefined;
}

function walk(
  collect: PlanContext,
  fieldNodes: readonly FieldNode[],
  type: GraphQLObjectType,
  scope: Scope,
): SelectionPlan {
  const children: Record<string, SelectionPlan> = {};
  const fieldDefs = type.getFields();
  const inside = scope.insideObject || kindOf(type) !== undefined;
  for (const [responseKey, nodes] of collectSubfields(collect, type, fieldNodes)) {
    const field = fieldDefs[nodes[0]!.name.value];
    if (!field) continue; // __typename; validation has refused anything else
    const needs = needsOf(field);
    if (needs?.fields) {
      for (const name of needs.fields) {
        scope.fields.add(name);
        if (!scope.isCallRoot && collect.dialect.isRootOnly(scope.kind, name)) scope.reach.unreachable = true;
      }
    }
    if (needs?.call) continue;
    const childType = getNamedType(field.type);
    if (!isObjectType(childType)) continue;
    // Lists inside an X object multiply what hangs below them; the lists of a connection hold the objects called for.
    const fanout = inside && isListType(getNullableType(field.type)) ? scope.fanout * LIST_FANOUT : scope.fanout;
    children[responseKey] = needs?.link
      ? planLink(collect, nodes, childType, needs.link, scope, fanout)
      : walk(collect, nodes, childType, { ...scope, fanout, insideObject: inside });
  }
  return { children };
}

function planLink(
  collect: PlanContext,
  nodes: readonly FieldNode[],
  type: GraphQLObjectType,
  link: XLink,
  parent: Scope,
  fanout: number,
): SelectionPlan {
  const kind = link.kind;
  if (parent.isCallRoot && parent.call.canExpand(link.expansion)) {
    const scope = scopeBelow(parent, kind, fanout);
    const lookupsBefore = parent.call.lookups.length;
    const plan = walk(collect, nodes, type, scope);
    // Below an expanded object, a link only a lookup of that object can expand (a tweet's media), or a field X gives
    // only to the objects a call asks for, is out of reach: then the object is looked up instead.
    if (!scope.reach.unreachable || !isLookupKind(kind)) {
      parent.call.expansions.add(link.expansion!);
      parent.call.addFields(kind, scope.fields);
      return { children: plan.children, load: { kind, fields: sortedFields(kind, scope.fields) } };
    }
    // The lookups that walk planned below the object belong to the lookup planned next instead.
    parent.call.lookups.length = lookupsBefore;
  }
  if (isLookupKind(kind)) {
    const call = new CallDraft(kind, collect.dialect);
    const scope: Scope = { call, kind, isCallRoot: true, fields: new Set(), fanout: 1, reach: { unreachable: false } };
    const plan = walk(collect, nodes, type, scope);
    call.addFields(kind, scope.fields);
    // The lookup's own lookups need ids per object it looks up: per object of this call, `fanout` times as many.
    parent.call.lookups.push(fanout, ...call.lookups.map((ids) => ids * fanout));
    return { children: plan.children, load: { kind, fields: sortedFields(kind, scope.fields), batch: call.params() } };
  }
  parent.reach.unreachable = true;
  const scope = scopeBelow(parent, kind, fanout);
  const plan = walk(collect, nodes, type, scope);
  return { children: plan.children, load: { kind, fields: sortedFields(kind, scope.fields) } };
}

/** The scope of an object `parent`'s call reaches through a link (expanded, or out of its reach), not yet walked. */
function scopeBelow(parent: Scope, kind: XKind, fanout: number): Scope {
  return { call: parent.call, kind, isCallRoot: false, fields: new Set(), fanout, reach: { unreachable: false } };
}

function sortedFields(kind: XKind, fields: Set<string>): readonly string[] {
  return [...fields].filter((field) => field !== ALWAYS_RETURNED[kind]).sort();
}

/** Plans the call of `kind` that serves the selection of `fieldNodes` on `type`. Not memoised: see `planField`. */
export function planCall(
  collect: PlanContext,
  kind: CallKind,
  fieldNodes: readonly FieldNode[],
  type: GraphQLObjectType,
): CallPlan {
  const call = new CallDraft(kind, collect.dialect);
  const scope: Scope = {
    call,
    kind: kindOf(type) ?? kind,
    isCallRoot: true,
    fields: new Set(),
    fanout: 1,
    reach: { unreachable: false },
  };
  const plan = walk(collect, fieldNodes, type, scope);
  call.addFields(scope.kind, scope.fields);
  return { params: call.params(), plan, lookups: call.lookups };
}

interface MemoEntry {
  readonly dialect: Dialect;
  readonly fieldNodes: readonly FieldNode[];
  readonly typeName: string;
  readonly kind: CallKind;
  /** Plans by the values of the operation's Boolean variables, the only ones that can decide `@skip`/`@include`. */
  readonly plans: Map<string, CallPlan>;
}

const memo = new WeakMap<FieldNode, MemoEntry[]>();

function sameNodes(a: readonly FieldNode[], b: readonly FieldNode[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function variablesKey(info: GraphQLResolveInfo): string {
  const definitions = info.operation.variableDefinitions;
  if (!definitions || definitions.length === 0) return '';
  let key = '';
  for (const definition of definitions) {
    const value = info.variableValues[definition.variable.name.value];
    key += value === true ? '1' : value === false ? '0' : '-';
  }
  return key;
}

/**
 * The plan of the X call made by the field being resolved (`info`), whose selection is read on `type` (the
 * connection type, or the concrete type of a node), for an upstream speaking `dialect`. Memoised per document
 * position.
 */
export function planField(
  info: GraphQLResolveInfo,
  kind: CallKind,
  type: GraphQLObjectType,
  dialect: Dialect,
): CallPlan {
  const first = info.fieldNodes[0]!;
  let entries = memo.get(first);
  if (!entries) memo.set(first, (entries = []));
  let entry = entries.find(
    (e) =>
      e.typeName === type.name && e.kind === kind && e.dialect === dialect && sameNodes(e.fieldNodes, info.fieldNodes),
  );
  if (entry) {
    const cached = entry.plans.get(variablesKey(info));
    if (cached) return cached;
  }
  const collect: PlanContext = {
    schema: info.schema,
    fragments: info.fragments,
    variables: info.variableValues,
    dialect,
  };
  const plan = planCall(collect, kind, info.fieldNodes, type);
  if (!entry) {
    entry = { dialect, fieldNodes: [...info.fieldNodes], typeName: type.name, kind, plans: new Map() };
    entries.push(entry);
  }
  entry.plans.set(variablesKey(info), plan);
  return plan;
}
