/**
 * The one HTTP transport for every call the gateway makes to X.
 *
 * Everything that reaches X goes through `UpstreamClient.get`: one undici `Pool` with keep-alive, the caller's
 * `Authorization` header forwarded unchanged, every answer read under a size cap (`answer-reader.ts`) and mapped to the
 * contract's error classes (`failures.ts`). Retries and rate-limit budgeting belong to a layer around `get` (see
 * `UpstreamTransport`), not here.
 * @see https://docs.x.com/x-api/direct-messages/lookup/introduction
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { BoundedMemo } from '../memo.js';
import { type GatewayError, UpstreamError } from '../errors.js';
import { type Answer, AnswerReader, type CallState } from './answer-reader.js';
import { type Deadline, timeLeft } from './deadline.js';
import { answerError, callError } from './failures.js';
import { firstHeader } from './headers.js';
import type { RateLimit } from './rate-limit.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const DEFAULT_CONNECTIONS = 32;
const USER_AGENT = 'x-dm-graphql-gateway';

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
   * One call to X: a GET, or the `method` the request names.
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
      const error = callError(thrown, request, this.#timeoutMs);
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
    const headers: Record<string, string> = {
      accept: bytesAnswer ? '*/*' : 'application/json',
      'user-agent': USER_AGENT,
    };
    const maxBytes = Math.min(this.#maxBodyBytes, request.maxBodyBytes ?? this.#maxBodyBytes);
    if (request.authorization) headers.authorization = request.authorization;
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';

    const {
      status,
      headers: answered,
      body: read,
    } = await new Promise<Answer>((resolve, reject) => {
      const mode = bytesAnswer ? 'bytes' : 'json';
      const reader = new AnswerReader(state, { maxBytes, timeoutMs }, mode, signal, resolve, reject);
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
      throw answerError(status, answered, read, request.authorization);
    }
    switch (read.kind) {
      case 'empty':
        throw new UpstreamError(`X's answer was empty (${status})`, { status });
      case 'not json':
        throw new UpstreamError("X's answer was not JSON", { status, cause: read.cause });
      case 'bytes': {
        const body: Bytes = { bytes: read.bytes, contentType: firstHeader(answered, 'content-type') };
        return { status, body: body as T, rateLimit: state.rateLimit };
      }
    }
    const body = read.value;
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

/** What `encodeURIComponent` leaves as it is, and the commas kept literal: most names, field lists and ids. */
const UNESCAPED = /^[\w.!~*'(),-]*$/;

function encodeQueryPart(text: string): string {
  if (text.length >= LONG_VALUE_CHARS) return encoded.get(text, encodeListValue);
  return UNESCAPED.test(text) ? text : encodeListValue(text);
}

function encodeListValue(text: string): string {
  return encodeURIComponent(text).replace(/%2C/gi, ',');
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}
