/**
 * Checks an operation before it runs, so that nothing is executed, and no call made, for one that cannot or may not
 * run:
 * - variables that do not fit their types: BAD_USER_INPUT, HTTP 400, in graphql-js's words;
 * - an estimated worst case above the most upstream calls one operation may cost (`MAX_UPSTREAM_REQUESTS`):
 *   COST_LIMIT_EXCEEDED with `extensions.cost { estimate, limit }`, HTTP 400.
 *
 * Doing these here keeps answers the same whichever executor runs the operation (graphql-js, or graphql-jit, which
 * coerces variables in its own words). Estimates are memoised per document and variables.
 */
import { type DocumentNode, GraphQLError, getOperationAST, getVariableValues } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BoundedMemo } from '../memo.js';
import type { GatewayContext } from '../context.js';
import { CostLimitExceededError, toGraphQLError } from '../errors.js';
import { type TypeOfGlobalId, estimateCalls } from '../planner/cost.js';
import type { Dialect } from '../x/dialect.js';

const MEMO_PER_DOCUMENT = 64;

/** An error of the request itself, answered with HTTP 400. */
function requestError(message: string, extensions: Record<string, unknown>, nodes?: GraphQLError['nodes']): GraphQLError {
  return new GraphQLError(message, { ...(nodes && { nodes }), extensions: { ...extensions, http: { status: 400 } } });
}

export function operationChecks(limit: number, typeOf: TypeOfGlobalId, dialect: Dialect): Plugin<GatewayContext> {
  const memo = new WeakMap<DocumentNode, BoundedMemo<string, number>>();
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return; // yoga has answered already: no such operation
      const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (coerced.errors) {
        setResultAndStopExecution({
          errors: coerced.errors.map((error) => requestError(error.message, { code: 'BAD_USER_INPUT' }, error.nodes)),
        });
        return;
      }
      let estimates = memo.get(args.document);
      if (!estimates) memo.set(args.document, (estimates = new BoundedMemo(MEMO_PER_DOCUMENT)));
      const key = `${args.operationName ?? ''}\u0000${JSON.stringify(coerced.coerced)}`;
      const estimate = estimates.get(key, () =>
        estimateCalls(args.schema, args.document, args.operationName, coerced.coerced, typeOf, dialect),
      );
      if (estimate > limit) {
        // Refused before it ran, for what the client asked: a client error, not a failure of the server.
        const { message, extensions } = toGraphQLError(new CostLimitExceededError({ estimate, limit }));
        setResultAndStopExecution({ errors: [requestError(message, extensions)] });
      }
    },
  };
}
