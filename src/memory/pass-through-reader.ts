/**
 * The reader without a memory (`STORE=off`, or a shared store that is down when the request comes): every read is one
 * call to X through the request's session, shared with any other selection of the same call, and primes the request's
 * loaders with what it carried. Its cursors name X's pages. `MemoryReader` falls back on it when the store goes away
 * during a request.
 */
import { UpstreamError } from '../errors.js';
import type { Loaders } from '../loaders/loaders.js';
import type { CallerCursors, PageRef } from '../paging/cursor.js';
import { type PageFetch, cursorKind, pageInfoOf, placeAnchor, planPage } from '../paging/paging.js';
import { InProcessStore } from '../store/in-process.js';
import type { XSession } from '../upstream/session.js';
import type { XParams } from '../x/params.js';
import { type DmEvent, type DmEventAnswer, type DmEventsPage, PAGING, type User, type UserAnswer } from '../x/wire.js';
import {
  type ConversationList,
  type DmReader,
  type EventsPage,
  type EventsPageRequest,
  type FoundEvent,
  connectionOf,
} from './dm-reader.js';
import type { Inbox } from './inbox.js';
import { Memory, type RequestMemory } from './memory.js';
import { MemoryReader } from './memory-reader.js';

export class PassThroughReader implements DmReader {
  constructor(
    private readonly x: XSession,
    private readonly loaders: Loaders,
    private readonly cursors: CallerCursors,
  ) {}

  async callerId(): Promise<string> {
    const { body } = await this.x.getShared<UserAnswer>('/2/users/me', {}, {});
    if (!body.data) throw new UpstreamError('X did not say who this token belongs to.');
    return body.data.id;
  }

  async self(params: XParams): Promise<User | undefined> {
    return (await this.lookUpSelf(params)).body.data;
  }

  /**
   * `GET /2/users/me` with `params`, shared with any other read of it in the request (`callerId` asks the same
   * endpoint: one call), its user primed in the loaders; and the parameters it was asked with.
   */
  async lookUpSelf(params: XParams): Promise<{ body: UserAnswer; asked: XParams }> {
    const { body, params: asked } = await this.x.getShared<UserAnswer>('/2/users/me', {}, params);
    this.loaders.prime('user', asked, body);
    return { body, asked };
  }

  /**
   * One X call per page, from the token the cursor's page names; a cursor at the very end costs none. A cursor that
   * names an event (issued from memory, before the store went down) is served as the memory serves it, from a memory
   * of this read's own: X's list is read from its top down to that event.
   */
  async eventsPage(request: EventsPageRequest): Promise<EventsPage> {
    if (cursorKind(request.args) === 'event') {
      return new MemoryReader(this.transientMemory(), this, this.cursors).eventsPage(request);
    }
    const connection = connectionOf(request.list, request.eventTypes);
    return this.fromX(request, connection, planPage(request.args, connection, this.cursors));
  }

  /**
   * The page `fetch` plans, from X. A cursor of a page that moves down as news arrives is placed by its event's id:
   * when more news came above it than the page held, the page is asked again whole, and beyond that it is found as a
   * cursor naming that event.
   */
  private async fromX(request: EventsPageRequest, connection: string, fetch: PageFetch): Promise<EventsPage> {
    const { list, eventTypes, params } = request;
    const ref = {
      connection,
      maxResults: fetch.maxResults,
      ...(fetch.token !== undefined && { token: fetch.token }),
      ...(fetch.backward && { backward: true }),
    };
    if (fetch.empty) {
      return {
        events: [],
        pageInfo: pageInfoOf(fetch, { size: 0 }),
        cursorAt: this.pageCursors({ size: 0, ...ref }, 0, []),
      };
    }
    const { body, params: asked } = await this.x.getShared<DmEventsPage>(
      list.path,
      { max_results: String(fetch.maxResults), pagination_token: fetch.token, event_types: eventTypes },
      params,
    );
    this.loaders.prime('dm_event', asked, body);
    const data = body.data ?? [];
    const placed = placeAnchor(fetch, data);
    if (!placed) {
      const anchor = fetch.anchor!;
      if (fetch.maxResults < PAGING.maxResultsMax) {
        return this.fromX(request, connection, { ...fetch, maxResults: PAGING.maxResultsMax });
      }
      const cursor = this.cursors.eventCursor(connection, anchor.id);
      const args = fetch.moreAfter ? { last: anchor.size, before: cursor } : { first: anchor.size, after: cursor };
      return this.eventsPage({ ...request, args });
    }
    const meta = { size: data.length, nextToken: body.meta?.next_token, previousToken: body.meta?.previous_token };
    const pageRef: PageRef = {
      size: data.length,
      ...ref,
      ...(meta.nextToken !== undefined && { nextToken: meta.nextToken }),
      ...(meta.previousToken !== undefined && { previousToken: meta.previousToken }),
      ...((ref.token === undefined || ref.backward) &&
        data.length > 0 && { span: { newest: data[0]!.id, oldest: data.at(-1)!.id } }),
    };
    return {
      events: data.slice(placed.skip, placed.skip + placed.take),
      pageInfo: pageInfoOf(placed, meta),
      cursorAt: this.pageCursors(pageRef, placed.skip, data),
    };
  }

  async event(eventId: string, params: XParams): Promise<FoundEvent> {
    const { body, params: asked } = await this.x.getShared<DmEventAnswer>(`/2/dm_events/${eventId}`, {}, params);
    this.loaders.prime('dm_event', asked, body);
    return body.data ? { event: body.data } : { ...(body.errors?.[0] && { problem: body.errors[0] }) };
  }

  async conversationHead(list: ConversationList, params: XParams, size: number): Promise<readonly DmEvent[]> {
    const { body, params: asked } = await this.x.getShared<DmEventsPage>(
      list.path,
      { max_results: String(size) },
      params,
    );
    this.loaders.prime('dm_event', asked, body);
    return body.data ?? [];
  }

  /**
   * The inbox is built from the feed even without a memory to keep: in a memory of this read's own, forgotten after
   * it, so the same pages are read, and a page ends where it does, as with the gateway's memory.
   */
  inbox(first: number, afterEventId: string | undefined): Promise<Inbox> {
    return this.transientMemory().inbox(first, afterEventId, {});
  }

  /** A memory of one read's own, forgotten after it. */
  private transientMemory(): RequestMemory {
    return new Memory({ store: new InProcessStore() }).forRequest(this.x, this.loaders);
  }

  /** No memory, so no objects known beyond the request. */
  useKnownObjects(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Cursors of a page X served: its X page (signed once per page) and each edge's index in it (`offset` is the index
   * of the first event kept); on a page that moves down as news arrives (X's first, or one fetched with a previous
   * token), each edge's event id too.
   */
  private pageCursors(ref: PageRef, offset: number, events: readonly DmEvent[]): (index: number) => string {
    let prefix: string | undefined;
    const anchored = ref.span !== undefined;
    return (index) =>
      `${(prefix ??= this.cursors.pagePrefix(ref))}.${offset + index}${anchored ? `.${events[offset + index]!.id}` : ''}`;
  }
}
