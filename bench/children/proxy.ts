/**
 * Arm B: the thinnest Node hop there is. An undici Pool to the upstream, one `request` per incoming request, the
 * caller's Authorization forwarded, the upstream's status and headers copied and its body streamed back untouched.
 * Any gateway in Node costs at least this.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { runChild, upstreamArg } from './child.js';

const upstream = upstreamArg();
const pool = new Pool(upstream, { connections: 32, pipelining: 1 });

/** Hop-by-hop headers are the connection's own, not the answer's. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const answer = await pool.request({ method: 'GET', path: req.url ?? '/', headers });
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    res.writeHead(answer.statusCode, out);
    await pipeline(answer.body, res);
  } catch {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end();
  }
}

// `forward` answers every failure itself: its promise is left to run.
const server = createServer((req, res) => void forward(req, res));

await runChild(server, { close: () => pool.close() });
