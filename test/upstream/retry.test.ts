import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSandbox } from '../../src/sandbox/index.js';
import type { Fault } from '../../src/sandbox/types.js';
import {
  BadUserInputError,
  ForbiddenError,
  GatewayError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamError,
} from '../../src/errors.js';
import {
  UpstreamClient,
  type UpstreamCall,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamTransport,
} from '../../src/upstream/client.js';
import { CONNECTION_FAILURE } from '../../src/upstream/failures.js';
import { RetryingTransport } from '../../src/upstream/retry.js';

type Body = { data: { id: string } };

/** The errors `UpstreamClient` throws, built the same way. */
const connection = (message: string) =>
  Object.defineProperty(new UpstreamError(message, { cause: new Error('socket') }), 'kind', {
    value: CONNECTION_FAILURE,
  });
const answered = (status: number) => new UpstreamError(`X answered ${status}`, { status });

const retryable: Record<string, () => GatewayError> = {
  'a reset connection': () => connection('The connection to X broke'),
  'a refused connection': () => connection('X refused the connection'),
  502: () => answered(502),
  503: () => answered(503),
  504: () => answered(504),
};

const notRetryable: Record<string, () => unknown> = {
  400: () => new BadUserInputError('X rejected the request: bad', { argument: 'max_results' }),
  401: () => new UnauthenticatedError('X did not accept the credentials'),
  403: () => new ForbiddenError('X refused access'),
  404: () => new NotFoundError('X found no such resource'),
  429: () => new RateLimitedError("X's rate limit is spent"),
  500: () => answered(500),
  'a timeout': () =>
    new UpstreamError('X did not answer within 100 ms', { cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }),
  'a body that is not JSON': () => new UpstreamError("X's answer was not JSON", { status: 200 }),
  'an empty body': () => new UpstreamError("X's answer was empty (200)", { status: 200 }),
  'an abort': () => new UpstreamError('The call to X was aborted'),
  'a closed client': () => new UpstreamError('The upstream client is closed'),
  'an unknown host': () => new UpstreamError("X's host name could not be resolved", { cause: { code: 'ENOTFOUND' } }),
  'a plain Error': () => new TypeError('bug'),
  'an error-like object with a kind': () => ({ kind: CONNECTION_FAILURE }),
};

/** Answers with the queued outcomes in turn, then succeeds. */
class FakeTransport implements UpstreamTransport {
  readonly calls: UpstreamRequest[] = [];

  constructor(private readonly outcomes: unknown[] = []) {}

  get<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    this.calls.push(request);
    if (request.signal?.aborted) return Promise.reject(new UpstreamError('The call to X was aborted'));
    if (this.outcomes.length > 0) {
      // The queued outcomes include a rejection with an error-like object that is no Error, on purpose.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(this.outcomes.shift());
    }
    return Promise.resolve({
      status: 200,
      body: { data: { id: String(this.calls.length) } } as T,
      rateLimit: undefined,
    });
  }
}

const request = (signal?: AbortSignal): UpstreamRequest => ({
  path: '/2/users/me',
  authorization: 'Bearer t',
  ...(signal && { signal }),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the call should have failed'),
    (error: unknown) => error,
  );
}

describe('RetryingTransport over a fake transport', () => {
  const fast = { baseDelayMs: 1, maxDelayMs: 2, random: () => 0.5 };

  it('returns the first success without a timer', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const inner = new FakeTransport();
      const response = await new RetryingTransport(inner, fast).get<Body>(request());
      expect(response.body.data.id).toBe('1');
      expect(inner.calls).toHaveLength(1);
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
  });

  it.each(Object.entries(retryable))('retries after %s and succeeds on the next attempt', async (_, make) => {
    const inner = new FakeTransport([make()]);
    const response = await new RetryingTransport(inner, fast).get<Body>(request());
    expect(response.body.data.id).toBe('2');
    expect(inner.calls).toHaveLength(2);
    expect(inner.calls[1]).toBe(inner.calls[0]);
  });

  it('gives up after `retries` more attempts with the last error', async () => {
    const errors = [answered(503), connection('The connection to X broke'), answered(504), answered(502)];
    const inner = new FakeTransport([...errors]);

    const error = await rejection(new RetryingTransport(inner, { ...fast, retries: 2 }).get(request()));

    expect(error).toBe(errors[2]);
    expect(inner.calls).toHaveLength(3);
  });

  it('makes two retries by default', async () => {
    const inner = new FakeTransport([answered(503), answered(503), answered(503), answered(503)]);
    const error = await rejection(new RetryingTransport(inner, { baseDelayMs: 1, maxDelayMs: 1 }).get(request()));
    expect((error as UpstreamError).status).toBe(503);
    expect(inner.calls).toHaveLength(3);
  });

  it('with retries 0 it is the inner transport', async () => {
    const first = answered(503);
    const inner = new FakeTransport([first]);
    expect(await rejection(new RetryingTransport(inner, { retries: 0 }).get(request()))).toBe(first);
    expect(inner.calls).toHaveLength(1);
  });

  it.each(Object.entries(notRetryable))('never retries %s', async (_, make) => {
    const thrown = make();
    const inner = new FakeTransport([thrown]);
    expect(await rejection(new RetryingTransport(inner, fast).get(request()))).toBe(thrown);
    expect(inner.calls).toHaveLength(1);
  });

  it('stops at the first error that is not retryable', async () => {
    const notFound = new NotFoundError('X found no such resource');
    const inner = new FakeTransport([answered(503), notFound, answered(503)]);
    expect(await rejection(new RetryingTransport(inner, fast).get(request()))).toBe(notFound);
    expect(inner.calls).toHaveLength(2);
  });

  it("does not begin a wait that would end past the operation's deadline", async () => {
    const inner = new FakeTransport([answered(503)]);
    const options = { baseDelayMs: 1_000, maxDelayMs: 1_000, random: () => 0.5 };
    const started = performance.now();
    const error = await rejection(
      new RetryingTransport(inner, options).get({ ...request(), deadline: { at: performance.now() + 200, ms: 200 } }),
    );
    expect(error).toMatchObject({ message: 'The operation did not finish within 200 ms', code: 'UPSTREAM_ERROR' });
    expect(inner.calls).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(150);
  });

  it('retries when the wait fits inside the deadline', async () => {
    const inner = new FakeTransport([answered(503)]);
    const response = await new RetryingTransport(inner, { baseDelayMs: 20, random: () => 0.5 }).get<Body>({
      ...request(),
      deadline: { at: performance.now() + 5_000, ms: 5_000 },
    });
    expect(response.body.data.id).toBe('2');
  });

  it('does not retry once the signal has aborted, and keeps the error the attempt gave', async () => {
    const controller = new AbortController();
    const failure = answered(503);
    const inner: UpstreamTransport = {
      get: () => {
        controller.abort();
        return Promise.reject(failure);
      },
    };
    const spy = vi.spyOn(inner, 'get');
    expect(await rejection(new RetryingTransport(inner, fast).get(request(controller.signal)))).toBe(failure);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('rejects bad options', () => {
    const inner = new FakeTransport();
    expect(() => new RetryingTransport(inner, { retries: -1 })).toThrow(RangeError);
    expect(() => new RetryingTransport(inner, { retries: 1.5 })).toThrow(RangeError);
    expect(() => new RetryingTransport(inner, { baseDelayMs: Number.NaN })).toThrow(RangeError);
    expect(() => new RetryingTransport(inner, { maxDelayMs: -1 })).toThrow(RangeError);
  });
});

describe('backoff', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The delays of every timer `get` starts while all its attempts fail with a 503. */
  async function delays(options: ConstructorParameters<typeof RetryingTransport>[1]): Promise<number[]> {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const inner = new FakeTransport(Array.from({ length: 20 }, () => answered(503)));
      const failed = rejection(new RetryingTransport(inner, options).get(request(new AbortController().signal)));
      await vi.runAllTimersAsync();
      expect(await failed).toBeInstanceOf(UpstreamError);
      expect(inner.calls).toHaveLength((options?.retries ?? 2) + 1);
      return timers.mock.calls.map((call) => call[1] as number);
    } finally {
      timers.mockRestore();
    }
  }

  it('doubles from baseDelayMs and stops at maxDelayMs', async () => {
    expect(await delays({ retries: 6, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 })).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
  });

  it('defaults to 100 ms doubling, capped at 1 s', async () => {
    const ceilings = await delays({ retries: 5, random: () => 0.999 });
    expect(ceilings.map((delay) => Math.round(delay / 0.999))).toEqual([100, 200, 400, 800, 1000]);
    expect(Math.max(...ceilings)).toBeLessThan(1000);
  });

  it('jitters over the whole range below the ceiling', async () => {
    const draws = [0, 0.25, 0.9, 0.5];
    const jittered = await delays({ retries: 4, baseDelayMs: 40, maxDelayMs: 100, random: () => draws.shift()! });
    expect(jittered).toEqual([0, 20, 90, 50]);
  });

  it('waits out each delay before the next attempt and leaves no listener behind', async () => {
    const inner = new FakeTransport([answered(503), answered(503)]);
    const { signal } = new AbortController();
    const response = new RetryingTransport(inner, { baseDelayMs: 100, random: () => 0.5 }).get<Body>(request(signal));

    await vi.advanceTimersByTimeAsync(49);
    expect(inner.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(inner.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(inner.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect((await response).body.data.id).toBe('3');
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it.each([
    ['an UpstreamError', undefined],
    ['the reason, when it is a GatewayError', new RateLimitedError('budget spent')],
  ])('an abort during a wait ends it at once with %s, leaving no timer or listener', async (_, reason) => {
    const inner = new FakeTransport([answered(503)]);
    const controller = new AbortController();
    const failed = rejection(
      new RetryingTransport(inner, { baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 0.5 }).get(
        request(controller.signal),
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    controller.abort(reason);
    const error = await failed;

    if (reason) expect(error).toBe(reason);
    else {
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as Error).message).toBe('The call to X was aborted');
      expect((error as Error).cause).toBe(controller.signal.reason);
    }
    expect(inner.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('an abort during a real wait', () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

  it('ends the call at once and clears its timer', async () => {
    const inner = new FakeTransport([answered(503)]);
    const controller = new AbortController();
    const before = timeouts();
    const started = performance.now();
    const failed = rejection(
      new RetryingTransport(inner, { baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 0.5 }).get(
        request(controller.signal),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(timeouts()).toBe(before + 1);

    controller.abort();
    expect(await failed).toBeInstanceOf(UpstreamError);
    expect(performance.now() - started).toBeLessThan(500);
    expect(timeouts()).toBe(before);
  });
});

describe('RetryingTransport over real HTTP, against the sandbox', () => {
  const TIMEOUT_MS = 150;
  const sandbox = createSandbox();
  let client: UpstreamClient;
  let transport: RetryingTransport;
  let authorization: string;
  let calls: UpstreamCall[];

  beforeAll(async () => {
    const baseUrl = await sandbox.listen();
    client = new UpstreamClient({ baseUrl, timeoutMs: TIMEOUT_MS, onCall: (call) => calls.push(call) });
    transport = new RetryingTransport(client, { retries: 2, baseDelayMs: 2, maxDelayMs: 8, random: () => 0.5 });
    authorization = `Bearer ${sandbox.users[0]!.token}`;
  });

  afterAll(async () => {
    await client.close();
    await sandbox.close();
  });

  beforeEach(() => {
    calls = [];
    sandbox.clearRequests();
    sandbox.clearFaults();
    sandbox.resetRateLimits();
  });

  const me = () => transport.get<Body>({ path: '/2/users/me', authorization });

  const once: Fault[] = [
    { type: 'status', status: 503 },
    { type: 'status', status: 502 },
    { type: 'status', status: 504 },
    { type: 'html' },
    { type: 'reset' },
  ];

  it.each(once)('one $type $status, then the retry succeeds', async (fault) => {
    sandbox.injectFaults(fault, 1);

    const response = await me();

    expect(response.status).toBe(200);
    expect(response.body.data.id).toBe(sandbox.users[0]!.id);
    expect(sandbox.requests).toHaveLength(2);
    expect(calls.map((call) => call.error === undefined)).toEqual([false, true]);
  });

  it('gives up after retries + 1 requests with the last UPSTREAM_ERROR', async () => {
    sandbox.injectFaults({ type: 'status', status: 503 }, 10);

    const error = await rejection(me());

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('UPSTREAM_ERROR');
    expect((error as UpstreamError).status).toBe(503);
    expect(error).toBe(calls[2]!.error);
    expect(sandbox.requests).toHaveLength(3);
  });

  it.each<[Fault, new (...args: never[]) => GatewayError]>([
    [{ type: 'status', status: 500 }, UpstreamError],
    [{ type: 'status', status: 429 }, RateLimitedError],
    [{ type: 'invalid-json' }, UpstreamError],
    [{ type: 'slow-body', delayMs: 5_000 }, UpstreamError],
  ])('%o is not retried', async (fault, errorClass) => {
    sandbox.injectFaults(fault, 5);

    expect(await rejection(me())).toBeInstanceOf(errorClass);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('a 401 is not retried', async () => {
    expect(await rejection(transport.get({ path: '/2/users/me', authorization: 'Bearer nope' }))).toBeInstanceOf(
      UnauthenticatedError,
    );
    expect(sandbox.requests).toHaveLength(1);
  });

  it('a refused connection is tried retries + 1 times', async () => {
    const closed = createSandbox();
    const url = await closed.listen();
    await closed.close();
    const nowhereCalls: UpstreamCall[] = [];
    const nowhere = new UpstreamClient({
      baseUrl: url,
      timeoutMs: TIMEOUT_MS,
      onCall: (call) => nowhereCalls.push(call),
    });
    try {
      const retrying = new RetryingTransport(nowhere, { retries: 2, baseDelayMs: 1, maxDelayMs: 2 });
      const error = await rejection(retrying.get({ path: '/2/users/me', authorization }));
      expect((error as Error).message).toBe('X refused the connection');
      expect(nowhereCalls).toHaveLength(3);
      expect(error).toBe(nowhereCalls[2]!.error);
    } finally {
      await nowhere.close();
    }
  });
});

describe('writes are never sent twice', () => {
  const fast = { baseDelayMs: 1, maxDelayMs: 2, random: () => 0.5 };
  const write = (): UpstreamRequest => ({
    method: 'POST',
    path: '/2/dm_conversations/with/1/messages',
    body: { text: 'hi' },
    authorization: 'Bearer t',
  });

  it.each(Object.entries(retryable).filter(([name]) => name !== 'a refused connection'))(
    'a POST that failed with %s, which may have reached X, is not tried again',
    async (_, make) => {
      const inner = new FakeTransport([make()]);
      await rejection(new RetryingTransport(inner, fast).get(write()));
      expect(inner.calls).toHaveLength(1);
    },
  );

  it('a POST whose connection was refused before it was written is tried again, against a real closed port', async () => {
    const closed = createSandbox();
    const url = await closed.listen();
    await closed.close();
    const calls: UpstreamCall[] = [];
    const client = new UpstreamClient({ baseUrl: url, timeoutMs: 1_000, onCall: (call) => calls.push(call) });
    try {
      await rejection(new RetryingTransport(client, { ...fast, retries: 2 }).get(write()));
      expect(calls.map((call) => call.method)).toEqual(['POST', 'POST', 'POST']);
    } finally {
      await client.close();
    }
  });
});
