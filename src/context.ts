/**
 * The per-request context: the caller's credentials, the upstream session that calls X with them, and the loaders
 * that share X objects within this request (and never beyond it).
 */
import { UnauthenticatedError, UpstreamError } from './errors.js';
import { Loaders } from './loaders/loaders.js';
import type { Memory, RequestMemory } from './memory/memory.js';
import type { CallerCursors, CursorCodec } from './paging/cursor.js';
import type { DmStore } from './store/store.js';
import type { LiveHub, SubscriptionFilter } from './sync/live.js';
import type { UpstreamTransport } from './upstream/client.js';
import { BEARER, XSession, type XSessionOptions } from './upstream/session.js';
import type { DmEvent, UserAnswer } from './x/wire.js';

export interface GatewayContext {
  /** Calls X with this request's `Authorization` header. */
  readonly x: XSession;
  readonly loaders: Loaders;
  /** Edge cursors, bound to this request's caller. */
  readonly cursors: CallerCursors;
  /** The caller's memory; absent with `STORE=off`, where every read asks X. */
  readonly memory?: RequestMemory;
  /** Where idempotency keys of writes are kept (the memory's store, or one of their own with `STORE=off`). */
  readonly writes: DmStore;
  /** The caller's X user id, as X names it (`GET /2/users/me`, at most once a request; remembered by the memory). */
  callerId(): Promise<string>;
  /** The caller's news from now on (`dmEventAdded`), from their user's one live loop. */
  subscribe(filter: SubscriptionFilter): Promise<AsyncIterableIterator<DmEvent>>;
  /** Tells the caller's subscribers of what memory learned without X (a message just sent). */
  notifyLive(): Promise<void>;
  /**
   * A fresh X session and loaders for what follows (each event of a long subscription is resolved like a request of
   * its own: its own deadline, its own call budget).
   */
  renew(): void;
}

/** A fresh context for one request made with `authorization`. */
export function createContext(options: {
  transport: UpstreamTransport;
  authorization: string;
  cursors: CursorCodec;
  session: XSessionOptions;
  memory: Memory | undefined;
  /** The memory the live loops keep (the gateway's, or one of their own with `STORE=off`). */
  liveMemory: Memory;
  live: LiveHub;
  writes: DmStore;
}): GatewayContext {
  const { authorization } = options;
  let x!: XSession;
  let loaders!: Loaders;
  let memory: RequestMemory | undefined;
  const open = () => {
    x = new XSession(options.transport, authorization, options.session);
    loaders = new Loaders(x);
    memory = options.memory?.forRequest(x, loaders);
  };
  open();
  const liveMemory = () => memory ?? options.liveMemory.forRequest(x, loaders);
  return {
    get x() {
      return x;
    },
    get loaders() {
      return loaders;
    },
    get memory() {
      return memory;
    },
    cursors: options.cursors.forCaller(authorization),
    writes: options.writes,
    callerId: async () => {
      if (memory) return memory.userId();
      const { body } = await x.getShared<UserAnswer>('/2/users/me', {}, {});
      if (!body.data) throw new UpstreamError('X did not say who this token belongs to.');
      return body.data.id;
    },
    subscribe: (filter) => {
      if (!BEARER.test(authorization)) {
        throw new UnauthenticatedError('A subscription needs `Authorization: Bearer <X user token>`.');
      }
      return options.live.subscribe(liveMemory(), authorization, x.tokenHash(), filter);
    },
    notifyLive: () => options.live.notify(liveMemory()),
    renew: open,
  };
}
