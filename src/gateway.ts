/**
 * `createGateway(options)`: the GraphQL gateway as a yoga app. It never listens: `server.ts` does, tests call
 * `gateway.fetch(...)` in process, and a larger API can stitch it.
 */
import { readFileSync } from 'node:fs';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { type Plugin, type YogaServerInstance, createYoga } from 'graphql-yoga';
import { type GatewayContext, createContext } from './context.js';
import { GatewayError, toGraphQLError } from './errors.js';
import { CursorCodec } from './paging/cursor.js';
import { schema } from './schema/index.js';
import { UpstreamClient, type UpstreamTransport } from './upstream/client.js';
import { RateLimitBook } from './upstream/rate-limit-book.js';

export interface GatewayOptions {
  /** Where X is: its origin (`https://api.x.com`, or a sandbox's URL), or a transport of your own. */
  upstream: string | UpstreamTransport;
  /** Limit for one upstream call, in milliseconds. @default 10000 */
  upstreamTimeoutMs?: number;
  /** Signs edge cursors; share it between instances behind one load balancer. @default random per process */
  cursorSecret?: string;
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

/** Finds the gateway error behind whatever graphql-js or yoga wrapped around it. */
function gatewayErrorIn(error: unknown): GatewayError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof GatewayError) return current;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * yoga's log, less the errors the gateway reports to clients on purpose (bad input, X's refusals): only what went
 * wrong inside the gateway is logged as an error.
 */
const logger = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => {
    if (!args.some((arg) => gatewayErrorIn(arg))) console.error(...args);
  },
};

/** Puts `extensions.rateLimit` on every result whose execution called X. */
function rateLimitExtension(): Plugin<GatewayContext> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const rateLimit = args.contextValue.x.rateLimit;
        if (!rateLimit || Symbol.asyncIterator in result) return;
        setResult({
          ...result,
          extensions: {
            ...result.extensions,
            rateLimit: { limit: rateLimit.limit, remaining: rateLimit.remaining, resetAt: rateLimit.resetAt.toISOString() },
          },
        });
      },
    }),
  };
}

export function createGateway(options: GatewayOptions): Gateway {
  const client =
    typeof options.upstream === 'string'
      ? new UpstreamClient({ baseUrl: options.upstream, timeoutMs: options.upstreamTimeoutMs ?? 10_000 })
      : undefined;
  const transport = client ?? (options.upstream as UpstreamTransport);
  const cursors = new CursorCodec(options.cursorSecret);
  const budgets = new RateLimitBook();
  const development = options.development ?? false;

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
        signal: request.signal,
      }),
    maskedErrors: {
      isDev: development,
      maskError: (error, message, isDev) => {
        const gatewayError = gatewayErrorIn(error);
        if (gatewayError) return toGraphQLError(gatewayError, error instanceof GraphQLError ? error : undefined);
        if (error instanceof GraphQLError && !error.originalError) return error;
        if (isDev && error instanceof Error) return new GraphQLError(error.message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    graphiql: {
      title: 'X DM GraphQL gateway',
      defaultQuery: EXAMPLE_OPERATION,
      ...(options.graphiqlHeaders && { headers: JSON.stringify(options.graphiqlHeaders, null, 2) }),
    },
    renderGraphiQL,
    plugins: [rateLimitExtension()],
  });

  return {
    yoga,
    fetch: yoga.fetch,
    close: async () => {
      await client?.close();
    },
  };
}
