/**
 * One change at a time per key, in this process: each change of a key starts when the one before it has settled
 * (fulfilled or not). Both stores serialise a user's memory changes through it; the Redis store adds compare-and-set
 * across replicas on top.
 */
export class SerialQueues {
  /** The change of each key in flight; a key leaves once its last change has settled. */
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `change` after every change of `key` queued before it; its outcome is the change's own. */
  run<T>(key: string, change: () => T | Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(change);
    const settled = next.catch(() => undefined);
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return next;
  }
}
