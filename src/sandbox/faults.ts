/**
 * Injected failures: the next N requests answer with a fault, before auth and routing, so a client's handling of
 * every way an upstream can fail is testable offline; `after-write` faults fail the next N writes after doing them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusProblem } from './problems.js';
import type { RateLimitState } from './rate-limit.js';
import type { Fault, RecordedRequest } from './types.js';

export const DEFAULT_OVERSIZED_BYTES = 16 * 1024 * 1024;
export const DEFAULT_SLOW_DELAY_MS = 1000;
const OVERSIZED_CHUNK = 64 * 1024;
/** What slow-body drips: a whole, valid answer (X's empty page), so a patient client could parse it. */
const SLOW_BODY = '{"meta":{"result_count":0}}';
const SLOW_CHUNK_BYTES = 4;
const TRUNCATED_JSON = '{"data":[{"id":"1146654567674912769","event_type":"MessageCreate","text":"Hello th';
const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n';

type Queue<F> = { fault: F | undefined; left: number }[];
type AfterWrite = Extract<Fault, { type: 'after-write' }>;

function push<F>(queue: Queue<F>, fault: F, times: number, after: number): void {
  if (after > 0) queue.push({ fault: undefined, left: after });
  if (times > 0) queue.push({ fault, left: times });
}

function shift<F>(queue: Queue<F>): F | undefined {
  const head = queue[0];
  if (!head) return undefined;
  if (--head.left <= 0) queue.shift();
  return head.fault;
}

/**
 * Two queues: faults for the requests arriving next (answered before anything is done), and `after-write` faults for
 * the writes that take effect next (answered once the write is done).
 */
export class FaultQueue {
  /** Faults in order; an entry without a fault lets requests through (the `after` of `add`). */
  private queue: Queue<Fault> = [];
  private afterWrite: Queue<AfterWrite> = [];

  /** `times` requests (writes, for `after-write`) get `fault`, after `after` answered as usual. */
  add(fault: Fault, times: number, after = 0): void {
    if (fault.type === 'after-write') push(this.afterWrite, fault, times, after);
    else push(this.queue, fault, times, after);
  }

  clear(): void {
    this.queue = [];
    this.afterWrite = [];
  }

  /** The fault for the request arriving now, if one is queued. */
  take(): Fault | undefined {
    return shift(this.queue);
  }

  /** The fault for the write that has just taken effect, if one is queued. */
  takeAfterWrite(): AfterWrite | undefined {
    return shift(this.afterWrite);
  }
}

/** The failure an `after-write` fault answers with, as a fault of its own. */
function failureOf({ then }: AfterWrite): Fault {
  if (then === 'reset') return { type: 'reset' };
  if (then === 'hang') return { type: 'hang' };
  return { type: 'status', status: then };
}

export interface FaultContext {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  /** The rate-limit headers a 429 fault reports. */
  exhausted: () => RateLimitState;
  /** Registers a cleanup that `close()` runs (timers of streamed answers). */
  onClose: (cleanup: () => void) => () => void;
}

function head(ctx: FaultContext, status: number, headers: Record<string, string | number>): void {
  ctx.record.status = status;
  ctx.res.writeHead(status, headers);
}

export function answerWithFault(fault: Fault, ctx: FaultContext): void {
  const { res } = ctx;
  switch (fault.type) {
    case 'status': {
      const body = JSON.stringify(statusProblem(fault.status));
      const extra: Record<string, string | number> = {};
      if (fault.status === 429) {
        const state = ctx.exhausted();
        extra['x-rate-limit-limit'] = state.limit;
        extra['x-rate-limit-remaining'] = 0;
        extra['x-rate-limit-reset'] = state.reset;
      }
      head(ctx, fault.status, {
        'content-type': 'application/problem+json',
        'content-length': Buffer.byteLength(body),
        ...extra,
      });
      res.end(body);
      return;
    }
    case 'hang':
      // Never answered; close() destroys the socket.
      return;
    case 'reset': {
      const socket = ctx.req.socket;
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    case 'invalid-json':
      head(ctx, 200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(TRUNCATED_JSON),
      });
      res.end(TRUNCATED_JSON);
      return;
    case 'html':
      head(ctx, 502, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(HTML_PAGE) });
      res.end(HTML_PAGE);
      return;
    case 'empty':
      head(ctx, 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': 0 });
      res.end();
      return;
    case 'oversized':
      streamOversized(ctx, fault.bytes ?? DEFAULT_OVERSIZED_BYTES);
      return;
    case 'slow-body':
      dripSlowly(ctx, fault.delayMs ?? DEFAULT_SLOW_DELAY_MS);
      return;
    case 'after-write':
      answerWithFault(failureOf(fault), ctx);
      return;
  }
}

/**
 * A valid JSON answer of exactly `bytes` bytes (when `bytes` exceeds the envelope), sent chunked without a length,
 * so only a client that counts what it reads notices the size.
 */
function streamOversized(ctx: FaultContext, bytes: number): void {
  const prefix = '{"data":[{"id":"1146654567674912769","event_type":"MessageCreate","text":"';
  const suffix = '"}],"meta":{"result_count":1}}';
  let fill = Math.max(0, bytes - prefix.length - suffix.length);
  const { res } = ctx;
  head(ctx, 200, { 'content-type': 'application/json; charset=utf-8' });
  res.write(prefix);
  const block = 'x'.repeat(OVERSIZED_CHUNK);
  let stopped = false;
  const stop = ctx.onClose(() => {
    stopped = true;
  });
  const pump = (): void => {
    while (!stopped && !res.destroyed && fill > 0) {
      const size = Math.min(fill, OVERSIZED_CHUNK);
      fill -= size;
      if (!res.write(size === OVERSIZED_CHUNK ? block : block.slice(0, size))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!stopped && !res.destroyed) res.end(suffix);
    stop();
  };
  res.on('close', () => {
    stopped = true;
    stop();
  });
  pump();
}

/** Headers at once, then a few bytes every `delayMs`. */
function dripSlowly(ctx: FaultContext, delayMs: number): void {
  const { res } = ctx;
  head(ctx, 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(SLOW_BODY) });
  res.flushHeaders();
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return finish();
    const chunk = SLOW_BODY.slice(sent, sent + SLOW_CHUNK_BYTES);
    sent += chunk.length;
    if (sent >= SLOW_BODY.length) {
      res.end(chunk);
      finish();
    } else {
      res.write(chunk);
    }
  }, delayMs);
  const stop = ctx.onClose(() => clearInterval(timer));
  const finish = (): void => {
    clearInterval(timer);
    stop();
  };
  res.on('close', finish);
}
