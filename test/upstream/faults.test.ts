import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/sandbox/index.js';
import type { Fault } from '../../src/sandbox/types.js';
import { GatewayError, RateLimitedError, UpstreamError } from '../../src/errors.js';
import { UpstreamClient, type UpstreamCall } from '../../src/upstream/client.js';
import { until } from '../support/until.js';
import { expectNoSecret } from './secrets.js';

const TIMEOUT_MS = 300;
const MAX_BODY_BYTES = 64 * 1024;

const sandbox = createSandbox();
let client: UpstreamClient;
let calls: UpstreamCall[];
let token: string;
let authorization: string;

beforeAll(async () => {
  const baseUrl = await sandbox.listen();
  client = new UpstreamClient({
    baseUrl,
    timeoutMs: TIMEOUT_MS,
    maxBodyBytes: MAX_BODY_BYTES,
    onCall: (call) => calls.push(call),
  });
  token = sandbox.users[0]!.token;
  authorization = `Bearer ${token}`;
});

afterAll(async () => {
  await client.close();
  await sandbox.close();
});

/** Aborts `controller` once the sandbox has received `count` calls: the call is under way, not still being made. */
async function abortOnceArrived(controller: AbortController, count = 1, reason?: unknown): Promise<void> {
  await until(`call ${count} at the sandbox`, () => sandbox.requests.length >= count);
  controller.abort(reason);
}

beforeEach(() => {
  calls = [];
  sandbox.clearRequests();
  sandbox.clearFaults();
  sandbox.resetRateLimits();
});

const meCall = (signal?: AbortSignal) =>
  client.get<{ data: { id: string } }>({ path: '/2/users/me', authorization, ...(signal && { signal }) });

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** After any failure the same client, over the same pool, must serve the next call. */
async function expectNextCallSucceeds(): Promise<void> {
  const response = await meCall();
  expect(response.status).toBe(200);
  expect(response.body.data.id).toBe(sandbox.users[0]!.id);
}

describe('every injected fault is an UPSTREAM_ERROR, and the next call succeeds', () => {
  const cases: { fault: Fault; status: number | undefined; message: RegExp }[] = [
    { fault: { type: 'status', status: 500 }, status: 500, message: /^X answered 500 Internal Server Error$/ },
    { fault: { type: 'status', status: 502 }, status: 502, message: /^X answered 502 Bad Gateway$/ },
    { fault: { type: 'status', status: 503 }, status: 503, message: /^X answered 503 Service Unavailable$/ },
    { fault: { type: 'status', status: 504 }, status: 504, message: /^X answered 504 Gateway Timeout$/ },
    { fault: { type: 'hang' }, status: undefined, message: new RegExp(`^X did not answer within ${TIMEOUT_MS} ms$`) },
    { fault: { type: 'reset' }, status: undefined, message: /^The connection to X broke$/ },
    { fault: { type: 'invalid-json' }, status: 200, message: /^X's answer was not JSON$/ },
    { fault: { type: 'html' }, status: 502, message: /^X answered 502 Bad Gateway$/ },
    { fault: { type: 'empty' }, status: 200, message: /^X's answer was empty/ },
    {
      fault: { type: 'oversized', bytes: 4 * 1024 * 1024 },
      status: 200,
      message: new RegExp(`^X's answer was larger than ${MAX_BODY_BYTES} bytes$`),
    },
    {
      fault: { type: 'slow-body', delayMs: 5_000 },
      status: 200,
      message: new RegExp(`^X did not finish its answer within ${TIMEOUT_MS} ms$`),
    },
  ];

  it.each(cases)('$fault', async ({ fault, status, message }) => {
    sandbox.injectFaults(fault);

    const error = await failure(meCall());

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect((error as UpstreamError).status).toBe(status);
    expect(error.message).toMatch(message);
    expectNoSecret(error, token);
    expect(calls[0]).toMatchObject({ path: '/2/users/me', status, error });
    expectNoSecret(calls, token);

    await expectNextCallSucceeds();
  });

  it('an injected 429 is RATE_LIMITED, not UPSTREAM_ERROR', async () => {
    sandbox.injectFaults({ type: 'status', status: 429 });

    const error = await failure(meCall());

    expect(error).toBeInstanceOf(RateLimitedError);
    await expectNextCallSucceeds();
  });

  it('a 5xx keeps the problem X sent; an HTML page leaves none', async () => {
    sandbox.injectFaults({ type: 'status', status: 503 });

    const error = await failure(meCall());

    expect(error.problem).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      detail: 'Service Unavailable',
      status: 503,
    });
    sandbox.injectFaults({ type: 'html' });
    expect((await failure(meCall())).problem).toBeUndefined();
  });

  it('several faults in a row, then recovery', async () => {
    sandbox.injectFaults({ type: 'reset' }, 3);

    for (let i = 0; i < 3; i += 1) expect(await failure(meCall())).toBeInstanceOf(UpstreamError);
    await expectNextCallSucceeds();
  });
});

describe('aborting', () => {
  it('a signal aborted mid-call ends it with an UPSTREAM_ERROR', async () => {
    sandbox.injectFaults({ type: 'hang' });
    const controller = new AbortController();
    void abortOnceArrived(controller);

    const started = performance.now();
    const error = await failure(meCall(controller.signal));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe('The call to X was aborted');
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(calls[0]).toMatchObject({ status: undefined, error });
    await expectNextCallSucceeds();
  });

  it('a signal aborted while the body streams ends the call too', async () => {
    sandbox.injectFaults({ type: 'slow-body', delayMs: 5_000 });
    const controller = new AbortController();
    void abortOnceArrived(controller);

    const error = await failure(meCall(controller.signal));

    expect(error.message).toBe('The call to X was aborted');
    await expectNextCallSucceeds();
  });

  it('a call still waiting for a connection ends as soon as its signal aborts', async () => {
    // One connection, held by a call X never answers: the next call waits in the pool's queue.
    const single = new UpstreamClient({ baseUrl: sandbox.url, timeoutMs: 1_000, connections: 1 });
    sandbox.injectFaults({ type: 'hang' }, 1);
    const holding = failure(single.get({ path: '/2/users/me', authorization }));
    const controller = new AbortController();
    const waiting = failure(single.get({ path: '/2/users/me', authorization, signal: controller.signal }));
    // The first call holds the one connection once it reached the sandbox: the second waits behind it.
    void abortOnceArrived(controller);

    const started = performance.now();
    const error = await waiting;
    expect(error.message).toBe('The call to X was aborted');
    expect(performance.now() - started).toBeLessThan(500);
    expect((await holding).message).toBe('X did not answer within 1000 ms');
    await single.close();
  });

  it('a GatewayError given as the abort reason is rethrown as it is', async () => {
    sandbox.injectFaults({ type: 'hang' });
    const controller = new AbortController();
    const reason = new RateLimitedError('budget spent', { resetAt: new Date() });
    void abortOnceArrived(controller, 1, reason);

    expect(await failure(meCall(controller.signal))).toBe(reason);
    await expectNextCallSucceeds();
  });

  it('an already aborted signal makes no upstream call', async () => {
    const error = await failure(meCall(AbortSignal.abort()));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(sandbox.requests).toHaveLength(0);
    expect(calls).toHaveLength(1);
  });
});

describe("the operation's deadline, a time budget", () => {
  const withDeadline = (on: UpstreamClient, ms: number) =>
    on.get<{ data: { id: string } }>({
      path: '/2/users/me',
      authorization,
      deadline: { at: performance.now() + ms, ms },
    });

  for (const fault of [{ type: 'hang' }, { type: 'slow-body', delayMs: 8_000 }] as const) {
    it(`ends a call that outlasts it (${fault.type}) at the deadline, not at the client's timeout`, async () => {
      // undici checks its timeouts about every half second: the deadline holds to within that.
      const patient = new UpstreamClient({ baseUrl: sandbox.url, timeoutMs: 10_000 });
      sandbox.injectFaults(fault, 1);
      const started = performance.now();
      const error = await failure(withDeadline(patient, 300));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toBe('The operation did not finish within 300 ms');
      expect(performance.now() - started).toBeLessThan(2_500);
      await patient.close();
      await expectNextCallSucceeds();
    });
  }

  it('a deadline already past makes no upstream call', async () => {
    const error = await failure(
      client.get({ path: '/2/users/me', authorization, deadline: { at: performance.now() - 1, ms: 50 } }),
    );
    expect(error.message).toBe('The operation did not finish within 50 ms');
    expect(sandbox.requests).toHaveLength(0);
  });

  it("a deadline beyond the client's timeout leaves the timeout in charge", async () => {
    sandbox.injectFaults({ type: 'hang' }, 1);
    const error = await failure(withDeadline(client, 60_000));
    expect(error.message).toBe(`X did not answer within ${TIMEOUT_MS} ms`);
  });
});

describe('a closed client', () => {
  it('refuses calls with an UPSTREAM_ERROR and closes only once', async () => {
    const closing = new UpstreamClient({ baseUrl: sandbox.url });
    await closing.get({ path: '/2/users/me', authorization });
    await Promise.all([closing.close(), closing.close()]);

    const error = await failure(closing.get({ path: '/2/users/me', authorization }));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe('The upstream client is closed');
  });

  it('a refused connection is an UPSTREAM_ERROR', async () => {
    const closedSandbox = createSandbox();
    const url = await closedSandbox.listen();
    await closedSandbox.close();
    const nowhere = new UpstreamClient({ baseUrl: url, timeoutMs: TIMEOUT_MS });
    try {
      const error = await failure(nowhere.get({ path: '/2/users/me', authorization }));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toBe('X refused the connection');
    } finally {
      await nowhere.close();
    }
  });
});
