/**
 * A memo for values computed again and again from a few keys (plans' field lists, a document's variables): it starts
 * over once it holds `max` entries, so that an odd caller's many distinct keys cannot grow it without bound.
 */
export class BoundedMemo<K, V> {
  private readonly values = new Map<K, V>();

  constructor(private readonly max: number) {}

  /** The value remembered for `key`, or `compute(key)`, remembered. */
  get(key: K, compute: (key: K) => V): V {
    let value = this.values.get(key);
    if (value === undefined) {
      if (this.values.size >= this.max) this.values.clear();
      value = compute(key);
      this.values.set(key, value);
    }
    return value;
  }
}
