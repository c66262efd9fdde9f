/**
 * Field collection as the GraphQL spec defines it (CollectFields): fragments and inline fragments by type condition,
 * `@skip`/`@include`, fields merged by response key (so aliases stay apart).
 *
 * The planner needs this for a concrete object type before execution reaches it, which graphql-js does not expose.
 */
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  Kind,
  type SelectionSetNode,
  type ValueNode,
  isAbstractType,
} from 'graphql';

export interface CollectContext {
  readonly schema: GraphQLSchema;
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** The fields selected on `type` by the selection sets of `fieldNodes`, by response key. */
export function collectSubfields(
  context: CollectContext,
  type: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  for (const node of fieldNodes) {
    if (node.selectionSet) collectInto(context, type, node.selectionSet, fields, visited);
  }
  return fields;
}

function collectInto(
  context: CollectContext,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fields: Map<string, FieldNode[]>,
  visitedFragments: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (!isIncluded(context, selection.directives)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const key = selection.alias?.value ?? selection.name.value;
        const nodes = fields.get(key);
        if (nodes) nodes.push(selection);
        else fields.set(key, [selection]);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        if (!selection.typeCondition || applies(context, selection.typeCondition.name.value, type)) {
          collectInto(context, type, selection.selectionSet, fields, visitedFragments);
        }
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (visitedFragments.has(name)) break;
        visitedFragments.add(name);
        const fragment = context.fragments[name];
        if (fragment && applies(context, fragment.typeCondition.name.value, type)) {
          collectInto(context, type, fragment.selectionSet, fields, visitedFragments);
        }
        break;
      }
    }
  }
}

function applies(context: CollectContext, conditionName: string, type: GraphQLObjectType): boolean {
  if (conditionName === type.name) return true;
  const condition = context.schema.getType(conditionName);
  return condition !== undefined && isAbstractType(condition) && context.schema.isSubType(condition, type);
}

function isIncluded(
  context: CollectContext,
  directives:
    | readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: ValueNode }[] }[]
    | undefined,
): boolean {
  if (!directives) return true;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((arg) => arg.name.value === 'if');
    if (!argument) continue;
    const value = booleanOf(context, argument.value);
    if (name === 'skip' ? value : !value) return false;
  }
  return true;
}

function booleanOf(context: CollectContext, value: ValueNode): boolean {
  if (value.kind === Kind.BOOLEAN) return value.value;
  if (value.kind === Kind.VARIABLE) return context.variables[value.name.value] === true;
  return false;
}
