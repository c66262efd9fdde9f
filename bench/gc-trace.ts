/**
 * `npm run bench:gc`: what each server's garbage collector does under the benchmark's load, read from V8's own trace
 * (`--trace-gc-nvp`): the bytes each request leaves to be promoted to the old space, the young-generation
 * collections (scavenges) and their pause, the full collections, and the server's RSS at rest (once ready) and at
 * its peak while traced, with V8's heap and the memory it tracks outside the heap (`external`: buffers) at that peak.
 * The servers run with the node flags `npm run bench` gives them (the gateway's children with `npm start`'s heap policy, or
 * `BENCH_GATEWAY_NODE_FLAGS`; the reference with node's own), logging at `warn` so that their standard output is the
 * trace alone.
 *
 *   npm run bench:gc
 *   ARMS=CE SIZE=100 CONNECTIONS=1 npm run bench:gc
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `ARMS` | which of C (the gateway calling X), E (the reference), F (the gateway from memory) | `CEF` |
 * | `SIZE` | the page size: 1, 10 or 100 events | 1 |
 * | `CASE` | the query: `everything` or `app` (`bench/operations/`) | `everything` |
 * | `CONNECTIONS` | requests in flight | 32 |
 * | `SECS` | seconds traced, after a warm-up of 3 s | 8 |
 * | `QUIET_S` | after the warm-up, 3 s at c=1 and then this many seconds idle before the trace: load after a quiet spell | none |
 */
import { execFileSync } from 'node:child_process';
import { ALL_CASES, type ArmId, type CaseName, requestFor } from './lib/arms.js';
import { load } from './lib/load.js';
import { type ChildName, startChild } from './lib/processes.js';

const CHILD_OF: Partial<Record<ArmId, ChildName>> = { C: 'gateway', E: 'reference', F: 'gateway-memory' };
const arms = [...(process.env.ARMS ?? 'CEF').toUpperCase()] as ArmId[];
for (const arm of arms) if (!CHILD_OF[arm]) throw new Error(`ARMS: no arm ${arm} here (C, E or F)`);
const size = Number(process.env.SIZE ?? 1);
const benchCase = (process.env.CASE ?? 'everything') as CaseName;
if (!ALL_CASES.includes(benchCase)) throw new Error(`CASE: no case ${benchCase} (${ALL_CASES.join(' or ')})`);
const connections = Number(process.env.CONNECTIONS ?? 32);
const seconds = Number(process.env.SECS ?? 8);
const quietSeconds = Number(process.env.QUIET_S ?? 0);

/** A number of one `--trace-gc-nvp` line, `pause=1.2 ... promoted=12345`. */
function field(line: string, name: string): number {
  return Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
}

/** The node the servers run on (`BENCH_NODE`, else this one). */
const serverNode = process.env.BENCH_NODE
  ? execFileSync(process.env.BENCH_NODE, ['--version'], { encoding: 'utf8' }).trim()
  : process.version;

const upstream = await startChild('upstream');
const rows: string[] = [];
try {
  for (const arm of arms) {
    const server = await startChild(CHILD_OF[arm]!, [upstream.url], {
      extraFlags: ['--trace-gc-nvp'],
      env: { LOG_LEVEL: 'warn' },
      pipeStdout: true,
    });
    try {
      let trace = '';
      server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (trace += chunk));
      const request = requestFor(arm, size, undefined, benchCase);
      const atRest = (await server.stats()).rss;
      await load(server.url, request, connections, 3);
      if (quietSeconds > 0) {
        await load(server.url, request, 1, 3);
        await new Promise((resolve) => setTimeout(resolve, quietSeconds * 1000));
      }
      const start = trace.length;
      await server.stats(true);
      const { ok } = await load(server.url, request, connections, seconds);
      const { peakRss, peakHeapTotal, peakExternal } = await server.stats();
      const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
      const lines = trace.slice(start).split('\n');
      const scavenges = lines.filter((line) => /\bgc=s\b/.test(line));
      const full = lines.filter((line) => /\bgc=(mc|ms)\b/.test(line));
      const sum = (of: string[], name: string) => of.reduce((total, line) => total + field(line, name), 0);
      const perRequest = (value: number, digits: number) => (value / ok).toFixed(digits);
      rows.push(
        `| ${arm} | ${size} | ${connections} | ${ok} | ${perRequest(sum(scavenges, 'promoted') / 1024, 1)} | ` +
          `${perRequest(scavenges.length * 1000, 1)} | ${perRequest(sum(scavenges, 'pause') * 1000, 0)} | ` +
          `${perRequest(full.length * 1000, 1)} | ${perRequest(sum(full, 'pause') * 1000, 0)} | ${mb(atRest)} | ${mb(peakRss)} | ${mb(peakHeapTotal)} / ${mb(peakExternal)} |`,
      );
    } finally {
      await server.stop();
    }
  }
} finally {
  await upstream.stop();
}
console.log(
  [
    `${benchCase} case, node ${serverNode}, gateway flags: ${process.env.BENCH_GATEWAY_NODE_FLAGS ?? "npm start's"}`,
    '',
    '| arm | events | c | requests | promoted KB/req | scavenges per 1000 req | scavenge pause µs/req | full GCs per 1000 req | full GC pause µs/req | RSS at rest MB | peak RSS MB | heap / external at the peak MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n'),
);
