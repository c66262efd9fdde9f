/**
 * Observability as a yoga plugin: one structured log line per GraphQL request (request id, operation name,
 * duration, outcome, error codes, the calls made to X with endpoint, status and time, and the DM events, users and
 * posts X returned), Prometheus metrics, and the `/ready` (X reachable) and `/metrics` endpoints; `/health` (alive)
 * is yoga's own. Log lines hold no token and no message text.
 */
import { randomUUID } from 'node:crypto';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import { UpstreamError } from '../errors.js';
import { executedDocument } from '../plugins/executed-document.js';
import type { UpstreamTransport } from '../upstream/client.js';
import { type GatewayMetrics, errorCodeLabel, operationLabel } from './metrics.js';

/** How long a readiness answer is reused, so probes do not turn into a stream of calls to X. */
const READY_CACHE_MS = 5_000;

interface RequestRecord {
  readonly id: string;
  readonly startedAt: number;
  context?: GatewayContext;
  operation?: string;
}

/** A request id the client sent, if it is a sane one; otherwise a new one. */
function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

function json(fetchAPI: { Response: typeof Response }, status: number, body: unknown): Response {
  return new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Whether X answers at all: any HTTP answer (a 401 for the missing token included) means reachable. */
async function isReachable(transport: UpstreamTransport): Promise<boolean> {
  try {
    await transport.get({ path: '/2/users/me', authorization: '' });
    return true;
  } catch (error) {
    return !(error instanceof UpstreamError) || error.status !== undefined;
  }
}

export function observability(options: {
  logger: Logger;
  metrics: GatewayMetrics;
  transport: UpstreamTransport;
  /** Whether the shared store answers (`/ready` says so; the gateway stays ready without it, answering from X). */
  storeAvailable?: () => boolean;
}): Plugin<GatewayContext> {
  const { logger, metrics, transport, storeAvailable } = options;
  const requests = new WeakMap<Request, RequestRecord>();
  let ready: { at: number; answer: Promise<boolean> } | undefined;

  return {
    // Synchronous for every path but the two it answers itself: a hook that returns a promise makes yoga await it.
    onRequest: (payload) => {
      const { request, url, fetchAPI } = payload;
      switch (url.pathname) {
        case '/ready':
          return (async () => {
            if (!ready || performance.now() - ready.at > READY_CACHE_MS) {
              ready = { at: performance.now(), answer: isReachable(transport) };
            }
            const reachable = await ready.answer;
            const store =
              storeAvailable === undefined
                ? {}
                : { store: storeAvailable() ? 'up' : 'down: answering from X without memory' };
            payload.endResponse(
              json(fetchAPI, reachable ? 200 : 503, { status: reachable ? 'ready' : 'upstream unreachable', ...store }),
            );
          })();
        case '/metrics':
          return (async () => {
            const text = await metrics.registry.metrics();
            payload.endResponse(
              new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType } }),
            );
          })();
      }
      requests.set(request, { id: requestIdOf(request), startedAt: performance.now() });
    },
    onExecute: ({ args }) => {
      const record = requests.get(args.contextValue.request);
      if (record) {
        record.context = args.contextValue;
        const { document, operationName } = executedDocument(args);
        record.operation = operationLabel(getOperationAST(document, operationName)?.name?.value);
      }
    },
    onResultProcess: ({ request, result }) => {
      const record = requests.get(request);
      if (!record || Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      const { errors } = result as ExecutionResult;
      const codes = (errors ?? []).map(errorCodeLabel);
      const operation = record.operation ?? 'unexecuted';
      metrics.operations.inc({ operation, outcome: codes.length > 0 ? 'error' : 'ok' });
      for (const code of codes) metrics.errors.inc({ code });
      const memory = record.context?.memory;
      if (memory?.freshness) metrics.memoryReads.inc({ result: memory.dmCalls > 0 ? 'miss' : 'hit' });
      const returned = record.context?.x.returned;
      if (returned) {
        metrics.eventsRead.inc(returned.dmEvents);
        metrics.usersRead.inc(returned.users);
        metrics.postsRead.inc(returned.posts);
      }
      logger.info(
        {
          requestId: record.id,
          operation,
          durationMs: Math.round((performance.now() - record.startedAt) * 10) / 10,
          outcome: codes.length > 0 ? 'error' : 'ok',
          ...(codes.length > 0 && { errors: codes }),
          upstream: record.context?.x.log ?? [],
          ...(returned && { dmEventsRead: returned.dmEvents, usersRead: returned.users, postsRead: returned.posts }),
        },
        'graphql request',
      );
    },
    onResponse: ({ request, response }) => {
      const record = requests.get(request);
      if (!record) return;
      response.headers.set('x-request-id', record.id);
      // Forgotten now, not left to the WeakMap. The record holds the request's context, which holds the request (the
      // key), and V8's young-generation collector keeps such an entry alive until the next full collection: left to
      // the WeakMap, every request's data, X's page included, is promoted to the old space, and full collections come
      // about twenty times as often (`bench/README.md`).
      requests.delete(request);
    },
  };
}
