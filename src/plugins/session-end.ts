/**
 * Puts `extensions.rateLimit { limit, remaining, resetAt }` and `extensions.xCost { calls, dmEvents, users, posts }`
 * (the calls made, the resources X returned) on every result whose execution called X,
 * `extensions.freshness { syncedAt, stale }` on every result the memory served, and the errors of fields that still
 * answered (`context.partialErrors`) into `errors`.
 */
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { toRfc3339 } from '../schema/scalars.js';

export function sessionEnd(): Plugin<GatewayContext> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const { x, memory, partialErrors } = args.contextValue;
        const rateLimit = x.rateLimit;
        const freshness = memory?.freshness;
        const called = x.calls > 0;
        if ((!called && !rateLimit && !freshness && partialErrors.length === 0) || Symbol.asyncIterator in result)
          return;
        // Copies built with Object.assign: an object literal that starts with a spread costs a map of its own.
        const extensions: Record<string, unknown> = Object.assign({}, result.extensions);
        if (rateLimit) {
          extensions.rateLimit = {
            limit: rateLimit.limit,
            remaining: rateLimit.remaining,
            resetAt: toRfc3339(rateLimit.resetAt),
          };
        }
        if (called) {
          const { dmEvents, users, posts } = x.returned;
          extensions.xCost = { calls: x.calls + x.retries, dmEvents, users, posts };
        }
        if (freshness) extensions.freshness = { syncedAt: syncedAtText(freshness.syncedAt), stale: freshness.stale };
        // envelop types a result's errors `any`; yoga's are graphql-js's.
        const executed = result.errors as readonly GraphQLError[] | undefined;
        const errors = partialErrors.length > 0 ? [...(executed ?? []), ...partialErrors] : executed;
        setResult(Object.assign({}, result, { extensions }, errors && { errors }));
      },
    }),
  };
}

/** The last sync time written, as text: the answers served from one sync all carry the same. */
let lastSyncedAt = { at: Number.NaN, text: '' };

function syncedAtText(at: number): string {
  if (lastSyncedAt.at !== at) lastSyncedAt = { at, text: toRfc3339(new Date(at)) };
  return lastSyncedAt.text;
}
