/**
 * `createGateway(options)`: the GraphQL gateway as a yoga app. It never listens: `server.ts` does, tests call
 * `gateway.fetch(...)` in process, and a larger API can stitch it.
 */
import { readFileSync } from 'node:fs';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { type YogaServerInstance, createYoga } from 'graphql-yoga';
import { type GatewayContext, createContext } from './context.js';
import { isReportedError, maskError } from './errors.js';
import { CursorCodec } from './paging/cursor.js';
import { costLimit } from './plugins/cost-limit.js';
import { type DocumentLimits, documentLimits } from './plugins/document-limits.js';
import { rateLimitExtension } from './plugins/rate-limit-extension.js';
import { schema } from './schema/index.js';
import { typeOfGlobalId } from './schema/node.js';
import { UpstreamClient, type UpstreamTransport } from './upstream/client.js';
import { RetryingTransport } from './upstream/retry.js';
import { RateLimitBook } from './upstream/rate-limit-book.js';

export interface GatewayOptions {
  /** Where X is: its origin (`https://api.x.com`, or a sandbox's URL), or a transport of your own. */
  upstream: string | UpstreamTransport;
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
  /** Limits on the documents clients send. @default see `documentLimits` */
  limits?: DocumentLimits;
  /** Shows internal error messages to clients. @default false */
  development?: boolean;
  /** Headers GraphiQL starts with, e.g. the sandbox's demo token. @default none */
  graphiqlHeaders?: Record<string, string>;
  /** The GraphQL endpoint's path. @default '/graphql' */
  graphqlEndpoint?: string;
}

export interface Gateway {
  readonly yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  /** Answers a Fetch API request, as yoga does. */
  readonly fetch: YogaServerInstance<Record<string, unknown>, GatewayContext>['fetch'];
  /** Closes the connections to X (when the gateway made them). */
  close(): Promise<void>;
}

const EXAMPLE_OPERATION = readFileSync(new URL('../schema/operations/inbox.graphql', import.meta.url), 'utf8');

/**
 * yoga's log, less the errors the gateway reports to clients on purpose (bad input, X's refusals): only what went
 * wrong inside the gateway is logged as an error.
 */
const logger = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => {
    if (!args.some((arg) => arg instanceof Error && isReportedError(arg))) console.error(...args);
  },
};

export function createGateway(options: GatewayOptions): Gateway {
  const client =
    typeof options.upstream === 'string'
      ? new UpstreamClient({ baseUrl: options.upstream, timeoutMs: options.upstreamTimeoutMs ?? 10_000 })
      : undefined;
  const transport = new RetryingTransport(client ?? (options.upstream as UpstreamTransport), {
    retries: options.retries ?? 2,
  });
  const deadlineMs = options.operationTimeoutMs ?? 30_000;
  const cursors = new CursorCodec(options.cursorSecret);
  const budgets = new RateLimitBook();
  const development = options.development ?? false;
  const maxUpstreamRequests = options.maxUpstreamRequests ?? 10;

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: options.graphqlEndpoint ?? '/graphql',
    landingPage: false,
    logging: logger,
    context: ({ request }) =>
      createContext({
        transport,
        authorization: request.headers.get('authorization') ?? '',
        cursors,
        budgets,
        maxCalls: maxUpstreamRequests,
        deadlineMs,
        rateLimitWaitMs: options.rateLimitWaitMs ?? 0,
        signal: request.signal,
      }),
    maskedErrors: { isDev: development, maskError },
    graphiql: {
      title: 'X DM GraphQL gateway',
      defaultQuery: EXAMPLE_OPERATION,
      ...(options.graphiqlHeaders && { headers: JSON.stringify(options.graphiqlHeaders, null, 2) }),
    },
    renderGraphiQL,
    plugins: [documentLimits(options.limits), costLimit(maxUpstreamRequests, typeOfGlobalId), rateLimitExtension()],
  });

  return {
    yoga,
    fetch: yoga.fetch,
    close: async () => {
      await client?.close();
    },
  };
}
