/**
 * How the memory reads DM events from X: every field and expansion the schema reads, in one call, counted as X bills
 * it, and kept in the caller's memory with the objects the answer includes.
 */
import { RateLimitedError, UpstreamError } from '../errors.js';
import type { UserMemory } from '../memory-model.js';
import { type XParams, mergeParams } from '../x/params.js';
import { DM_EVENT_FIELDS, MEDIA_FIELDS, type DmEvent, type DmEventAnswer, type DmEventsPage } from '../x/wire.js';
import { rememberIncludes } from './known-objects.js';
import type { RequestState } from './request-state.js';
import { rememberEvents } from './user-memory.js';

const OWNER_ONLY_MEDIA_FIELDS = new Set(['non_public_metrics', 'organic_metrics', 'promoted_metrics']);

/** Every field of a DM event the schema reads, and every expansion: X bills per event, so each is read once, whole. */
const EVENT_PARAMS: XParams = {
  'dm_event.fields': DM_EVENT_FIELDS.filter((field) => field !== 'id').join(','),
  expansions: 'attachments.media_keys,participant_ids,referenced_tweets.id,sender_id',
  // Media arrive only through expansions (no lookup by key): all their fields now, or a re-read of the events later.
  // The owner-only metrics are left to the selections that read them: X refuses them for media of others.
  'media.fields': MEDIA_FIELDS.filter((field) => !OWNER_ONLY_MEDIA_FIELDS.has(field)).join(','),
};

/** The first page of a check for news: a handful of events. Each further page doubles, up to X's 100. */
export const SYNC_FIRST_PAGE = 5;
export const MAX_PAGE = 100;

/** Whether X failing this way still lets memory answer (with what it last knew). */
export function isOutage(error: unknown): boolean {
  return error instanceof UpstreamError || error instanceof RateLimitedError;
}

/** X's token for the events below a page, when the page holds any (an empty page ends the list). */
export function nextOf(events: readonly DmEvent[], page: DmEventsPage): string | undefined {
  return events.length > 0 ? page.meta?.next_token : undefined;
}

export interface EventRead<T> {
  /** The endpoint: a list (`/2/dm_events`, a conversation's) or one event (`/2/dm_events/{id}`). */
  readonly path: string;
  /** The call's own parameters (page size, X's token); `EVENT_PARAMS` and the selection's `params` join them. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** The selection's own parameters (user and post fields of expanded objects). */
  readonly params: XParams;
  /** Told of X's answer, with the parameters it was asked with, before it is counted and kept. */
  readonly answered?: (asked: XParams, body: T) => void;
  /** What else the answer changes in the user's memory (a run it extends); may run more than once, as `update` may. */
  readonly keep?: (memory: UserMemory, events: readonly DmEvent[], body: T) => void;
  /** Whether an answer with no event changes the memory (a page does: it may end a list); @default true */
  readonly keepEmpty?: boolean;
}

/**
 * One read of DM events from X: calls it, counts the call and the events it returned (`dmCalls`, `eventsRead`), and
 * keeps the events, the objects the answer includes and what `keep` adds, in the user's memory. The memory as written
 * is returned, unless nothing was kept.
 */
export async function readEvents<T extends DmEventsPage | DmEventAnswer>(
  state: RequestState,
  userId: string,
  read: EventRead<T>,
): Promise<{ body: T; events: DmEvent[]; memory?: UserMemory }> {
  const params = mergeParams([EVENT_PARAMS, read.params]);
  const body = await state.x.get<T>(read.path, { ...read.query, ...params });
  read.answered?.(params, body);
  const events = eventsOf(body);
  state.dmCalls += 1;
  state.eventsRead += events.length;
  if (events.length === 0 && read.keepEmpty === false) return { body, events };
  const memory = await state.memory.store.update(userId, (m) => {
    rememberEvents(m, events);
    rememberIncludes(state, m, params, body);
    read.keep?.(m, events, body);
  });
  return { body, events, memory };
}

function eventsOf(body: DmEventsPage | DmEventAnswer): DmEvent[] {
  const data = body.data;
  return Array.isArray(data) ? data : data ? [data] : [];
}
