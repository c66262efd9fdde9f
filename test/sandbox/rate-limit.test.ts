import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { get, startSandbox } from './helpers.js';

const TOO_MANY = '{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}';

describe('rate limits, one budget per token and endpoint family', () => {
  let sandbox: Sandbox;
  let other: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: { limit: 3, windowMs: 60_000 } });
    other = sandbox.users[1]!.id;
  });
  beforeEach(() => sandbox.setRateLimit(3, 60_000));
  afterAll(() => sandbox.close());

  const remaining = async (path: string, token?: string) =>
    (await get(sandbox, path, { token })).headers['x-rate-limit-remaining'];

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

  it('shares one bucket among the four DM lookups and answers X 429 body when it is spent', async () => {
    const conversation = sandbox.data.conversations.find((c) => c.participantIds.includes(sandbox.users[0]!.id))!;
    expect([
      await remaining('/2/dm_events'),
      await remaining(`/2/dm_conversations/${conversation.id}/dm_events`),
      await remaining(`/2/dm_conversations/with/${other}/dm_events`),
    ]).toEqual(['2', '1', '0']);
    const refused = await get(sandbox, '/2/dm_events/1');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.text).toBe(TOO_MANY);
    expect(refused.headers['x-rate-limit-remaining']).toBe('0');
    expect(refused.headers['x-rate-limit-limit']).toBe('3');
    expect(refused.headers['x-rate-limit-reset']).toEqual(expect.stringMatching(/^\d+$/));
  });

  it('keeps the DM, users/me, users and posts budgets apart: a spent DM budget stops DM reads only', async () => {
    for (let i = 0; i < 3; i++) await get(sandbox, '/2/dm_events');
    expect((await get(sandbox, '/2/dm_events')).status).toBe(429);
    expect((await get(sandbox, `/2/dm_conversations/with/${other}/dm_events`)).status).toBe(429);
    // The other families each answer from a full bucket of their own, and say so in their headers.
    const users = await get(sandbox, '/2/users', { query: { ids: other } });
    expect(users.status).toBe(200);
    expect(users.body.data[0].id).toBe(other);
    expect(users.headers['x-rate-limit-remaining']).toBe('2');
    expect(await remaining(`/2/users/${other}`)).toBe('1');
    expect(await remaining('/2/users/me')).toBe('2');
    const tweet = sandbox.data.tweets[0]!.id!;
    expect(await remaining(`/2/tweets?ids=${tweet}`)).toBe('2');
    expect(await remaining(`/2/tweets/${tweet}`)).toBe('1');
    // And the other way round: spent lookups leave the DM budget of another token alone.
    const token = sandbox.users[2]!.token;
    for (let i = 0; i < 3; i++) await get(sandbox, '/2/users/me', { token });
    expect((await get(sandbox, '/2/users/me', { token })).status).toBe(429);
    expect(await remaining('/2/dm_events', token)).toBe('2');
  });

  it('counts 400 answers in their family and keeps one bucket per token', async () => {
    await get(sandbox, '/2/dm_events', { query: { max_results: 0 } });
    expect(await remaining('/2/dm_events')).toBe('1');
    expect(await remaining('/2/users/me')).toBe('2');
    expect(await remaining('/2/dm_events', sandbox.users[1]!.token)).toBe('2');
  });

  it('reports the family of the path on an injected 429', async () => {
    sandbox.setRateLimit(7, 60_000, 'posts');
    sandbox.injectFaults({ type: 'status', status: 429 }, 2);
    expect((await get(sandbox, '/2/tweets', { query: { ids: '1' } })).headers['x-rate-limit-limit']).toBe('7');
    expect((await get(sandbox, '/2/users/me')).headers['x-rate-limit-limit']).toBe('3');
  });

  it('refills the bucket when the window ends', async () => {
    sandbox.setRateLimit(1, 150);
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
    expect((await get(sandbox, '/2/users/me')).status).toBe(429);
    // Refused until the 150 ms window ends, then taken again.
    await until('a call taken after the window', async () => (await get(sandbox, '/2/users/me')).status === 200, {
      timeoutMs: 5_000,
      everyMs: 25,
    });
  });

  it('starts over after resetRateLimits() and setRateLimit(), for every family or one', async () => {
    for (let i = 0; i < 3; i++) await get(sandbox, '/2/users/me');
    expect((await get(sandbox, '/2/users/me')).status).toBe(429);
    sandbox.resetRateLimits();
    expect(await remaining('/2/users/me')).toBe('2');
    sandbox.setRateLimit(10, 60_000);
    const answer = await get(sandbox, '/2/users/me');
    expect(answer.headers['x-rate-limit-limit']).toBe('10');
    expect(answer.headers['x-rate-limit-remaining']).toBe('9');

    // One family: its own budget, its buckets emptied, the others untouched.
    await get(sandbox, '/2/dm_events');
    sandbox.setRateLimit(15, 900_000, 'dm-read');
    const dm = await get(sandbox, '/2/dm_events');
    expect([dm.headers['x-rate-limit-limit'], dm.headers['x-rate-limit-remaining']]).toEqual(['15', '14']);
    expect(await remaining('/2/users/me')).toBe('8');
    sandbox.resetRateLimits('users-me');
    expect(await remaining('/2/users/me')).toBe('9');
    expect(await remaining('/2/dm_events')).toBe('13');
    // setRateLimit without a family sets every family again, the single ones included.
    sandbox.setRateLimit(4, 60_000);
    expect((await get(sandbox, '/2/dm_events')).headers['x-rate-limit-limit']).toBe('4');
  });

  it('takes budgets of single families at creation', async () => {
    const custom = await startSandbox({
      rateLimit: { limit: 50, windowMs: 60_000 },
      rateLimits: { 'dm-read': { limit: 15, windowMs: 900_000 } },
    });
    try {
      expect((await get(custom, '/2/dm_events')).headers['x-rate-limit-limit']).toBe('15');
      expect((await get(custom, '/2/users/me')).headers['x-rate-limit-limit']).toBe('50');
    } finally {
      await custom.close();
    }
  });

  it('defaults to 300 requests per 15 minutes in each family', async () => {
    const plain = createSandbox();
    await plain.listen();
    try {
      for (const path of ['/2/users/me', '/2/dm_events']) {
        const answer = await get(plain, path);
        expect(answer.headers['x-rate-limit-limit']).toBe('300');
        expect(answer.headers['x-rate-limit-remaining']).toBe('299');
        const reset = Number(answer.headers['x-rate-limit-reset']) * 1000;
        expect(reset - Date.now()).toBeGreaterThan(14 * 60_000);
        expect(reset - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
      }
    } finally {
      await plain.close();
    }
  });
});
