/**
 * The one HTTP transport for every call the gateway makes to X.
 *
 * Everything that reaches X goes through `UpstreamClient.get`: one undici `Pool` with keep-alive, the caller's
 * `Authorization` header forwarded unchanged, every answer read under a size cap and mapped to the contract's error
 * classes. Retries and rate-limit budgeting belong to a layer around `get` (see `UpstreamTransport`), not here.
 * @see https://docs.x.com/x-api/direct-messages/lookup/introduction
 */
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool, errors, type Dispatcher } from 'undici';
import { BoundedMemo } from '../memo.js';
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
import { parseRateLimit, parseResetAt, type RateLimit, type ResponseHeaders } from './rate-limit.js';

export type { RateLimit } from './rate-limit.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const DEFAULT_CONNECTIONS = 32;
const USER_AGENT = 'x-dm-graphql-gateway';
/** A problem body is a few hundred bytes; a larger error answer (an HTML page) is only read this far for it. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface UpstreamClientOptions {
  /** Origin of the X API; paths are appended as /2/... e.g. https://api.x.com */
  baseUrl: string;
  /** Limit for one call: connect, headers and body each. @default 10_000 */
  timeoutMs?: number;
  /** Largest body read; a longer one is an UPSTREAM_ERROR. @default 8 MiB */
  maxBodyBytes?: number;
  /** Keep-alive connections per origin. @default 32 */
  connections?: number;
  /** Called once per finished call (success or failure) — for logs, metrics and rate-limit tracking. Must never receive the token. */
  onCall?: (call: UpstreamCall) => void;
}

/** What `onCall` learns about one finished call. Holds no credentials. */
export interface UpstreamCall {
  method: UpstreamMethod;
  /** The request's path without the query, e.g. `/2/dm_events`. */
  path: string;
  /** X's HTTP status, or `undefined` when X never answered (timeout, refused, reset, aborted). */
  status: number | undefined;
  durationMs: number;
  rateLimit: RateLimit | undefined;
  error?: GatewayError;
}

/** GET for the lookups; POST and DELETE for X's manage endpoints, which are never sent twice (see `retry.ts`). */
export type UpstreamMethod = 'GET' | 'POST' | 'DELETE';

export interface UpstreamRequest {
  /** @default 'GET' */
  method?: UpstreamMethod;
  /** e.g. '/2/dm_events' (already URL-encoded path segments) */
  path: string;
  /** A JSON body (POST). */
  body?: unknown;
  /**
   * `bytes`: a 2xx answer's body is handed back as it came (`Bytes`: a Buffer and X's content type), not parsed as
   * JSON: the DM media download. @default 'json'
   */
  answer?: 'json' | 'bytes';
  /** The largest body read for this call, when it should be less than the client's own cap. */
  maxBodyBytes?: number;
  /** undefined values are left out; values are URL-encoded by the client */
  query?: Record<string, string | undefined>;
  /** the caller's Authorization header, forwarded unchanged (an empty one is left out, and X answers 401) */
  authorization: string;
  /** aborting it ends the call with an UpstreamError (or rethrows the abort reason if it is a GatewayError) */
  signal?: AbortSignal;
  /**
   * The operation's deadline: the call's timeouts end there at the latest, and a call cut short by it fails as
   * 'The operation did not finish within `ms` ms'. `at` is on `performance.now()`'s clock.
   */
  deadline?: Deadline;
  /** Told before each attempt after the first (a retry is one more request X receives and counts). */
  onRetry?: () => void;
}

/** When an operation's time is up (`performance.now()` clock), and how long it was given. */
export interface Deadline {
  readonly at: number;
  readonly ms: number;
}

/** The error of an operation that ran out of time. */
function deadlineError(deadline: Deadline): UpstreamError {
  return new UpstreamError(`The operation did not finish within ${deadline.ms} ms`);
}

/**
 * The milliseconds left before `deadline` (none: no limit), once `waitMs` more have passed; throws the deadline's
 * error when none would be left, so that neither a call nor a wait is begun that could only end in it.
 */
export function timeLeft(deadline: Deadline | undefined, waitMs = 0): number {
  if (!deadline) return Number.POSITIVE_INFINITY;
  const left = deadline.at - performance.now() - waitMs;
  if (left <= 0) throw deadlineError(deadline);
  return left;
}

export interface UpstreamResponse<T> {
  status: number;
  body: T;
  rateLimit: RateLimit | undefined;
}

/** The body of an answer read as bytes (`answer: 'bytes'`). */
export interface Bytes {
  readonly bytes: Buffer;
  /** X's `content-type`, if it sent one. */
  readonly contentType: string | undefined;
}

/** The shape of `UpstreamClient.get`, for layers (retries, budgets) that wrap it and offer the same call. */
export interface UpstreamTransport {
  get<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>>;
}

/** X's problem, plus the parameter a 400 names (for `BadUserInputError.argument`). */
type ParsedProblem = XProblem & { argument?: string };

/** What one call has learned so far; `onCall` reports it whether the call succeeds or fails. */
interface CallState {
  status: number | undefined;
  rateLimit: RateLimit | undefined;
}

/** X's answer as `AnswerReader` gives it: an error answer's body is empty when it could not be read whole. */
interface Answer {
  status: number;
  headers: ResponseHeaders;
  bytes: Buffer;
}

const NO_BYTES = Buffer.alloc(0);

export class UpstreamClient implements UpstreamTransport {
  readonly #pool: Pool;
  /** A path prefix of `baseUrl` (usually empty), so a gateway can sit behind a proxy path. */
  readonly #basePath: string;
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #onCall: ((call: UpstreamCall) => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: UpstreamClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`The X API base URL must be http or https, not ${url.protocol}`);
    }
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.#maxBodyBytes = positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
    this.#onCall = options.onCall;
    this.#pool = new Pool(url.origin, {
      connections: positive(options.connections, DEFAULT_CONNECTIONS, 'connections'),
      // X is an HTTP/1.1 API behind load balancers: one request at a time per socket.
      pipelining: 1,
      connect: { timeout: this.#timeoutMs },
      headersTimeout: this.#timeoutMs,
      // undici's body timeout is the longest pause between chunks; `AnswerReader` also bounds the whole body.
      bodyTimeout: this.#timeoutMs,
    });
  }

  /**
   * One GET to X.
   *
   * @returns the parsed JSON body, only for a 2xx answer whose body is a JSON object
   * @throws a `GatewayError` subclass for everything else; never a message holding the token
   */
  async get<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const started = performance.now();
    const state: CallState = { status: undefined, rateLimit: undefined };
    try {
      const response = await this.#send<T>(request, state);
      this.#report(request, state, started);
      return response;
    } catch (thrown) {
      const error = toGatewayError(thrown, request, this.#timeoutMs);
      this.#report(request, state, started, error);
      throw error;
    }
  }

  /** Closes every connection once the calls in flight are done. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.close();
    return this.#closing;
  }

  async #send<T>(request: UpstreamRequest, state: CallState): Promise<UpstreamResponse<T>> {
    const { signal } = request;
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (this.#closing) throw new UpstreamError('The upstream client is closed');

    // The client's limit, or what is left of the operation's deadline if that is less.
    const timeoutMs = Math.min(this.#timeoutMs, Math.ceil(timeLeft(request.deadline)));
    const bytesAnswer = request.answer === 'bytes';
    const headers: Record<string, string> = { accept: bytesAnswer ? '*/*' : 'application/json', 'user-agent': USER_AGENT };
    const maxBytes = Math.min(this.#maxBodyBytes, request.maxBodyBytes ?? this.#maxBodyBytes);
    if (request.authorization) headers.authorization = request.authorization;
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';

    const { status, headers: answered, bytes } = await new Promise<Answer>((resolve, reject) => {
      const reader = new AnswerReader(state, { maxBytes, timeoutMs }, signal, resolve, reject);
      this.#pool.dispatch(
        {
          method: request.method ?? 'GET',
          path: this.#basePath + request.path + queryString(request.query),
          headers,
          ...(payload !== undefined && { body: payload }),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        reader,
      );
    });
    if (status < 200 || status >= 300) {
      throw statusError(status, answered, redactProblem(parseProblem(bytes), request.authorization));
    }
    if (bytes.length === 0) throw new UpstreamError(`X's answer was empty (${status})`, { status });
    if (bytesAnswer) {
      const body: Bytes = { bytes, contentType: firstHeader(answered, 'content-type') };
      return { status, body: body as T, rateLimit: state.rateLimit };
    }
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch (cause) {
      throw new UpstreamError("X's answer was not JSON", { status, cause });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new UpstreamError("X's answer was not a JSON object", { status });
    }
    return { status, body: body as T, rateLimit: state.rateLimit };
  }

  #report(request: UpstreamRequest, state: CallState, started: number, error?: GatewayError): void {
    if (!this.#onCall) return;
    const call: UpstreamCall = {
      method: request.method ?? 'GET',
      path: request.path,
      status: state.status,
      durationMs: performance.now() - started,
      rateLimit: state.rateLimit,
      ...(error && { error }),
    };
    try {
      this.#onCall(call);
    } catch {
      // A broken logger or metrics hook must not turn an answer into a failure.
    }
  }
}

/** `?a=1&b=x%20y`, or '' when nothing is set. Commas stay literal: X's list parameters are comma-separated. */
function queryString(query: UpstreamRequest['query']): string {
  if (!query) return '';
  let result = '';
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    result += `${result ? '&' : '?'}${encodeQueryPart(key)}=${encodeQueryPart(value)}`;
  }
  return result;
}

/** Encodings of long values: the field lists plans ask for, again and again. */
const encoded = new BoundedMemo<string, string>(1_000);
const LONG_VALUE_CHARS = 64;

function encodeQueryPart(text: string): string {
  return text.length < LONG_VALUE_CHARS ? encodeListValue(text) : encoded.get(text, encodeListValue);
}

function encodeListValue(text: string): string {
  return encodeURIComponent(text).replace(/%2C/gi, ',');
}

/** Raised by `AnswerReader`; turned into an `UpstreamError` by `toGatewayError`. */
class BodyTooLargeError extends Error {
  constructor(readonly limit: number, readonly status: number) {
    super(`body larger than ${limit} bytes`);
  }
}

class BodyDeadlineError extends Error {
  constructor(readonly status: number) {
    super('body deadline passed');
  }
}

/**
 * Reads one answer of X for `#send`, as undici's dispatcher hands it over: its status, headers and body (the chunks
 * in one Buffer), the status and rate limit into the call's state as well, for `onCall`. No stream and no async
 * iteration: a handler is all a whole body needs.
 *
 * The body is read under a size cap and within `timeoutMs` in all (undici's body timeout only bounds each pause), and
 * the request is aborted, freeing its socket, as soon as either is exceeded. A success's body fails the call then; an
 * error answer's body only loses its problem (the status decides the error), so it resolves with no bytes. The caller's
 * signal aborting ends the call at once with its reason, whether or not the request has left.
 */
class AnswerReader implements Dispatcher.DispatchHandler {
  readonly #state: CallState;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #headers: ResponseHeaders = {};
  #abortReason: Error | undefined;
  #settled = false;
  #limit = 0;
  #chunks: Buffer[] = [];
  #size = 0;
  #deadline: NodeJS.Timeout | undefined;

  constructor(
    state: CallState,
    limits: { maxBytes: number; timeoutMs: number },
    signal: AbortSignal | undefined,
    resolve: (answer: Answer) => void,
    reject: (error: unknown) => void,
  ) {
    this.#state = state;
    this.#maxBytes = limits.maxBytes;
    this.#timeoutMs = limits.timeoutMs;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    signal?.addEventListener('abort', this.#onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (this.#settled || statusCode < 200) return;
    this.#state.status = statusCode;
    this.#headers = headers;
    this.#state.rateLimit = parseRateLimit(headers);
    this.#limit = statusCode < 300 ? this.#maxBytes : Math.min(this.#maxBytes, MAX_ERROR_BODY_BYTES);
    if (Number(firstHeader(headers, 'content-length')) > this.#limit) {
      this.#stop(new BodyTooLargeError(this.#limit, statusCode));
      return;
    }
    this.#deadline = setTimeout(() => this.#stop(new BodyDeadlineError(statusCode)), this.#timeoutMs);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.length;
    if (this.#size > this.#limit) this.#stop(new BodyTooLargeError(this.#limit, this.#state.status!));
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    const chunks = this.#chunks;
    this.#settle();
    this.#answer(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#settled) this.#fail(error);
  }

  readonly #onAbort = (): void => {
    const reason = (this.#signal!.reason as Error | undefined) ?? new errors.RequestAbortedError();
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    if (!this.#settled) {
      this.#settle();
      this.#reject(reason);
    }
  };

  /** Gives up on the body (the call fails, or an error answer goes on without its problem) and frees the socket. */
  #stop(error: Error): void {
    this.#fail(error);
    this.#controller?.abort(error);
  }

  #fail(error: unknown): void {
    const status = this.#state.status;
    this.#settle();
    if (status !== undefined && (status < 200 || status >= 300)) this.#answer(NO_BYTES);
    else this.#reject(error);
  }

  #answer(bytes: Buffer): void {
    this.#resolve({ status: this.#state.status!, headers: this.#headers, bytes });
  }

  #settle(): void {
    this.#settled = true;
    this.#chunks = [];
    clearTimeout(this.#deadline);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

/** X's problem from an error body: RFC 7807, or the older `{"errors":[{"code":88,"message":...}]}`. */
function parseProblem(bytes: Buffer): ParsedProblem | undefined {
  if (bytes.length === 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(json)) return undefined;

  const problem: ParsedProblem = {};
  if (typeof json.type === 'string') problem.type = json.type;
  if (typeof json.title === 'string') problem.title = json.title;
  if (typeof json.detail === 'string') problem.detail = json.detail;
  if (typeof json.status === 'number') problem.status = json.status;

  const first = Array.isArray(json.errors) ? json.errors[0] : undefined;
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
function statusError(
  status: number,
  headers: ResponseHeaders,
  parsed: ParsedProblem | undefined,
): GatewayError {
  const { argument, ...rest } = parsed ?? {};
  const problem = parsed ? rest : undefined;
  switch (status) {
    case 400:
      return new BadUserInputError(`X rejected the request: ${problem?.detail ?? problem?.title ?? 'invalid request'}`, {
        problem,
        ...(argument && { argument }),
      });
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

/** Turns anything `get` caught into the contract's error, with a short message that names no credential. */
function toGatewayError(thrown: unknown, request: UpstreamRequest, timeoutMs: number): GatewayError {
  const { signal } = request;
  if (signal?.aborted && (thrown === signal.reason || errorCode(thrown) === 'UND_ERR_ABORTED')) {
    return signal.reason instanceof GatewayError
      ? signal.reason
      : new UpstreamError('The call to X was aborted', { cause: signal.reason });
  }
  if (thrown instanceof GatewayError) return thrown;
  // A timeout once the operation's time is up is the deadline's doing, not X's slowness alone.
  if (request.deadline && performance.now() >= request.deadline.at && isTimeout(thrown)) return deadlineError(request.deadline);
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

/** The `kind` of an UpstreamError for a refused connection, or one that broke before X's answer was complete. */
export const CONNECTION_FAILURE = 'connection';

/**
 * An UpstreamError whose `kind` is `CONNECTION_FAILURE`: X never gave a whole answer, so an idempotent call may be sent
 * again (see `isRetryable` in `retry.ts`). `kind` is not enumerable: the error looks the same in logs and comparisons.
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

function firstHeader(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

