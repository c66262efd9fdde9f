/**
 * The bench process's side of the server children: fork one (with an IPC channel), wait for its port, ask for its CPU
 * and memory, stop it.
 *
 * Every child runs as JavaScript, the way a Node service is deployed: each `children/*.ts` is bundled once per bench
 * process with esbuild (our code only; packages stay in node_modules) into `.bench-build/`, one level below the root
 * like `src/`, so paths the code finds from its own file (`../schema/...`) still resolve. Under tsx, each process
 * would also carry the loader's own thread and compile cache, about 50 MB of RSS that no deployment has.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startNodeFlags } from '../../scripts/start-command.js';
import type { ChildMessage, ChildStats } from '../children/child.js';

export type ChildName = 'upstream' | 'proxy' | 'gateway' | 'mesh' | 'reference' | 'gateway-memory';

export interface ServerChild {
  readonly name: ChildName;
  readonly pid: number;
  readonly url: string;
  readonly info: Record<string, unknown>;
  /** The child's standard output, when `startChild` was asked to pipe it. */
  readonly stdout: Readable | null;
  stats(resetPeak?: boolean): Promise<ChildStats>;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILDREN: readonly ChildName[] = ['upstream', 'proxy', 'gateway', 'mesh', 'reference', 'gateway-memory'];
const GATEWAY_CHILDREN: readonly ChildName[] = ['gateway', 'gateway-memory'];

const built = new Map<string, Promise<unknown>>();

/**
 * Bundles every child of the checkout at `root` (this one by default) into its `.bench-build/`, once per process.
 * Another checkout (a `git worktree` of an earlier commit, with this one's `node_modules` linked in) runs its own code
 * under this bench's load, for before/after pairs over HTTP.
 */
function buildChildren(root: string): Promise<unknown> {
  let building = built.get(root);
  if (building) return building;
  building = build({
    entryPoints: CHILDREN.map((name) => `${root}bench/children/${name}.ts`),
    outdir: `${root}.bench-build`,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  built.set(root, building);
  return building;
}

function gatewayNodeFlags(): readonly string[] {
  const flags = process.env.BENCH_GATEWAY_NODE_FLAGS;
  return flags === undefined ? startNodeFlags() : flags.split(' ').filter(Boolean);
}

export interface StartOptions {
  /** Node flags after the ones the bench gives this child. */
  readonly extraFlags?: readonly string[];
  /** For the gateway's children: node flags in place of `npm start`'s (or `BENCH_GATEWAY_NODE_FLAGS`). */
  readonly gatewayFlags?: readonly string[];
  /** Environment variables over the bench's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Pipe the child's standard output to `ServerChild.stdout` (by default it goes nowhere). */
  readonly pipeStdout?: boolean;
  readonly timeoutMs?: number;
  /** Another checkout whose own children run (see `buildChildren`); this one by default. */
  readonly checkout?: string;
}

export async function startChild(
  name: ChildName,
  args: string[] = [],
  options: StartOptions = {},
): Promise<ServerChild> {
  const { timeoutMs = 60_000 } = options;
  const root = options.checkout?.replace(/\/?$/, '/') ?? ROOT;
  await buildChildren(root);
  const child: ChildProcess = fork(`${root}.bench-build/${name}.js`, args, {
    cwd: root,
    // BENCH_NODE=/path/to/node runs every child on that node binary (another Node version); the bench's own node by default.
    execPath: process.env.BENCH_NODE || process.execPath,
    execArgv: [
      // The gateway's children run with the node flags `npm start` uses (its heap policy), or BENCH_GATEWAY_NODE_FLAGS
      // to try others; the other servers with node's own.
      ...(GATEWAY_CHILDREN.includes(name) ? (options.gatewayFlags ?? gatewayNodeFlags()) : []),
      // BENCH_CPU_PROF=<dir> writes each server's V8 CPU profile there when it stops (not the upstream's).
      ...(process.env.BENCH_CPU_PROF && name !== 'upstream'
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
      ...(options.extraFlags ?? []),
    ],
    // As deployed: production mode, the gateway's default log level (one line per request) unless BENCH_LOG_LEVEL
    // says otherwise. Standard output goes nowhere, so the log lines cost what writing them costs and no more.
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...(process.env.BENCH_LOG_LEVEL && { LOG_LEVEL: process.env.BENCH_LOG_LEVEL }),
      ...options.env,
    },
    stdio: ['ignore', options.pipeStdout ? 'pipe' : 'ignore', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (stats: ChildStats) => void>();
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const ready = await new Promise<{ port: number; info: Record<string, unknown> }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ port: message.port, info: message.info ?? {} });
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(message.reason));
      } else if (message.type === 'stats') {
        waiting.get(message.id)?.(message.stats);
        waiting.delete(message.id);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (${signal ?? code})`));
    });
  });

  return {
    name,
    pid: child.pid!,
    url: `http://127.0.0.1:${ready.port}`,
    info: ready.info,
    stdout: child.stdout,
    stats(resetPeak = false) {
      if (exited) return Promise.reject(new Error(`${name} has exited`));
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.send({ type: 'stats', id, resetPeak });
      });
    },
    async stop() {
      if (exited) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
