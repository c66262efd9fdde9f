/**
 * A lease: one holder at a time for a name (one replica runs a user's live loop), kept by renewing it before it
 * expires and lost by letting it expire. Built on the store's idempotency records, whose `onlyIfAbsent` write is the
 * atomic "set if absent, with expiry" a lease needs (SET NX PX in Redis).
 */
import type { DmStore } from './store.js';

/** True when `holder` holds the lease `name` for the next `ttlMs` (taken now, or renewed). */
export async function holdLease(store: DmStore, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const key = `lease\u0000${name}`;
  const claim = { fingerprint: holder, state: 'pending' as const, at: Date.now() };
  if (await store.putIdempotency(key, claim, ttlMs, true)) return true;
  const current = await store.idempotency(key);
  if (current?.fingerprint !== holder) return false;
  await store.putIdempotency(key, claim, ttlMs);
  return true;
}

/** Gives the lease `name` up, when `holder` holds it. */
export async function releaseLease(store: DmStore, name: string, holder: string): Promise<void> {
  const key = `lease\u0000${name}`;
  if ((await store.idempotency(key))?.fingerprint === holder) await store.forgetIdempotency(key);
}
