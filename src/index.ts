/**
 * The gateway as a library: `createGateway(options)` gives the yoga app (never listening), `schema` the GraphQL schema
 * to stitch or inspect, and `createSandbox` the X API emulator for tests and demos.
 */
export { type Gateway, type GatewayOptions, createGateway } from './gateway.js';
export { schema } from './schema/index.js';
export type { GatewayContext } from './context.js';
export {
  BadUserInputError,
  CostLimitExceededError,
  ForbiddenError,
  GatewayError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamError,
  type ErrorCode,
} from './errors.js';
export { GatewayMetrics } from './observability/metrics.js';
// startTracing loads OpenTelemetry when called, not when this module is imported.
export { type SpanNote, type Tracing, type TracingOptions, startTracing } from './observability/tracing.js';
export type { PersistedDocumentsOptions } from './plugins/persisted-documents.js';
export type { DocumentLimits } from './plugins/document-limits.js';
export { type Sandbox, type SandboxOptions, createSandbox } from './sandbox/index.js';
export type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from './upstream/client.js';
