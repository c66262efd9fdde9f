/**
 * `npm run bench:in-process`: CPU per request of the gateway (C: calling X, F: from its memory) and of the reference
 * (E, `lib/reference.ts`) answering a case's operation (`CASE`: `everything` or `app`) over the benchmark's own pages
 * (`lib/pages.ts`) and lookups, with no HTTP on either side: X's answer is the page's bytes (a lookup's, built once),
 * parsed per call, and requests go to `yoga.fetch`. Each arm and page
 * size runs in a process of its own, rounds alternate the arms, and the report takes medians: steadier than the HTTP
 * benchmark, for before/after pairs. It also counts the resolver calls of one arm-C answer per page size.
 *
 *   npm run bench:in-process
 *   ARMS=CE SIZES=100 CONCURRENCY=32 ROUNDS=5 npm run bench:in-process
 *   CASE=app SIZES=100 npm run bench:in-process     # the app case: profiles, media, posts with their authors
 *   JIT=0 npm run bench:in-process                 # the gateway on graphql-js instead of graphql-jit
 *   BASELINE=../before npm run bench:in-process     # each arm also from another checkout, interleaved: a before/after pair
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `ARMS` | which of C, E, F | `CEF` |
 * | `CASE` | `everything` (`operations/everything.graphql`) or `app` (`operations/app.graphql`) | `everything` |
 * | `SIZES` | page sizes | `1,10,100` |
 * | `CONCURRENCY` | requests in flight | 32 |
 * | `ROUNDS` | processes per arm and size (the report takes the median) | 3 |
 * | `DURATION_MS` | measured time per process, after a warm-up of half as long | 2000 |
 * | `BASELINE` | another checkout (e.g. a `git worktree` of the commit before a change): its arms run too, as `C0`, `F0`... | none |
 * | `CPU_PROF` | a directory: each process writes a V8 CPU profile of its measured requests only (no start-up, no warm-up) there, `<arm>-<case>-<size>.cpuprofile` | none |
 * | `HEAP_PROF` | a directory: each process writes a sampling profile of what its measured requests allocated there (garbage included), `<arm>-<size>-<requests>.heapprofile` | none |
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { isObjectType } from 'graphql';
import { pino } from 'pino';
import { createGateway } from '../src/gateway.js';
import { schema } from '../src/schema/index.js';
import type { UpstreamRequest, UpstreamTransport } from '../src/upstream/client.js';
import { OPERATIONS, type CaseName } from './lib/arms.js';
import { BENCH_AUTHORIZATION, BENCH_NOW, buildLookups, buildPages } from './lib/pages.js';
import { createReference } from './lib/reference.js';

type Arm = 'C' | 'E' | 'F';
interface Measured {
  arm: string;
  size: number;
  ms: number;
  requests: number;
  peakRssMb: number;
}

const CASE = (process.env.CASE ?? 'everything') as CaseName;
if (!(CASE in OPERATIONS)) throw new Error(`CASE must be everything or app, not ${CASE}`);
const OPERATION = OPERATIONS[CASE].text;
/** How every answer without errors begins. */
const DATA_FIRST = Buffer.from('{"data":');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (process.argv[2] === 'child') {
  console.log(JSON.stringify(await measure(process.argv[3] as Arm, Number(process.argv[4]))));
} else if (process.argv[2] === 'resolvers') {
  console.log(JSON.stringify(await countResolverCalls(Number(process.argv[3]))));
} else {
  const arms = [...(process.env.ARMS ?? 'CEF')] as Arm[];
  const sizes = (process.env.SIZES ?? '1,10,100').split(',').map(Number);
  const rounds = Number(process.env.ROUNDS ?? 3);
  const baseline = process.env.BASELINE;
  // Each arm of this checkout, and of the baseline as `<arm>0`: the script of either tree, run in turn.
  const runs = arms.flatMap((arm) => [
    { label: arm, arm, script: fileURLToPath(import.meta.url) },
    ...(baseline ? [{ label: `${arm}0`, arm, script: `${baseline}/bench/in-process.ts` }] : []),
  ]);
  const results: Measured[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      for (const run of runs) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', run.script, 'child', run.arm, String(size)], {
          env: { ...process.env, NODE_ENV: 'production' },
          encoding: 'utf8',
        });
        results.push({ ...(JSON.parse(out.trim().split('\n').at(-1)!) as Measured), arm: run.label });
      }
    }
  }
  const labels = runs.map((run) => run.label);
  const at = (label: string, size: number) => results.filter((r) => r.arm === label && r.size === size);
  const cpu = (label: string, size: number) => median(at(label, size).map((r) => r.ms));
  const ratios = [
    ...(arms.includes('E')
      ? labels.filter((l) => l !== 'E' && l !== 'E0').map((l) => [`${l}/E`, l, 'E'] as const)
      : []),
    ...(baseline ? arms.map((a) => [`${a}/${a}0`, a, `${a}0`] as const) : []),
  ];
  const counted = sizes.map((size) => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), 'resolvers', String(size)],
      { encoding: 'utf8' },
    );
    return JSON.parse(out.trim().split('\n').at(-1)!) as number;
  });
  console.log(
    `resolver calls per answer (the gateway, arm C): ${sizes.map((size, i) => `${counted[i]} at ${size} events`).join(', ')}`,
  );
  console.log(
    `concurrency ${process.env.CONCURRENCY ?? 32}, median of ${rounds} processes per cell, CPU ms per request`,
  );
  console.log(
    `| events | ${labels.map((l) => `${l} ms`).join(' | ')} | ${ratios.map(([name]) => name).join(' | ')} | peak RSS MB ${labels.join(' / ')} |`,
  );
  for (const size of sizes) {
    const values = ratios.map(([, a, b]) => (cpu(a, size) / cpu(b, size)).toFixed(2));
    const rss = labels.map((l) => Math.max(...at(l, size).map((r) => r.peakRssMb)).toFixed(0));
    console.log(
      `| ${size} | ${labels.map((l) => cpu(l, size).toFixed(3)).join(' | ')} | ${values.join(' | ')} | ${rss.join(' / ')} |`,
    );
  }
}

async function measure(arm: Arm, size: number): Promise<Measured> {
  const page = buildPages([size]).get(size)!;
  const concurrency = Number(process.env.CONCURRENCY ?? 32);
  const durationMs = Number(process.env.DURATION_MS ?? 2000);
  const answer = arm === 'E' ? reference(page.bytes, page.viewer) : gateway(arm, page.bytes, page.viewer);
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: BENCH_AUTHORIZATION },
    body: JSON.stringify({ query: OPERATION, variables: { first: size } }),
  };
  const first = await answer('http://gateway/graphql', init);
  checkAnswer(arm, size, first.status, await first.text());
  let sent = 0;
  let peak = 0;
  const once = async () => {
    const response = await answer('http://gateway/graphql', init);
    // The bytes as a client gets them, not decoded: decoding is the client's work, not the server's.
    const bytes = Buffer.from(await response.arrayBuffer());
    if (++sent % 8 === 0) peak = Math.max(peak, process.memoryUsage.rss());
    if (response.status !== 200 || !bytes.subarray(0, 8).equals(DATA_FIRST)) {
      throw new Error(`${arm} answered ${response.status}: ${bytes.subarray(0, 300).toString()}`);
    }
  };
  // Keeps `concurrency` requests in flight until `ms` have passed; counts the answered ones.
  const load = async (ms: number) => {
    const until = performance.now() + ms;
    let answered = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          await once();
          answered++;
        }
      }),
    );
    return answered;
  };
  await load(durationMs / 2);
  peak = 0;
  const profiler = process.env.HEAP_PROF ? await startHeapProfile() : undefined;
  const cpuProfiler = process.env.CPU_PROF ? await startCpuProfile() : undefined;
  const before = process.cpuUsage();
  const requests = await load(durationMs);
  const used = process.cpuUsage(before);
  if (cpuProfiler) writeFileSync(`${process.env.CPU_PROF}/${arm}-${CASE}-${size}.cpuprofile`, await cpuProfiler());
  if (profiler) writeFileSync(`${process.env.HEAP_PROF}/${arm}-${size}-${requests}.heapprofile`, await profiler());
  return { arm, size, ms: (used.user + used.system) / 1000 / requests, requests, peakRssMb: peak / 2 ** 20 };
}

/** Throws unless `text` is an answer without errors holding a page of `size` events. */
function checkAnswer(arm: string, size: number, status: number, text: string): void {
  const body = JSON.parse(text) as { errors?: unknown; data?: { dmEvents?: { edges?: unknown[] } } };
  if (status !== 200 || body.errors !== undefined || body.data?.dmEvents?.edges?.length !== size)
    throw new Error(`${arm} answered ${status}: ${text.slice(0, 300)}`);
}

/** Starts V8's CPU profiler; the function returned stops it and gives the profile's JSON. */
async function startCpuProfile(): Promise<() => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return JSON.stringify(profile);
  };
}

/** Starts sampling allocations, the collected ones too; the function returned stops and gives the profile's JSON. */
async function startHeapProfile(): Promise<() => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    return JSON.stringify(profile);
  };
}

/** How many field resolvers one arm-C answer of `size` events runs: every resolver of the schema, counted. */
async function countResolverCalls(size: number): Promise<number> {
  let calls = 0;
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (resolve) field.resolve = (...args) => ((calls += 1), resolve(...args));
    }
  }
  const page = buildPages([size]).get(size)!;
  const answer = gateway('C', page.bytes, page.viewer);
  const response = await answer('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: BENCH_AUTHORIZATION },
    body: JSON.stringify({ query: OPERATION, variables: { first: size } }),
  });
  checkAnswer('C', size, response.status, await response.text());
  return calls;
}

/**
 * X's answers as bytes, by path and query string: the page for `GET /2/dm_events`, the viewer for `GET /2/users/me`,
 * the lookups by ids built once per query string, as the fixed upstream serves them.
 */
function xAnswers(bytes: Buffer, viewer: { id: string; name: string; username: string }) {
  const me = Buffer.from(JSON.stringify({ data: viewer }));
  const lookups = buildLookups();
  const built = new Map<string, Buffer>();
  return (path: string, query: URLSearchParams): Buffer => {
    if (path === '/2/dm_events') return bytes;
    if (path === '/2/users/me') return me;
    if (path !== '/2/users' && path !== '/2/tweets') throw new Error(`No answer for ${path}`);
    const key = `${path}?${query.toString()}`;
    let answer = built.get(key);
    if (!answer) {
      answer = Buffer.from(JSON.stringify(lookups.answer(path === '/2/users' ? 'users' : 'tweets', query)));
      built.set(key, answer);
    }
    return answer;
  };
}

function reference(bytes: Buffer, viewer: { id: string; name: string; username: string }) {
  const answers = xAnswers(bytes, viewer);
  const yoga = createReference(<T>(path: string) => {
    const q = path.indexOf('?');
    const body = answers(q < 0 ? path : path.slice(0, q), new URLSearchParams(q < 0 ? '' : path.slice(q + 1)));
    return Promise.resolve(JSON.parse(body.toString()) as T);
  });
  return (url: string, init: RequestInit) => yoga.fetch(url, init);
}

function searchParams(query: UpstreamRequest['query']): URLSearchParams {
  return new URLSearchParams(
    Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function gateway(arm: Arm, bytes: Buffer, viewer: { id: string; name: string; username: string }) {
  const answers = xAnswers(bytes, viewer);
  const resetAt = new Date(Date.now() + 900_000);
  const transport: UpstreamTransport = {
    get: <T>(request: UpstreamRequest) =>
      Promise.resolve({
        status: 200,
        body: JSON.parse(answers(request.path, searchParams(request.query)).toString()) as T,
        rateLimit: { limit: 1_000_000, remaining: 999_999, resetAt },
      }),
  };
  const startedAt = Date.now();
  const instance = createGateway({
    upstream: transport,
    dialect: 'tweets',
    store: arm === 'F' ? 'memory' : 'off',
    ...(arm === 'F' && { freshnessMs: 3_600_000, now: () => BENCH_NOW.getTime() + (Date.now() - startedAt) }),
    maxUpstreamRequests: 1000,
    jit: process.env.JIT !== '0',
    logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }, { write: () => {} }),
  });
  return (url: string, init: RequestInit) => instance.fetch(url, init);
}
