/**
 * One request's conversation with X: every call carries that request's `Authorization` header and no other, identical
 * calls are made once, and calls that differ only in the fields they ask for, made in the same tick, become one call
 * asking for the union (two aliases of the same connection cost one call).
 */
import {
  CostLimitExceededError,
  GatewayError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamError,
  WriteOutcomeUnknownError,
} from '../errors.js';
import { endpointOf } from '../x/endpoints.js';
import { type Dialect, dialectOf } from '../x/dialect.js';
import { type EndpointFamily, familyOf } from '../x/families.js';
import { type RootKind, type XParams, mergeParams, paramsCover, rootKindOf } from '../x/params.js';
import { CallerSignal } from './abort-watch.js';
import type { RateLimit } from './rate-limit.js';
import type { Bytes, UpstreamRequest, UpstreamTransport } from './client.js';
import { type Deadline, timeLeft } from './deadline.js';
import { wasNeverSent } from './failures.js';
import { RateLimitBook } from './rate-limit-book.js';

export const BEARER = /^Bearer [\x21-\x7e]+$/;

interface SharedCall {
  /** The field parameters of every caller so far; frozen once the call is sent. */
  readonly wanted: XParams[];
  params?: XParams;
  promise: Promise<unknown>;
}

function callKey(path: string, fixed: Readonly<Record<string, string | undefined>>): string {
  let key = path;
  for (const name of Object.keys(fixed).sort()) {
    const value = fixed[name];
    if (value !== undefined) key += `&${name}=${value}`;
  }
  return key;
}

/** One call to X, as logs and metrics see it: no token, no query, ids folded out of the endpoint. */
export interface CallRecord {
  readonly endpoint: string;
  /** X's HTTP status; 0 when X did not answer. */
  readonly status: number;
  readonly ms: number;
}

/** The HTTP status behind an error X answered with (the client keeps it only where the code does not tell it). */
const STATUS_OF_CODE: Partial<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  BAD_USER_INPUT: 400,
};

function statusOf(error: unknown): number {
  if (error instanceof UpstreamError) return error.status ?? 0;
  if (error instanceof GatewayError) return error.problem?.status ?? STATUS_OF_CODE[error.code] ?? 0;
  return 0;
}

export interface XSessionOptions {
  /** The dialect the upstream speaks: calls are made, and answers read, in it. @default posts (spec 2.167) */
  dialect?: Dialect;
  /** The request's own signal, the caller going away: as it is, or followed by the request's `CallerSignal`. */
  signal?: AbortSignal | CallerSignal;
  /** Where X's rate-limit budget is tracked, across requests of the same token. */
  budgets?: RateLimitBook;
  /** The most calls this request may make: the estimate refuses most operations above it; this enforces it. */
  maxCalls?: number;
  /** Time the whole operation may spend waiting for X, from the session's creation. @default none */
  deadlineMs?: number;
  /** Waits this long at most for a spent rate limit to reset, rather than failing at once. @default 0 */
  rateLimitWaitMs?: number;
  /** Told of every call, for metrics. */
  onCall?: (call: CallRecord, rateLimit: RateLimit | undefined) => void;
}

export class XSession {
  /** How many calls this request made to X. */
  calls = 0;
  /**
   * The calls the operation's cost estimate counts (set before it runs): a field that may read further than its own
   * call (the inbox) leaves the others to the rest of the selection. @default 1
   */
  plannedCalls = 1;
  /** Requests X received for this request's calls beyond one each (the transport's retries). */
  retries = 0;
  private readonly countRetry = (): void => {
    this.retries += 1;
  };
  /** What X returned to this request, counted per object as X bills them. */
  readonly returned = { dmEvents: 0, users: 0, posts: 0 };
  /** The calls this request made to X, for its log line. */
  readonly log: CallRecord[] = [];
  /** The rate-limit headers of X's latest answer to this request. */
  rateLimit: RateLimit | undefined;
  private readonly shared = new Map<string, SharedCall[]>();
  /** The dialect X speaks here; everything above the session plans and reads in the gateway's own vocabulary. */
  readonly dialect: Dialect;

  /** The token's key in the rate-limit book, hashed on the first call (requests that call nothing never pay it). */
  private budgetKeyCache: string | undefined;

  constructor(
    private readonly transport: UpstreamTransport,
    private readonly authorization: string,
    private readonly options: XSessionOptions = {},
  ) {
    this.dialect = options.dialect ?? dialectOf();
    const { deadlineMs } = options;
    if (deadlineMs !== undefined) this.deadline = { at: performance.now() + deadlineMs, ms: deadlineMs };
  }

  /** When the operation's time is up: every call's timeouts end there (a time budget, no timer of its own). */
  private readonly deadline: Deadline | undefined;

  private get budgetKey(): string {
    return (this.budgetKeyCache ??= RateLimitBook.keyOf(this.authorization));
  }

  /** The milliseconds left before the operation's deadline (infinite without one): no call of it ends later. */
  timeLeftMs(): number {
    return this.deadline ? Math.max(0, this.deadline.at - performance.now()) : Number.POSITIVE_INFINITY;
  }

  /** The caller's token, hashed: how budgets and the memory's identities know it, never the token itself. */
  tokenHash(): string {
    return this.budgetKey;
  }

  /**
   * One call to X; the answer's body. Throws the gateway's errors. When X's rate limit for this token is spent and
   * resets within `rateLimitWaitMs`, it waits for the reset (inside the deadline) and calls once more.
   */
  async get<T>(path: string, query: Readonly<Record<string, string | undefined>>): Promise<T> {
    try {
      return await this.call<T>(path, query);
    } catch (error) {
      if (!(error instanceof RateLimitedError) || !(await this.waitForReset(error.resetAt))) throw error;
      return this.call<T>(path, query);
    }
  }

  /**
   * Waits until `resetAt` when that is within `rateLimitWaitMs`; false when it is not worth waiting. A wait that would
   * end past the operation's deadline fails at once with the deadline's error.
   */
  private async waitForReset(resetAt: Date | undefined): Promise<boolean> {
    const waitMs = this.options.rateLimitWaitMs ?? 0;
    if (!resetAt || waitMs <= 0) return false;
    const wait = resetAt.getTime() - Date.now();
    if (wait > waitMs) return false;
    // Waiting past the deadline would only end in its error: fail now.
    timeLeft(this.deadline, wait);
    const { signal } = this;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new UpstreamError('The call to X was aborted'));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, wait),
      );
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    return true;
  }

  private async call<T>(path: string, query: Readonly<Record<string, string | undefined>>): Promise<T> {
    const root = rootKindOf(path);
    const body = await this.exchange<T>({ path, query: this.dialect.toWire(root, query) }, familyOf('GET', path));
    const answer = this.dialect.readAnswer(root, body);
    this.count(root, answer);
    return answer;
  }

  /** Counts the resources an answer returned: the objects it asked for (`data`), and those it included. */
  private count(root: RootKind, answer: unknown): void {
    if (answer === null || typeof answer !== 'object') return;
    const { data, includes } = answer as { data?: unknown; includes?: { users?: unknown[]; tweets?: unknown[] } };
    const asked = Array.isArray(data) ? data.length : data !== undefined && data !== null ? 1 : 0;
    const returned = this.returned;
    if (root === 'dm_event') returned.dmEvents += asked;
    else if (root === 'user') returned.users += asked;
    else returned.posts += asked;
    if (includes) {
      returned.users += includes.users?.length ?? 0;
      returned.posts += includes.tweets?.length ?? 0;
    }
  }

  /**
   * One write to X (`POST` a message or a group, `DELETE` an event), sent once: never shared, never retried by the
   * gateway once it may have reached X. A failure that leaves X's outcome open is `WriteOutcomeUnknownError`.
   */
  async send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    try {
      return await this.exchange<T>({ method, path, ...(body !== undefined && { body }) }, familyOf(method, path));
    } catch (error) {
      if (error instanceof UpstreamError && !wasNeverSent(error)) throw new WriteOutcomeUnknownError(error);
      throw error;
    }
  }

  /**
   * One download of bytes from X (the DM media download): a GET whose answer is not JSON, at most `maxBytes` long,
   * counted, budgeted (its own family) and recorded like every other call.
   */
  download(path: string, maxBytes: number): Promise<Bytes> {
    return this.exchange<Bytes>({ path, answer: 'bytes', maxBodyBytes: maxBytes }, familyOf('GET', path));
  }

  /**
   * One request to X with this request's credentials, signal and budgets: refused before it leaves when the caller
   * has no token, the operation has made all its calls, or X said the token's budget for `family` is spent; recorded
   * for logs, metrics and the rate-limit book whatever its outcome.
   */
  private async exchange<T>(
    request: Omit<UpstreamRequest, 'authorization' | 'signal' | 'deadline'>,
    family: EndpointFamily,
  ): Promise<T> {
    if (!BEARER.test(this.authorization)) {
      throw new UnauthenticatedError('This request needs `Authorization: Bearer <X user token>`.');
    }
    this.assertCallsLeft();
    const { budgets } = this.options;
    if (budgets) {
      await budgets.check(this.budgetKey, family);
      // Another call of this request may have taken the last one while the shared book was asked.
      this.assertCallsLeft();
    }
    this.calls += 1;
    const { signal } = this;
    const startedAt = performance.now();
    try {
      const response = await this.transport.get<T>({
        authorization: this.authorization,
        ...request,
        ...(signal && { signal }),
        ...(this.deadline && { deadline: this.deadline }),
        onRetry: this.countRetry,
      });
      if (response.rateLimit) this.noteRateLimit(family, response.rateLimit);
      this.record(request.path, response.status, startedAt, response.rateLimit);
      return response.body;
    } catch (error) {
      this.record(request.path, statusOf(error), startedAt, undefined);
      if (error instanceof RateLimitedError && error.resetAt) {
        this.noteRateLimit(family, { limit: this.rateLimit?.limit ?? 0, remaining: 0, resetAt: error.resetAt });
      }
      throw error;
    }
  }

  /** The most calls this request may make (undefined: no cap), those its estimate planned, and those it made. */
  callBudget(): { limit: number | undefined; planned: number; made: number } {
    return { limit: this.options.maxCalls, planned: this.plannedCalls, made: this.calls };
  }

  /** The signal this request's calls watch, if it has one. */
  private get signal(): AbortSignal | undefined {
    const { signal } = this.options;
    return signal instanceof CallerSignal ? signal.signal : signal;
  }

  /** Throws COST_LIMIT_EXCEEDED when this request has made all the calls it may. */
  private assertCallsLeft(): void {
    const { maxCalls } = this.options;
    if (maxCalls !== undefined && this.calls >= maxCalls) {
      throw new CostLimitExceededError(
        { estimate: this.calls + 1, limit: maxCalls },
        `This operation needed more than ${maxCalls} upstream requests; ask for less (smaller pages, fewer nested lists).`,
      );
    }
  }

  private record(path: string, status: number, startedAt: number, rateLimit: RateLimit | undefined): void {
    const call: CallRecord = {
      endpoint: endpointOf(path),
      status,
      ms: Math.round((performance.now() - startedAt) * 10) / 10,
    };
    this.log.push(call);
    this.options.onCall?.(call, rateLimit);
  }

  private noteRateLimit(family: EndpointFamily, rateLimit: RateLimit): void {
    this.rateLimit = rateLimit;
    this.options.budgets?.record(this.budgetKey, family, rateLimit);
  }

  /**
   * The call `path` with the parameters `fixed` (ids, paging) and at least the field parameters `fields`, shared with
   * every other caller of the same call in this request. Resolves to the body and the field parameters it was made with.
   */
  getShared<T>(
    path: string,
    fixed: Readonly<Record<string, string | undefined>>,
    fields: XParams,
  ): Promise<{ body: T; params: XParams }> {
    const key = callKey(path, fixed);
    let calls = this.shared.get(key);
    if (!calls) this.shared.set(key, (calls = []));
    for (const call of calls) {
      if (call.params === undefined) {
        call.wanted.push(fields);
        return call.promise as Promise<{ body: T; params: XParams }>;
      }
      if (paramsCover(call.params, fields)) return call.promise as Promise<{ body: T; params: XParams }>;
    }
    const call: SharedCall = { wanted: [fields], promise: Promise.resolve() };
    call.promise = new Promise<void>((resolve) => process.nextTick(resolve)).then(async () => {
      const params = mergeParams(call.wanted);
      call.params = params;
      const body = await this.get<T>(path, Object.assign({}, params, fixed));
      return { body, params };
    });
    calls.push(call);
    return call.promise as Promise<{ body: T; params: XParams }>;
  }
}
