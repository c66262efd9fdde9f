/**
 * Node ids without a promise apiece. The relay plugin's `id` field awaits the id it is given, so every node of an
 * answer (each event, sender, post) would complete through a promise and a microtask; the gateway's ids are all at
 * hand, so its `id` fields return the global id as a string, encoded as the plugin encodes it.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { type GraphQLSchema, isObjectType } from 'graphql';
import { BoundedMemo } from '../memo.js';

/**
 * Global ids remembered per type, by local id: the same events, users and posts come back answer after answer (from
 * memory, all of them), and encoding one costs a Buffer and a base64 string.
 */
const GLOBAL_IDS_PER_TYPE = 10_000;

const localIds = new Map<string, (source: never) => string>();

/** `builder.node`'s `id` option for the type `ref`: its local id, remembered for `withSyncNodeIds`. */
export function nodeId<T>(
  ref: { readonly name: string },
  local: (source: T) => string,
): { resolve: (source: T) => string } {
  localIds.set(ref.name, local);
  return { resolve: local };
}

/** Gives each node type built with `nodeId` an `id` resolver that returns its global id synchronously. */
export function withSyncNodeIds(schema: GraphQLSchema): GraphQLSchema {
  for (const [typeName, local] of localIds) {
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields().id : undefined;
    if (!field) throw new Error(`${typeName} has no id field to resolve`);
    const globalIds = new BoundedMemo<string, string>(GLOBAL_IDS_PER_TYPE);
    const encode = (id: string) => encodeGlobalID(typeName, id);
    field.resolve = (source) => globalIds.get(String(local(source as never)), encode);
  }
  return schema;
}
