/**
 * ResilientStore: while its primary fails (rejects or hangs), the gateway gets "no memory" instead of an error, the
 * primary is left alone for a while, and is used again by itself when it answers. (Against a real Redis killed and
 * restarted: `redis.test.ts`.)
 */
import { describe, expect, it } from 'vitest';
import { InProcessStore } from '../../src/store/in-process.js';
import { ResilientStore, type StoreState } from '../../src/store/resilient.js';
import type { DmStore, IdempotencyRecord, StoredBudget } from '../../src/store/store.js';
import { storeBehaviour } from './behaviour.js';

type Mode = 'ok' | 'fail' | 'hang';

/** An in-process store that can be made to fail or hang, counting the calls that reach it. */
function flaky(inner: DmStore = new InProcessStore()): { store: DmStore; inner: DmStore; mode: Mode; calls: number } {
  const control = { inner, mode: 'ok' as Mode, calls: 0, store: undefined as unknown as DmStore };
  control.store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        control.calls++;
        if (control.mode === 'fail') return Promise.reject(new Error('primary is down'));
        if (control.mode === 'hang') return new Promise(() => {});
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return control;
}

function watched(primary: DmStore, options: { retryAfterMs?: number; timeoutMs?: number; now?: () => number } = {}) {
  const states: string[] = [];
  const store = new ResilientStore(
    primary,
    (state: StoreState, error?: Error) => states.push(error ? `${state}: ${error.message}` : state),
    options,
  );
  return { store, states };
}

const event = (id: string) => ({ id, event_type: 'MessageCreate', text: `t${id}` }) as never;
const record = (fingerprint: string, state: IdempotencyRecord['state'] = 'pending'): IdempotencyRecord => ({
  fingerprint,
  state,
  at: 0,
});

describe('the resilient store over a working primary', () => {
  storeBehaviour({ name: 'resilient', create: (options) => new ResilientStore(new InProcessStore(options)) });
});

/** An in-process store that keeps budgets too, as a shared store does. */
class BudgetKeepingStore extends InProcessStore {
  readonly budgets = new Map<string, StoredBudget>();
  budget(tokenHash: string, family: string): Promise<StoredBudget | undefined> {
    return Promise.resolve(this.budgets.get(`${family} ${tokenHash}`));
  }
  setBudget(tokenHash: string, family: string, budget: StoredBudget): Promise<void> {
    this.budgets.set(`${family} ${tokenHash}`, budget);
    return Promise.resolve();
  }
}

describe('ResilientStore', () => {
  it('passes budgets to a primary that keeps them; while it fails, reads undefined and skips writes', async () => {
    const inner = new BudgetKeepingStore();
    const primary = flaky(inner);
    const { store } = watched(primary.store);
    const spent: StoredBudget = { limit: 15, remaining: 0, resetAt: Date.now() + 60_000 };
    await store.setBudget('h', 'dm-read', spent, 60_000);
    expect(await store.budget('h', 'dm-read')).toEqual(spent);
    primary.mode = 'fail';
    expect(await store.budget('h', 'dm-read')).toBeUndefined();
    await store.setBudget('h', 'users', spent, 60_000);
    expect(inner.budgets.has('users h')).toBe(false);
    expect(store.state()).toBe('down');
    // A primary that keeps no budgets: nothing to read, nothing written, and no failure.
    const plain = watched(new InProcessStore());
    await plain.store.setBudget('h', 'dm-read', spent, 60_000);
    expect(await plain.store.budget('h', 'dm-read')).toBeUndefined();
    expect(plain.states).toEqual([]);
  });

  it('passes every call to a working primary, and says nothing', async () => {
    const primary = flaky();
    const { store, states } = watched(primary.store);
    await store.setIdentity('h', '1', 60_000);
    await store.update('1', (memory) => {
      memory.events['1'] = event('1');
    });
    expect(await store.identity('h')).toBe('1');
    expect(Object.keys((await primary.inner.read('1'))!.events)).toEqual(['1']);
    expect(await store.putIdempotency('k', record('a'), 60_000, true)).toBe(true);
    expect(await primary.inner.idempotency('k')).toEqual(record('a'));
    expect(store.state()).toBe('up');
    expect(states).toEqual([]);
  });

  it('answers "no memory" while the primary fails: reads undefined, writes skipped, changes kept nowhere', async () => {
    const primary = flaky();
    await primary.inner.setIdentity('h', '1', 60_000);
    await primary.inner.update('1', (memory) => {
      memory.events['1'] = event('1');
    });
    const { store, states } = watched(primary.store);
    primary.mode = 'fail';
    expect(await store.identity('h')).toBeUndefined();
    expect(await store.read('1')).toBeUndefined();
    await store.setIdentity('h2', '2', 60_000);
    const changed = await store.update('1', (memory) => {
      memory.events['2'] = event('2');
    });
    expect(changed.userId).toBe('1');
    expect(Object.keys(changed.events)).toEqual(['2']);
    expect(await store.size()).toEqual({ users: 0, events: 0 });
    expect(store.state()).toBe('down');
    expect(states).toEqual(['down: primary is down']);
    // Nothing reached the primary's data.
    primary.mode = 'ok';
    expect(Object.keys((await primary.inner.read('1'))!.events)).toEqual(['1']);
    expect(await primary.inner.identity('h2')).toBeUndefined();
  });

  it('leaves a failing primary alone for retryAfterMs, then tries again and says when it is back', async () => {
    let now = 0;
    const primary = flaky();
    const { store, states } = watched(primary.store, { retryAfterMs: 1_000, now: () => now });
    primary.mode = 'fail';
    await store.read('1');
    expect(primary.calls).toBe(1);
    now += 500;
    await store.read('1');
    await store.identity('h');
    expect(primary.calls).toBe(1);
    now += 501;
    await store.read('1'); // tried, still failing: another second alone
    expect(primary.calls).toBe(2);
    primary.mode = 'ok';
    now += 999;
    await store.read('1');
    expect(primary.calls).toBe(2);
    now += 2;
    await store.update('1', (memory) => {
      memory.events['1'] = event('1');
    });
    expect(primary.calls).toBe(3);
    expect(Object.keys((await store.read('1'))!.events)).toEqual(['1']);
    expect(store.state()).toBe('up');
    expect(states).toEqual(['down: primary is down', 'up']);
  });

  it('counts a primary that hangs as failing, after timeoutMs', async () => {
    const primary = flaky();
    const { store, states } = watched(primary.store, { timeoutMs: 50 });
    primary.mode = 'hang';
    const started = performance.now();
    expect(await store.read('1')).toBeUndefined();
    const changed = await store.update('1', (memory) => {
      memory.events['1'] = event('1');
    });
    expect(Object.keys(changed.events)).toEqual(['1']);
    expect(performance.now() - started).toBeLessThan(500);
    expect(states).toEqual(['down: the store did not answer within 50 ms']);
  });

  it('passes on an error of the change itself, without counting it as the primary failing', async () => {
    const primary = flaky();
    const { store, states } = watched(primary.store);
    await expect(
      store.update('1', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(store.state()).toBe('up');
    expect(states).toEqual([]);
    primary.mode = 'fail';
    await expect(
      store.update('1', () => {
        throw new Error('boom again');
      }),
    ).rejects.toThrow('boom again');
  });

  it('keeps idempotency claims made while the primary is down in this process, until the primary takes them', async () => {
    let now = 0;
    const primary = flaky();
    const { store } = watched(primary.store, { retryAfterMs: 100, now: () => now });
    primary.mode = 'fail';
    expect(await store.putIdempotency('k', record('a'), 60_000, true)).toBe(true);
    expect(await store.putIdempotency('k', record('b'), 60_000, true)).toBe(false);
    expect(await store.idempotency('k')).toEqual(record('a'));
    // Back: the claim made here still holds, and the outcome goes to the primary, which then answers alone.
    primary.mode = 'ok';
    now += 200;
    expect(await store.putIdempotency('k', record('b'), 60_000, true)).toBe(false);
    expect(await store.idempotency('k')).toEqual(record('a'));
    expect(await store.putIdempotency('k', record('a', 'done'), 60_000)).toBe(true);
    expect(await primary.inner.idempotency('k')).toEqual(record('a', 'done'));
    expect(await store.idempotency('k')).toEqual(record('a', 'done'));
    await store.forgetIdempotency('k');
    expect(await store.idempotency('k')).toBeUndefined();
  });

  it("keeps writes' keys in the primary alone: `strict` rejects while it fails, at once while it is left alone", async () => {
    let now = 0;
    const primary = flaky();
    const { store, states } = watched(primary.store, { retryAfterMs: 100, now: () => now });
    expect(await store.strict.putIdempotency('k', record('a'), 60_000, true)).toBe(true);
    expect(await primary.inner.idempotency('k')).toEqual(record('a'));
    primary.mode = 'fail';
    await expect(store.strict.putIdempotency('j', record('a'), 60_000, true)).rejects.toThrow('primary is down');
    expect(states).toEqual(['down: primary is down']);
    expect(store.outages()).toBe(1);
    const calls = primary.calls;
    await expect(store.strict.idempotency('k')).rejects.toThrow();
    await expect(store.strict.forgetIdempotency('k')).rejects.toThrow();
    expect(primary.calls).toBe(calls);
    // Nothing was claimed in this process meanwhile: the general path does not see `j`.
    expect(await store.idempotency('j')).toBeUndefined();
    primary.mode = 'ok';
    now += 200;
    expect(await store.strict.idempotency('k')).toEqual(record('a'));
    expect(states).toEqual(['down: primary is down', 'up']);
    // Counted per time it went down, not per failed call.
    primary.mode = 'fail';
    now += 200;
    await store.read('u');
    now += 200;
    await store.read('u');
    expect(store.outages()).toBe(2);
  });

  it('keeps leases in the primary; while it fails, a holder keeps its lease in this process, alone', async () => {
    let now = 0;
    const primary = flaky();
    const inner = primary.inner as InProcessStore;
    const { store } = watched(primary.store, { retryAfterMs: 100, now: () => now });
    expect(await store.acquireLease('job', 'a', 60_000)).toBe(true);
    expect(await inner.acquireLease('job', 'b', 60_000)).toBe(false);
    primary.mode = 'fail';
    // The holder goes on holding it; no other holder of this process takes it meanwhile.
    expect(await store.renewLease('job', 'a', 60_000)).toBe(true);
    expect(await store.acquireLease('job', 'b', 60_000)).toBe(false);
    expect(await store.renewLease('job', 'b', 60_000)).toBe(false);
    // A lease nobody held is taken here while the primary is down.
    expect(await store.acquireLease('stream', 'b', 60_000)).toBe(true);
    primary.mode = 'ok';
    now += 200;
    // Back: the primary's leases answer again, and the one taken here is taken there by its holder.
    expect(await store.acquireLease('job', 'b', 60_000)).toBe(false);
    expect(await store.renewLease('job', 'a', 60_000)).toBe(true);
    expect(await store.acquireLease('stream', 'b', 60_000)).toBe(true);
    expect(await inner.acquireLease('stream', 'c', 60_000)).toBe(false);
    // Released by its holder: free in the primary and here.
    expect(await store.releaseLease('job', 'a')).toBe(true);
    expect(await store.releaseLease('stream', 'b')).toBe(true);
    expect(await inner.acquireLease('job', 'c', 60_000)).toBe(true);
    primary.mode = 'fail';
    now += 200;
    expect(await store.acquireLease('stream', 'c', 60_000)).toBe(true);
  });

  it('never uses a tie to a token refused while the primary was down, and forgets it there once it is back', async () => {
    let now = 0;
    const primary = flaky();
    await primary.inner.setIdentity('h', '1', 60_000);
    const { store } = watched(primary.store, { retryAfterMs: 100, now: () => now });
    primary.mode = 'fail';
    await store.forgetIdentity('h');
    primary.mode = 'ok';
    now += 200;
    expect(await store.identity('h')).toBeUndefined();
    await store.read('1'); // the primary answers: what was refused is forgotten there too
    await expect.poll(() => primary.inner.identity('h')).toBeUndefined();
    // X vouching for the token again ties it again.
    await store.setIdentity('h', '1', 60_000);
    expect(await store.identity('h')).toBe('1');
  });
});
