/**
 * Puts `extensions.rateLimit { limit, remaining, resetAt }` on every result whose execution called X, and closes the
 * request's X session once its operation is done.
 */
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { toRfc3339 } from '../schema/scalars.js';

export function sessionEnd(): Plugin<GatewayContext> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        args.contextValue.x.close();
        const rateLimit = args.contextValue.x.rateLimit;
        if (!rateLimit || Symbol.asyncIterator in result) return;
        setResult({
          ...result,
          extensions: {
            ...result.extensions,
            rateLimit: { limit: rateLimit.limit, remaining: rateLimit.remaining, resetAt: toRfc3339(rateLimit.resetAt) },
          },
        });
      },
    }),
  };
}
