/**
 * The error taxonomy of a call to X: every way a call can fail, mapped to the contract's error classes.
 *
 * An answer that is not a 2xx becomes its status's error, carrying X's problem (redacted); anything else a call can
 * throw (undici's timeouts, a refused or broken connection, the answer reader's own limits, an abort) becomes an
 * `UpstreamError` whose message names no credential. A refused or broken connection is marked as such, and a refused
 * one as never sent, for the retry layer to read.
 * @see https://docs.x.com/x-api/fundamentals/response-codes-and-errors
 */
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  BadUserInputError,
  ForbiddenError,
  GatewayError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamError,
  type XProblem,
} from '../errors.js';
import { type Deadline, deadlineError } from './deadline.js';
import type { Body } from './answer-reader.js';
import { firstHeader, type ResponseHeaders } from './headers.js';
import { parseResetAt } from './rate-limit.js';

/** The `kind` of an UpstreamError for a refused connection, or one that broke before X's answer was complete. */
export const CONNECTION_FAILURE = 'connection';

/** Raised by `AnswerReader` when a body passes its size cap; `callError` makes it an `UpstreamError`. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly status: number,
  ) {
    super(`body larger than ${limit} bytes`);
  }
}

/** Raised by `AnswerReader` when a body is not read whole within the call's time. */
export class BodyDeadlineError extends Error {
  constructor(readonly status: number) {
    super('body deadline passed');
  }
}

/** X's problem, plus the parameter a 400 names (for `BadUserInputError.argument`). */
type ParsedProblem = XProblem & { argument?: string };

/**
 * The contract's error for X's non-2xx answer: its status decides the class, its body (possibly empty) gives X's
 * problem, with the caller's credential taken out of it.
 */
export function answerError(status: number, headers: ResponseHeaders, body: Body, authorization: string): GatewayError {
  return statusError(status, headers, redactProblem(parseProblem(body), authorization));
}

/** Bytes' JSON value, or `undefined` when they are not JSON. */
function jsonOf(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** X's problem from an error body: RFC 7807, or the older `{"errors":[{"code":88,"message":...}]}`. */
function parseProblem(body: Body): ParsedProblem | undefined {
  const json = body.kind === 'json' ? body.value : body.kind === 'bytes' ? jsonOf(body.bytes) : undefined;
  if (!isRecord(json)) return undefined;

  const problem: ParsedProblem = {};
  if (typeof json.type === 'string') problem.type = json.type;
  if (typeof json.title === 'string') problem.title = json.title;
  if (typeof json.detail === 'string') problem.detail = json.detail;
  if (typeof json.status === 'number') problem.status = json.status;

  const first: unknown = Array.isArray(json.errors) ? json.errors[0] : undefined;
  if (isRecord(first)) {
    // A 400's first error names the rejected parameter and says what is wrong with it, more precisely than `detail`.
    if (typeof first.message === 'string') problem.detail = first.message;
    if (isRecord(first.parameters)) {
      const [name] = Object.keys(first.parameters);
      if (name) problem.argument = name;
    }
  }
  return Object.keys(problem).length > 0 ? problem : undefined;
}

/** X has no reason to echo a credential back, but a problem's text reaches clients, so make sure. */
function redactProblem<P extends XProblem>(problem: P | undefined, authorization: string): P | undefined {
  if (!problem) return undefined;
  const secrets = [authorization, authorization.replace(/^\S+\s+/, '')].filter((secret) => secret.length > 0);
  const redact = (text: string | undefined) =>
    text === undefined ? undefined : secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
  const result = { ...problem };
  for (const key of ['type', 'title', 'detail'] as const) {
    if (result[key] !== undefined) result[key] = redact(result[key]);
  }
  return result;
}

/** The contract's error for a non-2xx answer. */
function statusError(status: number, headers: ResponseHeaders, parsed: ParsedProblem | undefined): GatewayError {
  const { argument, ...rest } = parsed ?? {};
  const problem = parsed ? rest : undefined;
  switch (status) {
    case 400:
      return new BadUserInputError(
        `X rejected the request: ${problem?.detail ?? problem?.title ?? 'invalid request'}`,
        {
          problem,
          ...(argument && { argument }),
        },
      );
    case 401:
      return new UnauthenticatedError('X did not accept the credentials', { problem });
    case 403:
      return new ForbiddenError('X refused access', { problem });
    case 404:
      return new NotFoundError('X found no such resource', { problem });
    case 429: {
      const resetAt = parseResetAt(headers) ?? retryAfter(headers);
      const until = resetAt ? ` until ${resetAt.toISOString()}` : '';
      return new RateLimitedError(`X's rate limit is spent${until}`, { problem, resetAt });
    }
    default:
      return new UpstreamError(`X answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(), { problem, status });
  }
}

/** `retry-after` in seconds, for a 429 that lacks X's own reset header. */
function retryAfter(headers: ResponseHeaders): Date | undefined {
  const value = firstHeader(headers, 'retry-after');
  if (!value || !/^\d+$/.test(value.trim())) return undefined;
  return new Date(Date.now() + Number(value) * 1000);
}

/**
 * Turns anything a call threw into the contract's error, with a short message that names no credential.
 *
 * @param call the call's signal and deadline: an abort gives the signal's reason, a timeout past the deadline the
 *   deadline's error
 * @param timeoutMs the call's own time limit, for the messages of undici's timeouts
 */
export function callError(
  thrown: unknown,
  call: { signal?: AbortSignal | undefined; deadline?: Deadline | undefined },
  timeoutMs: number,
): GatewayError {
  const { signal } = call;
  if (signal?.aborted && (thrown === signal.reason || errorCode(thrown) === 'UND_ERR_ABORTED')) {
    return signal.reason instanceof GatewayError
      ? signal.reason
      : new UpstreamError('The call to X was aborted', { cause: signal.reason });
  }
  if (thrown instanceof GatewayError) return thrown;
  // A timeout once the operation's time is up is the deadline's doing, not X's slowness alone.
  if (call.deadline && performance.now() >= call.deadline.at && isTimeout(thrown)) return deadlineError(call.deadline);
  if (thrown instanceof BodyTooLargeError) {
    return new UpstreamError(`X's answer was larger than ${thrown.limit} bytes`, { status: thrown.status });
  }
  if (thrown instanceof BodyDeadlineError) {
    return new UpstreamError(`X did not finish its answer within ${timeoutMs} ms`, { status: thrown.status });
  }

  const cause = thrown;
  switch (errorCode(thrown)) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'ETIMEDOUT':
      return new UpstreamError(`X did not answer within ${timeoutMs} ms`, { cause });
    case 'UND_ERR_BODY_TIMEOUT':
      return new UpstreamError(`X did not finish its answer within ${timeoutMs} ms`, { cause });
    case 'ECONNREFUSED':
      return neverSent(connectionFailure('X refused the connection', cause));
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UpstreamError("X's host name could not be resolved", { cause });
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return connectionFailure('The connection to X broke', cause);
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return new UpstreamError('The upstream client is closed', { cause });
    default:
      if (isRecord(thrown) && typeof thrown.code === 'string' && thrown.code.startsWith('HPE_')) {
        return new UpstreamError("X's answer was not valid HTTP", { cause });
      }
      return new UpstreamError(`The call to X failed`, { cause });
  }
}

/**
 * An UpstreamError whose `kind` is `CONNECTION_FAILURE`: X never gave a whole answer, so an idempotent call may be sent
 * again (see `retry.ts`). `kind` is not enumerable: the error looks the same in logs and comparisons.
 */
function connectionFailure(message: string, cause: unknown): UpstreamError {
  return Object.defineProperty(new UpstreamError(message, { cause }), 'kind', { value: CONNECTION_FAILURE });
}

/**
 * Marks an error raised before any byte of the request reached X (the connection was refused): the only failure after
 * which a write may be sent again. Not enumerable, like `kind`.
 */
function neverSent(error: UpstreamError): UpstreamError {
  return Object.defineProperty(error, 'neverSent', { value: true });
}

/** Whether an error says the request never left (see `neverSent`). */
export function wasNeverSent(error: unknown): boolean {
  return error instanceof UpstreamError && (error as { neverSent?: unknown }).neverSent === true;
}

/** Whether a call failed for want of time: undici's timeouts, or the whole-body deadline of `AnswerReader`. */
function isTimeout(thrown: unknown): boolean {
  if (thrown instanceof BodyDeadlineError) return true;
  const code = errorCode(thrown);
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** An error's `code`, looking inside the AggregateError Node gives when every address of a host failed. */
function errorCode(error: unknown): string | undefined {
  if (!isRecord(error)) return undefined;
  if (typeof error.code === 'string') return error.code;
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
