/**
 * Refuses, before any call, an operation whose estimated worst case exceeds the most upstream calls one operation may
 * cost (`MAX_UPSTREAM_REQUESTS`): COST_LIMIT_EXCEEDED with `extensions.cost { estimate, limit }`.
 *
 * Estimates are memoised per document and variables, so a repeated operation pays a map lookup.
 */
import { type DocumentNode, GraphQLError, getOperationAST, getVariableValues } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { CostLimitExceededError, toGraphQLError } from '../errors.js';
import { type TypeOfGlobalId, estimateCalls } from '../planner/cost.js';

const MEMO_PER_DOCUMENT = 64;

export function costLimit(limit: number, typeOf: TypeOfGlobalId): Plugin<GatewayContext> {
  const memo = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (coerced.errors) return; // execution reports them, and calls nothing
      let estimates = memo.get(args.document);
      if (!estimates) memo.set(args.document, (estimates = new Map()));
      const key = `${args.operationName ?? ''}\u0000${JSON.stringify(coerced.coerced)}`;
      let estimate = estimates.get(key);
      if (estimate === undefined) {
        estimate = estimateCalls(args.schema, args.document, args.operationName, coerced.coerced, typeOf);
        if (estimates.size >= MEMO_PER_DOCUMENT) estimates.clear();
        estimates.set(key, estimate);
      }
      if (estimate > limit) {
        // Refused before it ran, for what the client asked: a client error (400), not a failure of the server.
        const { message, extensions } = toGraphQLError(new CostLimitExceededError({ estimate, limit }));
        setResultAndStopExecution({ errors: [new GraphQLError(message, { extensions: { ...extensions, http: { status: 400 } } })] });
      }
    },
  };
}
