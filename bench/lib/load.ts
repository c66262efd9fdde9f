/**
 * One load run with autocannon from the bench process.
 *
 * The run is drained, not cut: after `durationS` every connection stops sending and waits for the answer it is
 * waiting for, so no request is abandoned half-served. The server's CPU time over the run then belongs to exactly
 * the answered requests, and so do the upstream calls (a cut run leaves up to `connections` requests in flight,
 * which a server at 20 req/s and 32 connections would count as a third of its work). Requests per second count the
 * answers within `durationS`.
 *
 * Latencies come from autocannon's `response` events: its own histogram keeps whole milliseconds, too coarse for
 * sub-millisecond answers.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface LoadResult {
  /** Answers with a 2xx status, drain included. */
  readonly ok: number;
  /** Other statuses, errors and timeouts. */
  readonly failed: number;
  /** 2xx answers within `durationS`, per second. */
  readonly rps: number;
  /** Milliseconds, over every 2xx answer. */
  readonly p50: number;
  readonly p99: number;
}

/** Longest a drain may take before autocannon cuts the run after all. */
const DRAIN_LIMIT_S = 60;

/** The part of autocannon's client the drain needs. */
interface AutocannonClient {
  reqsMade: number;
  responseMax?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export async function load(
  baseUrl: string,
  request: LoadRequest,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const clients: AutocannonClient[] = [];
  let inWindow = 0;
  let draining = false;
  const started = performance.now();
  const instance = autocannon({
    url: baseUrl + request.path,
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
    connections,
    pipelining: 1,
    duration: durationS + DRAIN_LIMIT_S,
    sampleInt: 50,
    timeout: 30,
    setupClient: (client: unknown) => {
      clients.push(client as AutocannonClient);
    },
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 200 || statusCode >= 300) return;
    latencies.push(responseTime);
    if (!draining) inWindow++;
  });
  let windowS = durationS;
  const timer = setTimeout(() => {
    draining = true;
    windowS = (performance.now() - started) / 1000;
    // A client past its `responseMax` closes after the answer it waits for, instead of sending another request.
    for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
  }, durationS * 1000);
  const result = await instance;
  clearTimeout(timer);
  latencies.sort((a, b) => a - b);
  return {
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    rps: inWindow / windowS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
