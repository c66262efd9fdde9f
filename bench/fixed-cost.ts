/**
 * `npm run bench:fixed-cost`: where the cost of a small answer goes, the gateway (C) against the reference (E). Both
 * servers answer three operations over HTTP at c=32, loaded in turn for several rounds (alternating which goes first):
 *
 * - `typename`: `{ __typename }`, no call to X: what a request costs through yoga, the plugins, the context, the log
 *   line and the metrics;
 * - `small`: one event's text, one call to X (the fixed upstream's 1-event page, 7.4 kB, parsed whole by both);
 * - `everything`: the benchmark's operation over the same page.
 *
 * `small` minus `typename` is what one call to X costs each server: asking, reading and parsing the page, and the
 * bookkeeping around it. Each figure is also split into the main thread's part (JavaScript) and the rest (the
 * collector's helper threads, libuv's thread pool), where Linux's `/proc` tells.
 *
 *   npm run bench:fixed-cost
 *   OPS=typename,small ROUNDS=9 npm run bench:fixed-cost
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `OPS` | which of `typename`, `small`, `everything` | all three |
 * | `ROUNDS` | timed runs per server and operation | 5 |
 * | `SECS` | seconds per timed run, after a warm-up of 2 s per server and operation | 3 |
 */
import { requestFor } from './lib/arms.js';
import { alternatingRuns, median, timedRun } from './lib/harness.js';
import { startChild } from './lib/processes.js';

const everything = requestFor('C', 1);
const operations = {
  typename: { ...everything, body: JSON.stringify({ query: '{ __typename }' }) },
  small: { ...everything, body: JSON.stringify({ query: 'query Small { dmEvents(first: 1) { nodes { text } } }' }) },
  everything,
};
type Operation = keyof typeof operations;
const chosen = (process.env.OPS?.split(',') ?? Object.keys(operations)) as Operation[];
for (const name of chosen) if (!(name in operations)) throw new Error(`OPS: no operation ${name}`);
const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECS ?? 3);

const upstream = await startChild('upstream');
const servers = { C: await startChild('gateway', [upstream.url]), E: await startChild('reference', [upstream.url]) };
const cpu: Partial<Record<Operation, { C: number; E: number }>> = {};

try {
  for (const name of chosen) {
    const request = operations[name];
    for (const server of Object.values(servers)) await timedRun(server, upstream, request, 32, 2);
    const main: Record<'C' | 'E', number[]> = { C: [], E: [] };
    const runs = await alternatingRuns(servers, upstream, request, rounds, seconds, (server, run) => {
      if (run.mainThreadCpuMsPerRequest !== undefined) main[server].push(run.mainThreadCpuMsPerRequest);
    });
    cpu[name] = { C: median(runs.C), E: median(runs.E) };
    const { C, E } = cpu[name];
    console.log(`${name.padEnd(10)} C ${C.toFixed(3)} ms, E ${E.toFixed(3)} ms, C-E ${((C - E) * 1000).toFixed(0)} µs, C/E ${(C / E).toFixed(2)}`);
    if (main.C.length === rounds && main.E.length === rounds) {
      const split = (arm: 'C' | 'E') => `${median(main[arm]).toFixed(3)} ms on the main thread, ${(median(runs[arm]) - median(main[arm])).toFixed(3)} ms off it`;
      console.log(`${''.padEnd(10)} C ${split('C')}; E ${split('E')}`);
    }
  }
  const { typename, small } = cpu;
  if (typename && small) {
    const call = (arm: 'C' | 'E') => ((small[arm] - typename[arm]) * 1000).toFixed(0);
    console.log(`one call to X (small - typename): C ${call('C')} µs, E ${call('E')} µs`);
  }
} finally {
  await Promise.all([...Object.values(servers), upstream].map((server) => server.stop()));
}
