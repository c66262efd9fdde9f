import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '../src/memo.js';

describe('BoundedMemo', () => {
  it('computes a value once per key', () => {
    const memo = new BoundedMemo<string, { key: string }>(10);
    let computed = 0;
    const make = (key: string) => ((computed += 1), { key });
    const first = memo.get('a', make);
    expect(memo.get('a', make)).toBe(first);
    expect(memo.get('b', make)).toEqual({ key: 'b' });
    expect(computed).toBe(2);
  });

  it('starts over once full, so it never holds more than its bound', () => {
    const memo = new BoundedMemo<number, number>(3);
    let computed = 0;
    const make = (key: number) => ((computed += 1), key * 2);
    for (const key of [1, 2, 3]) memo.get(key, make);
    expect(computed).toBe(3);
    memo.get(4, make); // full: forgets 1, 2 and 3
    memo.get(4, make);
    expect(computed).toBe(4);
    expect(memo.get(1, make)).toBe(2);
    expect(computed).toBe(5);
  });
});
