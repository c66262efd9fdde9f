/**
 * Every failure the gateway can report, one class per contract code.
 *
 * Code below the schema throws these; `toGraphQLError` turns them into `GraphQLError`s in one place, at the
 * schema's edge, so the `extensions.code` a client sees is always one of the contract's.
 */
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'BAD_USER_INPUT'
  | 'COST_LIMIT_EXCEEDED'
  | 'UPSTREAM_ERROR';

/** An RFC 7807 problem as X sends it (`application/problem+json`), reduced to what clients may see. */
export interface XProblem {
  type?: string;
  title?: string;
  detail?: string;
  status?: number;
}

export abstract class GatewayError extends Error {
  abstract readonly code: ErrorCode;
  /** Set when the failure came from an X answer that carried a problem body. */
  readonly problem: XProblem | undefined;
  /** The HTTP status of an answer that is this error alone (a refused subscription); unset: yoga's own choice. */
  httpStatus: number | undefined;

  constructor(message: string, options: { problem?: XProblem; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.problem = options.problem;
  }

  /** What goes into `extensions` beside `code`. Never holds credentials. */
  extensions(): Record<string, unknown> {
    const { type, title, detail } = this.problem ?? {};
    return { ...(type && { type }), ...(title && { title }), ...(detail && { detail }) };
  }
}

/** No bearer token on the request, or X answered 401. */
export class UnauthenticatedError extends GatewayError {
  readonly code = 'UNAUTHENTICATED';
}

/** X answered 403: an app-only token, a missing scope, a resource the user may not see. */
export class ForbiddenError extends GatewayError {
  readonly code = 'FORBIDDEN';
}

/** X says the resource does not exist. */
export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND';
}

/** X answered 429, or the token's known budget is spent until `resetAt`. */
export class RateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED';
  readonly resetAt: Date | undefined;

  constructor(message: string, options: { problem?: XProblem; resetAt?: Date; cause?: unknown } = {}) {
    super(message, options);
    this.resetAt = options.resetAt;
  }

  override extensions(): Record<string, unknown> {
    return { ...super.extensions(), ...(this.resetAt && { resetAt: this.resetAt.toISOString() }) };
  }
}

/** An argument X would reject. Raised before any upstream call. */
export class BadUserInputError extends GatewayError {
  readonly code = 'BAD_USER_INPUT';
  readonly argument: string | undefined;

  constructor(message: string, options: { argument?: string; problem?: XProblem } = {}) {
    super(message, options);
    this.argument = options.argument;
  }

  override extensions(): Record<string, unknown> {
    return { ...super.extensions(), ...(this.argument && { argument: this.argument }) };
  }
}

/** The operation's worst case costs more upstream calls than allowed. Raised before any upstream call. */
export class CostLimitExceededError extends GatewayError {
  readonly code = 'COST_LIMIT_EXCEEDED';

  constructor(
    readonly cost: { estimate: number; limit: number },
    message = `This operation could cost ${cost.estimate} upstream requests; the limit is ${cost.limit}.`,
  ) {
    super(message);
  }

  override extensions(): Record<string, unknown> {
    return { cost: { ...this.cost } };
  }
}

/** X failed: a 5xx, a timeout, a broken connection, or a body that is not the JSON it should be. */
export class UpstreamError extends GatewayError {
  readonly code = 'UPSTREAM_ERROR';
  /** The HTTP status X answered with, when it answered at all. */
  readonly status: number | undefined;

  constructor(message: string, options: { problem?: XProblem; status?: number; cause?: unknown } = {}) {
    super(message, options);
    this.status = options.status;
  }
}

/**
 * A write (a send, a new group, a delete) failed in a way that does not tell whether X did it: a timeout, a broken
 * connection, a 5xx. The gateway never sends it again by itself; `extensions.outcome` is `unknown`, and sending it
 * again with the same `idempotencyKey` is safe.
 */
export class WriteOutcomeUnknownError extends UpstreamError {
  constructor(cause: UpstreamError) {
    super(`${cause.message}. X may or may not have done it: the gateway did not try again.`, {
      ...(cause.problem && { problem: cause.problem }),
      ...(cause.status !== undefined && { status: cause.status }),
      cause,
    });
  }

  override extensions(): Record<string, unknown> {
    return { ...super.extensions(), outcome: 'unknown' };
  }
}

/**
 * A write with an idempotency key refused before any call to X: the shared store that keeps the keys did not answer,
 * and a key claimed in one process only would let a retry on another replica send the message again. Nothing was
 * sent; `extensions.outcome` is `not_sent`, and sending it again with the same key is safe.
 */
export class WriteNotSentError extends UpstreamError {
  constructor(cause: unknown) {
    super('The write was not sent: the store that keeps idempotency keys did not answer. Send it again later.', {
      cause,
    });
  }

  override extensions(): Record<string, unknown> {
    return { ...super.extensions(), outcome: 'not_sent' };
  }
}

/**
 * The `GraphQLError` clients see for a gateway error: its message, `extensions.code` and X's problem, at the place
 * (`located`, the error graphql-js raised at the field) where it happened.
 */
export function toGraphQLError(error: GatewayError, located?: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    ...(located && {
      nodes: located.nodes,
      source: located.source,
      positions: located.positions,
      path: located.path,
    }),
    originalError: error,
    extensions: {
      code: error.code,
      ...error.extensions(),
      ...(error.httpStatus !== undefined && { http: { status: error.httpStatus } }),
    },
  });
}

/** Whether an error is the client's doing or X's (so reported to the client), not a failure inside the gateway. */
export function isReportedError(error: unknown): boolean {
  return maskError(error, '').extensions.code !== 'INTERNAL_SERVER_ERROR';
}

/** The gateway error behind whatever graphql-js or yoga wrapped around it. */
export function gatewayErrorIn(error: unknown): GatewayError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof GatewayError) return current;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** graphql-js's words for a variable whose value does not fit its type, or that is missing. */
const VARIABLE_ERROR = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;

/**
 * What a client sees of any error (yoga's `maskError`): the gateway's own errors with their codes, at their path;
 * a variable value of the wrong type as BAD_USER_INPUT; GraphQL's own request errors as they are; anything else as
 * "Unexpected error." (its message only in development mode).
 */
export function maskError(error: unknown, message: string, isDev?: boolean): GraphQLError {
  const located = error instanceof GraphQLError ? error : undefined;
  const gatewayError = gatewayErrorIn(error);
  if (gatewayError) return toGraphQLError(gatewayError, located);
  if (located && located.path === undefined && VARIABLE_ERROR.test(located.message)) {
    return new GraphQLError(located.message, {
      nodes: located.nodes,
      source: located.source,
      positions: located.positions,
      extensions: { ...located.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  if (located && !located.originalError) {
    // GraphQL's own request errors (parse, validation, an operation the schema cannot run) keep their words; those
    // that carry no code get one, so that every error has one.
    if (located.extensions.code !== undefined) return located;
    return new GraphQLError(located.message, {
      nodes: located.nodes,
      source: located.source,
      positions: located.positions,
      path: located.path,
      extensions: { ...located.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  const shown = isDev && error instanceof Error ? error.message : message;
  return new GraphQLError(shown, {
    ...(located && { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path }),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** The HTTP status a refused subscription answers with over Server-Sent Events, by code. */
const REFUSAL_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  BAD_USER_INPUT: 400,
  COST_LIMIT_EXCEEDED: 400,
  UPSTREAM_ERROR: 502,
};

/**
 * Marks a subscription refused before its stream starts (a limit, a bad token, bad input) so that its client sees its
 * code and, over Server-Sent Events, an HTTP status that fits it (yoga reads `extensions.http.status`; without it, a
 * result with no data whose error wraps another is answered with 500). Returns the error to throw.
 */
export function subscriptionRefusal(error: unknown): unknown {
  const gatewayError = gatewayErrorIn(error);
  if (gatewayError) gatewayError.httpStatus = REFUSAL_STATUS[gatewayError.code];
  return error;
}
