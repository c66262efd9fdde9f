/**
 * Arm F: the gateway answering from its memory. The same gateway as arm C, with `store: 'memory'` and a freshness
 * window longer than any run, so the first operation per page size syncs the page from the fixed upstream and every
 * later one is served from this process's memory with no call to X (the harness counts upstream calls per operation).
 * Answers from memory carry `extensions.freshness`; their `data` is checked against arm C's.
 */
import { createServer } from 'node:http';
import { createGateway } from '../../src/gateway.js';
import { BENCH_NOW } from '../lib/pages.js';
import { admissionEnv, runChild, upstreamArg } from './child.js';

// The memory keeps X's 30-day window: its clock runs from the demo data's "now", so the pages' events are in it.
const startedAt = Date.now();

const gateway = createGateway({
  upstream: upstreamArg(),
  dialect: 'tweets',
  store: 'memory',
  freshnessMs: 3_600_000,
  now: () => BENCH_NOW.getTime() + (Date.now() - startedAt),
  maxUpstreamRequests: 1000,
  jit: process.env.BENCH_JIT !== '0',
  ...admissionEnv(),
});
const server = createServer(gateway.requestListener);

await runChild(server, { close: () => gateway.close() });
