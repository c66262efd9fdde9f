/**
 * How resolvers read DMs: one `DmReader` per request, chosen once when the context is built. It is `MemoryReader`
 * (`memory-reader.ts`) when the gateway keeps a memory and its store is up, and `PassThroughReader`
 * (`pass-through-reader.ts`), straight to X through the request's session and loaders, otherwise. Resolvers ask it and
 * never look at the memory themselves; both answer in the same shapes, each with cursors of its own (see
 * `docs/memory.md`, "Who reads").
 */
import type { ConnectionArgs, PageInfo } from '../paging/paging.js';
import type { XParams } from '../x/params.js';
import type { DmEvent, Problem, User } from '../x/wire.js';
import type { Inbox } from './inbox.js';

/** A conversation: by X's id, or by the other participant of a one-to-one conversation. */
export type ConversationRef = { readonly conversationId: string } | { readonly participantId: string };

/** X's id of a conversation: the ref's, or for one opened with a participant, made from the caller's id. */
export async function conversationIdOf(
  conversation: ConversationRef,
  callerId: () => Promise<string>,
): Promise<string> {
  if ('conversationId' in conversation) return conversation.conversationId;
  return oneToOneConversationId(await callerId(), conversation.participantId);
}

/** X's one-to-one conversation id: the two user ids, smaller first. */
export function oneToOneConversationId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}

/** A list of DM events: the caller's feed (`/2/dm_events`), or one conversation's. */
export interface DmList {
  /** X's endpoint of the list. */
  readonly path: string;
  /** The conversation, for a conversation's list. */
  readonly conversation?: ConversationRef;
}

/** A conversation's list. */
export type ConversationList = DmList & { readonly conversation: ConversationRef };

/** A page of a connection of DM events, as its arguments ask. */
export interface EventsPageRequest {
  readonly list: DmList;
  /** The connection's arguments (`first`/`after`, `last`/`before`); checked by the reader, before any call. */
  readonly args: ConnectionArgs;
  /** X's `event_types`: the types asked for, sorted and comma-separated; all types when absent. */
  readonly eventTypes?: string;
  /** The selection's own parameters (user and post fields of expanded objects). */
  readonly params: XParams;
}

/** What a connection's cursors are bound to: its list and the event types it shows. */
export function connectionOf(list: DmList, eventTypes: string | undefined): string {
  return `${list.path}|${eventTypes ?? ''}`;
}

/** A served page of DM events, and how to name their positions. */
export interface EventsPage {
  readonly events: readonly DmEvent[];
  readonly pageInfo: PageInfo;
  /** The cursor of `events[index]`, bound to the connection and the caller. */
  readonly cursorAt: (index: number) => string;
}

/** One event by id: `event` when X has it for the caller, else `problem` when X said why. */
export interface FoundEvent {
  readonly event?: DmEvent;
  readonly problem?: Problem;
}

export interface DmReader {
  /** The caller's X user id, as X names it (`GET /2/users/me`, at most once a request). */
  callerId(): Promise<string>;
  /** The caller's own user with the fields `params` asks for (`viewer`); undefined when X answers none. */
  self(params: XParams): Promise<User | undefined>;
  /** A page of a list (the feed, or a conversation's). */
  eventsPage(request: EventsPageRequest): Promise<EventsPage>;
  /** One event by id, with everything `params` expands. */
  event(eventId: string, params: XParams): Promise<FoundEvent>;
  /**
   * A conversation's newest events, newest first: every one memory knows (its head brought up to date), or straight
   * from X its first page of `size`.
   */
  conversationHead(list: ConversationList, params: XParams, size: number): Promise<readonly DmEvent[]>;
  /** The conversations of the feed, newest activity first: `first` after the one whose newest event is `afterEventId`. */
  inbox(first: number, afterEventId: string | undefined): Promise<Inbox>;
  /**
   * Lets the request's loaders answer from the objects the caller's memory knows, when that costs no call (the token's
   * user is known already); nothing without a memory. Never fails: a memory that cannot be read is skipped.
   */
  useKnownObjects(): Promise<void>;
}
