/**
 * OpenTelemetry traces, as the rest of the gateway sees them: an interface without OpenTelemetry in it, and
 * `startTracing`, which loads the SDK (`./otel.ts`) only when called. With `OTEL_EXPORTER_OTLP_ENDPOINT` unset
 * nothing calls it, so nothing of OpenTelemetry is loaded or runs.
 *
 * What is traced: a span per GraphQL operation (continuing the caller's W3C `traceparent`), a span per call to X
 * (endpoint with ids folded, status, retries, rate-limit budget left), and spans for the memory's reads (hit or miss)
 * and syncs. A span never holds a token, a document, variables or a message text: only names, codes and counts.
 */
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import type { UpstreamTransport } from '../upstream/client.js';

export interface TracingOptions {
  /** Where to export over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`); `/v1/traces` is appended. */
  endpoint: string;
  /** The `service.name` of the spans (`OTEL_SERVICE_NAME`). @default 'x-dm-graphql-gateway' */
  serviceName?: string;
}

/** A span being recorded, as the code that made it sees it. */
export interface SpanNote {
  /** Sets an attribute (a name, a code or a count: never a token or a text). */
  set(key: string, value: string | number | boolean): void;
  /** The calls to X made inside the span so far. */
  readonly xCalls: number;
}

export interface Tracing {
  /** The yoga plugin: a span per GraphQL operation, a child of the caller's `traceparent` when it sends one. */
  readonly plugin: Plugin<GatewayContext>;
  /**
   * A transport to X with a span per call: `retrying` is the retry layer, put around `inner` with the attempts it
   * makes counted, and the span around it all.
   */
  traceCalls(retrying: (inner: UpstreamTransport) => UpstreamTransport, inner: UpstreamTransport): UpstreamTransport;
  /** Runs `work` in a span of its own, a child of the span it runs in. */
  span<T>(name: string, work: (span: SpanNote) => Promise<T>): Promise<T>;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Exports what is left, and stops. */
  shutdown(): Promise<void>;
}

/** Loads the OpenTelemetry SDK and starts exporting traces to `options.endpoint`. */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { openTracing } = await import('./otel.js');
  return openTracing(options);
}
