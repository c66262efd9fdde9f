/**
 * The memory with spans: each read a request makes of it (a page, an event, the inbox, a conversation's events) is a
 * span that says whether memory answered it without calling X (`hit`) or not (`miss`), and each sync of a user's feed
 * is a span of its own, with the calls to X it made below it. Used only when tracing is on.
 */
import type { Loaders } from '../loaders/loaders.js';
import {
  Memory,
  type MemoryOptions,
  type MemoryPage,
  type MemoryPageRequest,
  RequestMemory,
} from '../memory/memory.js';
import type { XSession } from '../upstream/session.js';
import type { XParams } from '../x/params.js';
import type { Tracing } from './tracing.js';

/** A read in a span of its own, `hit` when it called X for nothing. */
function read<T>(tracing: Tracing, name: string, work: () => Promise<T>): Promise<T> {
  return tracing.span(name, async (span) => {
    const result = await work();
    span.set('xdm.memory.result', span.xCalls === 0 ? 'hit' : 'miss');
    return result;
  });
}

class TracedRequestMemory extends RequestMemory {
  constructor(
    memory: Memory,
    x: XSession,
    loaders: Loaders,
    private readonly tracing: Tracing,
  ) {
    super(memory, x, loaders);
  }

  override page(request: MemoryPageRequest): Promise<MemoryPage> {
    return read(this.tracing, 'xdm.memory.page', () => super.page(request));
  }

  override event(eventId: string, params: XParams): ReturnType<RequestMemory['event']> {
    return read(this.tracing, 'xdm.memory.event', () => super.event(eventId, params));
  }

  override inbox(first: number, afterEventId: string | undefined, params: XParams): ReturnType<RequestMemory['inbox']> {
    return read(this.tracing, 'xdm.memory.inbox', () => super.inbox(first, afterEventId, params));
  }

  override conversationEvents(
    conversationId: string,
    path: string,
    params: XParams,
  ): ReturnType<RequestMemory['conversationEvents']> {
    return read(this.tracing, 'xdm.memory.conversation', () => super.conversationEvents(conversationId, path, params));
  }
}

export class TracedMemory extends Memory {
  constructor(
    options: MemoryOptions,
    private readonly tracing: Tracing,
  ) {
    super(options);
  }

  override forRequest(x: XSession, loaders: Loaders): RequestMemory {
    return new TracedRequestMemory(this, x, loaders, this.tracing);
  }

  /** The walk of a sync in a span, under the read (or the live loop's tick) that started it. */
  override shareSync(userId: string, walk: () => Promise<void>): Promise<void> {
    return super.shareSync(userId, () => this.tracing.span('xdm.memory.sync', () => walk()));
  }
}
