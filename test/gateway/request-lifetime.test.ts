/**
 * A request's data dies with the request. Nothing the gateway keeps between requests may hold on to a finished
 * request's context (X's page, the loaders, the session): V8's young-generation collector would copy it into the old
 * space, where only a full collection frees it, and under load the gateway would spend its CPU on full collections.
 *
 * Measured with V8's sampling heap profiler, which can leave out what young-generation collections free: requests
 * one after the other, each followed by two young-generation collections (an object that survives two is promoted),
 * and what is left of the samples whose allocation the gateway's own code made.
 */
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, createGateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;

interface SampledNode {
  callFrame: { url: string };
  selfSize: number;
  children: SampledNode[];
}

/** Bytes of the samples allocated with a frame of the gateway's own code (the sandbox aside) on the stack. */
function gatewayBytes(node: SampledNode, underGateway = false): number {
  const { url } = node.callFrame;
  const mine = underGateway || (url.includes('/src/') && !url.includes('/src/sandbox/'));
  return (mine ? node.selfSize : 0) + node.children.reduce((sum, child) => sum + gatewayBytes(child, mine), 0);
}

let sandbox: Sandbox;
let gateway: Gateway;
beforeAll(async () => {
  sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 } });
  gateway = createGateway({
    upstream: await sandbox.listen(),
    cursorSecret: 'test-secret',
    store: 'off',
    logger: pino({ level: 'info' }, { write: () => {} }),
  });
});
afterAll(async () => {
  await gateway?.close();
  await sandbox?.close();
});

const QUERY = `{ dmEvents(first: 20) { edges { cursor node { id text createdAt eventType sender { id name username }
  participants { id name } attachments { media { mediaKey type url } } referencedTweets { id text } } }
  pageInfo { hasNextPage endCursor } } }`;

/** One operation over 20 events; resolves once the answer is read whole, keeping none of it. */
async function request(): Promise<number> {
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.users[0]!.token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const edges =
    ((await response.json()) as { data?: { dmEvents: { edges: unknown[] } } }).data?.dmEvents.edges.length ?? 0;
  sandbox.clearRequests();
  return edges;
}

describe('a finished request', () => {
  it('leaves nothing of the gateway for the young-generation collector to promote', { timeout: 60_000 }, async () => {
    // Warm up: compiled code, the schema's caches and the memos fill once.
    for (let i = 0; i < 50; i++) await request();
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    });
    const requests = 100;
    let edges = 0;
    for (let i = 0; i < requests; i++) {
      edges += await request();
      await new Promise((resolve) => setImmediate(resolve));
      gc({ type: 'minor' });
      gc({ type: 'minor' });
    }
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SampledNode } };
    session.disconnect();
    expect(edges).toBe(20 * requests);
    // A request record kept past its answer (and with it the context, X's page, the loaders) left about 16 kB per
    // request here. What remains is state the gateway keeps on purpose, replaced as it goes: the token's latest rate
    // limit, the metrics' label values, the request's abort signal, the timers' lists; about 2.5 kB.
    expect(gatewayBytes(profile.head) / requests).toBeLessThan(6 * 1024);
  });
});
