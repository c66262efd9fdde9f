import { expect, it } from 'vitest';
import { UpstreamClient } from '../../src/upstream/client.js';
import { serveLocally } from '../support/local-server.js';

// A plain node:http server, because the question is about sockets: how many the client opens for a burst.
let connections = 0;
const local = serveLocally((request, response) => {
  // A little latency, so the burst really overlaps.
  setTimeout(() => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ data: { id: '1', path: request.url } }));
  }, 5);
});
local.server.on('connection', () => {
  connections += 1;
});

it('serves a burst of concurrent calls over a bounded number of kept-alive connections', async () => {
  const client = new UpstreamClient({ baseUrl: local.baseUrl, connections: 4 });
  try {
    const burst = () =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          client.get<{ data: { path: string } }>({
            path: '/2/users/me',
            query: { n: String(i) },
            authorization: 'Bearer t',
          }),
        ),
      );
    const first = await burst();
    expect(first.map((r) => r.body.data.path)).toEqual(Array.from({ length: 50 }, (_, i) => `/2/users/me?n=${i}`));
    expect(connections).toBeLessThanOrEqual(4);

    // A second burst reuses the same sockets instead of opening new ones.
    const before = connections;
    await burst();
    expect(connections).toBe(before);
  } finally {
    await client.close();
  }
});
