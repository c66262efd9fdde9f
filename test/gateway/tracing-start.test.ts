/**
 * `npm start` and OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT unset, not one module of OpenTelemetry is loaded,
 * nor of ioredis without REDIS_URL (every module the process imports is recorded); with it set, the operations'
 * spans reach the endpoint, the last ones when the process stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../scripts/start-command.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `npm start` against its sandbox, recording its imports; resolves once it listens. */
async function start(env: Record<string, string>) {
  const port = await freePort();
  const imports = join(mkdtempSync(join(tmpdir(), 'xdm-imports-')), 'imports.txt');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port), IMPORTS_FILE: imports };
  delete childEnv.X_API_BASE_URL;
  if (!('OTEL_EXPORTER_OTLP_ENDPOINT' in env)) delete childEnv.OTEL_EXPORTER_OTLP_ENDPOINT;
  const child = spawn(
    process.execPath,
    [...startNodeFlags(), '--import', 'tsx', '--import', './test/support/record-imports.mjs', 'src/server.ts'],
    { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes('GraphiQL')) resolve();
      else if (child.exitCode !== null) reject(new Error(`the gateway did not start:\n${output}`));
    };
    child.stdout.on('data', check);
    child.once('exit', check);
  });
  const query = (headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-token', ...headers },
      body: JSON.stringify({ query: 'query Traced { dmEvents(first: 2) { nodes { text } } }' }),
    }).then((response) => response.json() as Promise<{ data?: unknown; errors?: unknown }>);
  const stop = async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  };
  return { query, stop, imports: () => readFileSync(imports, 'utf8').split('\n').filter(Boolean) };
}

describe('npm start and OpenTelemetry', () => {
  it('loads nothing of OpenTelemetry without OTEL_EXPORTER_OTLP_ENDPOINT, nor ioredis without REDIS_URL', async () => {
    const gateway = await start({});
    expect((await gateway.query()).errors).toBeUndefined();
    expect(await gateway.stop()).toBe(0);
    const imports = gateway.imports();
    // The record is of this process's own modules: the gateway's, and the packages they use.
    expect(imports.some((url) => url.endsWith('/src/gateway.ts'))).toBe(true);
    expect(imports.some((url) => url.includes('/node_modules/graphql-yoga/'))).toBe(true);
    expect(imports.filter((url) => url.includes('opentelemetry'))).toEqual([]);
    // Nor of ioredis: the memory is kept in process.
    expect(imports.filter((url) => url.includes('/node_modules/ioredis/'))).toEqual([]);
  }, 60_000);

  it('with it, exports the spans of an operation to the endpoint, continuing the caller trace', async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.listen();
    try {
      const gateway = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'xdm-start-test' });
      const traceId = randomBytes(16).toString('hex');
      expect(
        (await gateway.query({ traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` })).errors,
      ).toBeUndefined();
      // Stopping exports what is left before the process exits.
      expect(await gateway.stop()).toBe(0);
      expect(gateway.imports().some((url) => url.includes('/node_modules/@opentelemetry/sdk-trace-base/'))).toBe(true);
      const spans = receiver.spans.filter((span) => span.traceId === traceId);
      expect(spans.map((span) => span.name)).toContain('query Traced');
      expect(spans.find((span) => span.name === 'query Traced')!.resource['service.name']).toBe('xdm-start-test');
      expect(spans.some((span) => span.name === 'GET /2/dm_events')).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
