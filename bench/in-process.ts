/**
 * `npm run bench:in-process`: the gateway's CPU per request for the arm-C operation, with no HTTP on either side, for
 * before/after pairs steadier than the full benchmark. The page comes from the sandbox once and is served from memory.
 *
 *   JIT=0 npm run bench:in-process      # graphql-js instead of graphql-jit
 *   SIZES=1,100 ITERATIONS=300 npm run bench:in-process
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createGateway } from '../src/gateway.js';
import { createSandbox } from '../src/sandbox/index.js';
import type { UpstreamTransport } from '../src/upstream/client.js';

const OPERATION = readFileSync(new URL('operations/everything.graphql', import.meta.url), 'utf8');
const sizes = (process.env.SIZES ?? '1,10,100').split(',').map(Number);
const iterations = Number(process.env.ITERATIONS ?? 400);
const headers = { 'content-type': 'application/json', authorization: 'Bearer sandbox-token' };

const sandbox = createSandbox({ mainToken: 'sandbox-token' });
const sandboxUrl = await sandbox.listen();

for (const size of sizes) {
  const body = JSON.stringify({ query: OPERATION, variables: { first: size } });
  // The page X would answer, fetched once through the sandbox.
  const capture = createGateway({ upstream: sandboxUrl, store: 'off', logger: pino({ level: 'silent' }) });
  await capture.fetch('http://gateway/graphql', { method: 'POST', headers, body });
  await capture.close();
  const call = sandbox.requests.at(-1)!;
  const page = await (await fetch(`${sandboxUrl}${call.path}?${new URLSearchParams(call.query)}`, { headers })).text();
  const resetAt = new Date(Date.now() + 900_000);
  const transport: UpstreamTransport = {
    get: async <T,>() => ({ status: 200, body: JSON.parse(page) as T, rateLimit: { limit: 300, remaining: 299, resetAt } }),
  };
  const gateway = createGateway({
    upstream: transport,
    store: 'off',
    maxUpstreamRequests: 1000,
    jit: process.env.JIT !== '0',
    logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }, { write: () => {} }),
  });
  const once = async () => (await gateway.fetch('http://gateway/graphql', { method: 'POST', headers, body })).text();
  for (let i = 0; i < 200; i++) await once(); // warm-up: compile, optimise
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await once();
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000 / iterations;
  console.log(`${String(size).padStart(3)} events: ${ms.toFixed(3)} ms CPU per request (jit ${process.env.JIT !== '0' ? 'on' : 'off'})`);
  await gateway.close();
}
await sandbox.close();
