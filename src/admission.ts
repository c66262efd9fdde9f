/**
 * GraphQL requests let in a few at a time while the process is busy.
 *
 * A request holds what X answered (a 100-event page parses to about half a megabyte) from the moment the page comes
 * until its answer is written. When the CPU is the limit, every request in flight waits its turn behind all the others
 * at each step, so the more run at once, the longer each one holds its data. At 32 at once on two cores a request
 * lived through about five young-generation collections, most of what it held was promoted to the old generation
 * (about 500 kB a request at 100 events), and the old generation filled and was marked every 35 requests.
 *
 * So while the event loop is busy, at most `floor` GraphQL requests are handled at once and the others wait their turn,
 * first come first served, before anything reads them: a waiting request holds only Node's own request object. The CPU
 * was the limit, so throughput stays what it was, and a request let in finishes before its data is promoted. While the
 * loop has idle time, for instance because the requests let in are waiting on X, the number let in doubles each window
 * (10 ms) until the queue is empty; once the loop is busy again it comes back down by one each window, to `floor`.
 * A slow X never caps how many requests run.
 *
 * Waiting happens in front of yoga, at the Node listener. Holding requests back anywhere inside yoga (before execution,
 * or in an `onRequest` hook) saved none of this: measured, the pages were promoted as before.
 *
 * Only requests for an answer are held back, and only while recent answers are large (`admittedListener`). Streams
 * (Server-Sent Events, `multipart/mixed`) stay open for as long as a subscription lasts and go straight through, as does
 * everything outside the GraphQL endpoint (media, health, metrics).
 * A request whose client goes away while it waits is never handled, so it never calls X.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface AdmissionOptions {
  /** Requests handled at once even while the process is busy. @default 4 */
  floor?: number;
  /**
   * The event loop's utilisation (0 to 1) over a window that has just ended, or undefined while a window lasts.
   * @default `performance.eventLoopUtilization` over windows of 10 ms
   */
  loopLoad?: () => number | undefined;
  /** How often the queue is looked at again, in milliseconds, while requests wait and none finishes. @default 10 */
  recheckMs?: number;
  /** Told how many requests wait, each time that changes. */
  onWaiting?: (waiting: number) => void;
  /**
   * Requests are held back only while the moving average of recent answers' sizes is this or more (`admittedListener`).
   * @default 65536
   */
  largeAnswerBytes?: number;
}

/** Answers this large or larger, on a moving average, are what requests are held back for. */
const LARGE_ANSWER_BYTES = 64 * 1024;
/** Above this share of a window spent working, the event loop counts as busy. */
const BUSY_ABOVE = 0.9;
const WINDOW_MS = 10;
/** How many requests may ever be let in at once, however idle the loop. */
const MOST = 4096;

/** The event loop's utilisation over each `windowMs`: a number once a window has passed, undefined within one. */
export function eventLoopLoad(windowMs = WINDOW_MS): () => number | undefined {
  let last = performance.eventLoopUtilization();
  let lastAt = performance.now();
  return () => {
    const now = performance.now();
    if (now - lastAt < windowMs) return undefined;
    const current = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(current, last);
    last = current;
    lastAt = now;
    return utilization;
  };
}

interface Waiter {
  readonly start: () => void;
  readonly gone: () => void;
}

export class Admission {
  readonly #floor: number;
  readonly #loopLoad: () => number | undefined;
  readonly #recheckMs: number;
  readonly #onWaiting: ((waiting: number) => void) | undefined;
  /** `AdmissionOptions.largeAnswerBytes`, as given or its default. */
  readonly largeAnswerBytes: number;
  readonly #waiting: Waiter[] = [];
  #limit: number;
  #running = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: AdmissionOptions = {}) {
    this.#floor = options.floor ?? 4;
    if (!Number.isInteger(this.#floor) || this.#floor < 1)
      throw new RangeError('admission floor: a whole number, 1 or more');
    this.#limit = this.#floor;
    this.#loopLoad = options.loopLoad ?? eventLoopLoad();
    this.#recheckMs = options.recheckMs ?? WINDOW_MS;
    this.#onWaiting = options.onWaiting;
    this.largeAnswerBytes = options.largeAnswerBytes ?? LARGE_ANSWER_BYTES;
  }

  /** Requests being handled now. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** How many requests are let in at once now. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Calls `handle` now if there is room, else when this request's turn comes, unless `res` closes first (the client
   * went away): then never. `handle`'s promise settling, or `res` closing, frees the place.
   */
  admit(res: ServerResponse, handle: () => unknown): void {
    if (res.closed) return;
    if (this.#waiting.length === 0 && this.#hasRoom()) {
      this.#start(res, handle);
      return;
    }
    const waiter: Waiter = {
      start: () => {
        res.off('close', waiter.gone);
        this.#start(res, handle);
      },
      gone: () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) {
          this.#waiting.splice(at, 1);
          this.#onWaiting?.(this.#waiting.length);
        }
      },
    };
    res.once('close', waiter.gone);
    this.#waiting.push(waiter);
    this.#onWaiting?.(this.#waiting.length);
    this.#recheckLater();
  }

  /** Stops looking at the queue on a timer; requests still waiting start as running ones finish. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #hasRoom(): boolean {
    const load = this.#loopLoad();
    if (load !== undefined) {
      if (load > BUSY_ABOVE) this.#limit = Math.max(this.#floor, this.#limit - 1);
      else if (this.#waiting.length > 0) this.#limit = Math.min(MOST, this.#limit * 2);
    }
    return this.#running < this.#limit;
  }

  #start(res: ServerResponse, handle: () => unknown): void {
    this.#running++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      res.off('close', finish);
      this.#running--;
      this.#letIn();
    };
    res.once('close', finish);
    try {
      Promise.resolve(handle()).then(finish, finish);
    } catch {
      finish();
    }
  }

  #letIn(): void {
    const before = this.#waiting.length;
    while (this.#waiting.length > 0 && this.#hasRoom()) this.#waiting.shift()!.start();
    if (this.#waiting.length !== before) this.#onWaiting?.(this.#waiting.length);
    if (this.#waiting.length === 0) this.close();
  }

  /** While requests wait and none finishes (all wait on X, say), the loop's idle time is what lets more in. */
  #recheckLater(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#letIn(), this.#recheckMs);
    this.#timer.unref();
  }
}

/** Whether a request asks for a stream (a subscription over SSE, or incremental delivery) rather than one answer. */
function asksForStream(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return accept !== undefined && (accept.includes('text/event-stream') || accept.includes('multipart/mixed'));
}

/** Weight of each new answer in the moving average of their sizes: about the last 20 count. */
const AVERAGE_WEIGHT = 0.1;

/**
 * A Node request listener: GraphQL requests for one answer at `endpoint` go through `admission` while recent answers
 * are large, everything else straight to `listener`.
 *
 * A request holds about what it answers (X's page, the answer built from it), so only large answers are worth holding
 * requests back for. Small ones finish before a young-generation collection could promote what they hold, and letting
 * them in together is cheaper: at 1 event a page, holding them back to four at a time cost 10 to 20% more CPU a
 * request. The size of each answer (the bytes written on its socket) goes into a moving average of the last twenty or
 * so; requests wait their turn only while that average is `admission.largeAnswerBytes` or more.
 */
export function admittedListener(
  admission: Admission,
  endpoint: string,
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
): (req: IncomingMessage, res: ServerResponse) => void {
  let averageBytes = 0;
  return (req, res) => {
    const url = req.url ?? '';
    const onEndpoint = url === endpoint || url.startsWith(`${endpoint}?`);
    if (!onEndpoint || asksForStream(req)) {
      void listener(req, res);
      return;
    }
    const { socket } = res;
    const before = socket?.bytesWritten ?? 0;
    res.once('finish', () => {
      averageBytes += ((socket?.bytesWritten ?? before) - before - averageBytes) * AVERAGE_WEIGHT;
    });
    if (averageBytes >= admission.largeAnswerBytes) admission.admit(res, () => listener(req, res));
    else void listener(req, res);
  };
}
