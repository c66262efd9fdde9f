/**
 * The embedded X API sandbox: a real HTTP server (node:http) that answers the X API v2 Direct Messages endpoints
 * (the four lookups and the four manage endpoints, and the users/tweets lookups) with deterministic demo data, so the
 * gateway runs and is tested offline. It speaks one of X's two dialects strictly (`dialect`: `posts`, X's production
 * spec 2.167, by default; or `tweets`, 2.159).
 *
 * Tokens: the main demo user (`users[0]`, @sandbox_demo) answers to `mainToken` (default `SANDBOX_TOKEN` or
 * `sandbox-token`); the other 23 users to `sandbox-token-1` .. `sandbox-token-23`; `sandbox-app-only-token` plays an
 * app-only bearer token and gets X's 403. See `types.ts` for the option and method docs.
 *
 * @see https://docs.x.com/x-api/direct-messages/lookup/introduction
 * @see https://docs.x.com/x-api/direct-messages/manage/introduction
 */
import { DEFAULT_DIALECT, DIALECT_NAMES, type DialectName, sandboxDialect } from './speech.js';
import { generateDemoData } from './data/index.js';
import { USER_COUNT } from './data/users.js';
import { FaultQueue } from './faults.js';
import { RateLimiter } from './rate-limit.js';
import { SandboxHttpServer, type ServerState } from './server.js';
import { DemoStore } from './store.js';
import { comeAlive, friendWrites } from './alive.js';
import { SandboxActivity } from './activity.js';
import type { DemoUser, EntityShape, Sandbox, SandboxOptions } from './types.js';

export type {
  AfterWriteFailure,
  DemoConversation,
  DemoData,
  DemoUser,
  EntityShape,
  Fault,
  RateLimit,
  RecordedRequest,
  Sandbox,
  SandboxOptions,
  StoredTweet,
  StoredUser,
} from './types.js';

export const DEFAULT_SEED = 42;
export const DEFAULT_MAIN_TOKEN = 'sandbox-token';
export const APP_ONLY_TOKEN = 'sandbox-app-only-token';
/** The largest request body the manage endpoints read (a 10,000-character text in escaped emoji is ~120 KB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** The seeds' figure, 300 requests per 15 minutes per user, for each family of endpoints. */
export const DEFAULT_RATE_LIMIT = { limit: 300, windowMs: 15 * 60_000 } as const;

/** Where each dialect's spec puts an event's entity arrays: 2.159 at the top level, 2.167 under `entities`. */
const SPEC_ENTITY_SHAPE: Record<DialectName, EntityShape> = { posts: 'nested', tweets: 'top-level' };

/** The token of demo user `index` (0 is the main user). */
export function demoToken(index: number, mainToken: string): string {
  return index === 0 ? mainToken : `sandbox-token-${index}`;
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const seed = options.seed ?? DEFAULT_SEED;
  const now = options.now ?? new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const mainToken = options.mainToken ?? process.env.SANDBOX_TOKEN ?? DEFAULT_MAIN_TOKEN;
  const rate = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const dialectName = options.dialect ?? DEFAULT_DIALECT;
  if (!DIALECT_NAMES.includes(dialectName))
    throw new Error(`Unknown dialect ${String(dialectName)}: use one of ${DIALECT_NAMES.join(', ')}.`);
  const dialect = sandboxDialect(dialectName);

  const userCount = options.users ?? USER_COUNT;
  if (!Number.isInteger(userCount) || userCount < 12 || userCount > 1_001)
    throw new Error(`users must be 12 to 1001; it is ${userCount}.`);
  const clock = options.clock ?? Date.now;
  const store = new DemoStore(generateDemoData(seed, now, userCount), options.clock);
  const users: DemoUser[] = store.data.users.map((u, i) => ({
    id: u.id,
    username: u.username,
    name: u.name,
    token: demoToken(i, mainToken),
  }));
  const tokens = new Map(users.map((u, i) => [u.token, store.data.users[i]!]));
  const state: ServerState = {
    store,
    dialect,
    tokens,
    appOnlyToken: APP_ONLY_TOKEN,
    entityShape: options.entityShape ?? SPEC_ENTITY_SHAPE[dialectName],
    limiter: new RateLimiter(rate, options.rateLimits, clock),
    faults: new FaultQueue(),
    requests: [],
    sent: [],
    deleted: [],
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    clock,
    logAnswers: options.logAnswers ?? false,
  };
  const activity = new SandboxActivity(store, options.activity);
  state.activity = activity;
  store.onAdded = (event) => activity.message(event);
  const life = options.alive
    ? comeAlive(store, activity, users[0]!.id, options.alive === true ? {} : options.alive, clock)
    : undefined;
  if (life) state.onSent = life.onSent;
  const http = new SandboxHttpServer(state);
  let baseUrl: string | undefined;

  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(port, host, () => {
          http.server.off('error', reject);
          const address = http.server.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
          resolve(baseUrl);
        });
      });
    },
    get url() {
      if (!baseUrl) throw new Error('The sandbox is not listening yet: await listen() first.');
      return baseUrl;
    },
    close: () => {
      life?.stop();
      return http.close();
    },
    get requests() {
      return state.requests;
    },
    clearRequests() {
      state.requests.length = 0;
    },
    injectFaults(fault, times = 1, after = 0) {
      state.faults.add(fault, times, after);
    },
    clearFaults() {
      state.faults.clear();
    },
    setEntityShape(shape) {
      state.entityShape = shape;
    },
    setRateLimit(limit, windowMs, family) {
      state.limiter.configure({ limit, windowMs }, family);
    },
    resetRateLimits(family) {
      state.limiter.reset(family);
    },
    dialect: dialectName,
    activity,
    users,
    appOnlyToken: APP_ONLY_TOKEN,
    data: store.data,
    visibleEvents: (userId, conversationId) => store.visibleEvents(userId, conversationId),
    addMessage: (conversationId, senderId, text) => store.addMessage(conversationId, senderId, text, new Date(clock())),
    friendWrites(random) {
      const event = friendWrites(store, users[0]!.id, new Date(clock()), random);
      if (!event) throw new Error('The main demo user has no conversation with anyone.');
      return event;
    },
    deleteEvent: (eventId) => store.deleteEvent(eventId),
    get sent() {
      return state.sent;
    },
    get deleted() {
      return state.deleted;
    },
    clearWrites() {
      state.sent.length = 0;
      state.deleted.length = 0;
    },
  };
}
