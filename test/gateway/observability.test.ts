/**
 * Observability: one structured log line per request (request id, operation, duration, outcome, error codes, the
 * calls made to X), `/health`, `/ready` and Prometheus `/metrics`; no token and no message text anywhere in them.
 */
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { pino } from 'pino';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { observability } from '../../src/observability/plugin.js';
import { useGateway } from '../support/harness.js';

const h = useGateway();

async function get(path: string, gateway = h.gateway) {
  const response = await gateway.fetch(`http://gateway.test${path}`);
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

describe('request logs', () => {
  it('say who asked for what, what it cost upstream and how long it took, without tokens or texts', async () => {
    const response = await h.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${h.sandbox.users[0]!.token}`,
        'x-request-id': 'req-42',
      },
      body: JSON.stringify({
        query: 'query InboxTest { dmEvents(first: 3) { nodes { text sender { pinnedTweet { text } } } } }',
        operationName: 'InboxTest',
      }),
    });
    expect(response.headers.get('x-request-id')).toBe('req-42');
    const body = (await response.json()) as { data: { dmEvents: { nodes: { text: string }[] } } };
    const line = h.logLines().find((entry) => entry.requestId === 'req-42')!;
    expect(line).toMatchObject({ msg: 'graphql request', operation: 'InboxTest', outcome: 'ok' });
    expect(line.durationMs).toBeGreaterThan(0);
    // In spec 2.167 a pinned post's id comes only with a users lookup's expansion: the senders are looked up.
    expect(line.upstream).toEqual([
      { endpoint: '/2/dm_events', status: 200, ms: expect.any(Number) },
      { endpoint: '/2/users', status: 200, ms: expect.any(Number) },
    ]);
    const raw = JSON.stringify(line);
    for (const node of body.data.dmEvents.nodes) if (node.text) expect(raw).not.toContain(node.text);
    expect(raw).not.toContain(h.sandbox.users[0]!.token);
  });

  it('name the error codes of a failed request, and fold ids out of endpoints', async () => {
    h.sandbox.injectFaults({ type: 'status', status: 500 });
    const conversation = h.sandbox.data.conversations.find((c) => c.participantIds.includes(h.sandbox.users[0]!.id))!;
    await h.query(`{ dmConversation(conversationId: "${conversation.id}") { events { nodes { text } } } }`);
    const line = h.logLines().at(-1)!;
    expect(line).toMatchObject({ outcome: 'error', errors: ['UPSTREAM_ERROR'] });
    expect(line.upstream).toEqual([
      { endpoint: '/2/dm_conversations/:id/dm_events', status: 500, ms: expect.any(Number) },
    ]);
  });
});

describe('health, readiness and metrics', () => {
  it('/health answers while the process is alive', async () => {
    expect((await get('/health')).status).toBe(200);
  });

  it('/ready answers 200 when X answers, 503 when it cannot be reached', async () => {
    expect((await get('/ready')).status).toBe(200);
    const cut = createGateway({
      upstream: 'http://127.0.0.1:9',
      upstreamTimeoutMs: 500,
      retries: 0,
      logger: undefined,
    });
    try {
      expect((await get('/ready', cut)).status).toBe(503);
    } finally {
      await cut.close();
    }
  });

  it('/metrics counts operations, errors, upstream calls, their latency and the last rate-limit budget', async () => {
    await h.query('query MetricsProbe { dmEvents(first: 1) { nodes { text } } }');
    await h.query('{ dmEvent(eventId: "12a") { text } }');
    const { status, text, type } = await get('/metrics');
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(text).toContain('gateway_operations_total{operation="MetricsProbe",outcome="ok"} 1');
    expect(text).toMatch(/gateway_errors_total\{code="BAD_USER_INPUT"\} \d+/);
    expect(text).toMatch(/gateway_upstream_requests_total\{endpoint="\/2\/dm_events",status="200"\} \d+/);
    expect(text).toMatch(/gateway_upstream_request_duration_seconds_bucket\{le="0.1",endpoint="\/2\/dm_events"\} \d+/);
    expect(text).toMatch(/gateway_upstream_rate_limit_remaining \d+/);
    expect(text).not.toContain('sandbox-token');
  });
});

describe('the plugin on the request path', () => {
  it('records a GraphQL request without a promise: a hook that returns one makes yoga await it on every request', () => {
    const plugin = observability({
      logger: pino({ level: 'silent' }),
      metrics: new GatewayMetrics({ processMetrics: false }),
      transport: { get: () => Promise.reject(new Error('not called')) },
    });
    const request = new Request('http://gateway.test/graphql', { method: 'POST' });
    const hook = plugin.onRequest as (payload: object) => unknown;
    const endResponse = () => expect.unreachable('a GraphQL request is not answered by the plugin');
    expect(hook({ request, url: new URL(request.url), endResponse, fetchAPI: globalThis })).toBeUndefined();
  });
});
