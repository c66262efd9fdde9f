/**
 * The reader over the caller's memory: every read is served from memory where it can, calling X only for what memory
 * lacks (`pages.ts`, `inbox.ts`, `events.ts`). Its cursors name events, so they hold wherever the next page comes
 * from. When the store stops answering during the request, each read from then on is the pass-through reader's.
 */
import type { CallerCursors } from '../paging/cursor.js';
import { cursorKind, readPageArgs } from '../paging/paging.js';
import { FIELDS_PARAM, type XParams } from '../x/params.js';
import type { DmEvent, DmEventType, User } from '../x/wire.js';
import {
  type ConversationList,
  type DmReader,
  type EventsPage,
  type EventsPageRequest,
  type FoundEvent,
  connectionOf,
  conversationIdOf,
} from './dm-reader.js';
import type { Inbox } from './inbox.js';
import type { RequestMemory } from './memory.js';
import type { PassThroughReader } from './pass-through-reader.js';
import { type ListRef, MemoryUnavailableError, unlessMemoryUnavailable } from './request-state.js';

export class MemoryReader implements DmReader {
  constructor(
    private readonly memory: RequestMemory,
    /** Where a read goes when the store went away (`MemoryUnavailableError`). */
    private readonly fallback: PassThroughReader,
    private readonly cursors: CallerCursors,
  ) {}

  callerId(): Promise<string> {
    return this.memory.userId();
  }

  /** The caller as memory knows them (kept from an earlier `GET /2/users/me`, for the objects' time to live). */
  async self(params: XParams): Promise<User | undefined> {
    const fields = params[FIELDS_PARAM.user]?.split(',') ?? [];
    const known = await this.memory.knownSelf(fields).catch(unlessMemoryUnavailable);
    if (known) return known as unknown as User;
    const { body, asked } = await this.fallback.lookUpSelf(params);
    await this.memory.rememberSelf(asked, body).catch(() => undefined);
    return body.data;
  }

  async eventsPage(request: EventsPageRequest): Promise<EventsPage> {
    // A walk begun from X (while the store was down) goes on from X: its cursors name X's pages.
    if (cursorKind(request.args) === 'page') return this.fallback.eventsPage(request);
    try {
      return await this.fromMemory(request);
    } catch (error) {
      if (!(error instanceof MemoryUnavailableError)) throw error;
    }
    return this.fallback.eventsPage(request);
  }

  async event(eventId: string, params: XParams): Promise<FoundEvent> {
    const found = await this.memory.event(eventId, params).catch(unlessMemoryUnavailable);
    return found ?? this.fallback.event(eventId, params);
  }

  /** Every event memory knows of the conversation, after a page of one brought its head up to date. */
  async conversationHead(list: ConversationList, params: XParams, size: number): Promise<readonly DmEvent[]> {
    const conversationId = await conversationIdOf(list.conversation, () => this.callerId());
    const known = await this.memory
      .conversationEvents(conversationId, list.path, params)
      .catch(unlessMemoryUnavailable);
    return known ?? this.fallback.conversationHead(list, params, size);
  }

  async inbox(first: number, afterEventId: string | undefined): Promise<Inbox> {
    const inbox = await this.memory.inbox(first, afterEventId, {}).catch(unlessMemoryUnavailable);
    return inbox ?? this.fallback.inbox(first, afterEventId);
  }

  useKnownObjects(): Promise<void> {
    return this.memory.useKnownObjectsIfIdentified().then(
      () => undefined,
      () => undefined,
    );
  }

  /** A page served by memory; its cursors name events. */
  private async fromMemory({ list, args, eventTypes, params }: EventsPageRequest): Promise<EventsPage> {
    const connection = connectionOf(list, eventTypes);
    const { backward, size, cursor } = readPageArgs(args);
    const from =
      cursor === undefined ? undefined : this.cursors.decodeEvent(cursor, connection, backward ? 'before' : 'after');
    const listRef: ListRef = !list.conversation
      ? { kind: 'feed' }
      : {
          kind: 'conversation',
          path: list.path,
          conversationId: await conversationIdOf(list.conversation, () => this.callerId()),
        };
    const page = await this.memory.page({
      list: listRef,
      backward,
      size,
      ...(from !== undefined && { from }),
      ...(eventTypes !== undefined && { eventTypes: new Set(eventTypes.split(',') as DmEventType[]) }),
      params,
    });
    return {
      events: page.events,
      pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: page.hasPreviousPage },
      cursorAt: this.eventCursors(connection, page.events),
    };
  }

  /** Cursors of a page served from memory: each names its event, signed once however often it is read. */
  private eventCursors(connection: string, events: readonly DmEvent[]): (index: number) => string {
    const signed: string[] = [];
    return (index) => (signed[index] ??= this.cursors.eventCursor(connection, events[index]!.id));
  }
}
