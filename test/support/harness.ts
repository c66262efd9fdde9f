/**
 * A gateway in process against a sandbox over real HTTP on 127.0.0.1, and helpers to query it and to read what it
 * asked X for.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Gateway, type GatewayOptions, createGateway } from '../../src/gateway.js';
import { type RecordedRequest, type Sandbox, type SandboxOptions, createSandbox } from '../../src/sandbox/index.js';
import { capturedLogs, recordLog } from './log-capture.js';

export interface GraphQLAnswer<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface Harness {
  readonly sandbox: Sandbox;
  readonly gateway: Gateway;
  /** Runs an operation as the main demo user (or with `token`; `null` sends no Authorization header). */
  query<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLAnswer<T>>;
  /** The calls X received since the last `beforeEach`. */
  calls(): readonly RecordedRequest[];
  /** The gateway's structured log lines so far, parsed. */
  logLines(): Record<string, unknown>[];
}

/** Starts a sandbox and a gateway for the tests of one file; the request log is cleared before each test. */
export function useGateway(options: { sandbox?: SandboxOptions; gateway?: Partial<GatewayOptions> } = {}): Harness {
  let sandbox: Sandbox;
  let gateway: Gateway;
  beforeAll(async () => {
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 }, ...options.sandbox });
    const url = await sandbox.listen();
    gateway = createGateway({
      upstream: url,
      cursorSecret: 'test-secret',
      // The suites of the pass-through gateway count calls and parameters; the memory's own suites turn it on.
      store: 'off',
      // The gateway's log lines go into the suite's log capture, which fails a file whose logs hold a token.
      logger: pino({ level: 'info' }, { write: (line: string) => recordLog(line) }),
      ...options.gateway,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox.clearRequests();
  });
  return {
    get sandbox() {
      return sandbox;
    },
    get gateway() {
      return gateway;
    },
    async query(query, variables, token) {
      const authorization = token === null ? undefined : `Bearer ${token ?? sandbox.users[0]!.token}`;
      const response = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...(authorization && { authorization }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    calls: () => sandbox.requests,
    logLines: () =>
      capturedLogs()
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A call's query parameters, without the ones the test does not care about. */
export function paramsOf(call: RecordedRequest, ...omit: string[]): Record<string, string> {
  const params = { ...call.query };
  for (const name of omit) delete params[name];
  return params;
}
