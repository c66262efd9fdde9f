/**
 * The arm-D operation, written from GraphQL Mesh's own schema of X's spec: `getDirectMessagesEvents` with every
 * `*.fields` value and every expansion, selecting every field Mesh offers on the answer (events, every `includes`
 * object, meta). That is the same data arm C selects, in the shape Mesh gives it.
 */
import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';

const ROOT_FIELD = 'getDirectMessagesEvents';
const SUCCESS_TYPE = 'Get2DmEventsResponse';
const MAX_DEPTH = 12;

function selectionOf(schema: GraphQLSchema, type: GraphQLNamedType, path: readonly string[]): string {
  if (isLeafType(type) || path.length > MAX_DEPTH) return '';
  if (isUnionType(type) || isInterfaceType(type)) {
    const parts = ['__typename'];
    for (const member of schema.getPossibleTypes(type)) {
      const inner = selectionOf(schema, member, [...path, type.name]);
      if (inner) parts.push(`... on ${member.name} ${inner}`);
    }
    return `{ ${parts.join(' ')} }`;
  }
  if (!isObjectType(type)) return '';
  const parts: string[] = [];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(field.name);
      continue;
    }
    if (path.includes(named.name) || named.name === type.name) continue; // no cycles
    const inner = selectionOf(schema, named, [...path, type.name]);
    if (inner) parts.push(`${field.name} ${inner}`);
  }
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}

/** `query Everything($max_results: Int!)` for Mesh's schema of `spec/x-openapi-2.159-dm.json`. */
export function meshOperation(schema: GraphQLSchema): string {
  const root = schema.getQueryType()?.getFields()[ROOT_FIELD];
  if (!root) throw new Error(`Mesh's schema has no Query.${ROOT_FIELD}`);
  const args: string[] = ['max_results: $max_results'];
  for (const arg of root.args) {
    const named = getNamedType(arg.type);
    if ((arg.name.endsWith('_fields') || arg.name === 'expansions') && isEnumType(named)) {
      args.push(
        `${arg.name}: [${named
          .getValues()
          .map((v) => v.name)
          .join(', ')}]`,
      );
    }
  }
  const success = schema.getType(SUCCESS_TYPE);
  if (!success || !isObjectType(success)) throw new Error(`Mesh's schema has no ${SUCCESS_TYPE}`);
  // The problems X may answer with (`errors`) are left out, as arm C leaves them to the gateway.
  const fields = Object.values(success.getFields())
    .filter((f) => f.name !== 'errors')
    .map((f) => {
      const inner = selectionOf(schema, getNamedType(f.type), [SUCCESS_TYPE]);
      return inner ? `${f.name} ${inner}` : f.name;
    });
  return `query Everything($max_results: Int!) { ${ROOT_FIELD}(${args.join(', ')}) { __typename ... on ${SUCCESS_TYPE} { ${fields.join(' ')} } } }`;
}
