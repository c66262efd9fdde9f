/**
 * Puts `extensions.rateLimit { limit, remaining, resetAt }` on every result whose execution called X, and
 * `extensions.freshness { syncedAt, stale }` on every result the memory served.
 */
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { toRfc3339 } from '../schema/scalars.js';

export function sessionEnd(): Plugin<GatewayContext> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const { x, memory } = args.contextValue;
        const rateLimit = x.rateLimit;
        const freshness = memory?.freshness;
        if ((!rateLimit && !freshness) || Symbol.asyncIterator in result) return;
        // Copies built with Object.assign: an object literal that starts with a spread costs a map of its own.
        const extensions: Record<string, unknown> = Object.assign({}, result.extensions);
        if (rateLimit) {
          extensions.rateLimit = { limit: rateLimit.limit, remaining: rateLimit.remaining, resetAt: toRfc3339(rateLimit.resetAt) };
        }
        if (freshness) extensions.freshness = { syncedAt: toRfc3339(new Date(freshness.syncedAt)), stale: freshness.stale };
        setResult(Object.assign({}, result, { extensions }));
      },
    }),
  };
}
