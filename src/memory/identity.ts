/**
 * Which X user a token is: X names it (`GET /2/users/me`, its own rate-limit family), and the store ties the token's
 * hash to that id for `identityTtlMs`. The caller's own user object (`viewer`) is kept in its memory like any user.
 */
import { ForbiddenError, UnauthenticatedError, UpstreamError } from '../errors.js';
import type { IdentityStore } from '../store/store.js';
import type { XParams } from '../x/params.js';
import type { UserAnswer } from '../x/wire.js';
import { isFresh, rememberObjects } from './objects.js';
import type { RequestState } from './request-state.js';

/** The caller's X user id, as X named it for this token (remembered for `identityTtlMs`); asked once per request. */
export function userIdOf(state: RequestState): Promise<string> {
  return (state.askedUserId ??= resolveUserId(state));
}

async function resolveUserId(state: RequestState): Promise<string> {
  const { memory, x } = state;
  const identities: IdentityStore = memory.store;
  const hash = x.tokenHash();
  const known = await identities.identity(hash);
  if (known) return known;
  try {
    const { body } = await x.getShared<UserAnswer>('/2/users/me', {}, {});
    if (!body.data) throw new UpstreamError('X did not say who this token belongs to.');
    await identities.setIdentity(hash, body.data.id, memory.identityTtlMs);
    return body.data.id;
  } catch (error) {
    if (error instanceof UnauthenticatedError || error instanceof ForbiddenError) await identities.forgetIdentity(hash);
    throw error;
  }
}

/**
 * The caller's own user (`viewer`) as memory knows it, when it knows it with every one of `fields` and freshly, and
 * the token is tied to it without a call; undefined otherwise (then `GET /2/users/me` answers, and `rememberSelf`
 * keeps its answer).
 */
export async function knownSelf(
  state: RequestState,
  fields: readonly string[],
): Promise<Record<string, unknown> | undefined> {
  const userId = await state.knownUserId();
  if (userId === undefined) return undefined;
  const memory = await state.readMemory(userId);
  const self = memory.objects.user[userId];
  if (!self || !isFresh(self.at, state.memory.now(), state.memory.objectTtlMs)) return undefined;
  const known = new Set(self.fields);
  if (!fields.every((field) => known.has(field))) return undefined;
  state.useObjects(memory);
  return self.value;
}

/** Keeps what `GET /2/users/me` answered (asked with `params`) as the caller's own user. */
export async function rememberSelf(state: RequestState, params: XParams, answer: UserAnswer): Promise<void> {
  const { memory, x } = state;
  const userId = answer.data?.id;
  if (userId === undefined || !memory.available()) return;
  const hash = x.tokenHash();
  const known = state.askedUserId ? await state.askedUserId.catch(() => undefined) : await memory.store.identity(hash);
  // X has just said whose token this is: the tie `userIdOf` would make, made now.
  if (known === undefined) await memory.store.setIdentity(hash, userId, memory.identityTtlMs);
  else if (known !== userId) return;
  await memory.store.update(userId, (m) => {
    rememberObjects(m, x.dialect, params, answer, memory.now(), memory.objectTtlMs, 'user');
  });
}
