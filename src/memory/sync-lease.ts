/**
 * The sync lease: replicas sharing a store sync a user one at a time. While another replica walks the user's feed,
 * this one waits for that walk's result in the shared memory, and walks itself only if that takes too long.
 */
import { holdLease } from '../store/lease.js';
import type { LeaseStore, MemoryStore } from '../store/store.js';

/** `take` is true when this replica may walk now; `release` gives the lease up. */
export interface SyncLease {
  take(userId: string): Promise<boolean>;
  release(userId: string): Promise<void>;
}

/** The user's sync lease in the store's `leases`, held by `holder` (this replica) for at most `ttlMs` a walk. */
export function syncLease(leases: LeaseStore, holder: string, ttlMs: number): SyncLease {
  return {
    take: (userId) => holdLease(leases, `sync:${userId}`, holder, ttlMs),
    release: async (userId) => void (await leases.releaseLease(`sync:${userId}`, holder)),
  };
}

/** How long a sync waits for another replica's sync of the same user before walking itself. */
const SYNC_LEASE_WAIT_MS = 3_000;
const SYNC_LEASE_POLL_MS = 50;

/** `walk`, under the user's sync lease when there is one (none: this process's own single flight is enough). */
export async function leasedWalk(
  lease: SyncLease | undefined,
  store: MemoryStore,
  userId: string,
  walk: () => Promise<void>,
): Promise<void> {
  if (!lease) return walk();
  const syncedAt = async () => (await store.read(userId))?.feed?.syncedAt;
  const before = await syncedAt();
  const giveUpAt = Date.now() + SYNC_LEASE_WAIT_MS;
  for (;;) {
    const mine = await lease.take(userId).catch(() => true);
    // Another replica's walk that ended since this sync was asked for is this sync's answer too.
    if ((await syncedAt()) !== before) {
      if (mine) await lease.release(userId).catch(() => undefined);
      return;
    }
    if (mine || Date.now() >= giveUpAt) break;
    await new Promise((resolve) => setTimeout(resolve, SYNC_LEASE_POLL_MS));
  }
  try {
    await walk();
  } finally {
    await lease.release(userId).catch(() => undefined);
  }
}
