/**
 * The one step that rewrites the schema once Pothos has built it: fields that only read data already at hand lose
 * their resolvers or their promises.
 *
 * Why: the gateway executes with graphql-jit, which reads a field without a resolver inline, as a property of its
 * source, but calls every field that has one with an info object and a path of its own, and completes every promise
 * through a microtask. Pothos gives a resolver to each field it exposes under another name (`createdAt` reading X's
 * `created_at`) and an awaited resolver to each node's `id`. At 100 events those calls would be most of an answer's
 * resolver calls. So, in this order:
 * 1. `withSyncNodeIds` (`node-id.ts`): node ids are returned as strings, not awaited.
 * 2. `withXFieldGetters` (`x-fields.ts`): a field that is one X field as it comes becomes a getter on `Planned`, the
 *    object every X object is served in, and loses its resolver. It knows such fields by their `fromX` resolvers, so
 *    it runs before step 3, which wraps or drops resolvers.
 * 3. `withXValueGetters` (`x-values.ts`): X's value objects (metrics, URL entities) are served wrapped in a class with
 *    a getter per field, and their fields lose their resolvers.
 * Every rewritten field answers exactly what its resolver would (`test/schema/`).
 */
import type { GraphQLSchema } from 'graphql';
import { withSyncNodeIds } from './node-id.js';
import { withXFieldGetters } from './x-fields.js';
import { withXValueGetters } from './x-values.js';

/** `schema`, rewritten in place so that fields reading data at hand are plain reads (see above). */
export function withPlainReads(schema: GraphQLSchema): GraphQLSchema {
  return withXValueGetters(withXFieldGetters(withSyncNodeIds(schema)));
}
