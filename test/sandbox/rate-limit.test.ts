import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { get, startSandbox } from './helpers.js';

const TOO_MANY = '{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}';

describe('rate limits', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: { limit: 3, windowMs: 60_000 } });
  });
  beforeEach(() => sandbox.setRateLimit(3, 60_000));
  afterAll(() => sandbox.close());

  it('sends limit, remaining and reset (Unix seconds of the window end) on every authenticated answer', async () => {
    const before = Date.now();
    const answer = await get(sandbox, '/2/dm_events', { query: { max_results: 1 } });
    expect(answer.headers['x-rate-limit-limit']).toBe('3');
    expect(answer.headers['x-rate-limit-remaining']).toBe('2');
    const reset = Number(answer.headers['x-rate-limit-reset']);
    expect(Number.isInteger(reset)).toBe(true);
    expect(reset).toBeGreaterThanOrEqual(Math.floor((before + 60_000) / 1000));
    expect(reset).toBeLessThanOrEqual(Math.ceil((Date.now() + 60_000) / 1000));
  });

  it('shares one bucket across endpoints and answers X 429 body when it is spent', async () => {
    const remaining = [];
    for (const path of ['/2/dm_events', '/2/users/me', '/2/dm_events/1']) {
      remaining.push((await get(sandbox, path)).headers['x-rate-limit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await get(sandbox, '/2/tweets', { query: { ids: '1' } });
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.text).toBe(TOO_MANY);
    expect(refused.headers['x-rate-limit-remaining']).toBe('0');
    expect(refused.headers['x-rate-limit-limit']).toBe('3');
    expect(refused.headers['x-rate-limit-reset']).toEqual(expect.stringMatching(/^\d+$/));
  });

  it('counts 400 answers and keeps one bucket per token', async () => {
    await get(sandbox, '/2/dm_events', { query: { max_results: 0 } });
    expect((await get(sandbox, '/2/users/me')).headers['x-rate-limit-remaining']).toBe('1');
    expect((await get(sandbox, '/2/users/me', { token: sandbox.users[1]!.token })).headers['x-rate-limit-remaining']).toBe('2');
  });

  it('refills the bucket when the window ends', async () => {
    sandbox.setRateLimit(1, 150);
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
    expect((await get(sandbox, '/2/users/me')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
  });

  it('starts over after resetRateLimits() and setRateLimit()', async () => {
    for (let i = 0; i < 3; i++) await get(sandbox, '/2/users/me');
    expect((await get(sandbox, '/2/users/me')).status).toBe(429);
    sandbox.resetRateLimits();
    expect((await get(sandbox, '/2/users/me')).headers['x-rate-limit-remaining']).toBe('2');
    sandbox.setRateLimit(10, 60_000);
    const answer = await get(sandbox, '/2/users/me');
    expect(answer.headers['x-rate-limit-limit']).toBe('10');
    expect(answer.headers['x-rate-limit-remaining']).toBe('9');
  });

  it('defaults to 300 requests per 15 minutes', async () => {
    const { createSandbox } = await import('../../src/sandbox/index.js');
    const plain = createSandbox();
    await plain.listen();
    try {
      const answer = await get(plain, '/2/users/me');
      expect(answer.headers['x-rate-limit-limit']).toBe('300');
      const reset = Number(answer.headers['x-rate-limit-reset']) * 1000;
      expect(reset - Date.now()).toBeGreaterThan(14 * 60_000);
      expect(reset - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
    } finally {
      await plain.close();
    }
  });
});
