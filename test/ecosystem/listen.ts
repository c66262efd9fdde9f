/**
 * The harness's gateway on a real HTTP port on 127.0.0.1, for clients that speak HTTP (a browser, graphql-request, a
 * remote stitching executor, the GraphQL-over-HTTP audits).
 */
import { type Server, createServer } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { Harness } from '../support/harness.js';

export interface Listening {
  /** e.g. `http://127.0.0.1:43123` */
  readonly origin: string;
  /** `${origin}/graphql` */
  readonly url: string;
}

/** Listens with `h.gateway.requestListener` once the harness has started; call it after `useGateway()`. */
export function listen(h: Harness): Listening {
  let server: Server | undefined;
  let origin = '';
  beforeAll(async () => {
    server = createServer(h.gateway.requestListener);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as { port: number };
    origin = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (!server) return;
    const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
  return {
    get origin() {
      return origin;
    },
    get url() {
      return `${origin}/graphql`;
    },
  };
}
