/**
 * Holding a lease over time: the sync, the live loop and the Activity stream ask "do I hold it?" on every turn, which
 * takes the lease when it is free and renews it when this holder already has it.
 */
import type { LeaseStore } from './store.js';

/** True when `holder` holds the lease `name` for the next `ttlMs`: taken now, or renewed. */
export async function holdLease(leases: LeaseStore, name: string, holder: string, ttlMs: number): Promise<boolean> {
  return (await leases.acquireLease(name, holder, ttlMs)) || (await leases.renewLease(name, holder, ttlMs));
}
