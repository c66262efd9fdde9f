/**
 * The store's behaviour, as every implementation must have it: identities that expire and can be forgotten, memories
 * changed one at a time per user, bounds that let the least recently used users go first, and leases held by one
 * holder at a time. Each implementation's
 * test file runs it inside its own `describe` (`store.test.ts` for the in-process store, `redis.test.ts` for Redis).
 */
import { expect, it, vi } from 'vitest';
import type { DmStore, LeaseStore } from '../../src/store/store.js';

type Store = DmStore & LeaseStore;

export interface Implementation {
  readonly name: string;
  readonly create: (options: { now: () => number; maxUsers?: number }) => Store | Promise<Store>;
}

const event = (id: string) => ({
  id,
  event_type: 'MessageCreate',
  text: `t${id}`,
  created_at: new Date().toISOString(),
});

export function storeBehaviour({ create }: Implementation): void {
  it('ties a token hash to a user until the tie expires', async () => {
    let now = 1_000;
    const store = await create({ now: () => now });
    await store.setIdentity('hash-a', '42', 500);
    expect(await store.identity('hash-a')).toBe('42');
    expect(await store.identity('hash-b')).toBeUndefined();
    now += 499;
    expect(await store.identity('hash-a')).toBe('42');
    now += 2;
    expect(await store.identity('hash-a')).toBeUndefined();
  });

  it('forgets a token X refused', async () => {
    const store = await create({ now: () => 0 });
    await store.setIdentity('hash-a', '42', 60_000);
    await store.forgetIdentity('hash-a');
    expect(await store.identity('hash-a')).toBeUndefined();
  });

  it('keeps each user’s memory apart, and starts an empty one on the first change', async () => {
    const store = await create({ now: () => 0 });
    expect(await store.read('1')).toBeUndefined();
    await store.update('1', (memory) => {
      memory.events['10'] = event('10');
    });
    await store.update('2', (memory) => {
      memory.events['20'] = event('20');
    });
    expect(Object.keys((await store.read('1'))!.events)).toEqual(['10']);
    expect(Object.keys((await store.read('2'))!.events)).toEqual(['20']);
    expect((await store.read('1'))!.userId).toBe('1');
    expect(await store.size()).toEqual({ users: 2, events: 2 });
  });

  it('runs the changes of one user one at a time, in order, even when a change waits', async () => {
    const store = await create({ now: () => 0 });
    const order: string[] = [];
    const slow = store.update('1', (memory) => {
      order.push('first');
      memory.events['1'] = event('1');
    });
    const fast = store.update('1', (memory) => {
      order.push(`second saw ${Object.keys(memory.events).length}`);
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['first', 'second saw 1']);
  });

  it('goes on after a change that throws', async () => {
    const store = await create({ now: () => 0 });
    await expect(
      store.update('1', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await store.update('1', (memory) => {
      memory.events['1'] = event('1');
    });
    expect(Object.keys((await store.read('1'))!.events)).toEqual(['1']);
  });

  it('lets the least recently used user go first when over its bound', async () => {
    const store = await create({ now: () => 0, maxUsers: 2 });
    await store.update('1', () => {});
    await store.update('2', () => {});
    await store.read('1'); // 1 is now more recent than 2
    await store.update('3', () => {});
    expect(await store.read('2')).toBeUndefined();
    expect(await store.read('1')).toBeDefined();
    expect(await store.read('3')).toBeDefined();
  });

  it('gives a free lease to one of two holders asking at once; only the holder renews or releases it', async () => {
    const store = await create({ now: () => 0 });
    const [a, b] = await Promise.all([store.acquireLease('job', 'a', 60_000), store.acquireLease('job', 'b', 60_000)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const [holder, other] = a ? ['a', 'b'] : ['b', 'a'];
    expect(await store.acquireLease('job', other, 60_000)).toBe(false);
    expect(await store.renewLease('job', other, 60_000)).toBe(false);
    expect(await store.releaseLease('job', other)).toBe(false);
    expect(await store.acquireLease('job', other, 60_000)).toBe(false);
    // Another name is another lease.
    expect(await store.acquireLease('other job', other, 60_000)).toBe(true);
    expect(await store.renewLease('job', holder, 60_000)).toBe(true);
    expect(await store.releaseLease('job', holder)).toBe(true);
    expect(await store.releaseLease('job', holder)).toBe(false);
    expect(await store.acquireLease('job', other, 60_000)).toBe(true);
  });

  it('keeps a renewed lease past its first expiry', async () => {
    let now = 0;
    const store = await create({ now: () => now });
    expect(await store.acquireLease('job', 'a', 5_000)).toBe(true);
    expect(await store.renewLease('job', 'a', 60_000)).toBe(true);
    now += 5_001;
    expect(await store.acquireLease('job', 'b', 60_000)).toBe(false);
    expect(await store.renewLease('job', 'a', 60_000)).toBe(true);
  });

  it('frees a lease when it expires; its old holder can then neither renew nor release the next holder’s', async () => {
    let now = 0;
    const store = await create({ now: () => now });
    expect(await store.acquireLease('job', 'a', 300)).toBe(true);
    expect(await store.acquireLease('job', 'b', 60_000)).toBe(false);
    // The in-process store expires on its clock; Redis on its own, once 300 ms have passed.
    now += 301;
    await vi.waitFor(async () => expect(await store.acquireLease('job', 'b', 60_000)).toBe(true), {
      timeout: 5_000,
      interval: 20,
    });
    expect(await store.releaseLease('job', 'a')).toBe(false);
    expect(await store.renewLease('job', 'a', 60_000)).toBe(false);
    expect(await store.acquireLease('job', 'c', 60_000)).toBe(false);
    expect(await store.renewLease('job', 'b', 60_000)).toBe(true);
  });
}
