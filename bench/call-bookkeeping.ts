/**
 * `npm run bench:call-bookkeeping`: the gateway's own bookkeeping per request and per call to X, in one process. First
 * with no I/O: an X session (with the rate-limit book, the call limit, the deadline, the dialect and metrics, as
 * `createGateway` makes it) makes the benchmark operation's call through the retrying layer to a transport that answers
 * at once; the report is the median CPU µs per call of 7 rounds of 20,000 calls, beside the same transport called bare,
 * and the dialect's translation of the call's parameters (`toWire`) on its own. It also times the V8 cliff the call
 * path avoids: an object literal that starts with a spread and goes on (`{ ...a, b }`) against one that starts with the
 * property (`{ b, ...a }`), and a request's log line written to `/dev/null` with the gateway's logger (lines in
 * batches) against one write per line, each line then a turn of the event loop as between answers. Then the operation
 * checks (`src/plugins/operation-checks.ts`) of a request seen before, for the benchmark operation.
 *
 * Last, one call over real HTTP (the benchmark's fixed upstream in a child process, its 1-event page of 7.4 kB): the
 * gateway's `UpstreamClient.get` against undici's `request` and `body.json()` as the reference server calls X, CPU µs
 * per call of this process only (asking, reading and parsing the page), with 32 calls in flight: the median of 7 rounds
 * of `HTTP_MS` each, the two ways alternating.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `CALLS` | calls per round | 20000 |
 * | `HTTP_MS` | milliseconds per round over HTTP | 1500 |
 */
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { destination, pino } from 'pino';
import { Pool } from 'undici';
import { defaultLogger } from '../src/observability/logger.js';
import { GatewayMetrics } from '../src/observability/metrics.js';
import { operationChecks } from '../src/plugins/operation-checks.js';
import { schema } from '../src/schema/index.js';
import { typeOfGlobalId } from '../src/schema/node.js';
import { RateLimitBook } from '../src/upstream/rate-limit-book.js';
import { RetryingTransport } from '../src/upstream/retry.js';
import { UpstreamClient, type UpstreamTransport } from '../src/upstream/client.js';
import { XSession, type XSessionOptions } from '../src/upstream/session.js';
import type { XParams } from '../src/x/params.js';
import { dialectOf } from '../src/x/dialect.js';
import { cpuMicrosPerCall, median } from './lib/harness.js';
import { BENCH_AUTHORIZATION } from './lib/pages.js';
import { EVERYTHING_PARAMS } from './lib/arms.js';
import { startChild } from './lib/processes.js';
import { REFERENCE_QUERY } from './lib/reference.js';

const calls = Number(process.env.CALLS ?? 20_000);
const answer = {
  status: 200,
  body: { data: [] },
  rateLimit: { limit: 300, remaining: 299, resetAt: new Date(Date.now() + 900_000) },
};
const bare: UpstreamTransport = {
  get: <T>() => Promise.resolve(answer as { status: number; body: T; rateLimit: typeof answer.rateLimit }),
};
const metrics = new GatewayMetrics({ processMetrics: false });
const options: XSessionOptions = {
  dialect: dialectOf('tweets'),
  budgets: new RateLimitBook(),
  maxCalls: 1000,
  deadlineMs: 30_000,
  onCall: (call, rateLimit) => metrics.recordCall(call, rateLimit),
};
// The benchmark operation's field parameters: one object, the same on every call, as a plan's are.
const params: XParams = { ...EVERYTHING_PARAMS };
const transport = new RetryingTransport(bare, {});

const perCall = (call: () => unknown) => cpuMicrosPerCall(call, calls);

const session = await perCall(() =>
  new XSession(transport, BENCH_AUTHORIZATION, options).getShared('/2/dm_events', { max_results: '1' }, params),
);
const alone = await perCall(() => bare.get({ path: '/2/dm_events', authorization: BENCH_AUTHORIZATION }));
const translation = await perCall(() =>
  options.dialect!.toWire('dm_event', Object.assign({ max_results: '1' }, params)),
);
console.log(`one call through a new X session: ${session.toFixed(2)} µs; the transport alone: ${alone.toFixed(2)} µs`);
console.log(`toWire of the call's parameters: ${translation.toFixed(2)} µs`);

const source: Record<string, string> = { ...EVERYTHING_PARAMS };
const spreadFirst = await perCall(() => ({ ...source, max_results: '1' }));
const propertyFirst = await perCall(() => ({ max_results: '1', ...source }));
console.log(`{ ...a, b }: ${spreadFirst.toFixed(3)} µs; { b, ...a }: ${propertyFirst.toFixed(3)} µs`);

// The observability plugin's line for one call to X.
const line = {
  requestId: '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b',
  operation: 'Everything',
  durationMs: 1.2,
  outcome: 'ok',
  upstream: [{ endpoint: '/2/dm_events', status: 200, ms: 0.8 }],
};
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const eachLine = pino({ level: 'info' }, destination({ dest: '/dev/null', sync: false }));
const batched = defaultLogger('/dev/null');
batched.level = 'info';
const unbatchedLine = await perCall(async () => (eachLine.info(line, 'graphql request'), await turn()));
const batchedLine = await perCall(async () => (batched.info(line, 'graphql request'), await turn()));
const noLine = await perCall(turn);
console.log(
  `a log line and a turn: ${batchedLine.toFixed(2)} µs in batches, ${unbatchedLine.toFixed(2)} µs one write each; the turn alone ${noLine.toFixed(2)} µs`,
);

// The operation checks (variables and the cost estimate) of a request seen before: the benchmark's operation.
const checks = operationChecks(1000, typeOfGlobalId, dialectOf('tweets')).onExecute as (payload: unknown) => void;
const document = parse(readFileSync(new URL('operations/everything.graphql', import.meta.url), 'utf8'));
const checkArgs = { schema, document, variableValues: { first: 1 }, contextValue: { x: { plannedCalls: 0 } } };
const stop = () => {
  throw new Error('the benchmark operation was refused');
};
const checked = await perCall(() => checks({ args: checkArgs, setResultAndStopExecution: stop }));
console.log(`the operation checks of a request seen before: ${checked.toFixed(2)} µs`);

// One call over HTTP to the fixed upstream's 1-event page: the gateway's client against the reference's way.
const upstream = await startChild('upstream');
const client = new UpstreamClient({ baseUrl: upstream.url });
const pool = new Pool(upstream.url, { connections: 32, pipelining: 1 });
const [path, query] = `${REFERENCE_QUERY}1`.split('?') as [string, string];
const queryParams = Object.fromEntries(new URLSearchParams(query));
const httpWays = {
  client: () => client.get({ path, query: queryParams, authorization: BENCH_AUTHORIZATION }),
  request: async () => {
    const response = await pool.request({
      method: 'GET',
      path: `${path}?${query}`,
      headers: { accept: 'application/json', authorization: BENCH_AUTHORIZATION },
    });
    return response.body.json();
  },
};
/** CPU µs per call with 32 calls in flight for `ms`. */
async function inFlight(call: () => Promise<unknown>, ms: number): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < until) {
        await call();
        done++;
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / done;
}
const httpMs = Number(process.env.HTTP_MS ?? 1_500);
for (const call of Object.values(httpWays)) await inFlight(call, httpMs);
const rounds: Record<keyof typeof httpWays, number[]> = { client: [], request: [] };
for (let round = 0; round < 7; round++) {
  for (const [way, call] of Object.entries(httpWays))
    rounds[way as keyof typeof httpWays].push(await inFlight(call, httpMs));
}
console.log(
  `one call over HTTP (the 1-event page, 32 in flight): ${median(rounds.client).toFixed(1)} µs through UpstreamClient, ${median(rounds.request).toFixed(1)} µs with undici's request and body.json()`,
);
await Promise.all([client.close(), pool.close(), upstream.stop()]);
