/**
 * A request's signal, watched by its calls to X at little cost.
 *
 * The request's signal is yoga's on Node: a Proxy whose every property read and write turns the key into a string and
 * takes V8's slow path. `CallerSignal` follows it with a signal of Node's own, made when a call first needs it and
 * shared by every X session of the request: one listener on the Proxy, and nothing else reads it. Each call watches
 * that signal for as long as it lasts through `watchAbort`: one listener shared by all of them, added by the first and
 * never removed (it goes with the signal).
 */
const WATCHERS = Symbol('abort watchers');

type Watched = AbortSignal & { [WATCHERS]?: Set<() => void> };

/**
 * Calls `onAbort` when `signal` aborts, unless `unwatchAbort` came first. Like `addEventListener`, it does not call it
 * for a signal that has already aborted: check `signal.aborted` first. The watchers live on the signal itself, not in
 * a `WeakMap`: V8's young-generation collector keeps a `WeakMap` entry alive until the next full collection, so each
 * request's signal would be promoted to the old space.
 */
export function watchAbort(signal: AbortSignal, onAbort: () => void): void {
  const watched = signal as Watched;
  let watching = watched[WATCHERS];
  if (!watching) {
    const all = new Set<() => void>();
    watched[WATCHERS] = all;
    signal.addEventListener(
      'abort',
      () => {
        for (const watcher of all) watcher();
        all.clear();
      },
      { once: true },
    );
    watching = all;
  }
  watching.add(onAbort);
}

export function unwatchAbort(signal: AbortSignal, onAbort: () => void): void {
  (signal as Watched)[WATCHERS]?.delete(onAbort);
}

/** The caller going away, as a signal of Node's own that follows the request's, made on first use. */
export class CallerSignal {
  readonly #source: AbortSignal;
  #own: AbortSignal | undefined;

  constructor(source: AbortSignal) {
    this.#source = source;
  }

  get signal(): AbortSignal {
    if (!this.#own) {
      const source = this.#source;
      if (source.aborted) {
        this.#own = AbortSignal.abort(source.reason);
      } else {
        const controller = new AbortController();
        source.addEventListener('abort', () => controller.abort(source.reason), { once: true });
        this.#own = controller.signal;
      }
    }
    return this.#own;
  }
}
