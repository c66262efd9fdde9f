/**
 * The benchmark's report: the per-arm table, the gateway against the floor (C/B throughput, C−A latency), the app
 * case against the reference (C/E, F/E, peak RSS), the issues' targets with pass/miss, and the planner
 * micro-benchmark.
 */
import type { ArmId, CaseName } from './arms.js';
import type { BenchResults, Cell } from './harness.js';
import type { MicroTask } from './micro.js';

export interface Target {
  readonly target: string;
  readonly value: string;
  /** `undefined` when it could not be measured in this run. */
  readonly pass: boolean | undefined;
}

export interface Comparison {
  readonly size: number;
  /** Arm C's median req/s over arm B's, at the capacity concurrency. */
  readonly throughputCoverB?: number;
  /** Arm C's median p50 minus arm A's, at the latency concurrency, in ms. */
  readonly latencyCminusA?: number;
  readonly latencyCminusB?: number;
  /** Arm C's CPU per request over arm D's, at the capacity concurrency. */
  readonly cpuCoverD?: number;
  /** CPU per request at the capacity concurrency (ms) of the reference (E) and of the gateway from memory (F). */
  readonly cpuE?: number;
  readonly cpuF?: number;
  /** Arm C's and arm F's CPU per request over arm E's, at the capacity concurrency. */
  readonly cpuCoverE?: number;
  readonly cpuFoverE?: number;
}

/** The app case at one page size, every figure at the capacity concurrency. */
export interface AppComparison {
  readonly size: number;
  /** CPU per request (ms) of the gateway calling X (C), the reference (E) and the gateway from memory (F). */
  readonly cpuC?: number;
  readonly cpuE?: number;
  readonly cpuF?: number;
  readonly cpuCoverE?: number;
  readonly cpuFoverE?: number;
  /** Peak RSS in MB. */
  readonly peakRssMbC?: number;
  readonly peakRssMbE?: number;
  readonly peakRssMbF?: number;
  /** Calls to X per answered operation. */
  readonly upstreamCallsPerOpC?: number;
  readonly upstreamCallsPerOpE?: number;
  readonly upstreamCallsPerOpF?: number;
}

export interface Report {
  readonly comparisons: readonly Comparison[];
  readonly appComparisons: readonly AppComparison[];
  readonly targets: readonly Target[];
  readonly markdown: string;
}

/** The issue's CPU budget per request of the gateway, by page size (ms). */
const CPU_TARGET_MS: Record<number, number> = { 1: 0.35, 10: 0.5, 100: 1.0 };
/** The issue's least C/B throughput at the capacity concurrency, by page size. */
const THROUGHPUT_TARGET: Record<number, number> = { 1: 0.25, 10: 0.2, 100: 0.2 };
const RSS_TARGET_MB = 200;
const CPU_GROWTH_LIMIT = 4;
/** The app case's targets: pass-through at or under the reference, from memory at most half of it, at every size. */
const APP_C_OVER_E_MAX = 1;
const APP_F_OVER_E_MAX = 0.5;
const APP_SIZES = [1, 10, 100];

const MB = 2 ** 20;

function cell(
  results: BenchResults,
  arm: ArmId,
  size: number,
  connections: number,
  benchCase: CaseName = 'everything',
): Cell | undefined {
  return results.arms
    .find((a) => a.arm === arm)
    ?.cells.find((c) => c.case === benchCase && c.size === size && c.connections === connections);
}

const fmt = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
const mark = (pass: boolean | undefined) => (pass === undefined ? 'n/a' : pass ? 'pass' : 'MISS');

export function buildReport(
  results: BenchResults,
  micro: readonly MicroTask[] | undefined,
  meta: Record<string, string>,
): Report {
  const { latency, capacity } = results.config.concurrency;
  const sizes = results.config.sizes;

  const comparisons: Comparison[] = sizes.map((size) => {
    const c32 = cell(results, 'C', size, capacity)?.summary;
    const b32 = cell(results, 'B', size, capacity)?.summary;
    const d32 = cell(results, 'D', size, capacity)?.summary;
    const c1 = cell(results, 'C', size, latency)?.summary;
    const a1 = cell(results, 'A', size, latency)?.summary;
    const b1 = cell(results, 'B', size, latency)?.summary;
    const e32 = cell(results, 'E', size, capacity)?.summary;
    const f32 = cell(results, 'F', size, capacity)?.summary;
    return {
      size,
      ...(c32 && b32 && { throughputCoverB: c32.rps / b32.rps }),
      ...(c1 && a1 && { latencyCminusA: c1.p50 - a1.p50 }),
      ...(c1 && b1 && { latencyCminusB: c1.p50 - b1.p50 }),
      ...(c32 && d32 && { cpuCoverD: c32.cpuMsPerRequest / d32.cpuMsPerRequest }),
      ...(e32 && { cpuE: e32.cpuMsPerRequest }),
      ...(f32 && { cpuF: f32.cpuMsPerRequest }),
      ...(c32 && e32 && { cpuCoverE: c32.cpuMsPerRequest / e32.cpuMsPerRequest }),
      ...(f32 && e32 && { cpuFoverE: f32.cpuMsPerRequest / e32.cpuMsPerRequest }),
    };
  });

  const appComparisons: AppComparison[] = sizes.map((size) => {
    const [c, e, f] = (['C', 'E', 'F'] as const).map((arm) => cell(results, arm, size, capacity, 'app')?.summary);
    return {
      size,
      ...(c && { cpuC: c.cpuMsPerRequest, peakRssMbC: c.peakRss / MB, upstreamCallsPerOpC: c.upstreamCallsPerOp }),
      ...(e && { cpuE: e.cpuMsPerRequest, peakRssMbE: e.peakRss / MB, upstreamCallsPerOpE: e.upstreamCallsPerOp }),
      ...(f && { cpuF: f.cpuMsPerRequest, peakRssMbF: f.peakRss / MB, upstreamCallsPerOpF: f.upstreamCallsPerOp }),
      ...(c && e && { cpuCoverE: c.cpuMsPerRequest / e.cpuMsPerRequest }),
      ...(f && e && { cpuFoverE: f.cpuMsPerRequest / e.cpuMsPerRequest }),
    };
  });
  const appRan = results.config.cases.includes('app');

  const targets: Target[] = [];
  for (const size of sizes) {
    const limit = CPU_TARGET_MS[size];
    if (limit === undefined) continue;
    const cpu = cell(results, 'C', size, capacity)?.summary.cpuMsPerRequest;
    targets.push({
      target: `gateway CPU per request, ${size} event${size === 1 ? '' : 's'} (c=${capacity}) <= ${limit} ms`,
      value: `${fmt(cpu, 3)} ms`,
      pass: cpu === undefined ? undefined : cpu <= limit,
    });
  }
  for (const size of sizes) {
    const least = THROUGHPUT_TARGET[size];
    if (least === undefined) continue;
    const ratio = comparisons.find((c) => c.size === size)?.throughputCoverB;
    targets.push({
      target: `C/B throughput, ${size} event${size === 1 ? '' : 's'} (c=${capacity}) >= ${least}`,
      value: fmt(ratio, 3),
      pass: ratio === undefined ? undefined : ratio >= least,
    });
  }
  {
    const lo = cell(results, 'C', 1, capacity)?.summary.cpuMsPerRequest;
    const hi = cell(results, 'C', 100, capacity)?.summary.cpuMsPerRequest;
    const growth = lo !== undefined && hi !== undefined ? hi / lo : undefined;
    targets.push({
      target: `gateway CPU at 100 events within ${CPU_GROWTH_LIMIT}x of 1 event (c=${capacity})`,
      value: growth === undefined ? 'n/a' : `${growth.toFixed(2)}x`,
      pass: growth === undefined ? undefined : growth <= CPU_GROWTH_LIMIT,
    });
  }
  {
    const peaks = sizes
      .map((size) => cell(results, 'C', size, capacity)?.summary.peakRss)
      .filter((v): v is number => v !== undefined);
    const peak = peaks.length ? Math.max(...peaks) / MB : undefined;
    targets.push({
      target: `gateway peak RSS at c=${capacity} < ${RSS_TARGET_MB} MB`,
      value: `${fmt(peak, 0)} MB`,
      pass: peak === undefined ? undefined : peak < RSS_TARGET_MB,
    });
  }
  {
    const ratios = comparisons.map((c) => c.cpuCoverD);
    const all = ratios.every((r) => r !== undefined);
    const dRan = results.arms.find((a) => a.arm === 'D')?.ran === true;
    targets.push({
      target: `gateway uses less CPU per request than Mesh at every size (c=${capacity})`,
      value: all
        ? ratios.map((r, i) => `${sizes[i]}: ${r.toFixed(2)}x`).join(', ')
        : dRan
          ? 'n/a'
          : 'arm D did not run',
      pass: all ? ratios.every((r) => r < 1) : undefined,
    });
  }

  if (appRan) {
    for (const size of APP_SIZES) {
      const ratio = appComparisons.find((c) => c.size === size)?.cpuCoverE;
      targets.push({
        target: `app case: gateway CPU per request at or under the reference's (C/E), ${size} event${size === 1 ? '' : 's'} (c=${capacity}) <= ${APP_C_OVER_E_MAX}`,
        value: fmt(ratio, 2),
        pass: ratio === undefined ? undefined : ratio <= APP_C_OVER_E_MAX,
      });
    }
    for (const size of APP_SIZES) {
      const ratio = appComparisons.find((c) => c.size === size)?.cpuFoverE;
      targets.push({
        target: `app case: from memory at most half the reference's CPU per request (F/E), ${size} event${size === 1 ? '' : 's'} (c=${capacity}) <= ${APP_F_OVER_E_MAX}`,
        value: fmt(ratio, 2),
        pass: ratio === undefined ? undefined : ratio <= APP_F_OVER_E_MAX,
      });
    }
    const peaks = appComparisons.flatMap((c) => [c.peakRssMbC, c.peakRssMbF]).filter((v) => v !== undefined);
    const peak = peaks.length ? Math.max(...peaks) : undefined;
    targets.push({
      target: `app case: gateway peak RSS (C and F) at c=${capacity} < ${RSS_TARGET_MB} MB`,
      value: `${fmt(peak, 0)} MB`,
      pass: peak === undefined ? undefined : peak < RSS_TARGET_MB,
    });
  }

  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    Object.entries(meta)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · '),
    '',
  );
  lines.push(
    `Each cell: median of ${results.config.runs} run(s) of ${results.config.durationS} s (peak RSS: highest of the runs). ` +
      "CPU is the server process's own user + system time per answered request. Latencies in ms.",
    '',
  );
  lines.push(
    'Pages: ' +
      results.pages
        .map(
          (p) => `${p.size} events = ${p.bytes} B (includes: ${p.users} users, ${p.media} media, ${p.tweets} tweets)`,
        )
        .join('; '),
    '',
  );
  lines.push(
    '| arm | events | c | req/s | p50 ms | p99 ms | CPU ms/req | peak RSS MB | upstream calls/op | response bytes |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const arm of results.arms) {
    if (!arm.ran) continue;
    for (const c of arm.cells) {
      if (c.case !== 'everything') continue;
      const s = c.summary;
      const bytes = arm.probes.find((p) => p.case === c.case && p.size === c.size)?.responseBytes;
      lines.push(
        `| ${arm.arm} ${arm.name} | ${c.size} | ${c.connections} | ${s.rps.toFixed(0)} | ${fmt(s.p50, 2)} | ${fmt(s.p99, 2)} | ` +
          `${s.cpuMsPerRequest.toFixed(3)} | ${(s.peakRss / MB).toFixed(0)} | ${s.upstreamCallsPerOp.toFixed(2)} | ${bytes ?? 'n/a'}` +
          `${s.failed ? ` (${s.failed} failed)` : ''} |`,
      );
    }
  }
  for (const arm of results.arms) {
    if (!arm.ran) lines.push('', `Arm ${arm.arm} (${arm.name}) did not run: ${(arm.reason ?? '').split('\n')[0]}`);
  }
  lines.push('', '## The gateway against the floor', '');
  lines.push(
    `| events | C/B req/s (c=${capacity}) | C−A p50 ms (c=${latency}) | C−B p50 ms (c=${latency}) | C/D CPU per request (c=${capacity}) |`,
  );
  lines.push('|---:|---:|---:|---:|---:|');
  for (const c of comparisons) {
    lines.push(
      `| ${c.size} | ${fmt(c.throughputCoverB, 3)} | ${fmt(c.latencyCminusA, 2)} | ${fmt(c.latencyCminusB, 2)} | ${fmt(c.cpuCoverD, 2)} |`,
    );
  }
  if (results.arms.some((a) => (a.arm === 'E' || a.arm === 'F') && a.ran)) {
    const rss = (arm: ArmId, size: number) => {
      const peak = cell(results, arm, size, capacity)?.summary.peakRss;
      return peak === undefined ? 'n/a' : (peak / MB).toFixed(0);
    };
    const cpu = (arm: ArmId, size: number) => fmt(cell(results, arm, size, capacity)?.summary.cpuMsPerRequest, 3);
    const calls = (size: number) => fmt(cell(results, 'F', size, capacity)?.summary.upstreamCallsPerOp, 4);
    const fullGcs = (arm: ArmId, size: number) =>
      fmt(cell(results, arm, size, capacity)?.summary.fullGcsPerKiloRequest, 1);
    lines.push('', '## The gateway against the reference (E: hand-written yoga + graphql-jit) and from memory (F)', '');
    lines.push(
      `| events | C CPU ms/req | E CPU ms/req | F CPU ms/req | C/E | F/E | peak RSS MB C / E / F | full GCs per 1000 req C / E / F | F upstream calls/op | (all c=${capacity}) |`,
    );
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const c of comparisons) {
      lines.push(
        `| ${c.size} | ${cpu('C', c.size)} | ${cpu('E', c.size)} | ${cpu('F', c.size)} | ${fmt(c.cpuCoverE, 2)} | ${fmt(c.cpuFoverE, 2)} | ` +
          `${rss('C', c.size)} / ${rss('E', c.size)} / ${rss('F', c.size)} | ${fullGcs('C', c.size)} / ${fullGcs('E', c.size)} / ${fullGcs('F', c.size)} | ${calls(c.size)} | |`,
      );
    }
    lines.push('', `Answers checked: ${sameDataLine(results, 'everything')} (cursors aside).`);
  }
  if (appRan) {
    lines.push(
      '',
      '## App case: profiles, media, referenced posts with their authors (`operations/app.graphql`)',
      '',
      'C: the gateway calling X; E: the hand-written reference (its own DM call and users lookup); F: the gateway from its memory.',
      '',
      '| arm | events | c | req/s | p50 ms | p99 ms | CPU ms/req | peak RSS MB | upstream calls/op | response bytes |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const arm of results.arms) {
      for (const c of arm.cells) {
        if (c.case !== 'app') continue;
        const s = c.summary;
        const bytes = arm.probes.find((p) => p.case === 'app' && p.size === c.size)?.responseBytes;
        lines.push(
          `| ${arm.arm} ${arm.name} | ${c.size} | ${c.connections} | ${s.rps.toFixed(0)} | ${fmt(s.p50, 2)} | ${fmt(s.p99, 2)} | ` +
            `${s.cpuMsPerRequest.toFixed(3)} | ${(s.peakRss / MB).toFixed(0)} | ${s.upstreamCallsPerOp.toFixed(2)} | ${bytes ?? 'n/a'}` +
            `${s.failed ? ` (${s.failed} failed)` : ''} |`,
        );
      }
    }
    lines.push(
      '',
      `| events | C CPU ms/req | E CPU ms/req | F CPU ms/req | C/E | F/E | peak RSS MB C / E / F | upstream calls/op C / E / F | (all c=${capacity}) |`,
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const c of appComparisons) {
      lines.push(
        `| ${c.size} | ${fmt(c.cpuC, 3)} | ${fmt(c.cpuE, 3)} | ${fmt(c.cpuF, 3)} | ${fmt(c.cpuCoverE, 2)} | ${fmt(c.cpuFoverE, 2)} | ` +
          `${fmt(c.peakRssMbC, 0)} / ${fmt(c.peakRssMbE, 0)} / ${fmt(c.peakRssMbF, 0)} | ` +
          `${fmt(c.upstreamCallsPerOpC, 2)} / ${fmt(c.upstreamCallsPerOpE, 2)} / ${fmt(c.upstreamCallsPerOpF, 2)} | |`,
      );
    }
    lines.push('', `Answers checked: ${sameDataLine(results, 'app')} (cursors aside).`);
  }
  lines.push('', '## Targets', '', '| target | measured | |', '|---|---:|---|');
  for (const t of targets) lines.push(`| ${t.target} | ${t.value} | ${mark(t.pass)} |`);
  if (micro) {
    lines.push(
      '',
      '## Planner micro-benchmark (arm-C operation, tinybench)',
      '',
      '| task | mean µs | p50 µs | p99 µs | iterations |',
      '|---|---:|---:|---:|---:|',
    );
    for (const t of micro)
      lines.push(`| ${t.name} | ${t.mean.toFixed(2)} | ${t.p50.toFixed(2)} | ${t.p99.toFixed(2)} | ${t.samples} |`);
  }
  return { comparisons, appComparisons, targets, markdown: lines.join('\n') + '\n' };
}

/** Whether arms E and F answered arm C's data, per page size, in a case. */
function sameDataLine(results: BenchResults, benchCase: CaseName): string {
  return results.arms
    .filter((a) => a.arm === 'E' || a.arm === 'F')
    .map(
      (a) =>
        `${a.arm}: ${a.probes
          .filter((p) => p.case === benchCase)
          .map(
            (p) =>
              `${p.size} ${p.sameDataAsC === undefined ? 'not compared (C did not run)' : p.sameDataAsC ? 'same data as C' : 'DIFFERENT'}`,
          )
          .join(', ')}`,
    )
    .join('; ');
}
