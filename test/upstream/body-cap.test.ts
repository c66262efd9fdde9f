import { expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { serveLocally } from '../support/local-server.js';

// A plain node:http server, because the question is what happens on the socket: a chunked body with no
// content-length, far over the cap, must be cut off while streaming, not read to the end and then refused.
const TOTAL_BYTES = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');
let finished: Promise<{ written: number; completed: boolean }>;

const local = serveLocally((request, response) => {
  if (request.url !== '/2/huge') {
    response.setHeader('content-type', 'application/json');
    response.end('{"data":{"id":"1"}}');
    return;
  }
  let written = 0;
  let completed = false;
  finished = new Promise((resolve) => response.on('close', () => resolve({ written, completed })));
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"data":"');
  const pump = () => {
    while (written < TOTAL_BYTES && !response.destroyed) {
      written += CHUNK.length;
      if (!response.write(CHUNK)) return void response.once('drain', pump);
    }
    if (!response.destroyed) response.end('"}', () => (completed = true));
  };
  pump();
});

it('stops reading an oversized chunked body at the cap and frees the socket', async () => {
  const client = new UpstreamClient({ baseUrl: local.baseUrl, maxBodyBytes: 256 * 1024 });
  try {
    const error = await client.get({ path: '/2/huge', authorization: 'Bearer t' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe("X's answer was larger than 262144 bytes");

    const { written, completed } = await finished;
    expect(completed).toBe(false);
    expect(written).toBeLessThan(TOTAL_BYTES);

    await expect(client.get({ path: '/2/small', authorization: 'Bearer t' })).resolves.toMatchObject({ status: 200 });
  } finally {
    await client.close();
  }
});
