/**
 * `npm run bench:flags`: the gateway under two or more sets of node flags, side by side. One child per set runs at
 * once, all idle but the one under load; the load moves from one to the next in short windows, round after round, so
 * that whatever else this shared machine does falls on every set alike. The report gives each set's median CPU per
 * request over its windows (each window's too, to see the spread), the median of the windows' p99 latency, and its
 * peak RSS and full collections over all of them. Quiet spells between a child's windows are part of the test: they
 * are where V8 shrinks what it reserved and changes its mind.
 *
 *   npm run bench:flags
 *   ARM=F SIZE=100 SETS="--heap-growing-percent=50|--heap-growing-percent=75" npm run bench:flags
 *   SETS="BENCH_ADMISSION=off --heap-growing-percent=50|--heap-growing-percent=50" npm run bench:flags
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `SETS` | the flag sets, separated by `\|`; an empty set is node's own flags. Words of the form `NAME=value` are set in that child's environment instead (`BENCH_ADMISSION`, say), but for `CHECKOUT=<dir>`: that set runs the gateway of another checkout (below) | `npm start`'s, then node's own |
 * | `ARM` | C (the gateway calling X) or F (the gateway from memory) | C |
 * | `CASE` | `app` or `everything` (`bench/operations/`) | `app` |
 * | `SIZE` | the page size: 1, 10 or 100 events | 100 |
 * | `WINDOWS` | rounds: windows per set | 6 |
 * | `SECS` | seconds per window, at c=32 | 4 |
 * | `WARM_UP` | seconds of load on each child, one after the other, before the first window | 3 |
 *
 * `BENCH_NODE` runs the children on another node binary, as for `npm run bench`.
 *
 * Code before and after a change, over HTTP: a worktree of the commit before, with this checkout's packages, as one
 * set. The last column compares each set with the first, window by window (the median of each round's ratio).
 *
 *   git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   F="--heap-growing-percent=50 ..."   # npm start's flags
 *   SIZE=1 SETS="$F CHECKOUT=/tmp/before|$F" npm run bench:flags
 */
import { ALL_CASES, type CaseName, requestFor } from './lib/arms.js';
import { median } from './lib/harness.js';
import { load } from './lib/load.js';
import { type ServerChild, startChild } from './lib/processes.js';
import { startNodeFlags } from '../scripts/start-command.js';

const CONNECTIONS = 32;

const arm = process.env.ARM ?? 'C';
if (arm !== 'C' && arm !== 'F') throw new Error(`ARM: ${arm} is not C or F`);
const benchCase = (process.env.CASE ?? 'app') as CaseName;
if (!ALL_CASES.includes(benchCase)) throw new Error(`CASE: no case ${benchCase} (${ALL_CASES.join(' or ')})`);
const size = Number(process.env.SIZE ?? 100);
const windows = Number(process.env.WINDOWS ?? 6);
const seconds = Number(process.env.SECS ?? 4);
const warmUpSeconds = Number(process.env.WARM_UP ?? 3);
for (const [name, value] of Object.entries({ SIZE: size, WINDOWS: windows, SECS: seconds, WARM_UP: warmUpSeconds })) {
  if (!(value > 0)) throw new Error(`${name}: not a positive number`);
}
const sets = (process.env.SETS ?? `${startNodeFlags().join(' ')}|`).split('|').map((set) => set.trim());

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

interface Measured {
  readonly set: string;
  readonly server: ServerChild;
  readonly cpuPerRequest: number[];
  readonly p99: number[];
}

const upstream = await startChild('upstream');
const measured: Measured[] = [];
try {
  for (const set of sets) {
    const words = set.split(' ').filter(Boolean);
    const { CHECKOUT: checkout, ...env } = Object.fromEntries(
      words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=') as [string, string]),
    );
    const server = await startChild(arm === 'F' ? 'gateway-memory' : 'gateway', [upstream.url], {
      gatewayFlags: words.filter((w) => !/^[A-Z_]+=/.test(w)),
      env,
      ...(checkout && { checkout }),
    });
    measured.push({ set, server, cpuPerRequest: [], p99: [] });
  }
  const request = requestFor(arm, size, undefined, benchCase);
  for (const { server } of measured) await load(server.url, request, CONNECTIONS, warmUpSeconds);
  for (const { server } of measured) await server.stats(true);
  for (let round = 0; round < windows; round++) {
    for (const { server, cpuPerRequest, p99 } of measured) {
      const before = await server.stats();
      const result = await load(server.url, request, CONNECTIONS, seconds);
      const after = await server.stats();
      const cpuMs = (after.cpuUser + after.cpuSystem - before.cpuUser - before.cpuSystem) / 1000;
      cpuPerRequest.push(cpuMs / result.ok);
      p99.push(result.p99);
    }
  }
  const rows: string[] = [];
  const first = measured[0]!.cpuPerRequest;
  for (const { set, server, cpuPerRequest, p99 } of measured) {
    const stats = await server.stats();
    const againstFirst = median(cpuPerRequest.map((ms, round) => ms / first[round]!));
    rows.push(
      `| \`${set || "node's own"}\` | ${median(cpuPerRequest).toFixed(3)} | ${cpuPerRequest.map((ms) => ms.toFixed(2)).join(' ')} | ` +
        `${median(p99).toFixed(0)} | ${mb(stats.peakRss)} | ${stats.gcFull} | ${againstFirst.toFixed(3)} |`,
    );
  }
  console.log(
    [
      `arm ${arm}, ${benchCase} case, ${size} events a page, c=${CONNECTIONS}, ${windows} windows of ${seconds} s per set, node ${process.env.BENCH_NODE ?? process.version}`,
      '',
      '| flags | CPU ms/req (median) | each window | p99 ms (median) | peak RSS MB | full GCs since start | CPU against the first set |',
      '|---|---:|---|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  );
} finally {
  for (const { server } of measured) await server.stop();
  await upstream.stop();
}
