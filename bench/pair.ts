/**
 * `npm run bench:pair`: a before/after pair over HTTP, as `npm run bench` measures. The fixed upstream, and one arm's
 * server from this checkout and from another (`BASELINE`, e.g. a `git worktree` of the commit before a change), each
 * warmed up, then loaded in turn at c=32 for several rounds (alternating which goes first); the report is each side's
 * median CPU per request and their ratio. Both servers run at once, so the machine's noise falls on both.
 *
 *   BASELINE=../before npm run bench:pair
 *   BASELINE=../before ARM=F SIZE=100 ROUNDS=3 SECS=5 npm run bench:pair
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `BASELINE` | the other checkout (its own `bench/lib/processes.ts` starts its server) | required |
 * | `ARM` | `C` (the gateway calling X) or `F` (from its memory) | `C` |
 * | `SIZE` | events per page | 1 |
 * | `ROUNDS` | timed runs per side | 5 |
 * | `SECS` | seconds per timed run, after a warm-up of 8 s per side | 4 |
 */
import { resolve } from 'node:path';
import { requestFor } from './lib/arms.js';
import { alternatingRuns, median } from './lib/harness.js';
import { load } from './lib/load.js';
import { startChild } from './lib/processes.js';

const baseline = process.env.BASELINE;
if (!baseline) throw new Error('Set BASELINE to the checkout to compare with (e.g. a git worktree of the commit before)');
const arm = (process.env.ARM ?? 'C') as 'C' | 'F';
if (arm !== 'C' && arm !== 'F') throw new Error('ARM is C or F');
const size = Number(process.env.SIZE ?? 1);
const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECS ?? 4);
const child = arm === 'C' ? 'gateway' : 'gateway-memory';
const request = requestFor(arm, size);

const { startChild: startBaseline } = (await import(resolve(baseline, 'bench/lib/processes.ts'))) as { startChild: typeof startChild };
const upstream = await startChild('upstream');
const sides = { before: await startBaseline(child, [upstream.url]), after: await startChild(child, [upstream.url]) };

try {
  for (const server of Object.values(sides)) {
    // Arm F: the first answer fills the memory.
    if (arm === 'F') await load(server.url, request, 1, 1);
    await load(server.url, request, 32, 8);
  }
  const cpu = await alternatingRuns(sides, upstream, request, rounds, seconds);
  for (const side of ['before', 'after'] as const) {
    console.log(`${arm} ${size} events ${side}: ${cpu[side].map((ms) => ms.toFixed(3)).join(' ')}, median ${median(cpu[side]).toFixed(3)} ms/request`);
  }
  console.log(`after/before ${(median(cpu.after) / median(cpu.before)).toFixed(3)}`);
} finally {
  await Promise.all([sides.before.stop(), sides.after.stop()]);
  await upstream.stop();
}
