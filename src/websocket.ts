/**
 * GraphQL over WebSocket (graphql-ws, the `graphql-transport-ws` protocol) at the GraphQL endpoint's path, beside
 * yoga's HTTP and Server-Sent Events. Every operation runs through yoga's own envelop (the same plugins, limits and
 * error masking as over HTTP), with a context made from the caller's token: `connectionParams.authorization`, or the
 * upgrade request's `Authorization` header.
 */
import type { Server as HttpServer } from 'node:http';
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayContext } from './context.js';

/** Keep-alive pings, so proxies do not cut an idle stream. */
const KEEP_ALIVE_MS = 12_000;

/**
 * yoga's envelop for one operation, typed as it runs: envelop types these functions `any`, to stay apart from any one
 * GraphQL library, and yoga's are graphql-js's (whose execute and subscribe may answer a stream).
 */
interface Enveloped {
  readonly schema: GraphQLSchema;
  parse(source: string): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
  contextFactory(): Promise<unknown>;
}

function withoutHttpExtension<T extends { extensions?: Record<string, unknown> }>(error: T): T {
  if (!error.extensions || !('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { ...error, extensions };
}

function withoutHttp(result: ExecutionResult): FormattedExecutionResult | undefined {
  if (!result.errors?.some((error) => error.extensions && 'http' in error.extensions)) return undefined;
  return {
    ...result,
    errors: result.errors.map((error) => withoutHttpExtension(error.toJSON())),
  };
}

export function attachWebSocket(
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>,
  server: HttpServer,
): { close(): Promise<void> } {
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      // `extensions.http` tells yoga an HTTP status; over WebSocket it means nothing, so it is not sent.
      onNext: (_ctx, _id, _payload, _args, result) => withoutHttp(result),
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => withoutHttpExtension(error.toJSON())),
      onSubscribe: async (ctx, _id, payload) => {
        const fromParams = ctx.connectionParams?.authorization;
        const authorization =
          typeof fromParams === 'string' ? fromParams : (ctx.extra.request.headers.authorization ?? '');
        // The context factory reads a Fetch request, as over HTTP: only the caller's credentials are carried over, and
        // the host the socket reached (media URLs minted for its events are on it, unless PUBLIC_URL says otherwise).
        const host = ctx.extra.request.headers.host;
        const origin = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `http://${host}` : 'http://localhost';
        const request = new Request(`${origin}${yoga.graphqlEndpoint}`, { headers: { authorization } });
        const enveloped = yoga.getEnveloped({ request, params: payload }) as Enveloped;
        // A document that does not parse is answered for its own id (graphql-ws's `error` message), like one that
        // does not validate: thrown, graphql-ws would close the socket with 4500 and end every other operation on it.
        let document: DocumentNode;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: enveloped,
        };
      },
    },
    sockets,
    KEEP_ALIVE_MS,
  );
  return {
    close: async () => {
      await disposable.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}
