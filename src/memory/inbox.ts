/**
 * The inbox: the conversations of the feed, newest activity first, each with its newest event. A page is full or truly
 * at the end: the feed is read, whole pages, until memory holds one conversation more than asked for, or X's end.
 */
import { CostLimitExceededError, type GatewayError } from '../errors.js';
import type { UserMemory } from '../memory-model.js';
import type { XParams } from '../x/params.js';
import { type DmEvent, compareIds } from '../x/wire.js';
import { userIdOf } from './identity.js';
import { type MemoryPageRequest, extend, refresh } from './pages.js';
import { MAX_PAGE, isOutage } from './reads.js';
import type { RequestState } from './request-state.js';
import { feedView } from './user-memory.js';

/** A page of the inbox: conversations with their newest event, and what cut its read short, if anything did. */
export interface Inbox {
  readonly conversations: { conversationId: string; lastEvent: DmEvent }[];
  readonly hasNextPage: boolean;
  readonly stopped?: GatewayError;
}

/**
 * The conversations of the feed, newest activity first, with their newest event: `first` after the conversation
 * whose newest event is `afterEventId`. Reads the feed, whole pages, until memory holds one conversation more than
 * asked for (so `hasNextPage` is exact) or X's end; `stopped` is what cut the read short when the request may not
 * call X again (its call cap, X's budget, X failing), and then the page holds what memory had.
 */
export async function inbox(
  state: RequestState,
  first: number,
  afterEventId: string | undefined,
  params: XParams,
): Promise<Inbox> {
  const userId = await userIdOf(state);
  let memory = await state.readMemory(userId);
  let view = feedView(memory);
  const request: MemoryPageRequest = { list: { kind: 'feed' }, backward: false, size: MAX_PAGE, params };
  if (state.isStale(view)) ({ memory, view } = await refresh(state, userId, request, MAX_PAGE));
  for (;;) {
    const newest = newestPerConversation(memory, view.ids);
    const after =
      afterEventId === undefined ? newest : newest.filter((c) => compareIds(c.lastEvent.id, afterEventId) < 0);
    const answer = (stopped?: GatewayError): Inbox => {
      state.noteServed(view);
      state.useObjects(memory);
      return {
        conversations: after.slice(0, first),
        hasNextPage: after.length > first || !view.complete,
        // A full page whose look-ahead was cut is whole: only a short one says why it is short.
        ...(stopped && after.length < first && { stopped }),
      };
    };
    if (after.length > first || view.complete) return answer();
    const refused = mayNotCall(state);
    if (refused) return answer(refused);
    try {
      ({ memory, view } = await extend(state, userId, request, memory, view, MAX_PAGE));
    } catch (error) {
      if (!(error instanceof CostLimitExceededError || isOutage(error)) || view.syncedAt === undefined) throw error;
      memory = await state.readMemory(userId);
      view = feedView(memory);
      return answer(error as GatewayError);
    }
  }
}

/**
 * Why this request may not read more than it must: the operation's calls are all spent or held for the rest of its
 * selection (the cost estimate's other calls). Undefined when it may.
 */
function mayNotCall(state: RequestState): GatewayError | undefined {
  const { limit, planned, made } = state.x.callBudget();
  if (limit !== undefined && made + Math.max(0, planned - 1) >= limit) {
    return new CostLimitExceededError(
      { estimate: made + Math.max(1, planned), limit },
      `The inbox stopped reading X after ${made} upstream requests (MAX_UPSTREAM_REQUESTS is ${limit}, and the ` +
        'rest of the operation may need the others): ask again, or with a smaller page, for the rest.',
    );
  }
  // X's budget spent is found by the call itself, refused before it leaves (the rate-limit book) or by X's 429.
  return undefined;
}

/** The newest event of each conversation in `ids` (newest first), in that order. */
function newestPerConversation(
  memory: UserMemory,
  ids: readonly string[],
): { conversationId: string; lastEvent: DmEvent }[] {
  const seen = new Set<string>();
  const conversations: { conversationId: string; lastEvent: DmEvent }[] = [];
  for (const id of ids) {
    const event = memory.events[id]!;
    const conversationId = event.dm_conversation_id;
    if (conversationId === undefined || seen.has(conversationId)) continue;
    seen.add(conversationId);
    conversations.push({ conversationId, lastEvent: event });
  }
  return conversations;
}
