/**
 * Arm C: the gateway, as `npm start` serves it (`createServer(gateway.requestListener)`), pointed at the fixed upstream, which
 * serves pages in the tweets dialect of spec 2.159 (as Mesh's arm reads them). Without memory: every request is one
 * call to X. The call limit is raised so a cost estimate never refuses a benchmark operation.
 */
import { createServer } from 'node:http';
import { createGateway } from '../../src/gateway.js';
import { admissionEnv, runChild, upstreamArg } from './child.js';

// BENCH_JIT=0 runs graphql-js instead of graphql-jit, to measure what the compiler buys.
const gateway = createGateway({
  upstream: upstreamArg(),
  dialect: 'tweets',
  store: 'off',
  maxUpstreamRequests: 1000,
  jit: process.env.BENCH_JIT !== '0',
  ...admissionEnv(),
});
const server = createServer(gateway.requestListener);

await runChild(server, { close: () => gateway.close() });
