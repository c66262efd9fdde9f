/**
 * The users, posts and media X's answers carry (a DM answer's `includes`, a lookup's `data`), kept in the caller's
 * memory; and what memory knows of them, given to the request's loaders so they call X only for what it lacks.
 * `objects.ts` holds the pure operations on the objects a memory keeps.
 */
import type { ObjectAnswer } from '../loaders/carried.js';
import type { LookupAnswer } from '../loaders/loaders.js';
import type { UserMemory } from '../memory-model.js';
import type { LinkKind, XParams } from '../x/params.js';
import { userIdOf } from './identity.js';
import { rememberObjects } from './objects.js';
import { type RequestState, unlessMemoryUnavailable } from './request-state.js';

/** Keeps the objects an answer included, each with the fields it is known with, and those X said are missing. */
export function rememberIncludes(state: RequestState, memory: UserMemory, params: XParams, answer: ObjectAnswer): void {
  rememberObjects(memory, state.x.dialect, params, answer, state.memory.now(), state.memory.objectTtlMs);
}

/**
 * Keeps what a users or posts lookup of this request returned, in the caller's memory. Only when the caller's user
 * is known without a call (this request, or the store, tied the token to it); a store that fails keeps nothing.
 */
export async function rememberLookup(
  state: RequestState,
  kind: LinkKind,
  params: XParams,
  answer: LookupAnswer,
): Promise<void> {
  try {
    const userId = await state.knownUserId();
    if (userId === undefined || !state.memory.available()) return;
    await state.memory.store.update(userId, (m) => {
      rememberObjects(m, state.x.dialect, params, answer, state.memory.now(), state.memory.objectTtlMs, kind);
    });
  } catch {
    // Not kept: the next request looks the objects up again.
  }
}

/**
 * Lets the request's loaders answer from the objects memory knows (a subscription's events, resolved later). While the
 * store is down they know nothing more, and look up in X what is selected.
 */
export async function useKnownObjects(state: RequestState): Promise<void> {
  const memory = await state.readMemory(await userIdOf(state)).catch(unlessMemoryUnavailable);
  if (memory) state.useObjects(memory);
}

/**
 * The same, without a call to X: only when the token's user is known already (a read of the memory within the
 * identity's time). Whether it was.
 */
export async function useKnownObjectsIfIdentified(state: RequestState): Promise<boolean> {
  const userId = await state.memory.store.identity(state.x.tokenHash());
  if (userId === undefined) return false;
  state.useObjects(await state.readMemory(userId));
  return true;
}
