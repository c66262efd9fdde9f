/**
 * What every benchmark server process shares: it listens on 127.0.0.1 (a free port), tells the bench process
 * `{ type: 'ready', port }` over the IPC channel, and answers `{ type: 'stats' }` with its own CPU time and memory, so
 * the numbers are the server's alone and the load never sees the probe (it is not an HTTP endpoint).
 *
 * Peak RSS is sampled every 20 ms; `{ type: 'stats', resetPeak: true }` starts a new peak after answering. Garbage
 * collections are counted from `perf_hooks`' `gc` entries.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver, constants } from 'node:perf_hooks';

export interface ChildStats {
  /** `process.cpuUsage()`: user and system CPU time since start, in microseconds. */
  cpuUser: number;
  cpuSystem: number;
  rss: number;
  /** Highest RSS seen since the last reset. */
  peakRss: number;
  /** V8's heap (`heapTotal`) and the memory of buffers and other objects outside it (`external`) at that peak. */
  peakHeapTotal: number;
  peakExternal: number;
  heapUsed: number;
  /** Full (mark-compact) collections since start. */
  gcFull: number;
  /** Time the main thread spent paused by collections of any kind since start, in milliseconds. */
  gcPauseMs: number;
  /** Anything the server adds (the upstream's request counts). */
  extra?: Record<string, unknown>;
}

export type ParentMessage = { type: 'stats'; id: number; resetPeak?: boolean } | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready'; port: number; info?: Record<string, unknown> }
  | { type: 'stats'; id: number; stats: ChildStats }
  | { type: 'failed'; reason: string };

const SAMPLE_MS = 20;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Reports a start-up failure to the bench process and exits. */
export function fail(reason: string): never {
  send({ type: 'failed', reason });
  process.exit(1);
}

/** Listens, reports ready, and serves the stats and stop messages. */
export async function runChild(
  server: Server,
  options: { info?: Record<string, unknown>; extra?: () => Record<string, unknown>; close?: () => Promise<void> } = {},
): Promise<void> {
  if (!process.send) throw new Error('Start this file from the benchmark (it needs an IPC channel).');
  let peak = 0;
  let atPeak = { heapTotal: 0, external: 0 };
  /** Samples RSS, and what V8's heap and the buffers held when it is the highest yet. */
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss <= peak) return;
    peak = rss;
    const { heapTotal, external } = process.memoryUsage();
    atPeak = { heapTotal, external };
  };
  sample();
  const gc = { full: 0, pauseMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.full += 1;
      gc.pauseMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(sample, SAMPLE_MS).unref();

  // Keep-alive sockets of the load generator must not hold the server open after `stop`.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      sample();
      const memory = process.memoryUsage();
      const stats: ChildStats = {
        cpuUser: cpu.user,
        cpuSystem: cpu.system,
        rss: memory.rss,
        peakRss: peak,
        peakHeapTotal: atPeak.heapTotal,
        peakExternal: atPeak.external,
        heapUsed: memory.heapUsed,
        gcFull: gc.full,
        gcPauseMs: gc.pauseMs,
        ...(options.extra && { extra: options.extra() }),
      };
      if (message.resetPeak) {
        peak = 0;
        sample();
      }
      send({ type: 'stats', id: message.id, stats });
    } else if (message.type === 'stop') {
      server.closeAllConnections();
      server.close();
      void (options.close?.() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
  // The bench process went away: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port, ...(options.info && { info: options.info }) });
}

/** The upstream origin a server child is given as its first argument. */
/**
 * The gateway's admission (`src/plugins/admission.ts`) as `BENCH_ADMISSION` sets it: `off`, or a floor; unset, the
 * gateway's default.
 */
export function admissionEnv(): { admission?: false | { floor: number } } {
  const value = process.env.BENCH_ADMISSION;
  if (value === undefined || value === '') return {};
  if (value === 'off') return { admission: false };
  const floor = Number(value);
  if (!(floor >= 1)) fail(`BENCH_ADMISSION: off or a number of operations, not ${value}`);
  return { admission: { floor } };
}

export function upstreamArg(): string {
  const url = process.argv[2];
  if (!url) fail('usage: <child> <upstream origin>');
  return url;
}
