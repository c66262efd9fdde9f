/**
 * SIGTERM: the gateway stops accepting connections, finishes the requests in flight, and exits 0, its log lines
 * written (they go out in batches: what is left is written at exit).
 */
import { spawn } from 'node:child_process';
import { type Server, createServer } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';

/**
 * An X stand-in that answers every call after `delayMs`, and says when a call arrived: a page with one message that
 * mentions user 5, and user 5 — two calls one after the other, so SIGTERM lands between them.
 */
function slowUpstream(delayMs: number) {
  let arrived: () => void = () => {};
  const firstCall = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer((request, response) => {
    arrived();
    const body = request.url!.startsWith('/2/users')
      ? { data: [{ id: '5', name: 'Five', username: 'five' }] }
      : {
          data: [
            {
              id: '1',
              event_type: 'MessageCreate',
              text: '@five late but whole',
              mentions: [{ start: 0, end: 5, username: 'five', id: '5' }],
            },
          ],
          meta: { result_count: 1 },
        };
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    }, delayMs);
  });
  return { server, firstCall };
}

const upstream = slowUpstream(800);
afterAll(() => new Promise<void>((resolve) => upstream.server.close(() => resolve())));

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listening(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('SIGTERM', () => {
  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    const upstreamPort = await listening(upstream.server);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      // As deployed: the default log level (the suite's own is `warn`), so the request logs its line.
      env: {
        ...process.env,
        PORT: String(port),
        X_API_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until(
      'the gateway to start',
      () => {
        if (child.exitCode !== null) throw new Error(`the gateway exited:\n${output}`);
        return output.includes('gateway on');
      },
      { timeoutMs: 30_000, everyMs: 20 },
    );

    const inFlight = fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer user-token' },
      body: JSON.stringify({
        query: '{ dmEvents(first: 1) { nodes { text entities { mentions { user { name } } } } } }',
      }),
    });
    await upstream.firstCall;
    child.kill('SIGTERM');

    const refuses = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
    await until('the gateway refusing new connections', refuses, { timeoutMs: 5_000, everyMs: 20 });

    const answer = (await (await inFlight).json()) as { data: unknown; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({
      dmEvents: { nodes: [{ text: '@five late but whole', entities: { mentions: [{ user: { name: 'Five' } }] } }] },
    });
    expect(await exited).toBe(0);
    // The line of the request finished during the drain, written though the process exited before a batch filled.
    const lines = output.split('\n').filter((line) => line.includes('"msg":"graphql request"'));
    expect(lines.map((line) => JSON.parse(line) as { outcome: string })).toEqual([
      expect.objectContaining({ outcome: 'ok' }),
    ]);
  }, 40_000);
});
