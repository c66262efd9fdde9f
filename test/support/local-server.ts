/**
 * A plain node:http server on a free port of 127.0.0.1 for one test file, for tests whose question is what happens on
 * the socket: listening before the file's tests, every connection closed after them.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export interface LocalServer {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:43123`, once the file's tests run */
  readonly baseUrl: string;
}

export function serveLocally(handler: RequestListener): LocalServer {
  const server = createServer(handler);
  let baseUrl = '';
  beforeAll(async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    server,
    get baseUrl() {
      return baseUrl;
    },
  };
}
