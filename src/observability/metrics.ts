/**
 * Prometheus metrics of one gateway, in a registry of its own: operations by name and outcome, errors by code,
 * upstream calls by endpoint and status, upstream latency, and the last rate-limit budget X reported. No label ever
 * holds a token, a user id or a message.
 */
import type { GraphQLError } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RateLimit } from '../upstream/rate-limit.js';

/** An operation name fit for a label: GraphQL's name syntax, at most 64 characters; `anonymous` otherwise. */
export function operationLabel(name: string | null | undefined): string {
  return name && /^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name) ? name : 'anonymous';
}

/** An error's `extensions.code` for a label: the code when it is a string (every code the gateway sets), else `UNKNOWN`. */
export function errorCodeLabel(error: GraphQLError): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly operations = new Counter({
    name: 'gateway_operations_total',
    help: 'GraphQL operations by name and outcome (ok, or error when the answer held errors).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'gateway_errors_total',
    help: 'GraphQL errors answered, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Calls to X by endpoint and HTTP status (0 when X did not answer).',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Time of calls to X by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly rateLimitRemaining = new Gauge({
    name: 'gateway_upstream_rate_limit_remaining',
    help: 'The rate-limit budget X reported last (x-rate-limit-remaining), for whichever token called last.',
    registers: [this.registry],
  });

  readonly syncs = new Counter({
    name: 'gateway_memory_syncs_total',
    help: "Syncs of a user's feed with X, by outcome (ok, failed).",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly memoryReads = new Counter({
    name: 'gateway_memory_reads_total',
    help: 'Reads of DM lists and events: hit when memory answered without a DM call, miss when X was asked.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly eventsRead = new Counter({
    name: 'gateway_dm_events_read_total',
    help: 'DM events X returned to requests (X bills each).',
    registers: [this.registry],
  });
  readonly usersRead = new Counter({
    name: 'gateway_users_read_total',
    help: "Users X returned to requests, in lookups and in answers' includes (X bills each).",
    registers: [this.registry],
  });
  readonly postsRead = new Counter({
    name: 'gateway_posts_read_total',
    help: "Posts X returned to requests, in lookups and in answers' includes (X bills each).",
    registers: [this.registry],
  });
  readonly activityRefusals = new Counter({
    name: 'gateway_activity_subscriptions_refused_total',
    help: "Activity API subscriptions X refused (any 4xx): that user's news is polled instead, by event type.",
    labelNames: ['event_type'] as const,
    registers: [this.registry],
  });
  readonly activityNews = new Counter({
    name: 'gateway_activity_deliveries_total',
    help: 'Activity API deliveries, by kind (message, unplaced, typing, read, revoke) and outcome (taken, duplicate, dropped).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly activityStream = new Gauge({
    name: 'gateway_activity_stream_connected',
    help: "1 while this replica holds X's Activity API stream open.",
    registers: [this.registry],
  });
  readonly liveTicks = new Counter({
    name: 'gateway_live_ticks_total',
    help: 'Checks for news made by the live loops behind subscriptions (one loop per user with a subscriber).',
    registers: [this.registry],
  });
  readonly mediaRequests = new Counter({
    name: 'gateway_media_requests_total',
    help: 'Requests for minted media URLs by HTTP status and where the bytes came from (memory, shared, x, none).',
    labelNames: ['status', 'source'] as const,
    registers: [this.registry],
  });
  readonly requestsWaiting = new Gauge({
    name: 'gateway_requests_waiting',
    help: 'GraphQL requests waiting for their turn while the process is busy (see the admission option).',
    registers: [this.registry],
  });
  readonly storeUp = new Gauge({
    name: 'gateway_store_up',
    help: 'Whether the shared store (Redis) answers: 1 up, 0 down (answering from X without memory).',
    registers: [this.registry],
  });
  readonly storeUsers = new Gauge({
    name: 'gateway_memory_users',
    help: 'Users whose memory is kept.',
    registers: [this.registry],
  });
  readonly storeEvents = new Gauge({
    name: 'gateway_memory_events',
    help: 'DM events kept in memory.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one call to X (an X session's `onCall`): by endpoint and status, its time, and the budget it reported. */
  recordCall(
    call: { readonly endpoint: string; readonly status: number; readonly ms: number },
    rateLimit: RateLimit | undefined,
  ): void {
    this.upstreamRequests.inc({ endpoint: call.endpoint, status: String(call.status) });
    this.upstreamDuration.observe({ endpoint: call.endpoint }, call.ms / 1000);
    if (rateLimit) this.rateLimitRemaining.set(rateLimit.remaining);
  }
}
