/**
 * The rate-limit book with a shared backend (the store replicas share): spent budgets are written there without
 * waiting, a token this process knows nothing of is looked up there, and a slow or failing backend counts as knowing
 * nothing, never as an error.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { RateLimitedError } from '../../src/errors.js';
import type { StoredBudget } from '../../src/store/store.js';
import type { BudgetStore } from '../../src/store/store.js';
import { RateLimitBook } from '../../src/upstream/rate-limit-book.js';

/** A shared backend in memory, counting its calls; `mode` makes it fail or hang. */
function backend() {
  const kept = new Map<string, StoredBudget>();
  const control = {
    kept,
    reads: 0,
    writes: [] as { slot: string; budget: StoredBudget; ttlMs: number }[],
    mode: 'ok' as 'ok' | 'fail' | 'throw' | 'hang',
    shared: undefined as unknown as BudgetStore,
  };
  control.shared = {
    budget: (tokenHash: string, family: string) => {
      control.reads++;
      if (control.mode === 'throw') throw new Error('backend threw');
      if (control.mode === 'fail') return Promise.reject(new Error('backend is down'));
      if (control.mode === 'hang') return new Promise<never>(() => {});
      return Promise.resolve(kept.get(`${family} ${tokenHash}`));
    },
    setBudget: (tokenHash: string, family: string, budget: StoredBudget, ttlMs: number) => {
      if (control.mode === 'throw') throw new Error('backend threw');
      if (control.mode === 'fail') return Promise.reject(new Error('backend is down'));
      if (control.mode === 'hang') return new Promise<never>(() => {});
      control.writes.push({ slot: `${family} ${tokenHash}`, budget, ttlMs });
      kept.set(`${family} ${tokenHash}`, budget);
      return Promise.resolve();
    },
  };
  return control;
}

const inAMinute = () => new Date(Date.now() + 60_000);

describe('RateLimitBook with a shared backend', () => {
  it('writes a spent budget to the shared backend, expiring at the reset; a budget with calls left stays here', () => {
    const shared = backend();
    const book = new RateLimitBook(undefined, shared.shared);
    const resetAt = inAMinute();
    book.record('token', 'dm-read', { limit: 15, remaining: 3, resetAt });
    expect(shared.writes).toEqual([]);
    book.record('token', 'dm-read', { limit: 15, remaining: 0, resetAt });
    expect(shared.writes).toHaveLength(1);
    expect(shared.writes[0]!.slot).toBe('dm-read token');
    expect(shared.writes[0]!.budget).toEqual({ limit: 15, remaining: 0, resetAt: resetAt.getTime() });
    expect(shared.writes[0]!.ttlMs).toBeGreaterThan(59_000);
    expect(shared.writes[0]!.ttlMs).toBeLessThanOrEqual(60_000);
    // A reset already past is not written.
    book.record('token', 'users', { limit: 15, remaining: 0, resetAt: new Date(Date.now() - 1) });
    expect(shared.writes).toHaveLength(1);
  });

  it('fails fast on a budget another replica saw spent, remembering it here; other families and tokens go on', async () => {
    const shared = backend();
    const resetAt = inAMinute();
    new RateLimitBook(undefined, shared.shared).record('token', 'dm-read', { limit: 15, remaining: 0, resetAt });
    const book = new RateLimitBook(undefined, shared.shared);
    const refused = await book.check('token', 'dm-read').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).resetAt).toEqual(resetAt);
    expect((refused as RateLimitedError).message).toBe(
      `X's rate limit for this token's DM lookups is spent until ${resetAt.toISOString()}.`,
    );
    expect(shared.reads).toBe(1);
    // Now known here: no second lookup.
    await expect(book.check('token', 'dm-read')).rejects.toBeInstanceOf(RateLimitedError);
    expect(shared.reads).toBe(1);
    await expect(book.check('token', 'users')).resolves.toBeUndefined();
    await expect(book.check('other', 'dm-read')).resolves.toBeUndefined();
  });

  it('asks the shared backend only about what it does not know, once for many calls at once', async () => {
    const shared = backend();
    const book = new RateLimitBook(undefined, shared.shared);
    book.record('token', 'dm-read', { limit: 15, remaining: 5, resetAt: inAMinute() });
    await book.check('token', 'dm-read');
    expect(shared.reads).toBe(0);
    await Promise.all([book.check('new', 'dm-read'), book.check('new', 'dm-read'), book.check('new', 'dm-read')]);
    expect(shared.reads).toBe(1);
    // The local answer is newer than the shared one: a budget X gave back here is not overridden.
    shared.kept.set('posts token', { limit: 1, remaining: 0, resetAt: Date.now() + 60_000 });
    const pending = book.check('token', 'posts');
    book.record('token', 'posts', { limit: 1, remaining: 1, resetAt: inAMinute() });
    await expect(pending).resolves.toBeUndefined();
    await expect(book.check('token', 'posts')).resolves.toBeUndefined();
  });

  it.each(['fail', 'throw', 'hang'] as const)(
    'counts a shared backend that it cannot read (%s) as knowing nothing',
    async (mode) => {
      const shared = backend();
      shared.mode = mode;
      const errors: string[] = [];
      const book = new RateLimitBook(undefined, shared.shared, {
        sharedTimeoutMs: 50,
        onSharedError: (error) => errors.push(error.message),
      });
      const started = performance.now();
      await expect(book.check('token', 'dm-read')).resolves.toBeUndefined();
      expect(performance.now() - started).toBeLessThan(500);
      // Writing to it neither throws nor waits.
      expect(() => book.record('token', 'dm-read', { limit: 15, remaining: 0, resetAt: inAMinute() })).not.toThrow();
      await expect(book.check('token', 'dm-read')).rejects.toBeInstanceOf(RateLimitedError);
      // The failed write is reported when it fails, after `record` returned.
      if (mode !== 'hang') await until('the read and the write reported', () => errors.length >= 2);
    },
  );

  it('without a shared backend, check answers from what this process was told', async () => {
    const book = new RateLimitBook();
    await expect(book.check('token', 'dm-read')).resolves.toBeUndefined();
    book.record('token', 'dm-write', { limit: 15, remaining: 0, resetAt: inAMinute() });
    await expect(book.check('token', 'dm-write')).rejects.toThrow(/DM sends is spent until/);
  });

  it('forgets the budgets of the token heard of longest ago once it holds its capacity of tokens', async () => {
    const book = new RateLimitBook(2);
    const spent = () => ({ limit: 15, remaining: 0, resetAt: inAMinute() });
    book.record('first', 'dm-read', spent());
    book.record('first', 'dm-write', spent());
    book.record('second', 'dm-read', spent());
    // Heard of again: now the second is the one heard of longest ago.
    book.record('first', 'users', spent());
    book.record('third', 'dm-read', spent());

    for (const family of ['dm-read', 'dm-write', 'users'] as const) {
      await expect(book.check('first', family)).rejects.toBeInstanceOf(RateLimitedError);
    }
    await expect(book.check('second', 'dm-read')).resolves.toBeUndefined();
    await expect(book.check('third', 'dm-read')).rejects.toBeInstanceOf(RateLimitedError);
  });
});
