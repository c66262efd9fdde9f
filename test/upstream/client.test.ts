import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/sandbox/index.js';
import {
  BadUserInputError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  type GatewayError,
} from '../../src/errors.js';
import { UpstreamClient, type UpstreamCall } from '../../src/upstream/client.js';
import { expectNoSecret } from './secrets.js';

const sandbox = createSandbox();
let client: UpstreamClient;
let calls: UpstreamCall[];
let token: string;
let authorization: string;

beforeAll(async () => {
  const baseUrl = await sandbox.listen();
  client = new UpstreamClient({ baseUrl, onCall: (call) => calls.push(call) });
  token = sandbox.users[0]!.token;
  authorization = `Bearer ${token}`;
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

/** The rejection of `promise`, which must reject. */
async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(Error);
  return error as GatewayError;
}

describe('a successful call', () => {
  it('resolves with the parsed body, the status and a typed rate limit', async () => {
    const response = await client.get<{ data: { id: string; username: string } }>({
      path: '/2/users/me',
      authorization,
    });

    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ id: sandbox.users[0]!.id, username: sandbox.users[0]!.username });
    expect(response.rateLimit).toEqual({
      limit: expect.any(Number),
      remaining: expect.any(Number),
      resetAt: expect.any(Date),
    });
    expect(response.rateLimit!.remaining).toBeLessThan(response.rateLimit!.limit);
    expect(response.rateLimit!.resetAt.getTime()).toBeGreaterThan(Date.now() - 1000);
  });

  it('forwards the Authorization header unchanged', async () => {
    await client.get({ path: '/2/users/me', authorization });

    expect(sandbox.requests).toHaveLength(1);
    expect(sandbox.requests[0]).toMatchObject({ method: 'GET', path: '/2/users/me', authorization, status: 200 });
  });

  it('URL-encodes query values and leaves out undefined ones', async () => {
    const odd = 'a b&c=d+e/é?#%,';
    await client
      .get({
        path: '/2/dm_events',
        query: { 'dm_event.fields': 'id,text,created_at', max_results: '5', pagination_token: undefined, odd },
        authorization,
      })
      // The sandbox may refuse the unknown parameter, like X; only what it received matters here.
      .catch(() => undefined);

    expect(sandbox.requests[0]!.query).toEqual({ 'dm_event.fields': 'id,text,created_at', max_results: '5', odd });
  });

  it('reads a DM page', async () => {
    const response = await client.get<{ data: { id: string }[]; meta: { result_count: number } }>({
      path: '/2/dm_events',
      query: { max_results: '3' },
      authorization,
    });

    expect(response.body.data).toHaveLength(3);
    expect(response.body.meta.result_count).toBe(3);
  });
});

describe("X's refusals, each to its class and code", () => {
  it('no token: 401 -> UNAUTHENTICATED', async () => {
    const error = await failure(client.get({ path: '/2/users/me', authorization: '' }));

    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(sandbox.requests[0]).toMatchObject({ status: 401, authorization: undefined });
  });

  it('an unknown token: 401 -> UNAUTHENTICATED with X problem', async () => {
    const error = await failure(client.get({ path: '/2/dm_events', authorization: 'Bearer not-a-token' }));

    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.problem).toMatchObject({ title: 'Unauthorized' });
    expectNoSecret(error, 'not-a-token');
  });

  it('an app-only token: 403 -> FORBIDDEN with X problem type', async () => {
    const appOnly = sandbox.appOnlyToken;
    const error = await failure(client.get({ path: '/2/dm_events', authorization: `Bearer ${appOnly}` }));

    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('FORBIDDEN');
    expect(error.problem?.type).toMatch(/\/2\/problems\/unsupported-authentication$/);
    expect(error.problem?.detail).toMatch(/Application-Only/);
    expectNoSecret(error, appOnly);
  });

  it("an argument X rejects: 400 -> BAD_USER_INPUT with X's message", async () => {
    const error = await failure(client.get({ path: '/2/dm_events', query: { max_results: '1000' }, authorization }));

    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.problem?.type).toMatch(/\/2\/problems\/invalid-request$/);
    expect(error.message).toMatch(/max_results/);
    expect((error as BadUserInputError).argument).toBe('max_results');
  });

  it('a path X does not know: 404 -> NOT_FOUND', async () => {
    const error = await failure(client.get({ path: '/2/no_such_endpoint', authorization }));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('NOT_FOUND');
  });

  it("a 200 that carries only X's errors resolves: the caller decides what a partial error means", async () => {
    const response = await client.get<{ errors: { type: string }[] }>({ path: '/2/dm_events/1', authorization });

    expect(response.status).toBe(200);
    expect(response.body.errors[0]!.type).toMatch(/resource-not-found$/);
  });

  it('a spent budget: 429 -> RATE_LIMITED with resetAt from x-rate-limit-reset', async () => {
    sandbox.setRateLimit(2, 60_000);
    try {
      await client.get({ path: '/2/users/me', authorization });
      const last = await client.get({ path: '/2/users/me', authorization });
      expect(last.rateLimit).toMatchObject({ limit: 2, remaining: 0 });

      const error = await failure(client.get({ path: '/2/users/me', authorization }));

      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error.code).toBe('RATE_LIMITED');
      const { resetAt } = error as RateLimitedError;
      expect(resetAt).toEqual(last.rateLimit!.resetAt);
      expect(resetAt!.getTime()).toBeGreaterThan(Date.now());
      expect(error.extensions()).toMatchObject({ resetAt: resetAt!.toISOString() });
      expect(calls.at(-1)).toMatchObject({ status: 429, rateLimit: { limit: 2, remaining: 0, resetAt } });
    } finally {
      sandbox.setRateLimit(300, 15 * 60_000);
    }
  });
});

describe('onCall', () => {
  it('reports path, status, duration and rate limit of each call, and never the token', async () => {
    await client.get({ path: '/2/users/me', authorization });
    await client.get({ path: '/2/dm_events', query: { max_results: '1000' }, authorization }).catch(() => undefined);

    expect(calls).toEqual([
      {
        method: 'GET',
        path: '/2/users/me',
        status: 200,
        durationMs: expect.any(Number),
        rateLimit: expect.objectContaining({ limit: expect.any(Number) }),
      },
      {
        method: 'GET',
        path: '/2/dm_events',
        status: 400,
        durationMs: expect.any(Number),
        rateLimit: expect.anything(),
        error: expect.any(BadUserInputError),
      },
    ]);
    expect(calls[0]!.durationMs).toBeGreaterThan(0);
    expectNoSecret(calls, token);
  });

  it('a throwing onCall does not break the call', async () => {
    const fragile = new UpstreamClient({
      baseUrl: sandbox.url,
      onCall: () => {
        throw new Error('logger down');
      },
    });
    try {
      await expect(fragile.get({ path: '/2/users/me', authorization })).resolves.toMatchObject({ status: 200 });
    } finally {
      await fragile.close();
    }
  });
});
