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
  /** Lets the loaders answer from what the live memory knows (the users and media a subscription's events link to). */
  useLiveObjects(): Promise<void>;
  /**
   * A fresh X session and loaders for what follows (each event of a long subscription is resolved like a request of
   * its own: its own deadline, its own call budget).
   */
  renew(): void;
}

/**
 * A fresh context for one request made with `authorization`. yoga copies the context into its own object, so the
 * methods below work on `this` (the object resolvers receive), never on values captured here.
 */
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
  const open = () => {
    const x = new XSession(options.transport, authorization, options.session);
    const loaders = new Loaders(x);
    // While a shared store is down, the request is served from X as without memory.
    const memory = options.memory?.available() ? options.memory.forRequest(x, loaders) : undefined;
    return { x, loaders, memory };
  };
  /** The caller's memory, or with `STORE=off` the live loops' own, as this context's session sees it. */
  const liveMemoryOf = (context: GatewayContext) => context.memory ?? options.liveMemory.forRequest(context.x, context.loaders);
  const opened = open();
  return {
    ...opened,
    cursors: options.cursors.forCaller(opened.x.tokenHash()),
    writes: options.writes,
    async callerId(this: GatewayContext) {
      if (this.memory) return this.memory.userId();
      const { body } = await this.x.getShared<UserAnswer>('/2/users/me', {}, {});
      if (!body.data) throw new UpstreamError('X did not say who this token belongs to.');
      return body.data.id;
    },
    subscribe(this: GatewayContext, filter) {
      if (!BEARER.test(authorization)) {
        throw new UnauthenticatedError('A subscription needs `Authorization: Bearer <X user token>`.');
      }
      return options.live.subscribe(liveMemoryOf(this), authorization, this.x.tokenHash(), filter);
    },
    notifyLive(this: GatewayContext) {
      return options.live.notify(liveMemoryOf(this));
    },
    useLiveObjects(this: GatewayContext) {
      return liveMemoryOf(this).useKnownObjects();
    },
    renew(this: GatewayContext) {
      Object.assign(this, open());
    },
  };
}
