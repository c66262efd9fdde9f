/**
 * One `abort` listener per signal, shared by every call that watches it.
 *
 * A request's signal is yoga's on Node: a Proxy whose every property read turns the key into a string, and adding or
 * removing a listener reads a dozen of them. A request makes several calls to X and each watches the signal for as
 * long as it lasts; here they share one listener, added by the first and never removed (it goes with the signal).
 *
 * The watchers live on the signal itself, not in a `WeakMap`: V8's young-generation collector keeps a `WeakMap` entry
 * alive until the next full collection, so each request's signal would be promoted to the old space.
 */
const WATCHERS = Symbol('abort watchers');

type Watched = AbortSignal & { [WATCHERS]?: Set<() => void> };

/**
 * Calls `onAbort` when `signal` aborts, unless `unwatchAbort` came first. Like `addEventListener`, it does not call it
 * for a signal that has already aborted: check `signal.aborted` first.
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
