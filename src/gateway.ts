/**
 * `createGateway(options)`: the GraphQL gateway as a yoga app. It never listens: `server.ts` does, tests call
 * `gateway.fetch(...)` in process, and a larger API can stitch it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { OperationTypeNode, getOperationAST } from 'graphql';
import { type YogaServerInstance, createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import { type GatewayContext, createContext } from './context.js';
import { isReportedError, maskError } from './errors.js';
import { CursorCodec } from './paging/cursor.js';
import { GatewayMetrics } from './observability/metrics.js';
import { defaultLogger } from './observability/logger.js';
import { observability } from './observability/plugin.js';
import { TracedMemory } from './observability/traced-memory.js';
import type { Tracing } from './observability/tracing.js';
import { operationChecks } from './plugins/operation-checks.js';
import { type DocumentLimits, documentLimits } from './plugins/document-limits.js';
import { sessionEnd } from './plugins/session-end.js';
import { jsonByteAnswers } from './plugins/json-bytes.js';
import { requestBodyLimit } from './plugins/body-limit.js';
import { Admission, type AdmissionOptions, admittedListener } from './admission.js';
import { type PersistedDocumentsOptions, persistedDocuments } from './plugins/persisted-documents.js';
import { schema } from './schema/index.js';
import { typeOfGlobalId } from './schema/node.js';
import { UpstreamClient, type UpstreamTransport } from './upstream/client.js';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { Loaders } from './loaders/loaders.js';
import { Memory, type MemoryOptions } from './memory/memory.js';
import { syncLease } from './memory/sync-lease.js';
import { LiveHub, type LiveKind } from './sync/live.js';
import { ActivityFeed, type ActivityNotice, applyNotice } from './sync/activity.js';
import { ActivityStream } from './sync/activity-stream.js';
import { ActivitySubscriptions } from './sync/activity-subscriptions.js';
import { UserForgetting } from './sync/forget-user.js';
import { activityWebhooks } from './sync/webhooks.js';
import { forgetAll } from './memory/pushed.js';
import { forgetSlots } from './writes/user-slots.js';
import { attachWebSocket } from './websocket.js';
import { XSession, type XSessionOptions } from './upstream/session.js';
import { CallerSignal } from './upstream/abort-watch.js';
import type { DmStore, MemoryStore } from './store/store.js';
import { deriveKey } from './store/crypto.js';
import { InProcessStore } from './store/in-process.js';
import { holdLease } from './store/lease.js';
import { budgetsOf, sharedLeases } from './store/parts.js';
import { RedisStore } from './store/redis.js';
import { ResilientStore } from './store/resilient.js';
import { RateLimitBook } from './upstream/rate-limit-book.js';
import { RetryingTransport } from './upstream/retry.js';
import { type DialectName, dialectOf } from './x/dialect.js';
import { type MediaOptions, MediaService } from './media/media.js';
import { mediaRoute } from './media/route.js';
import { SharedMedia } from './media/shared.js';

export interface GatewayOptions {
  /** Where X is: its origin (`https://api.x.com`, or a sandbox's URL), or a transport of your own. */
  upstream: string | UpstreamTransport;
  /**
   * The dialect the upstream speaks: `posts`, X's production API (spec 2.167), or `tweets`, the older spec 2.159.
   * The GraphQL schema is the same in both. @default 'posts'
   */
  dialect?: DialectName;
  /** Limit for one upstream call, in milliseconds. @default 10000 */
  upstreamTimeoutMs?: number;
  /** Signs edge cursors; share it between instances behind one load balancer. @default random per process */
  cursorSecret?: string;
  /** Time one operation may spend waiting for X, retries included; then its calls fail as UPSTREAM_ERROR. @default 30000 */
  operationTimeoutMs?: number;
  /**
   * How long an operation may wait for a token's spent X rate limit to reset, rather than failing at once with
   * RATE_LIMITED. X's windows are 15 minutes or a day, so this only helps a call that lands just before a reset. @default 0
   */
  rateLimitWaitMs?: number;
  /** Further attempts of a call after a broken connection or X's 502/503/504. @default 2 */
  retries?: number;
  /** Most upstream calls one GraphQL operation may cost. @default 10 */
  maxUpstreamRequests?: number;
  /**
   * What the gateway remembers of each user's DMs: `memory` in this process, a store of your own (the same
   * interface), or `off`, where every read asks X. @default 'memory'
   */
  store?: 'memory' | 'redis' | 'off' | DmStore;
  /**
   * The Redis that replicas share (with `store: 'redis'`): its URL, and `STORE_KEY`, the secret (32 characters at
   * least, the same on every replica) that encrypts what is kept and hides its key names.
   */
  redis?: { url: string; storeKey: string };
  /**
   * DM media served at `/media/...` (`Media.downloadUrl`): how long a minted URL works, size caps, the public origin.
   * @default see `MediaOptions`
   */
  media?: MediaOptions;
  /** How old the head of a list served from memory may be before X is asked again. @default 30000 */
  freshnessMs?: number;
  /** How long a token stays tied to the X user X named for it. @default 300000 */
  identityTtlMs?: number;
  /**
   * How long users and posts X returned (lookups, and DM answers' `includes`) are served from memory before they are
   * looked up again; ids X answered as missing are answered as missing as long. @default 900000 (15 minutes)
   */
  objectTtlMs?: number;
  /**
   * The clock the memory reads (milliseconds since the epoch): when a list was synced, whether it is still fresh, what
   * X's 30-day window lets go, and, in the in-process store, how long a token stays tied to its user. For tests and
   * benchmarks that replay sessions in fake time (with the sandbox's `clock`, the same function). @default Date.now
   */
  now?: () => number;
  /** Bounds of `dmEventAdded`. @default 10 per token, 10,000 in all; a user's loop stops 2 s after the last one left */
  subscriptions?: { maxPerToken?: number; maxTotal?: number; stopAfterMs?: number };
  /** Limits on the documents clients send. @default see `documentLimits` */
  limits?: DocumentLimits;
  /** Executes operations with graphql-jit, compiled once per document. @default true */
  jit?: boolean;
  /**
   * How `requestListener` lets GraphQL requests in while the process is busy and recent answers are large: at most
   * `floor` at once, the others waiting their turn before anything reads them (`src/admission.ts`); `false` lets every
   * request in as it comes. @default `{ floor: 4, largeAnswerBytes: 65536 }`
   */
  admission?: Omit<AdmissionOptions, 'onWaiting'> | false;
  /** Shows internal error messages to clients. @default false */
  development?: boolean;
  /** Headers GraphiQL starts with, e.g. the sandbox's demo token. @default none */
  graphiqlHeaders?: Record<string, string>;
  /**
   * Where logs go: one line per request, never a token or a message text. @default pino at LOG_LEVEL (info) on
   * stdout, written asynchronously: lines logged while a write is under way go out together in the next one, and
   * what is left is flushed when the process exits.
   */
  logger?: Logger;
  /** The metrics to count into. @default a registry of the gateway's own */
  metrics?: GatewayMetrics;
  /** The GraphQL endpoint's path. @default '/graphql' */
  graphqlEndpoint?: string;
  /**
   * Persisted documents: clients may send a manifest document's `documentId` instead of its text; with `only`, every
   * other document is refused (400, before it is parsed) and GraphiQL is not served, unless `development`, where they
   * run (each with a warning in the log) so that GraphiQL works.
   * @default none: documents are sent as text
   */
  persistedDocuments?: PersistedDocumentsOptions;
  /**
   * OpenTelemetry traces, from `startTracing({ endpoint })` (which loads the SDK): a span per operation, per call to X,
   * per memory read and sync. The caller owns it: `tracing.shutdown()` at exit exports what is left.
   * @default none: nothing of OpenTelemetry is loaded or runs
   */
  tracing?: Tracing;
  /**
   * News pushed by X's Activity API: `stream` (one connection per deployment, with `appBearerToken`), `webhook` (X
   * posts to `/x/webhooks`, checked with `consumerSecret`), or `off` (polling). @default off
   */
  activity?: ActivityOptions;
}

export interface ActivityOptions {
  /** Where news comes from. @default 'off' */
  mode: 'stream' | 'webhook' | 'off';
  /** The X app's bearer token (app-only): the stream and the deletion of subscriptions only. */
  appBearerToken?: string;
  /** The X app's consumer secret: webhook CRC answers and signatures. */
  consumerSecret?: string;
  /** The webhook X knows for this deployment; subscriptions point their deliveries at it. */
  webhookId?: string;
  /** Most Activity API subscriptions the app holds. @default 1000 */
  maxSubscriptions?: number;
  /** How long a user with no subscriber keeps their Activity API subscriptions. @default 3600000 (an hour) */
  idleMs?: number;
  /** How often the stream's lease is renewed, or checked by replicas waiting to take over. @default 3000 */
  leaseCheckMs?: number;
}

export interface Gateway {
  readonly yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  /**
   * The gateway as a Node `http` request listener (`createServer(gateway.requestListener)`): yoga's, with GraphQL
   * requests let in a few at a time while the process is busy (`GatewayOptions.admission`).
   */
  readonly requestListener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers a Fetch API request, as yoga does (no admission: one request, answered now). */
  readonly fetch: YogaServerInstance<Record<string, unknown>, GatewayContext>['fetch'];
  /** The gateway's Prometheus metrics (also served at `/metrics`). */
  readonly metrics: GatewayMetrics;
  /** The live loops behind `dmEventAdded`: one per user with a subscriber. */
  readonly live: LiveHub;
  /** DM media: mints the URLs `Media.downloadUrl` answers, and serves them at `/media/...`. */
  readonly media: MediaService;
  /**
   * Serves subscriptions over WebSocket (graphql-ws, `graphql-transport-ws`) on `server`, at the GraphQL endpoint's
   * path; Server-Sent Events need nothing more than the yoga app. Returns how to stop it.
   */
  attachWebSocket(server: HttpServer): { close(): Promise<void> };
  /** X's Activity API behind the subscriptions: the stream (when this deployment uses it) and the deliveries. */
  readonly activity: { stream?: ActivityStream; feed?: ActivityFeed; subscriptions?: ActivitySubscriptions };
  /**
   * Forgets a user everywhere at once (as X's `oauth.revoke` asks); other parts of an application that keep
   * something of a user (a media cache) join it with `forgetting.join(step)`.
   */
  readonly forgetting: UserForgetting;
  /** Ends every subscription and closes the connections to X (when the gateway made them). */
  close(): Promise<void>;
}

/** GraphiQL's tabs: the inbox first (it opens on it), then the inbox of conversations, a send and news as it comes. */
const EXAMPLE_OPERATIONS = ['inbox', 'conversations', 'send-dm', 'dm-event-added'].map((name) =>
  readFileSync(new URL(`../schema/operations/${name}.graphql`, import.meta.url), 'utf8'),
);

/**
 * yoga's own log, into the gateway's logger, less the errors the gateway reports to clients on purpose (bad input,
 * X's refusals): only what went wrong inside the gateway is logged as an error.
 */
function yogaLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ detail: args.map(String) }, 'yoga'),
    info: (...args: unknown[]) => logger.info({ detail: args.map(String) }, 'yoga'),
    warn: (...args: unknown[]) => logger.warn({ detail: args.map(String) }, 'yoga'),
    error: (...args: unknown[]) => {
      const error = args.find((arg) => arg instanceof Error);
      if (error && isReportedError(error)) return;
      logger.error({ err: error ?? args.map(String) }, 'unexpected error');
    },
  };
}

/**
 * Redis behind a store that turns its failures into "no memory": requests are then served from X as with
 * `STORE=off`, the logs and `gateway_store_up` say so, and Redis is used again by itself when it answers.
 */
function sharedStore(redis: GatewayOptions['redis'], logger: Logger, metrics: GatewayMetrics): ResilientStore {
  if (!redis) throw new Error('store: redis needs `redis: { url, storeKey }` (REDIS_URL and STORE_KEY).');
  const primary = new RedisStore({ url: redis.url, storeKey: redis.storeKey });
  metrics.storeUp.set(1);
  return new ResilientStore(primary, (state, error) => {
    metrics.storeUp.set(state === 'up' ? 1 : 0);
    if (state === 'down') logger.warn({ err: error?.message }, 'Redis is down: answering from X without memory');
    else logger.info('Redis is back: memory is shared again');
  });
}

/** The store's publish/subscribe channel of Activity API news between replicas. */
const ACTIVITY_CHANNEL = 'activity-news';

/** How long the Activity API stream's lease lasts unrenewed: another replica takes over within 10 s of a death. */
const STREAM_LEASE_MS = 6_000;

/** Deletes a user's memory from `store`: what the store offers for it, else an emptied memory. */
async function forgetUserIn(store: MemoryStore, userId: string): Promise<void> {
  if (store.forgetUser) await store.forgetUser(userId);
  else await store.update(userId, forgetAll);
}

/** How long a replica may hold a user's sync lease: a walk of a few pages, retries included. */
const SYNC_LEASE_MS = 15_000;

export function createGateway(options: GatewayOptions): Gateway {
  const client =
    typeof options.upstream === 'string'
      ? new UpstreamClient({ baseUrl: options.upstream, timeoutMs: options.upstreamTimeoutMs ?? 10_000 })
      : undefined;
  const tracing = options.tracing;
  const retrying = (inner: UpstreamTransport) => new RetryingTransport(inner, { retries: options.retries ?? 2 });
  const direct = client ?? (options.upstream as UpstreamTransport);
  const untraced = retrying(direct);
  // Traced, each call to X is a span around its retries, a child of the span of the operation or sync that made it.
  const transport = tracing ? tracing.traceCalls(retrying, direct) : untraced;
  // Replicas sharing a store share cursors: without a secret of its own, the cursors' one comes from STORE_KEY.
  const cursors = new CursorCodec(
    options.cursorSecret ??
      (options.redis ? deriveKey(options.redis.storeKey, 'cursors').toString('base64url') : undefined),
  );
  const development = options.development ?? false;
  // Only persisted documents: GraphiQL, which sends documents of its own, is served in development alone, where the
  // documents outside the manifest run, each said in the log.
  const onlyPersisted = options.persistedDocuments?.only === true;
  const unpersisted = () => logger.warn('a document outside the persisted documents ran (development mode only)');
  const maxUpstreamRequests = options.maxUpstreamRequests ?? 10;
  const logger = options.logger ?? defaultLogger();
  const metrics = options.metrics ?? new GatewayMetrics();
  const dialect = dialectOf(options.dialect);
  const store = options.store ?? 'memory';
  const kept: DmStore =
    store === 'memory' || store === 'off'
      ? new InProcessStore({ ...(options.now !== undefined && { now: options.now }) })
      : store === 'redis'
        ? sharedStore(options.redis, logger, metrics)
        : store;
  // Writes claim their idempotency keys where every replica sees them, or not at all (`ResilientStore.strict`).
  const writes = kept instanceof ResilientStore ? kept.strict : kept;
  // A shared store shares the rate-limit budgets too: a token X refused on one replica fails fast on the others.
  const budgets = new RateLimitBook(undefined, budgetsOf(kept));
  // Replicas sharing a store share each user's syncs and live loop: the replica holding the user's lease calls X.
  const replica = randomUUID();
  const memoryOf = (kept: DmStore) => {
    const leases = sharedLeases(kept);
    const memoryOptions: MemoryOptions = {
      store: kept,
      budgets,
      ...(leases && { syncLease: syncLease(leases, replica, SYNC_LEASE_MS) }),
      ...(options.freshnessMs !== undefined && { freshnessMs: options.freshnessMs }),
      ...(options.identityTtlMs !== undefined && { identityTtlMs: options.identityTtlMs }),
      ...(options.objectTtlMs !== undefined && { objectTtlMs: options.objectTtlMs }),
      ...(options.now !== undefined && { now: options.now }),
      onSync: (outcome) => metrics.syncs.inc({ outcome }),
    };
    return tracing ? new TracedMemory(memoryOptions, tracing) : new Memory(memoryOptions);
  };
  const memory = store === 'off' ? undefined : memoryOf(kept);
  // Subscriptions need a memory to sync into: with STORE=off, one of their own.
  const liveMemory = memory ?? memoryOf(new InProcessStore({ ...(options.now !== undefined && { now: options.now }) }));
  const session: XSessionOptions = {
    dialect,
    budgets,
    maxCalls: maxUpstreamRequests,
    deadlineMs: options.operationTimeoutMs ?? 30_000,
    rateLimitWaitMs: options.rateLimitWaitMs ?? 0,
    onCall: (call, rateLimit) => metrics.recordCall(call, rateLimit),
  };
  // Media links and bytes are shared through Redis when the store is; their links are sealed under a key every
  // replica derives from STORE_KEY (random per process otherwise: one process, one set of links).
  const sharedMedia =
    store === 'redis' && options.redis
      ? new SharedMedia({
          url: options.redis.url,
          storeKey: options.redis.storeKey,
          ...(options.media?.sharedCacheBytes !== undefined && { maxBytes: options.media.sharedCacheBytes }),
          onError: (error) => logger.debug({ err: error.message }, 'media in Redis'),
        })
      : undefined;
  const media = new MediaService({
    ...options.media,
    transport,
    session: { dialect, budgets, deadlineMs: session.deadlineMs, onCall: session.onCall },
    linksKey: options.redis ? deriveKey(options.redis.storeKey, 'media links') : randomBytes(32),
    ...(sharedMedia && {
      shared: {
        links: sharedMedia.linksTier(),
        bytes: sharedMedia.bytesTier(),
        ready: (ms?: number) => sharedMedia.ready(ms),
        forget: (userId: string) => sharedMedia.forget(userId),
      },
    }),
    onSharedError: (error) => logger.warn({ err: error.message }, 'media in Redis failed; going on without it'),
  });
  const leaseMs = Math.max(5_000, 3 * liveMemory.freshnessMs);
  const leases = sharedLeases(kept);
  const activity = options.activity?.mode === 'off' ? undefined : options.activity;
  const appAuthorization = activity?.appBearerToken ? `Bearer ${activity.appBearerToken}` : undefined;
  const subscriptions = activity
    ? new ActivitySubscriptions({
        transport,
        store: kept,
        ...(appAuthorization && { appAuthorization }),
        ...(activity.webhookId && { webhookId: activity.webhookId }),
        ...(activity.maxSubscriptions !== undefined && { maxSubscriptions: activity.maxSubscriptions }),
        ...(activity.idleMs !== undefined && { idleMs: activity.idleMs }),
        onRefused: (eventType) => metrics.activityRefusals.inc({ event_type: eventType }),
      })
    : undefined;
  const live = new LiveHub({
    memory: liveMemory,
    budgets,
    ...(leases && { lease: (userId: string) => holdLease(leases, `live:${userId}`, replica, leaseMs) }),
    // A tick calls X with a subscriber's credentials in a session of its own, not bound to any request.
    openMemory: (authorization) => {
      const x = new XSession(transport, authorization, session);
      return liveMemory.forRequest(x, new Loaders(x));
    },
    ...(options.subscriptions?.maxPerToken !== undefined && { maxPerToken: options.subscriptions.maxPerToken }),
    ...(options.subscriptions?.maxTotal !== undefined && { maxTotal: options.subscriptions.maxTotal }),
    ...(options.subscriptions?.stopAfterMs !== undefined && { stopAfterMs: options.subscriptions.stopAfterMs }),
    ...(options.now !== undefined && { now: options.now }),
    onTick: () => metrics.liveTicks.inc(),
    ...(subscriptions && {
      push: (userId: string, authorization: string, kinds: ReadonlySet<LiveKind>) =>
        subscriptions.ensure(userId, authorization, kinds),
      onIdle: (userId: string) => subscriptions.idle(userId),
    }),
  });

  const forgetting = new UserForgetting();
  // Open subscriptions end, and the tokens they came with are no longer tied to the user.
  const endLocally = async (userId: string) => {
    await Promise.all(live.end(userId).map((tokenHash) => kept.forgetIdentity(tokenHash)));
  };
  forgetting.join(endLocally);
  forgetting.join((userId) => subscriptions?.forget(userId));
  forgetting.join((userId) => forgetSlots(kept, userId));
  forgetting.join((userId) => media.forget(userId));
  for (const memoryOfUser of new Set([memory, liveMemory])) {
    if (memoryOfUser) forgetting.join((userId) => forgetUserIn(memoryOfUser.store, userId));
  }
  const feed = subscriptions
    ? new ActivityFeed({
        live,
        memory: liveMemory,
        store: kept,
        serves: (userId) => subscriptions.servesAnywhere(userId),
        ...(kept.publish &&
          kept.subscribe && { announce: (notice: ActivityNotice) => kept.publish!(ACTIVITY_CHANNEL, notice) }),
        forgetUser: (userId) => forgetting.forget(userId),
        onNews: (kind, outcome) => metrics.activityNews.inc({ kind, outcome }),
      })
    : undefined;
  const stream =
    feed && activity?.mode === 'stream' && appAuthorization && typeof options.upstream === 'string'
      ? new ActivityStream({
          baseUrl: options.upstream,
          appAuthorization,
          onLine: (line) =>
            void feed
              .take(line)
              .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'activity delivery failed')),
          onGap: () => void live.resync(),
          ...(leases && {
            lease: () => holdLease(leases, 'activity-stream', replica, STREAM_LEASE_MS),
            release: async () => void (await leases.releaseLease('activity-stream', replica)),
          }),
          ...(activity.leaseCheckMs !== undefined && { leaseCheckMs: activity.leaseCheckMs }),
          onState: (state, detail) => {
            metrics.activityStream.set(state === 'connected' ? 1 : 0);
            logger.info({ detail }, `activity stream ${state}`);
          },
        })
      : undefined;
  stream?.start();
  // Replicas sharing a store hear each other's news: every replica's subscribers get what any replica took.
  const stopHearing =
    feed && kept.subscribe
      ? kept.subscribe(ACTIVITY_CHANNEL, (message) => {
          const notice = message as ActivityNotice;
          // A revoke was forgotten in Redis by the replica that took it: each replica forgets what it holds itself.
          if (notice.kind === 'revoke') media.forgetLocally(notice.userId);
          void (notice.kind === 'revoke' ? endLocally(notice.userId) : applyNotice(live, notice)).catch(
            () => undefined,
          );
        })
      : undefined;

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: options.graphqlEndpoint ?? '/graphql',
    // `requestBodyLimit` below keeps the same limit at less cost.
    maxRequestBodySize: false,
    landingPage: false,
    logging: yogaLogger(logger),
    context: ({ request }) =>
      createContext({
        transport,
        authorization: request.headers.get('authorization') ?? '',
        cursors,
        session: { signal: new CallerSignal(request.signal), ...session },
        memory,
        liveMemory,
        live,
        writes,
        media,
        // Parsed only for a media link: most requests mint none.
        origin: () => new URL(request.url).origin,
      }),
    maskedErrors: { isDev: development, maskError },
    graphiql:
      onlyPersisted && !development
        ? false
        : {
            title: 'X DM GraphQL gateway',
            defaultQuery: EXAMPLE_OPERATIONS[0],
            ...(options.graphiqlHeaders && { headers: JSON.stringify(options.graphiqlHeaders, null, 2) }),
            defaultTabs: EXAMPLE_OPERATIONS.map((query) => ({
              query,
              ...(options.graphiqlHeaders && { headers: JSON.stringify(options.graphiqlHeaders, null, 2) }),
            })),
          },
    // GraphiQL's page comes from the package itself (no CDN), loaded on the first visit: it is large, and an API
    // that nobody opens in a browser never pays for it.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    plugins: [
      // First, so that its span holds everything that follows.
      ...(tracing ? [tracing.plugin] : []),
      ...(feed && activity?.mode === 'webhook' && activity.consumerSecret
        ? [activityWebhooks({ consumerSecret: activity.consumerSecret, take: (envelope) => feed.take(envelope) })]
        : []),
      requestBodyLimit(),
      // `/media/...` is answered here, before anything GraphQL runs.
      mediaRoute({ media, logger, metrics }),
      ...(options.persistedDocuments
        ? [persistedDocuments(options.persistedDocuments, development ? unpersisted : undefined)]
        : []),
      // Readiness probes are no operation of anyone's: untraced.
      observability({
        logger,
        metrics,
        transport: untraced,
        ...(kept.available && { storeAvailable: () => kept.available!() }),
      }),
      documentLimits(options.limits),
      operationChecks(maxUpstreamRequests, typeOfGlobalId, dialect),
      // graphql-jit compiles queries only: anything else is left to graphql-js, which refuses it in its own words.
      ...(options.jit === false
        ? []
        : [
            useGraphQlJit(
              {},
              {
                enableIf: (args) =>
                  getOperationAST(args.document, args.operationName)?.operation === OperationTypeNode.QUERY,
              },
            ),
          ]),
      sessionEnd(),
      jsonByteAnswers(),
    ],
  });

  const admission =
    options.admission === false
      ? undefined
      : new Admission({ ...options.admission, onWaiting: (waiting) => metrics.requestsWaiting.set(waiting) });
  return {
    yoga,
    requestListener: admission
      ? admittedListener(admission, yoga.graphqlEndpoint, yoga.requestListener)
      : yoga.requestListener,
    fetch: yoga.fetch.bind(yoga),
    metrics,
    live,
    media,
    activity: { ...(stream && { stream }), ...(feed && { feed }), ...(subscriptions && { subscriptions }) },
    forgetting,
    attachWebSocket: (server) => attachWebSocket(yoga, server),
    close: async () => {
      live.close();
      admission?.close();
      subscriptions?.close();
      stopHearing?.();
      await stream?.close();
      await client?.close();
      await kept.close?.();
      await sharedMedia?.close();
    },
  };
}
