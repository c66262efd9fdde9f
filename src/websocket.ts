/**
 * GraphQL over WebSocket (graphql-ws, the `graphql-transport-ws` protocol) at the GraphQL endpoint's path, beside
 * yoga's HTTP and Server-Sent Events. Every operation runs through yoga's own envelop (the same plugins, limits and
 * error masking as over HTTP), with a context made from the caller's token: `connectionParams.authorization`, or the
 * upgrade request's `Authorization` header.
 */
import type { Server as HttpServer } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayContext } from './context.js';

/** Keep-alive pings, so proxies do not cut an idle stream. */
const KEEP_ALIVE_MS = 12_000;

type Enveloped = ReturnType<YogaServerInstance<Record<string, unknown>, GatewayContext>['getEnveloped']>;

export function attachWebSocket(
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>,
  server: HttpServer,
): { close(): Promise<void> } {
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args as ExecutionArgs),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args as ExecutionArgs),
      onSubscribe: async (ctx, _id, payload) => {
        const fromParams = ctx.connectionParams?.authorization;
        const authorization = typeof fromParams === 'string' ? fromParams : (ctx.extra.request.headers.authorization ?? '');
        // The context factory reads a Fetch request, as over HTTP: only the caller's credentials are carried over, and
        // the host the socket reached (media URLs minted for its events are on it, unless PUBLIC_URL says otherwise).
        const host = ctx.extra.request.headers.host;
        const origin = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `http://${host}` : 'http://localhost';
        const request = new Request(`${origin}${yoga.graphqlEndpoint}`, { headers: { authorization } });
        const enveloped = yoga.getEnveloped({ request, params: payload });
        const document = enveloped.parse(payload.query);
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
