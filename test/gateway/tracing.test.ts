/**
 * OpenTelemetry traces, received by an OTLP/HTTP receiver in process: a span per operation (continuing the caller's
 * `traceparent`), below it the memory's reads and syncs, and below those a span per call to X with its endpoint (ids
 * folded), status, retries and rate-limit budget; never a token or a message text.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../src/gateway.js';
import { startTracing } from '../../src/observability/tracing.js';
import { useGateway } from '../support/harness.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const receiver = new OtlpReceiver();
const options: Partial<GatewayOptions> = { store: 'memory' };

beforeAll(async () => {
  options.tracing = await startTracing({ endpoint: await receiver.listen(), serviceName: 'x-dm-test' });
});
const h = useGateway({ gateway: options });
afterAll(async () => {
  await options.tracing?.shutdown();
  await receiver.close();
});

/** A W3C trace context of a caller (a router): a new trace id and the caller's span id. */
function traceparent(): { header: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** Runs `query` with `headers`, then exports every span ended so far. */
async function run(query: string, headers: Record<string, string>) {
  const response = await h.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: any; errors?: { extensions?: Record<string, unknown> }[] };
  await options.tracing!.flush();
  return body;
}

function traceOf(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

function only(spans: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `one span ${name}`,
  ).toEqual([name]);
  return found[0]!;
}

describe('traces', () => {
  it('continue the caller trace: the operation, its memory read and sync, and each call to X below them', async () => {
    const me = h.sandbox.users[0]!;
    const caller = traceparent();
    const answer = await run(`query Inbox { dmEvents(first: 3) { nodes { text sender { username } } } }`, {
      authorization: `Bearer ${me.token}`,
      traceparent: caller.header,
    });
    expect(answer.errors).toBeUndefined();
    const spans = traceOf(caller.traceId);

    const operation = only(spans, 'query Inbox');
    expect(operation).toMatchObject({
      parentSpanId: caller.parentId,
      kind: 2,
      resource: { 'service.name': 'x-dm-test' },
    });
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Inbox',
      'xdm.outcome': 'ok',
      'xdm.x.calls': 2,
      'http.request.method': 'POST',
      'url.path': '/graphql',
    });

    const read = only(spans, 'xdm.memory.page');
    expect(read.parentSpanId).toBe(operation.spanId);
    expect(read.attributes).toMatchObject({ 'xdm.memory.result': 'miss', 'xdm.x.calls': 2 });

    const identity = only(spans, 'GET /2/users/me');
    expect(identity).toMatchObject({ parentSpanId: read.spanId, kind: 3 });
    const sync = only(spans, 'xdm.memory.sync');
    expect(sync.parentSpanId).toBe(read.spanId);
    expect(sync.attributes['xdm.x.calls']).toBe(1);

    const page = only(spans, 'GET /2/dm_events');
    expect(page.parentSpanId).toBe(sync.spanId);
    expect(page.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.template': '/2/dm_events',
      'http.response.status_code': 200,
      'http.request.resend_count': 0,
    });
    expect(page.attributes['xdm.rate_limit.remaining']).toEqual(expect.any(Number));
    expect(page.attributes['xdm.rate_limit.limit']).toBe(100_000);
    expect(spans).toHaveLength(5);
  });

  it('show a read memory answered as a hit, with no call below it', async () => {
    const me = h.sandbox.users[0]!;
    const caller = traceparent();
    await run(`query Again { dmEvents(first: 3) { nodes { text } } }`, {
      authorization: `Bearer ${me.token}`,
      traceparent: caller.header,
    });
    const spans = traceOf(caller.traceId);
    expect(spans.map((span) => span.name).sort()).toEqual(['query Again', 'xdm.memory.page']);
    expect(only(spans, 'xdm.memory.page').attributes).toMatchObject({ 'xdm.memory.result': 'hit', 'xdm.x.calls': 0 });
    expect(only(spans, 'query Again').attributes['xdm.x.calls']).toBe(0);
  });

  it('fold ids out of the endpoint, and count retries', async () => {
    const me = h.sandbox.users[0]!;
    // The oldest: the first read of this user kept the newest 100, so this one is a miss.
    const eventId = h.sandbox.visibleEvents(me.id).at(-1)!.id;
    h.sandbox.injectFaults({ type: 'status', status: 503 }, 1);
    const caller = traceparent();
    const answer = await run(`{ dmEvent(eventId: "${eventId}") { restId } }`, {
      authorization: `Bearer ${me.token}`,
      traceparent: caller.header,
    });
    expect(answer.data.dmEvent.restId).toBe(eventId);
    const call = only(traceOf(caller.traceId), 'GET /2/dm_events/:id');
    expect(call.attributes).toMatchObject({
      'url.template': '/2/dm_events/:id',
      'http.response.status_code': 200,
      'http.request.resend_count': 1,
    });
    expect(h.calls().map((c) => c.status)).toEqual([503, 200]);
    expect(only(traceOf(caller.traceId), 'xdm.memory.event').attributes['xdm.memory.result']).toBe('miss');
  });

  it("mark an operation's errors with their codes, and start a trace of their own without a traceparent", async () => {
    const before = new Set(receiver.spans.map((span) => span.traceId));
    const answer = await run(`query NoToken { dmEvents(first: 1) { nodes { text } } }`, {});
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const operation = receiver.spans.find((span) => span.name === 'query NoToken' && !before.has(span.traceId))!;
    expect(operation.parentSpanId).toBeUndefined();
    expect(operation.status).toBe(2);
    expect(operation.attributes).toMatchObject({
      'xdm.outcome': 'error',
      'xdm.error_codes': ['UNAUTHENTICATED'],
      'xdm.x.calls': 0,
    });
  });

  it('a call X refuses is an error span with its status and code', async () => {
    const caller = traceparent();
    await run(`query BadToken { viewer { username } }`, {
      authorization: 'Bearer not-a-sandbox-token',
      traceparent: caller.header,
    });
    const call = only(traceOf(caller.traceId), 'GET /2/users/me');
    expect(call.status).toBe(2);
    expect(call.attributes).toMatchObject({ 'http.response.status_code': 401, 'error.type': 'UNAUTHENTICATED' });
  });

  it('hold no token and no message text', async () => {
    const me = h.sandbox.users[0]!;
    const sent = await run(
      `mutation { sendDm(input: { participantId: "${h.sandbox.users[5]!.id}", text: "a secret only for DMs" }) { event { restId text } } }`,
      { authorization: `Bearer ${me.token}` },
    );
    expect(sent.errors).toBeUndefined();
    const read = await run(`{ dmEvents(first: 20) { nodes { text } } }`, { authorization: `Bearer ${me.token}` });
    const texts = (read.data.dmEvents.nodes as { text: string | null }[])
      .map((node) => node.text)
      .filter((text) => text && text.length > 3);
    expect(texts.length).toBeGreaterThan(5);
    const exported = receiver.bodies.join('\n');
    expect(exported).toContain('mutation anonymous');
    for (const secret of [
      ...h.sandbox.users.map((user) => user.token),
      'not-a-sandbox-token',
      'a secret only for DMs',
      ...texts,
    ]) {
      expect(exported.includes(JSON.stringify(secret!).slice(1, -1)), `exported spans hold ${secret}`).toBe(false);
    }
  });
});
