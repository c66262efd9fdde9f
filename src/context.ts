/**
 * The per-request context: the caller's credentials, the upstream session that calls X with them, the loaders that
 * share X objects within this request (and never beyond it), and the one reader resolvers read DMs through: over the
 * caller's memory, or straight to X, chosen here once.
 */
import type { GraphQLError } from 'graphql';
import { UnauthenticatedError } from './errors.js';
import { Loaders } from './loaders/loaders.js';
import type { DmReader } from './memory/dm-reader.js';
import type { Memory, RequestMemory } from './memory/memory.js';
import { MemoryReader } from './memory/memory-reader.js';
import { PassThroughReader } from './memory/pass-through-reader.js';
import type { CallerCursors, CursorCodec } from './paging/cursor.js';
import type { IdempotencyStore } from './store/store.js';
import type { LiveHub, LiveSignal, SubscriptionFilter } from './sync/live.js';
import type { UpstreamTransport } from './upstream/client.js';
import { BEARER, XSession, type XSessionOptions } from './upstream/session.js';
import type { DmEvent } from './x/wire.js';
import { parseTonUrl } from './media/ids.js';
import type { MediaService } from './media/media.js';

export interface GatewayContext {
  /** Calls X with this request's `Authorization` header. */
  readonly x: XSession;
  readonly loaders: Loaders;
  /** Edge cursors, bound to this request's caller. */
  readonly cursors: CallerCursors;
  /**
   * How resolvers read DMs: `MemoryReader` over the caller's memory, or `PassThroughReader` straight to X (with
   * `STORE=off`, or while a shared store is down when the request comes).
   */
  readonly reader: DmReader;
  /**
   * The caller's memory, for what is not a read: writes keep what they sent, metrics and headers say how fresh the
   * answer was. Absent where the reader passes through.
   */
  readonly memory?: RequestMemory;
  /** Where idempotency keys of writes are kept (the memory's store, or one of their own with `STORE=off`). */
  readonly writes: IdempotencyStore;
  /**
   * Errors of fields that still answered (a page cut short, with its data): added to the answer's `errors` once the
   * operation is done.
   */
  readonly partialErrors: GraphQLError[];
  /** The caller's X user id, as X names it (`GET /2/users/me`, at most once a request; remembered by the memory). */
  callerId(): Promise<string>;
  /** The caller's news from now on (`dmEventAdded`), from their user's one live loop. */
  subscribe(filter: SubscriptionFilter): Promise<AsyncIterableIterator<DmEvent>>;
  /**
   * A URL of this gateway that loads the DM media at X's `url` without any header, bound to this caller's credentials;
   * null for media that is not a DM's (`Media.downloadUrl`).
   */
  downloadUrlOf(url: string | undefined): Promise<string | null>;
  /** Typing or read receipts that reach the caller from now on (`dmTyping`, `dmReadReceipt`), from X's pushes. */
  subscribeSignals(
    kind: 'typing' | 'read',
    conversationId: string | undefined,
  ): Promise<AsyncIterableIterator<LiveSignal>>;
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

interface ContextOptions {
  transport: UpstreamTransport;
  authorization: string;
  cursors: CursorCodec;
  session: XSessionOptions;
  memory: Memory | undefined;
  /** The memory the live loops keep (the gateway's, or one of their own with `STORE=off`). */
  liveMemory: Memory;
  live: LiveHub;
  writes: IdempotencyStore;
  /** Mints media URLs. */
  media: MediaService;
  /** The origin the request reached the gateway at: minted URLs are on it (unless a public URL is configured). */
  origin: () => string;
}

/** The options a context was made with, under a key of its own (yoga copies a context's own properties, symbols too). */
const OPTIONS = Symbol('context options');

type OwnContext = GatewayContext & { readonly [OPTIONS]: ContextOptions };

/** A request's X session and loaders, its memory over them, and the reader: the memory's, or straight to X. */
function open(
  options: ContextOptions,
  cursors: CallerCursors,
): Pick<GatewayContext, 'x' | 'loaders' | 'memory' | 'reader'> {
  const x = new XSession(options.transport, options.authorization, options.session);
  const loaders = new Loaders(x);
  // While a shared store is down, the request is served from X as without memory.
  const memory = options.memory?.available() ? options.memory.forRequest(x, loaders) : undefined;
  const passThrough = new PassThroughReader(x, loaders, cursors);
  const reader = memory ? new MemoryReader(memory, passThrough, cursors) : passThrough;
  return { x, loaders, memory, reader };
}

/** The caller's memory, or with `STORE=off` the live loops' own, as this context's session sees it. */
function liveMemoryOf(context: OwnContext): RequestMemory {
  return context.memory ?? context[OPTIONS].liveMemory.forRequest(context.x, context.loaders);
}

/** The context's methods: the same functions for every request, each reading its own context. */
const methods: Pick<
  GatewayContext,
  'callerId' | 'subscribe' | 'subscribeSignals' | 'downloadUrlOf' | 'notifyLive' | 'useLiveObjects' | 'renew'
> = {
  callerId(this: GatewayContext) {
    return this.reader.callerId();
  },
  subscribe(this: OwnContext, filter) {
    const { authorization, live } = this[OPTIONS];
    if (!BEARER.test(authorization)) {
      throw new UnauthenticatedError('A subscription needs `Authorization: Bearer <X user token>`.');
    }
    return live.subscribe(liveMemoryOf(this), authorization, this.x.tokenHash(), filter);
  },
  async downloadUrlOf(this: OwnContext, url) {
    const ids = parseTonUrl(url);
    const { authorization, media, origin, liveMemory } = this[OPTIONS];
    if (!ids || !BEARER.test(authorization)) return null;
    // Whose link it is, when known without a call: the link is then forgotten with the user (`oauth.revoke`). With
    // STORE=off only the live loops' memory knows callers, those with a subscription open.
    const tokenHash = this.x.tokenHash();
    const userId = this.memory ? await this.memory.knownUserId() : await liveMemory.knownUserId(tokenHash);
    return media.mint(authorization, tokenHash, ids, origin(), userId);
  },
  subscribeSignals(this: OwnContext, kind, conversationId) {
    const { authorization, live } = this[OPTIONS];
    if (!BEARER.test(authorization)) {
      throw new UnauthenticatedError('A subscription needs `Authorization: Bearer <X user token>`.');
    }
    return live.subscribeSignals(kind, liveMemoryOf(this), authorization, this.x.tokenHash(), conversationId);
  },
  notifyLive(this: OwnContext) {
    return this[OPTIONS].live.notify(liveMemoryOf(this));
  },
  useLiveObjects(this: OwnContext) {
    return liveMemoryOf(this).useKnownObjects();
  },
  renew(this: OwnContext) {
    Object.assign(this, open(this[OPTIONS], this.cursors));
  },
};

/**
 * A fresh context for one request made with `authorization`. yoga copies the context into its own object, so the
 * methods work on `this` (the object resolvers receive), never on values captured here.
 */
export function createContext(options: ContextOptions): GatewayContext {
  // The token's hash is the same for every session of the request (`renew` opens new ones with the same header).
  const cursors = options.cursors.forCaller(() => opened.x.tokenHash());
  const opened = open(options, cursors);
  const context: OwnContext = {
    cursors,
    writes: options.writes,
    partialErrors: [],
    [OPTIONS]: options,
    ...opened,
    ...methods,
  };
  return context;
}
