/**
 * The OpenTelemetry SDK at work behind `Tracing` (`tracing.ts`): loaded only by `startTracing`, so a gateway without
 * `OTEL_EXPORTER_OTLP_ENDPOINT` never loads it.
 *
 * Spans go to the OTLP/HTTP endpoint in batches (JSON encoding). The provider is the gateway's own, not registered as
 * the process's global one, so two gateways in one process keep their traces apart. Parents follow the async flow
 * of each request through an AsyncLocalStorage context manager, registered globally unless one already is (any one
 * works the same).
 */
import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  ROOT_CONTEXT,
  context,
  createContextKey,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { GatewayError, UpstreamError } from '../errors.js';
import { executedDocument } from '../plugins/executed-document.js';
import type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from '../upstream/client.js';
import { endpointOf } from '../x/endpoints.js';
import { errorCodeLabel, operationLabel } from './metrics.js';
import type { SpanNote, Tracing, TracingOptions } from './tracing.js';

// Semantic conventions still incubating, copied here as OpenTelemetry advises rather than imported.
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
const ATTR_URL_TEMPLATE = 'url.template';

/** The gateway's own attributes. */
export const ATTR = {
  /** `ok`, or `error` when the answer held errors (as the metrics count operations). */
  outcome: 'xdm.outcome',
  /** The `extensions.code` of each error of an answer. */
  errorCodes: 'xdm.error_codes',
  /** Calls to X made inside a span. */
  xCalls: 'xdm.x.calls',
  /** X's `x-rate-limit-remaining` on a call's answer. */
  rateLimitRemaining: 'xdm.rate_limit.remaining',
  /** X's `x-rate-limit-limit` on a call's answer. */
  rateLimitLimit: 'xdm.rate_limit.limit',
  /** `hit` when memory answered a read without a call to X, `miss` otherwise. */
  memoryResult: 'xdm.memory.result',
} as const;

/** The calls to X made in a span and in every span below it. */
interface CallCount {
  calls: number;
  readonly parent: CallCount | undefined;
}

const CALLS = createContextKey('xdm call count');
const OPERATION = createContextKey('xdm operation span');

function countCall(active: Context): void {
  for (let count = active.getValue(CALLS) as CallCount | undefined; count; count = count.parent) count.calls += 1;
}

/** `active` with a call count of its own, under the one it holds. */
function withCount(active: Context): { context: Context; count: CallCount } {
  const count: CallCount = { calls: 0, parent: active.getValue(CALLS) as CallCount | undefined };
  return { context: active.setValue(CALLS, count), count };
}

const headerGetter = {
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
  keys: (headers: Headers) => [...headers.keys()],
};

/** The HTTP status behind an error of a call to X, when X answered. */
function statusOfError(error: unknown): number | undefined {
  if (error instanceof UpstreamError && error.status !== undefined) return error.status;
  if (error instanceof GatewayError) return error.problem?.status;
  return undefined;
}

export function openTracing(options: TracingOptions): Tracing {
  // Registered once per process; a second gateway's tracing (or the application's own) finds one already there.
  const manager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(manager)) manager.enable();
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName ?? 'x-dm-graphql-gateway' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('x-dm-graphql-gateway');
  const propagator = new W3CTraceContextPropagator();

  function note(span: Span, count: CallCount): SpanNote {
    return {
      set: (key, value) => span.setAttribute(key, value),
      get xCalls() {
        return count.calls;
      },
    };
  }

  /** Ends an operation's span with what its answer says. */
  function endOperation(span: Span, count: CallCount, codes: readonly string[] | undefined): void {
    const outcome = codes === undefined || codes.length > 0 ? 'error' : 'ok';
    span.setAttribute(ATTR.outcome, outcome);
    if (codes && codes.length > 0) span.setAttribute(ATTR.errorCodes, [...codes]);
    span.setAttribute(ATTR.xCalls, count.calls);
    if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  interface OperationRecord {
    readonly span: Span;
    codes?: string[];
  }

  const plugin: Plugin<GatewayContext> = {
    instrumentation: {
      operation: ({ request }, wrapped) => {
        const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
        const path = new URL(request.url).pathname;
        const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: path };
        const span = tracer.startSpan('graphql', { kind: SpanKind.SERVER, attributes }, parent);
        const record: OperationRecord = { span };
        const { context: counted, count } = withCount(trace.setSpan(parent, span).setValue(OPERATION, record));
        return context.with(counted, async () => {
          try {
            await wrapped();
          } catch (error) {
            const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
            record.codes = [typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR'];
            throw error;
          } finally {
            endOperation(span, count, record.codes);
          }
        });
      },
    },
    onExecute: ({ args }) => {
      const record = context.active().getValue(OPERATION) as OperationRecord | undefined;
      const { document, operationName } = executedDocument(args);
      const operation = getOperationAST(document, operationName);
      if (!record || !operation) return;
      const name = operationLabel(operation.name?.value);
      record.span.updateName(`${operation.operation} ${name}`);
      record.span.setAttributes({
        [ATTR_GRAPHQL_OPERATION_TYPE]: operation.operation,
        [ATTR_GRAPHQL_OPERATION_NAME]: name,
      });
    },
    onExecutionResult: ({ result }) => {
      const record = context.active().getValue(OPERATION) as OperationRecord | undefined;
      if (!record || Array.isArray(result) || Symbol.asyncIterator in (result as object)) {
        if (record) record.codes = [];
        return;
      }
      const { errors } = result as ExecutionResult;
      record.codes = (errors ?? []).map(errorCodeLabel);
    },
  };

  return {
    plugin,

    traceCalls(retrying, inner) {
      const attempts = new WeakMap<UpstreamRequest, number>();
      const counted: UpstreamTransport = {
        get: (request) => {
          attempts.set(request, (attempts.get(request) ?? 0) + 1);
          return inner.get(request);
        },
      };
      const retried = retrying(counted);
      return {
        get: async <T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> => {
          const active = context.active();
          countCall(active);
          const method = request.method ?? 'GET';
          const endpoint = endpointOf(request.path);
          const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_TEMPLATE]: endpoint };
          const span = tracer.startSpan(`${method} ${endpoint}`, { kind: SpanKind.CLIENT, attributes }, active);
          try {
            const response = await retried.get<T>(request);
            span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
            if (response.rateLimit) {
              span.setAttribute(ATTR.rateLimitRemaining, response.rateLimit.remaining);
              span.setAttribute(ATTR.rateLimitLimit, response.rateLimit.limit);
            }
            return response;
          } catch (error) {
            const status = statusOfError(error);
            if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
            span.setAttribute(ATTR_ERROR_TYPE, error instanceof GatewayError ? error.code : 'INTERNAL');
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          } finally {
            span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, Math.max(0, (attempts.get(request) ?? 1) - 1));
            span.end();
          }
        },
      };
    },

    span(name, work) {
      const active = context.active();
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL }, active);
      const { context: counted, count } = withCount(trace.setSpan(active, span));
      return context.with(counted, async () => {
        try {
          return await work(note(span, count));
        } catch (error) {
          span.setAttribute(ATTR_ERROR_TYPE, error instanceof GatewayError ? error.code : 'INTERNAL');
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.setAttribute(ATTR.xCalls, count.calls);
          span.end();
        }
      });
    },

    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
