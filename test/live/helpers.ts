/** A gateway listening on 127.0.0.1 with WebSocket attached, its sandbox, and subscription clients over SSE and WS. */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { type Gateway, type GatewayOptions, createGateway } from '../../src/gateway.js';
import { type Sandbox, type SandboxOptions, createSandbox } from '../../src/sandbox/index.js';
import { recordLog } from '../support/log-capture.js';
import { readSse } from '../support/sse.js';

export interface LiveHarness {
  readonly sandbox: Sandbox;
  readonly gateway: Gateway;
  readonly url: string;
  dmCalls(): number;
}

export function useLiveGateway(
  options: { sandbox?: SandboxOptions; gateway?: Partial<GatewayOptions> } = {},
): LiveHarness {
  let sandbox: Sandbox;
  let gateway: Gateway;
  let server: Server;
  let websocket: { close(): Promise<void> };
  let url = '';
  beforeAll(async () => {
    sandbox = createSandbox({ seed: 42, rateLimit: { limit: 100_000, windowMs: 900_000 }, ...options.sandbox });
    gateway = createGateway({
      upstream: await sandbox.listen(),
      freshnessMs: 150,
      logger: pino({ level: 'info' }, { write: (line: string) => recordLog(line) }),
      ...options.gateway,
    });
    server = createServer(gateway.requestListener);
    websocket = gateway.attachWebSocket(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await gateway?.close();
    await websocket?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await sandbox?.close();
  });
  return {
    get sandbox() {
      return sandbox;
    },
    get gateway() {
      return gateway;
    },
    get url() {
      return url;
    },
    dmCalls: () => sandbox.requests.filter((call) => call.path.startsWith('/2/dm_')).length,
  };
}

/** One subscription's stream: what it received so far, and how to end it. */
export interface Stream {
  readonly received: Record<string, any>[];
  /** Comment lines (SSE keep-alive pings) seen. */
  readonly pings: number;
  /** Resolves once the server ended the stream. */
  readonly ended: Promise<void>;
  close(): Promise<void>;
  /** Resolves when `count` results arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<void>;
}

function streamState() {
  const received: Record<string, any>[] = [];
  const waiters: (() => void)[] = [];
  return {
    received,
    add(result: Record<string, any>) {
      received.push(result);
      for (const wake of waiters.splice(0)) wake();
    },
    waitFor: (count: number, ms = 5_000): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`waited ${ms} ms for ${count} results, got ${received.length}`)),
          ms,
        );
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** A subscription over Server-Sent Events (`accept: text/event-stream`). */
export async function subscribeSse(url: string, query: string, token: string | null): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const state = streamState();
  let pings = 0;
  const ended = readSse(response.body!, (message) => {
    if (message.comment) pings += 1;
    else if (message.data && message.event !== 'complete') state.add(JSON.parse(message.data) as Record<string, any>);
  });
  return {
    received: state.received,
    get pings() {
      return pings;
    },
    ended,
    close: async () => {
      controller.abort();
      await ended;
    },
    waitFor: state.waitFor,
  };
}

/** A subscription over WebSocket (graphql-ws), the token in the connection parameters. */
export function subscribeWs(url: string, query: string, token: string | null): Stream {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // The server closing the socket at the end of a test is expected, not an error to print.
    onNonLazyError: () => {},
  });
  const state = streamState();
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const unsubscribe = client.subscribe(
    { query },
    {
      next: (result) => state.add(result as Record<string, any>),
      error: (error) => {
        state.add({ errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }] });
        finish();
      },
      complete: () => finish(),
    },
  );
  return {
    received: state.received,
    pings: 0,
    ended,
    close: async () => {
      unsubscribe();
      await client.dispose();
      finish();
    },
    waitFor: state.waitFor,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
