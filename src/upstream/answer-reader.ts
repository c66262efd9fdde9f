/**
 * Reads one answer of X as undici's dispatcher hands it over: its status, headers and body, the status and rate limit
 * into the call's state as well, for `onCall`. No stream and no async iteration: a handler is all a whole body needs.
 *
 * A JSON answer's body is decoded and parsed the moment its last chunk arrives, in the socket's own callback, and a
 * body of several chunks is joined in one buffer kept for the purpose rather than in a new one per answer. A 100-event
 * page is some 300 kB: a buffer of its own per call stays until V8 collects its wrapper (at 100 events the gateway
 * peaked with 35 to 39 MB of such memory, now 8 to 26), and text decoded here but parsed a promise later often
 * outlived a young-generation collection (900 kB promoted a request instead of 530; `CASE=app SIZE=100 ARMS=C npm run
 * bench:gc`).
 */
import { errors, type Dispatcher } from 'undici';
import { unwatchAbort, watchAbort } from './abort-watch.js';
import { BodyDeadlineError, BodyTooLargeError } from './failures.js';
import { firstHeader, type ResponseHeaders } from './headers.js';
import { parseRateLimit, type RateLimit } from './rate-limit.js';

/** A problem body is a few hundred bytes; a larger error answer (an HTML page) is only read this far for it. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The buffer bodies of several chunks are joined in, kept between answers up to this size. */
const KEPT_JOIN_BYTES = 4 * 2 ** 20;
let joinBuffer = Buffer.allocUnsafe(0);

/** The chunks' text as UTF-8 (decoding the whole, so a character split across chunks stays whole). */
export function decodeChunks(chunks: readonly Buffer[], size: number): string {
  if (chunks.length <= 1) return chunks[0]?.toString('utf8') ?? '';
  const buffer = size <= joinBuffer.length ? joinBuffer : Buffer.allocUnsafe(Math.max(size, 2 * joinBuffer.length));
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(buffer, at);
  if (buffer.length <= KEPT_JOIN_BYTES) joinBuffer = buffer;
  return buffer.toString('utf8', 0, size);
}

/** What one call has learned so far; `onCall` reports it whether the call succeeds or fails. */
export interface CallState {
  status: number | undefined;
  rateLimit: RateLimit | undefined;
}

/** How a body is read: as the bytes that came (media), or as JSON. */
export type BodyMode = 'bytes' | 'json';

/** A body as read. An error answer's body is empty when it could not be read whole. */
export type Body =
  | { readonly kind: 'empty' }
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'not json'; readonly cause: unknown };

const EMPTY: Body = { kind: 'empty' };

/** X's answer as `AnswerReader` gives it. */
export interface Answer {
  status: number;
  headers: ResponseHeaders;
  body: Body;
}

function readBody(mode: BodyMode, chunks: readonly Buffer[], size: number): Body {
  if (size === 0) return EMPTY;
  if (mode === 'bytes') return { kind: 'bytes', bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
  try {
    return { kind: 'json', value: JSON.parse(decodeChunks(chunks, size)) };
  } catch (cause) {
    return { kind: 'not json', cause };
  }
}

/**
 * The dispatch handler of one call. The body is read under a size cap and within `timeoutMs` in all (undici's body
 * timeout only bounds each pause), and the request is aborted, freeing its socket, as soon as either is exceeded. A
 * success's body fails the call then; an error answer's body only loses its problem (the status decides the error), so
 * it resolves with no bytes. The caller's signal aborting ends the call at once with its reason, whether or not the
 * request has left.
 */
export class AnswerReader implements Dispatcher.DispatchHandler {
  readonly #state: CallState;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #mode: BodyMode;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #headers: ResponseHeaders = {};
  #abortReason: Error | undefined;
  #settled = false;
  #limit = 0;
  #chunks: Buffer[] = [];
  #size = 0;
  #deadline: NodeJS.Timeout | undefined;

  constructor(
    state: CallState,
    limits: { maxBytes: number; timeoutMs: number },
    mode: BodyMode,
    signal: AbortSignal | undefined,
    resolve: (answer: Answer) => void,
    reject: (error: unknown) => void,
  ) {
    this.#state = state;
    this.#maxBytes = limits.maxBytes;
    this.#timeoutMs = limits.timeoutMs;
    this.#mode = mode;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    if (signal) watchAbort(signal, this.#onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (this.#settled || statusCode < 200) return;
    this.#state.status = statusCode;
    this.#headers = headers;
    this.#state.rateLimit = parseRateLimit(headers);
    this.#limit = statusCode < 300 ? this.#maxBytes : Math.min(this.#maxBytes, MAX_ERROR_BODY_BYTES);
    if (Number(firstHeader(headers, 'content-length')) > this.#limit) {
      this.#stop(new BodyTooLargeError(this.#limit, statusCode));
      return;
    }
    // Armed once the bytes read with the headers are taken in: an answer that came whole with them needs no timer.
    queueMicrotask(this.#armDeadline);
  }

  readonly #armDeadline = (): void => {
    if (this.#settled) return;
    const status = this.#state.status!;
    this.#deadline = setTimeout(() => this.#stop(new BodyDeadlineError(status)), this.#timeoutMs);
  };

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.length;
    if (this.#size > this.#limit) this.#stop(new BodyTooLargeError(this.#limit, this.#state.status!));
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    const chunks = this.#chunks;
    const size = this.#size;
    this.#settle();
    this.#answer(readBody(this.#mode, chunks, size));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#settled) this.#fail(error);
  }

  readonly #onAbort = (): void => {
    const reason = (this.#signal!.reason as Error | undefined) ?? new errors.RequestAbortedError();
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    if (!this.#settled) {
      this.#settle();
      this.#reject(reason);
    }
  };

  /** Gives up on the body (the call fails, or an error answer goes on without its problem) and frees the socket. */
  #stop(error: Error): void {
    this.#fail(error);
    this.#controller?.abort(error);
  }

  #fail(error: unknown): void {
    const status = this.#state.status;
    this.#settle();
    if (status !== undefined && (status < 200 || status >= 300)) this.#answer(EMPTY);
    else this.#reject(error);
  }

  #answer(body: Body): void {
    this.#resolve({ status: this.#state.status!, headers: this.#headers, body });
  }

  #settle(): void {
    this.#settled = true;
    this.#chunks = [];
    clearTimeout(this.#deadline);
    if (this.#signal) unwatchAbort(this.#signal, this.#onAbort);
  }
}
