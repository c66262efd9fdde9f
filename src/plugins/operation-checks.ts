/**
 * Checks an operation before it runs, so that nothing is executed, and no call made, for one that cannot or may not
 * run:
 * - variables that do not fit their types: BAD_USER_INPUT, HTTP 400, in graphql-js's words;
 * - an estimated worst case above the most upstream calls one operation may cost (`MAX_UPSTREAM_REQUESTS`):
 *   COST_LIMIT_EXCEEDED with `extensions.cost { estimate, limit }`, HTTP 400.
 *
 * Doing these here keeps answers the same whichever executor runs the operation (graphql-js, or graphql-jit, which
 * coerces variables in its own words). Estimates are memoised per document and variables as sent, so a repeated request
 * pays neither the coercion nor the estimate again.
 */
import { type DocumentNode, type ExecutionArgs, GraphQLError, getOperationAST, getVariableValues } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BoundedMemo } from '../memo.js';
import type { GatewayContext } from '../context.js';
import { CostLimitExceededError, toGraphQLError } from '../errors.js';
import { executedDocument } from './executed-document.js';
import { type TypeOfGlobalId, estimateCalls } from '../planner/cost.js';
import type { Dialect } from '../x/dialect.js';

const MEMO_PER_DOCUMENT = 64;

/** What the checks found for an operation and its variables: the estimate, the variables' errors, or no such operation. */
type Checked = number | readonly GraphQLError[] | undefined;

/** An error of the request itself, answered with HTTP 400. */
function requestError(
  message: string,
  extensions: Record<string, unknown>,
  nodes?: GraphQLError['nodes'],
): GraphQLError {
  return new GraphQLError(message, { ...(nodes && { nodes }), extensions: { ...extensions, http: { status: 400 } } });
}

export function operationChecks(limit: number, typeOf: TypeOfGlobalId, dialect: Dialect): Plugin<GatewayContext> {
  const memo = new WeakMap<DocumentNode, BoundedMemo<string, Checked>>();

  /** The operation's estimate, or graphql-js's errors for variables that do not fit their types. */
  function check(args: ExecutionArgs): Checked {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return undefined;
    const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
    if (coerced.errors) return coerced.errors;
    return estimateCalls(args.schema, args.document, args.operationName, coerced.coerced, typeOf, dialect);
  }

  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const { document } = executedDocument(args);
      let checks = memo.get(document);
      if (!checks) memo.set(document, (checks = new BoundedMemo(MEMO_PER_DOCUMENT)));
      // By the variables as the client sent them (JSON, as yoga parses them).
      const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
      const checked = checks.get(key, () => check(args));
      if (checked === undefined) return; // yoga has answered already: no such operation
      if (typeof checked !== 'number') {
        setResultAndStopExecution({
          errors: checked.map((error) => requestError(error.message, { code: 'BAD_USER_INPUT' }, error.nodes)),
        });
        return;
      }
      // Fields that may read further than their own call (the inbox) leave the estimate's other calls to the rest.
      args.contextValue.x.plannedCalls = checked;
      if (checked > limit) {
        // Refused before it ran, for what the client asked: a client error, not a failure of the server.
        const { message, extensions } = toGraphQLError(new CostLimitExceededError({ estimate: checked, limit }));
        setResultAndStopExecution({ errors: [requestError(message, extensions)] });
      }
    },
  };
}
