/**
 * The benchmark run: the fixed upstream and each arm's server in child processes, a correctness probe per arm and
 * page size, a warm-up, then timed autocannon runs at each concurrency. `bench/run.ts` runs it in full and writes the
 * results; `test/bench/bench.test.ts` runs a very short one to check the harness.
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import type { ChildStats } from '../children/child.js';
import {
  ALL_CASES,
  ARM_NAMES,
  type ArmId,
  CASE_ARMS,
  type CaseName,
  GATEWAY_SHAPED,
  comparableData,
  expectedCalls,
  expectedColdCallsOfF,
  firstDifference,
  requestFor,
  verifyAnswer,
} from './arms.js';
import { type LoadRequest, load } from './load.js';
import { type BenchPage, buildPages, pageFor } from './pages.js';
import { type ChildName, type ServerChild, startChild } from './processes.js';

export interface BenchConfig {
  readonly arms: readonly ArmId[];
  /**
   * Which cases run (`everything`: every field of one DM page, all arms; `app`: profiles, media and posts with their
   * authors, arms C, E and F).
   * @default ['everything', 'app']
   */
  readonly cases?: readonly CaseName[];
  readonly sizes: readonly number[];
  /** Seconds per timed run. */
  readonly durationS: number;
  /** Timed runs per arm, page size and concurrency; the report takes their median. */
  readonly runs: number;
  /** Seconds of warm-up per arm and page size, at the capacity concurrency. */
  readonly warmupS: number;
  /** Connections of the latency runs and of the capacity runs. */
  readonly concurrency: { readonly latency: number; readonly capacity: number };
  readonly log?: (line: string) => void;
}

export interface RunResult {
  readonly ok: number;
  readonly failed: number;
  readonly rps: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  /** The server process's user + system CPU time over the run, per answered request, in milliseconds. */
  readonly cpuMsPerRequest: number;
  /**
   * The part of it on the main thread (JavaScript), where Linux tells (`/proc`); the rest is the collector's helper
   * threads, libuv's thread pool and the like.
   */
  readonly mainThreadCpuMsPerRequest?: number;
  /** Highest RSS of the server process during the run, in bytes. */
  readonly peakRss: number;
  /** Requests the fixed upstream received during the run, per answered request. */
  readonly upstreamCallsPerOp: number;
  /** The server's full (mark-compact) garbage collections during the run, per 1000 answered requests. */
  readonly fullGcsPerKiloRequest: number;
  /** Main-thread time the server's collections paused it during the run, per answered request, in microseconds. */
  readonly gcPauseUsPerRequest: number;
}

export interface Cell {
  readonly case: CaseName;
  readonly arm: ArmId;
  readonly size: number;
  readonly connections: number;
  readonly runs: readonly RunResult[];
  /** Medians over the runs; `peakRss` is the highest of the runs. */
  readonly summary: RunResult;
}

export interface Probe {
  readonly case: CaseName;
  readonly size: number;
  /** Body bytes of one answer. */
  readonly responseBytes: number;
  /** Upstream requests one operation caused (arm F: the second operation, once the first has filled the memory). */
  readonly upstreamCalls: number;
  /** The same requests by path (`/2/dm_events`, `/2/users`...); checked against `expectedCalls`. */
  readonly upstreamCallsByPath: Readonly<Record<string, number>>;
  /** Arm F: upstream requests of the first operation, the one that filled the memory (`GET /2/users/me` included). */
  readonly coldUpstreamCalls?: number;
  readonly coldUpstreamCallsByPath?: Readonly<Record<string, number>>;
  /** Arms E and F: whether the answer's `data` equals arm C's, cursors aside (`undefined` when C did not run). */
  readonly sameDataAsC?: boolean;
  /** The query string of the (last) upstream request the operation made: what the arm asked X for. */
  readonly upstreamQuery: string;
}

export interface ArmResult {
  readonly arm: ArmId;
  readonly name: string;
  readonly ran: boolean;
  /** The cases it ran. */
  readonly cases: readonly CaseName[];
  /** Why the arm did not run. */
  readonly reason?: string;
  /** The RSS of the arm's first server process (its first page size) once it was ready, before any request, in bytes. */
  readonly startRss?: number;
  /** Per page size: one operation outside the load, checked. */
  readonly probes: readonly Probe[];
  readonly cells: readonly Cell[];
}

export interface BenchResults {
  readonly config: Omit<BenchConfig, 'log' | 'cases'> & { readonly cases: readonly CaseName[] };
  readonly pages: readonly { size: number; bytes: number; users: number; media: number; tweets: number }[];
  readonly arms: readonly ArmResult[];
}

const CHILD_OF: Record<Exclude<ArmId, 'A'>, ChildName> = {
  B: 'proxy',
  C: 'gateway',
  D: 'mesh',
  E: 'reference',
  F: 'gateway-memory',
};

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * CPU µs (user + system, this process) per call of `run`, divided by the `units` of work a call does: the median of
 * `rounds` rounds of `calls` calls, each round after a warm-up of a tenth as many. Every call is awaited, so a
 * synchronous one pays one turn of the microtask queue too, the same for everything compared.
 */
export async function cpuMicrosPerCall(
  run: () => unknown,
  calls: number,
  { units = 1, rounds = 7 }: { units?: number; rounds?: number } = {},
): Promise<number> {
  const measured: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < calls / 10; i++) await run();
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) await run();
    const used = process.cpuUsage(before);
    measured.push((used.user + used.system) / calls / units);
  }
  return median(measured);
}

function summarise(runs: readonly RunResult[]): RunResult {
  const pick = (key: Exclude<keyof RunResult, 'mainThreadCpuMsPerRequest'>) => median(runs.map((r) => r[key]));
  return {
    ok: pick('ok'),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
    rps: pick('rps'),
    p50: pick('p50'),
    p99: pick('p99'),
    cpuMsPerRequest: pick('cpuMsPerRequest'),
    peakRss: Math.max(...runs.map((r) => r.peakRss)),
    upstreamCallsPerOp: pick('upstreamCallsPerOp'),
    fullGcsPerKiloRequest: pick('fullGcsPerKiloRequest'),
    gcPauseUsPerRequest: pick('gcPauseUsPerRequest'),
  };
}

const cpuOf = (stats: ChildStats) => stats.cpuUser + stats.cpuSystem;
const upstreamRequests = (stats: ChildStats) => Number(stats.extra?.total ?? 0);
const byPathOf = (stats: ChildStats) => (stats.extra?.byPath ?? {}) as Record<string, number>;
const stringOf = (value: unknown) => (typeof value === 'string' ? value : '');

/** The requests by path between two readings of the upstream's counts, the paths with none left out. */
function pathCallsBetween(before: ChildStats, after: ChildStats): Record<string, number> {
  const b = byPathOf(before);
  const out: Record<string, number> = {};
  for (const [path, count] of Object.entries(byPathOf(after)).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const made = count - (b[path] ?? 0);
    if (made > 0) out[path] = made;
  }
  return out;
}

const sameCalls = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([path, n]) => b[path] === n);
const callsText = (calls: Readonly<Record<string, number>>) =>
  Object.keys(calls).length
    ? Object.entries(calls)
        .map(([path, n]) => `${n} x ${path}`)
        .join(', ')
    : 'none';

/** One request outside the load: its status and body, and how many upstream requests it caused. */
export async function probe(
  server: ServerChild,
  upstream: ServerChild,
  req: LoadRequest,
): Promise<{
  status: number;
  text: string;
  upstreamCalls: number;
  upstreamCallsByPath: Record<string, number>;
  tokenForwarded: boolean;
  upstreamQuery: string;
}> {
  const u0 = await upstream.stats();
  const before = upstreamRequests(u0);
  const answer = await request(server.url + req.path, {
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined && { body: req.body }),
  });
  const text = await answer.body.text();
  const u1 = await upstream.stats();
  const upstreamCalls = upstreamRequests(u1) - before;
  const withToken = Number(u1.extra?.withToken ?? 0) - Number(u0.extra?.withToken ?? 0);
  return {
    status: answer.statusCode,
    text,
    upstreamCalls,
    upstreamCallsByPath: pathCallsBetween(u0, u1),
    tokenForwarded: upstreamCalls > 0 && withToken === upstreamCalls,
    upstreamQuery: stringOf(u1.extra?.lastQuery),
  };
}

/** The main thread's user + system CPU time of process `pid` in ms, from `/proc` (10 ms steps); undefined elsewhere. */
function mainThreadCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // The fields after the command's closing parenthesis: state is the 3rd field of the line, utime the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** One timed run of `req` against `server`: throughput, latencies, CPU per request, peak RSS, upstream calls. */
export async function timedRun(
  server: ServerChild,
  upstream: ServerChild,
  req: LoadRequest,
  connections: number,
  durationS: number,
): Promise<RunResult> {
  const s0 = await server.stats(true);
  const u0 = server === upstream ? s0 : await upstream.stats();
  const main0 = mainThreadCpuMs(server.pid);
  const result = await load(server.url, req, connections, durationS);
  const main1 = mainThreadCpuMs(server.pid);
  const s1 = await server.stats();
  const u1 = server === upstream ? s1 : await upstream.stats();
  const answered = Math.max(1, result.ok);
  return {
    ok: result.ok,
    failed: result.failed,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    cpuMsPerRequest: (cpuOf(s1) - cpuOf(s0)) / 1000 / answered,
    ...(main0 !== undefined && main1 !== undefined && { mainThreadCpuMsPerRequest: (main1 - main0) / answered }),
    peakRss: s1.peakRss,
    upstreamCallsPerOp: (upstreamRequests(u1) - upstreamRequests(u0)) / answered,
    fullGcsPerKiloRequest: ((s1.gcFull - s0.gcFull) * 1000) / answered,
    gcPauseUsPerRequest: ((s1.gcPauseMs - s0.gcPauseMs) * 1000) / answered,
  };
}

/**
 * The order the arms run in within a page size. The three that answer the same data come one after the other (C
 * first: E and F are checked against its answers), so the ratios between them compare runs made within a minute of
 * each other; this shared machine drifts by 20 to 50% over a few minutes.
 */
const RUN_ORDER: readonly ArmId[] = ['A', 'B', 'C', 'E', 'F', 'D'];

interface ArmProgress {
  readonly arm: ArmId;
  readonly ranCases: Set<CaseName>;
  reason?: string;
  startRss?: number;
  readonly probes: Probe[];
  readonly cells: Cell[];
}

/**
 * One arm at one page size, in a server process of its own (arm A is the fixed upstream itself): its answer checked,
 * a warm-up, then the timed runs at each concurrency. A fresh process per size keeps each size's numbers its own
 * (RSS, the collector's state), and arm F needs one: the fixed upstream answers every `pagination_token` with the same
 * page, so one memory read at 1, then 10, then 100 events would walk it forever (a real X would hand over the older
 * events instead).
 */
async function runArmAtSize(
  progress: ArmProgress,
  benchCase: CaseName,
  size: number,
  upstream: ServerChild,
  page: BenchPage,
  memoryPage: BenchPage,
  config: BenchConfig,
  cData: Map<string, string>,
): Promise<void> {
  const { arm } = progress;
  const label = `Arm ${arm} (${ARM_NAMES[arm]}), ${benchCase} case, ${size} events`;
  const log = config.log ?? (() => {});
  let server: ServerChild;
  try {
    server = arm === 'A' ? upstream : await startChild(CHILD_OF[arm], [upstream.url]);
  } catch (error) {
    progress.reason = error instanceof Error ? error.message : String(error);
    log(`arm ${arm} (${ARM_NAMES[arm]}) left out: ${progress.reason.split('\n')[0]}`);
    return;
  }
  try {
    const meshOperation = typeof server.info.operation === 'string' ? server.info.operation : undefined;
    progress.startRss ??= (await server.stats()).rss;
    const req = requestFor(arm, size, meshOperation, benchCase);
    const cold = await probe(server, upstream, req);
    if (!cold.tokenForwarded && arm !== 'A') throw new Error(`${label}: the caller's token was not forwarded`);
    // Arm F: the first answer filled the memory; the second is the one every timed request gets.
    const answer = arm === 'F' ? await probe(server, upstream, req) : cold;
    verifyAnswer(arm, page, answer.status, answer.text, benchCase);
    let sameDataAsC: boolean | undefined;
    const key = `${benchCase}:${size}`;
    if (arm === 'C') cData.set(key, comparableData(answer.text));
    else if (GATEWAY_SHAPED.includes(arm) && cData.has(key)) {
      const mine = comparableData(answer.text);
      sameDataAsC = mine === cData.get(key);
      if (!sameDataAsC)
        throw new Error(`${label}: data differs from arm C's at ${firstDifference(mine, cData.get(key)!)}`);
    }
    // The exact calls to X an operation costs, by endpoint (arm A is the upstream: its one request is the operation).
    const expected = expectedCalls(benchCase, arm, page);
    const upstreamCallsByPath = arm === 'A' ? { '/2/dm_events': 1 } : answer.upstreamCallsByPath;
    if (!sameCalls(upstreamCallsByPath, expected))
      throw new Error(`${label}: one operation called X ${callsText(upstreamCallsByPath)}, not ${callsText(expected)}`);
    if (arm === 'F') {
      const coldExpected = expectedColdCallsOfF(benchCase, page, memoryPage);
      if (!sameCalls(cold.upstreamCallsByPath, coldExpected))
        throw new Error(
          `${label}: the operation that filled the memory called X ${callsText(cold.upstreamCallsByPath)}, not ${callsText(coldExpected)}`,
        );
    }
    const callsPerOp = Object.values(expected).reduce((sum, n) => sum + n, 0);
    progress.probes.push({
      case: benchCase,
      size,
      responseBytes: Buffer.byteLength(answer.text),
      upstreamCalls: arm === 'A' ? 1 : answer.upstreamCalls,
      upstreamCallsByPath,
      upstreamQuery: decodeURIComponent(cold.upstreamQuery),
      ...(arm === 'F' && { coldUpstreamCalls: cold.upstreamCalls, coldUpstreamCallsByPath: cold.upstreamCallsByPath }),
      ...(sameDataAsC !== undefined && { sameDataAsC }),
    });

    if (config.warmupS > 0) await load(server.url, req, config.concurrency.capacity, config.warmupS);
    for (const connections of [config.concurrency.latency, config.concurrency.capacity]) {
      const runs: RunResult[] = [];
      for (let i = 0; i < config.runs; i++) {
        const run = await timedRun(server, upstream, req, connections, config.durationS);
        // Runs are drained, so every answered operation's calls are in: each must have cost exactly its calls (from
        // memory, none), under load as in the probe. Failed requests would blur the count; they are reported instead.
        if (run.failed === 0 && run.upstreamCallsPerOp !== callsPerOp)
          throw new Error(
            `${label}, c=${connections}: ${run.upstreamCallsPerOp} calls to X per operation, not ${callsPerOp}`,
          );
        runs.push(run);
      }
      const summary = summarise(runs);
      progress.cells.push({ case: benchCase, arm, size, connections, runs, summary });
      log(
        `arm ${arm} ${benchCase === 'everything' ? '' : `${benchCase} `}${String(size).padStart(3)} events c=${String(connections).padStart(2)}: ${summary.rps.toFixed(0)} req/s, ` +
          `p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms, CPU ${summary.cpuMsPerRequest.toFixed(3)} ms/req, ` +
          `peak RSS ${(summary.peakRss / 2 ** 20).toFixed(0)} MB, ${summary.fullGcsPerKiloRequest.toFixed(1)} full GCs per 1000 req` +
          (summary.failed ? `, ${summary.failed} FAILED` : ''),
      );
    }
  } finally {
    if (server !== upstream) await server.stop();
  }
}

export async function runBench(config: BenchConfig): Promise<BenchResults> {
  const cases = config.cases ?? ALL_CASES;
  const built = buildPages([...new Set([...config.sizes, 100])]);
  const pages = new Map(config.sizes.map((size) => [size, built.get(size)!]));
  // The page X answers the memory's sync with (arm F asks for 100 events), as the fixed upstream picks it.
  const memoryPage = pageFor([...built.values()], 100);
  const arms = config.arms.filter((arm) => cases.some((c) => CASE_ARMS[c].includes(arm)));
  const upstream = await startChild('upstream');
  try {
    const progress = new Map(
      arms.map((arm): [ArmId, ArmProgress] => [arm, { arm, ranCases: new Set(), probes: [], cells: [] }]),
    );
    const order = RUN_ORDER.filter((arm) => progress.has(arm));
    // Arm C's answers (`data`, cursors aside) by case and size, which arms E and F must equal.
    const cData = new Map<string, string>();
    // Page size by page size, every case's arms at one size before the next size.
    for (const size of config.sizes) {
      for (const benchCase of cases) {
        for (const arm of order.filter((a) => CASE_ARMS[benchCase].includes(a))) {
          const armProgress = progress.get(arm)!;
          if (armProgress.reason !== undefined) continue;
          armProgress.ranCases.add(benchCase);
          await runArmAtSize(armProgress, benchCase, size, upstream, pages.get(size)!, memoryPage, config, cData);
        }
      }
    }
    const { log: _log, ...rest } = config;
    return {
      config: { ...rest, cases },
      pages: [...pages.values()].map((p) => ({
        size: p.size,
        bytes: p.bytes.length,
        users: p.body.includes?.users?.length ?? 0,
        media: p.body.includes?.media?.length ?? 0,
        tweets: p.body.includes?.tweets?.length ?? 0,
      })),
      arms: arms.map((arm) => {
        const { reason, startRss, probes, cells, ranCases } = progress.get(arm)!;
        return reason === undefined
          ? { arm, name: ARM_NAMES[arm], ran: true, cases: [...ranCases], startRss, probes, cells }
          : { arm, name: ARM_NAMES[arm], ran: false, reason, cases: [], probes: [], cells: [] };
      }),
    };
  } finally {
    await upstream.stop();
  }
}
