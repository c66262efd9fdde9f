/**
 * Which idempotency keys belong to which X user, so that a user who revokes the app can be forgotten with their keys:
 * a record per user listing the (already caller-scoped, hashed) slots their writes claimed, kept as long as the keys.
 * Two writes of one user at the same instant may each miss the other's slot in the list; such a key then lives out its
 * own 24 hours.
 */
import type { IdempotencyStore } from '../store/store.js';

const recordKey = (userId: string) => `idempotency\u0000slots\u0000${userId}`;

/** Adds `slot` to `userId`'s list for `ttlMs`. */
export async function noteSlot(store: IdempotencyStore, userId: string, slot: string, ttlMs: number): Promise<void> {
  const kept = await store.idempotency(recordKey(userId));
  const answer = { ...kept?.answer, [slot]: '1' };
  await store.putIdempotency(recordKey(userId), { fingerprint: 'slots', state: 'done', answer, at: Date.now() }, ttlMs);
}

/** Deletes every idempotency key `userId`'s writes claimed, and the list. */
export async function forgetSlots(store: IdempotencyStore, userId: string): Promise<void> {
  const kept = await store.idempotency(recordKey(userId));
  await Promise.all(Object.keys(kept?.answer ?? {}).map((slot) => store.forgetIdempotency(slot)));
  await store.forgetIdempotency(recordKey(userId));
}
