/**
 * `npm run bench`: the gateway against the upstream, a pass-through proxy, GraphQL Mesh and a hand-written yoga +
 * graphql-jit reference, and the gateway answering from its memory, plus the planner alone.
 * Writes `bench/results/latest.json` and `latest.md` and prints the table. See `bench/README.md`.
 *
 * Environment: BENCH_DURATION_S (5), BENCH_RUNS (3), BENCH_WARMUP_S (2), BENCH_ARMS (ABCDEF), BENCH_SIZES (1,10,100),
 * BENCH_CASES (everything,app), BENCH_MICRO_MS (1000; 0 skips the micro-benchmark), BENCH_NODE (the servers' node
 * binary; the bench's own by default).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ALL_ARMS, ALL_CASES, type ArmId, type CaseName } from './lib/arms.js';
import { runBench } from './lib/harness.js';
import { type MicroTask, runPlannerMicro } from './lib/micro.js';
import { PAGE_SIZES } from './lib/pages.js';
import { buildReport } from './lib/report.js';

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${raw}`);
  return value;
}

const arms = [...(process.env.BENCH_ARMS ?? ALL_ARMS).toUpperCase()].filter((a): a is ArmId => ALL_ARMS.includes(a));
const sizes = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : [...PAGE_SIZES];
const cases = (process.env.BENCH_CASES ? process.env.BENCH_CASES.split(',') : [...ALL_CASES]).map((name) => {
  const trimmed = name.trim();
  if (!ALL_CASES.includes(trimmed as CaseName))
    throw new Error(`BENCH_CASES names ${ALL_CASES.join(' and ')}, not ${trimmed}`);
  return trimmed as CaseName;
});
const config = {
  arms,
  cases,
  sizes,
  durationS: numberEnv('BENCH_DURATION_S', 5),
  runs: Math.max(1, Math.round(numberEnv('BENCH_RUNS', 3))),
  warmupS: numberEnv('BENCH_WARMUP_S', 2),
  concurrency: { latency: 1, capacity: 32 },
};
const microMs = numberEnv('BENCH_MICRO_MS', 1000);

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src/ modified)` : head;
  } catch {
    return 'unknown';
  }
}

const log = (line: string) => console.log(line);
log(
  `bench: cases ${cases.join(', ')}, arms ${arms.join('')}, sizes ${sizes.join('/')}, ${config.runs} run(s) x ${config.durationS} s, warm-up ${config.warmupS} s`,
);

let micro: MicroTask[] | undefined;
if (microMs > 0) {
  log('planner micro-benchmark...');
  micro = await runPlannerMicro(microMs);
  for (const t of micro) log(`  ${t.name}: ${t.mean.toFixed(2)} µs mean, ${t.p99.toFixed(2)} µs p99`);
}

const startedAt = new Date();
const results = await runBench({ ...config, log });
const meta = {
  date: startedAt.toISOString(),
  commit: commit(),
  // The servers' node (BENCH_NODE), which is what the figures measure; the planner micro-benchmark runs on the bench's.
  node: process.env.BENCH_NODE
    ? execFileSync(process.env.BENCH_NODE, ['--version'], { encoding: 'utf8' }).trim()
    : process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
};
const report = buildReport(results, micro, meta);

const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(
  new URL('latest.json', dir),
  JSON.stringify(
    {
      meta,
      ...results,
      comparisons: report.comparisons,
      appComparisons: report.appComparisons,
      targets: report.targets,
      micro,
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(new URL('latest.md', dir), report.markdown);
console.log('\n' + report.markdown);
