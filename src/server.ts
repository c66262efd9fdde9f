/**
 * `npm start`: reads the environment, starts the embedded X API sandbox when no upstream is set, and listens.
 */
import { createServer } from 'node:http';
import { loadConfig } from './config.js';
import { createGateway } from './gateway.js';
import { startTracing } from './observability/tracing.js';
import { createSandbox } from './sandbox/index.js';

const config = loadConfig();
const sandbox =
  config.xApiBaseUrl === undefined
    ? createSandbox({ mainToken: config.sandboxToken, dialect: config.sandboxDialect, alive: true })
    : undefined;
const upstream = config.xApiBaseUrl ?? (await sandbox!.listen());

// OpenTelemetry is loaded only when traces are exported.
const tracing = config.tracing ? await startTracing(config.tracing) : undefined;

const gateway = createGateway({
  upstream,
  dialect: config.dialect,
  store: config.store,
  ...(config.redis && { redis: config.redis }),
  freshnessMs: config.freshnessMs,
  objectTtlMs: config.objectTtlMs,
  upstreamTimeoutMs: config.upstreamTimeoutMs,
  maxUpstreamRequests: config.maxUpstreamRequests,
  admission: config.admissionFloor === 0 ? false : { floor: config.admissionFloor },
  operationTimeoutMs: config.operationTimeoutMs,
  rateLimitWaitMs: config.rateLimitWaitMs,
  media: { urlTtlMs: config.mediaUrlTtlMs, ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl }) },
  ...(config.cursorSecret !== undefined && { cursorSecret: config.cursorSecret }),
  development: config.development,
  ...(config.persistedDocuments && { persistedDocuments: config.persistedDocuments }),
  ...(tracing && { tracing }),
  activity: {
    mode: config.activity,
    // Against the sandbox, its app-only token plays the X app's.
    ...((config.appBearerToken ?? sandbox?.appOnlyToken) && {
      appBearerToken: config.appBearerToken ?? sandbox!.appOnlyToken,
    }),
    ...(config.consumerSecret !== undefined && { consumerSecret: config.consumerSecret }),
    ...(config.webhookId !== undefined && { webhookId: config.webhookId }),
    maxSubscriptions: config.activityMaxSubscriptions,
  },
  ...(sandbox && { graphiqlHeaders: { Authorization: `Bearer ${config.sandboxToken}` } }),
});

const server = createServer(gateway.requestListener);
// Subscriptions over WebSocket at the same path; over Server-Sent Events, yoga serves them by itself.
const websocket = gateway.attachWebSocket(server);
server.listen(config.port, () => {
  const url = `http://localhost:${config.port}/graphql`;
  if (sandbox) {
    console.log(
      [
        '',
        '  ============================================================',
        '   SANDBOX MODE: no X_API_BASE_URL is set, so the gateway talks',
        `   to the embedded X API sandbox at ${sandbox.url}`,
        '   with demo data. Set X_API_BASE_URL=https://api.x.com for X.',
        '  ============================================================',
        '',
        `   Demo bearer token: ${config.sandboxToken}`,
        config.persistedDocuments?.only && !config.development
          ? "   GraphiQL:          off (ONLY_PERSISTED_DOCUMENTS=true runs the manifest's documents only)"
          : `   GraphiQL:          ${url} (the token is already in its headers)`,
        `   Try:  curl -s ${url} -H 'authorization: Bearer ${config.sandboxToken}' \\`,
        `           -H 'content-type: application/json' -d '{"query":"{ dmEvents(first: 3) { nodes { text } } }"}'`,
        '',
      ].join('\n'),
    );
  } else {
    console.log(`X DM GraphQL gateway on ${url}, calling ${config.xApiBaseUrl}`);
  }
});

/** How long in-flight requests may take to finish after SIGTERM before the process exits anyway. */
const DRAIN_MS = 10_000;

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the connections to X, exit 0. */
async function shutdown(): Promise<void> {
  // Subscriptions end first, cleanly (SSE streams close, WebSocket operations complete): they would hold the drain.
  gateway.live.close();
  await websocket.close();
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections that carry no request would hold `close` open: end them now, and the rest when done.
  server.closeIdleConnections();
  const timeout = setTimeout(() => server.closeAllConnections(), DRAIN_MS).unref();
  await drained;
  clearTimeout(timeout);
  await gateway.close();
  await tracing?.shutdown().catch(() => undefined);
  await sandbox?.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
