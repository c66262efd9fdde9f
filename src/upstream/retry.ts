/**
 * Retries of idempotent GETs to X, as a layer around any `UpstreamTransport` (usually the `UpstreamClient`). A write
 * (POST, DELETE) that may have reached X is never sent again: it is retried only when its connection was refused
 * before the request was written.
 *
 * Only failures that say nothing about the request itself are tried again: a connection that was refused or broke,
 * and X's 502, 503 and 504. Never a 4xx (X's verdict stands; a 429 waits for its reset, not for a backoff), never a
 * 500 (X's bug, likely to repeat), never a timeout (the call already spent its time), never a body that is not JSON,
 * and never once `request.signal` (the caller going away) has aborted. Waits between attempts are exponential with full
 * jitter, capped, and end at once when the signal aborts; a wait that would end past the operation's deadline is not
 * begun, so retries stay inside it.
 */
import { GatewayError, UpstreamError } from '../errors.js';
import type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from './client.js';
import { timeLeft } from './deadline.js';
import { CONNECTION_FAILURE, wasNeverSent } from './failures.js';

const DEFAULT_RETRIES = 2;
const DEFAULT_BASE_DELAY_MS = 100;
const DEFAULT_MAX_DELAY_MS = 1000;

export interface RetryOptions {
  /** Further attempts after the first. @default 2 */
  retries?: number;
  /** First backoff; each later one doubles, capped at maxDelayMs, with full jitter. @default 100 */
  baseDelayMs?: number;
  /** @default 1000 */
  maxDelayMs?: number;
  /** For tests. @default Math.random */
  random?: () => number;
}

export class RetryingTransport implements UpstreamTransport {
  readonly #inner: UpstreamTransport;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #random: () => number;

  constructor(inner: UpstreamTransport, options: RetryOptions = {}) {
    this.#inner = inner;
    this.#retries = options.retries ?? DEFAULT_RETRIES;
    if (!Number.isSafeInteger(this.#retries) || this.#retries < 0) {
      throw new RangeError('retries must be a whole number, 0 or more');
    }
    this.#baseDelayMs = nonNegative(options.baseDelayMs, DEFAULT_BASE_DELAY_MS, 'baseDelayMs');
    this.#maxDelayMs = nonNegative(options.maxDelayMs, DEFAULT_MAX_DELAY_MS, 'maxDelayMs');
    this.#random = options.random ?? Math.random;
  }

  /**
   * `inner.get`, tried again after a retryable failure up to `retries` times.
   *
   * @throws the last attempt's error when every attempt failed; the first non-retryable error; or, when the signal
   *   aborts during a wait, its reason if that is a `GatewayError`, else an UpstreamError 'The call to X was aborted'
   */
  async get<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    // The success path: one call, no closure, no timer.
    try {
      return await this.#inner.get<T>(request);
    } catch (error) {
      if (!this.#mayRetry(error, request)) throw error;
      return this.#retry<T>(request);
    }
  }

  /** The attempts after a first one that failed and may be retried. */
  async #retry<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    for (let attempt = 1; ; attempt += 1) {
      const delay = this.#delay(attempt);
      // A wait that ends past the operation's deadline leaves no time for the attempt.
      timeLeft(request.deadline, delay);
      await wait(delay, request.signal);
      request.onRetry?.();
      try {
        return await this.#inner.get<T>(request);
      } catch (error) {
        if (attempt >= this.#retries || !this.#mayRetry(error, request)) throw error;
      }
    }
  }

  #mayRetry(error: unknown, request: UpstreamRequest): boolean {
    if (this.#retries === 0 || request.signal?.aborted === true) return false;
    return (request.method ?? 'GET') === 'GET' ? isRetryable(error) : wasNeverSent(error);
  }

  /** Full jitter: anywhere in [0, min(max, base * 2^(attempt - 1))). */
  #delay(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return this.#random() * ceiling;
  }
}

/** Whether a failed GET may be tried again: a broken/reset/refused connection, or X's 502, 503, 504. */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.status !== undefined) return error.status === 502 || error.status === 503 || error.status === 504;
  return (error as { kind?: unknown }).kind === CONNECTION_FAILURE;
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts; either way leaves neither timer nor listener behind. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** What an aborted call gives, the same as `UpstreamClient`'s. */
function abortError(signal: AbortSignal): GatewayError {
  return signal.reason instanceof GatewayError
    ? signal.reason
    : new UpstreamError('The call to X was aborted', { cause: signal.reason });
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number, 0 or more`);
  return value;
}
