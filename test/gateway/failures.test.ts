/**
 * X failing in every way the sandbox can: each is UPSTREAM_ERROR (or RATE_LIMITED), the next request succeeds, a
 * hanging X never hangs a client, and broken connections and 502/503/504 are retried inside the deadline.
 */
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../src/sandbox/index.js';
import { useGateway } from '../support/harness.js';

const h = useGateway({ gateway: { upstreamTimeoutMs: 300, operationTimeoutMs: 2_000 } });
const QUERY = '{ dmEvents(first: 2) { nodes { text } } }';

async function expectRecovers(): Promise<void> {
  const next = await h.query(QUERY);
  expect(next.errors).toBeUndefined();
  expect(next.data.dmEvents.nodes).toHaveLength(2);
}

describe('X failing', () => {
  it.each<[string, Fault, number]>([
    ['500', { type: 'status', status: 500 }, 1],
    ['503 on every attempt', { type: 'status', status: 503 }, 3],
    ['an HTML error page on every attempt', { type: 'html' }, 3],
    ['a reset connection on every attempt', { type: 'reset' }, 3],
    ['a body that is not JSON', { type: 'invalid-json' }, 1],
    ['an empty body', { type: 'empty' }, 1],
    ['an oversized body', { type: 'oversized' }, 1],
    ['a slow body', { type: 'slow-body', delayMs: 1_000 }, 1],
    ['no answer at all', { type: 'hang' }, 1],
  ])('%s is UPSTREAM_ERROR, and the next request succeeds', async (_name, fault, times) => {
    h.sandbox.injectFaults(fault, times);
    const answer = await h.query(QUERY);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(answer.data?.dmEvents ?? null).toBeNull();
    expect(h.calls()).toHaveLength(times);
    await expectRecovers();
  });

  it.each<[string, Fault]>([
    ['503', { type: 'status', status: 503 }],
    ['502', { type: 'status', status: 502 }],
    ['504', { type: 'status', status: 504 }],
    ['a reset connection', { type: 'reset' }],
  ])('%s once is retried, and the operation succeeds', async (_name, fault) => {
    h.sandbox.injectFaults(fault, 1);
    const answer = await h.query(QUERY);
    expect(answer.errors).toBeUndefined();
    expect(h.calls()).toHaveLength(2);
  });

  it('a 4xx is never retried', async () => {
    h.sandbox.injectFaults({ type: 'status', status: 429 }, 1);
    const answer = await h.query(QUERY, undefined, h.sandbox.users[9]!.token);
    expect(answer.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(h.calls()).toHaveLength(1);
  });
});

describe('the operation deadline', () => {
  const slow = useGateway({ gateway: { upstreamTimeoutMs: 10_000, operationTimeoutMs: 500 } });

  it('ends a call X never answers, long before the per-call timeout', async () => {
    slow.sandbox.injectFaults({ type: 'hang' }, 1);
    const started = performance.now();
    const answer = await slow.query(QUERY);
    expect(answer.errors?.[0]).toMatchObject({
      message: 'The operation did not finish within 500 ms',
      extensions: { code: 'UPSTREAM_ERROR' },
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await slow.query(QUERY)).errors).toBeUndefined();
  });
});
