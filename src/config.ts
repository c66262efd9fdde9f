import { DEFAULT_DIALECT, DIALECT_NAMES, type DialectName } from './x/dialect.js';

/**
 * The environment, read once into one typed, validated object. A bad value stops the start with a clear message.
 */

export interface GatewayConfig {
  /** HTTP port. @default 4000 */
  readonly port: number;
  /** Origin of the X API (`https://api.x.com`); undefined starts the embedded sandbox. */
  readonly xApiBaseUrl: string | undefined;
  /** The dialect the upstream speaks: `posts` (X's production spec 2.167) or `tweets` (spec 2.159). @default 'posts' */
  readonly dialect: DialectName;
  /** The dialect the embedded sandbox speaks. @default 'posts' */
  readonly sandboxDialect: DialectName;
  /** What the gateway remembers of each user's DMs: `memory` (this process), `redis` (shared) or `off`. @default 'redis' with REDIS_URL, else 'memory' */
  readonly store: 'memory' | 'redis' | 'off';
  /** The Redis replicas share, and the secret that encrypts what it keeps. */
  readonly redis: { url: string; storeKey: string } | undefined;
  /** How old the head of a list served from memory may be before X is asked again, in milliseconds. @default 30000 */
  readonly freshnessMs: number;
  /**
   * How long users and posts X returned are served from memory before they are looked up again (and ids X answered as
   * missing stay missing), in milliseconds. @default 900000 (15 minutes)
   */
  readonly objectTtlMs: number;
  /** Limit for one upstream call, in milliseconds. @default 10000 */
  readonly upstreamTimeoutMs: number;
  /** Most upstream calls one GraphQL operation may cost. @default 10 */
  readonly maxUpstreamRequests: number;
  /** GraphQL requests handled at once while the process is busy (`src/admission.ts`); 0 lets every request in. @default 4 */
  readonly admissionFloor: number;
  /** Time one operation may spend waiting for X, retries included, in milliseconds. @default 30000 */
  readonly operationTimeoutMs: number;
  /** Longest wait for a spent X rate limit to reset before failing with RATE_LIMITED, in milliseconds. @default 0 */
  readonly rateLimitWaitMs: number;
  /** Bearer token of the sandbox's main demo user. @default 'sandbox-token' */
  readonly sandboxToken: string;
  /** How long a minted `Media.downloadUrl` keeps working, in milliseconds. @default 900000 (15 minutes) */
  readonly mediaUrlTtlMs: number;
  /** The origin browsers reach the gateway at, for the media URLs it mints. @default the requests' own origin */
  readonly publicUrl: string | undefined;
  /** Signs edge cursors; gateways behind one load balancer must share it. @default a random secret per process */
  readonly cursorSecret: string | undefined;
  /** Shows internal error messages to clients. Never in production. @default NODE_ENV === 'development' */
  readonly development: boolean;
  /**
   * Persisted documents: the manifest's path (`PERSISTED_DOCUMENTS`), and whether every other document is refused
   * (`ONLY_PERSISTED_DOCUMENTS=true`). @default undefined: documents are sent as text
   */
  readonly persistedDocuments: { readonly manifest: string; readonly only: boolean } | undefined;
  /**
   * Where OpenTelemetry traces are exported over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`; `/v1/traces` is appended),
   * and the service name they carry (`OTEL_SERVICE_NAME`). @default undefined: no tracing, nothing of OpenTelemetry loaded
   */
  readonly tracing: { readonly endpoint: string; readonly serviceName: string } | undefined;
  /**
   * Where news comes from: `stream` (X's Activity API stream), `webhook` (X posts to `/x/webhooks`) or `off` (polling).
   * @default 'stream' with X_APP_BEARER_TOKEN or the embedded sandbox, else 'off'
   */
  readonly activity: 'stream' | 'webhook' | 'off';
  /** The X app's bearer token (app-only): the Activity API stream and subscription deletions, never a user's call. */
  readonly appBearerToken: string | undefined;
  /** The X app's consumer secret: webhook CRC answers and signature checks. Required with X_ACTIVITY=webhook. */
  readonly consumerSecret: string | undefined;
  /** The webhook X knows for this deployment. */
  readonly webhookId: string | undefined;
  /** Most Activity API subscriptions the app holds at once. @default 1000 */
  readonly activityMaxSubscriptions: number;
}

function activityOf(env: NodeJS.ProcessEnv, sandbox: boolean): 'stream' | 'webhook' | 'off' {
  const raw = env.X_ACTIVITY;
  if (raw === undefined || raw === '') return env.X_APP_BEARER_TOKEN || sandbox ? 'stream' : 'off';
  if (raw !== 'stream' && raw !== 'webhook' && raw !== 'off')
    throw new Error(`X_ACTIVITY must be stream, webhook or off; it is ${JSON.stringify(raw)}.`);
  if (raw === 'stream' && !env.X_APP_BEARER_TOKEN && !sandbox)
    throw new Error("X_ACTIVITY=stream needs X_APP_BEARER_TOKEN (the X app's bearer token).");
  if (raw === 'webhook' && !env.X_CONSUMER_SECRET)
    throw new Error('X_ACTIVITY=webhook needs X_CONSUMER_SECRET (to answer CRC checks and verify signatures).');
  return raw;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}; it is ${JSON.stringify(raw)}.`);
  }
  return value;
}

function dialect(env: NodeJS.ProcessEnv, name: string): DialectName {
  const raw = env[name];
  if (raw === undefined || raw === '') return DEFAULT_DIALECT;
  if (!(DIALECT_NAMES as readonly string[]).includes(raw)) {
    throw new Error(`${name} must be one of ${DIALECT_NAMES.join(', ')}; it is ${JSON.stringify(raw)}.`);
  }
  return raw as DialectName;
}

function storeOf(env: NodeJS.ProcessEnv): 'memory' | 'redis' | 'off' {
  const raw = env.STORE;
  if (raw === undefined || raw === '') return env.REDIS_URL ? 'redis' : 'memory';
  if (raw !== 'memory' && raw !== 'redis' && raw !== 'off') {
    throw new Error(`STORE must be memory, redis or off; it is ${JSON.stringify(raw)}.`);
  }
  return raw;
}

/** `PUBLIC_URL`: an http(s) origin, with a path prefix when the gateway sits under one. */
function publicUrlOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`PUBLIC_URL must be a URL such as https://dm.example.com; it is ${JSON.stringify(raw)}.`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new Error(`PUBLIC_URL must be an http or https URL without query or fragment; it is ${JSON.stringify(raw)}.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** REDIS_URL and STORE_KEY, checked: Redis keeps DMs, so nothing is written there unencrypted. */
function redisOf(
  env: NodeJS.ProcessEnv,
  store: 'memory' | 'redis' | 'off',
): { url: string; storeKey: string } | undefined {
  if (store !== 'redis') return undefined;
  const url = env.REDIS_URL;
  if (!url) throw new Error('STORE=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379).');
  const storeKey = env.STORE_KEY;
  if (!storeKey) {
    throw new Error(
      'REDIS_URL is set but STORE_KEY is not: the gateway encrypts everything it keeps in Redis with a key derived from ' +
        'STORE_KEY, so it refuses to start without one. Set STORE_KEY to a secret of at least 32 characters, the same ' +
        'on every replica.',
    );
  }
  if (storeKey.length < 32) throw new Error(`STORE_KEY must be at least 32 characters; it has ${storeKey.length}.`);
  return { url, storeKey };
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`${name} must be true or false; it is ${JSON.stringify(raw)}.`);
}

function persistedDocumentsOf(env: NodeJS.ProcessEnv): GatewayConfig['persistedDocuments'] {
  const manifest = env.PERSISTED_DOCUMENTS || undefined;
  const only = flag(env, 'ONLY_PERSISTED_DOCUMENTS');
  if (only && manifest === undefined) {
    throw new Error(
      'ONLY_PERSISTED_DOCUMENTS=true needs PERSISTED_DOCUMENTS, the path of the manifest of the documents to run.',
    );
  }
  return manifest === undefined ? undefined : { manifest, only };
}

function tracingOf(env: NodeJS.ProcessEnv): GatewayConfig['tracing'] {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(
      `OTEL_EXPORTER_OTLP_ENDPOINT must be a URL such as http://collector:4318; it is ${JSON.stringify(endpoint)}.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(
      `OTEL_EXPORTER_OTLP_ENDPOINT must be http or https (OTLP/HTTP); it is ${JSON.stringify(endpoint)}.`,
    );
  }
  return { endpoint, serviceName: env.OTEL_SERVICE_NAME || 'x-dm-graphql-gateway' };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const base = env.X_API_BASE_URL || undefined;
  if (base !== undefined) {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new Error(`X_API_BASE_URL must be a URL such as https://api.x.com; it is ${JSON.stringify(base)}.`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`X_API_BASE_URL must be http or https; it is ${JSON.stringify(base)}.`);
    }
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    xApiBaseUrl: base,
    dialect: dialect(env, 'X_API_DIALECT'),
    sandboxDialect: dialect(env, 'SANDBOX_DIALECT'),
    store: storeOf(env),
    redis: redisOf(env, storeOf(env)),
    freshnessMs: integer(env, 'FRESHNESS_MS', 30_000, 0, 86_400_000),
    objectTtlMs: integer(env, 'OBJECT_TTL_MS', 900_000, 0, 86_400_000),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 10_000, 1, 300_000),
    maxUpstreamRequests: integer(env, 'MAX_UPSTREAM_REQUESTS', 10, 1, 10_000),
    admissionFloor: integer(env, 'ADMISSION_FLOOR', 4, 0, 4096),
    operationTimeoutMs: integer(env, 'OPERATION_TIMEOUT_MS', 30_000, 1, 600_000),
    rateLimitWaitMs: integer(env, 'RATE_LIMIT_WAIT_MS', 0, 0, 600_000),
    sandboxToken: env.SANDBOX_TOKEN || 'sandbox-token',
    mediaUrlTtlMs: integer(env, 'MEDIA_URL_TTL_MS', 900_000, 1_000, 7 * 86_400_000),
    publicUrl: publicUrlOf(env.PUBLIC_URL),
    cursorSecret: env.CURSOR_SECRET || undefined,
    development: env.NODE_ENV === 'development',
    persistedDocuments: persistedDocumentsOf(env),
    tracing: tracingOf(env),
    activity: activityOf(env, base === undefined),
    appBearerToken: env.X_APP_BEARER_TOKEN || undefined,
    consumerSecret: env.X_CONSUMER_SECRET || undefined,
    webhookId: env.X_WEBHOOK_ID || undefined,
    activityMaxSubscriptions: integer(env, 'X_ACTIVITY_MAX_SUBSCRIPTIONS', 1000, 1, 1_000_000),
  };
}
