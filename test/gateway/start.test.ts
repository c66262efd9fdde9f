/**
 * `npm start` with no X_API_BASE_URL: the gateway and the embedded sandbox in one process, the demo token printed,
 * GraphiQL served from the package with a working example query and the token in its headers, and a clean exit on
 * SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../scripts/start-command.js';
import { until } from '../support/until.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let child: ChildProcess;
let output = '';
let base = '';

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // As deployed: the default log level (the suite's own is `warn`), so each request logs its line.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    SANDBOX_TOKEN: 'start-test-token',
    LOG_LEVEL: 'info',
  };
  delete env.X_API_BASE_URL;
  child = spawn(process.execPath, [...startNodeFlags(), '--import', 'tsx', 'src/server.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await until(
    'the gateway to start',
    () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited:\n${output}`);
      return output.includes('GraphiQL');
    },
    { timeoutMs: 30_000, everyMs: 20 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}:\n${output}`);
  });
}, 40_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('npm start', () => {
  it('says loudly that it runs against the sandbox, and prints the demo token', () => {
    expect(output).toContain('SANDBOX MODE');
    expect(output).toContain('start-test-token');
  });

  it('answers GraphQL with the demo token', async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer start-test-token' },
      body: JSON.stringify({ query: '{ dmEvents(first: 2) { nodes { text sender { username } } } }' }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.dmEvents.nodes).toHaveLength(2);
  });

  it('logs the request on stdout, one JSON line with its id and outcome, without the token', async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer start-test-token' },
      body: JSON.stringify({ query: 'query Logged { dmEvents(first: 1) { nodes { id } } }' }),
    });
    const requestId = response.headers.get('x-request-id');
    await response.text();
    const deadline = Date.now() + 5_000;
    const line = () => output.split('\n').find((text) => text.includes(`"requestId":"${requestId}"`));
    while (!line() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.parse(line()!)).toMatchObject({ msg: 'graphql request', operation: 'Logged', outcome: 'ok' });
    expect(line()).not.toContain('start-test-token');
  });

  it('serves GraphiQL from the package, with the example query and the token in its headers', async () => {
    const response = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('query Inbox');
    expect(html).toContain('Bearer start-test-token');
    expect(html).not.toMatch(/https?:\/\/(unpkg\.com|cdn\.jsdelivr\.net|esm\.sh)/);
  });

  it('exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
