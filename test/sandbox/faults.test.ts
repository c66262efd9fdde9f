import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { get, startSandbox } from './helpers.js';

const lastStatus = (sandbox: Sandbox) => sandbox.requests.at(-1)!.status;

describe('faults', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  beforeEach(() => {
    sandbox.clearFaults();
    sandbox.clearRequests();
  });
  afterAll(() => sandbox.close());

  it.each([500, 502, 503, 504] as const)('answers an injected %i with X generic problem body', async (status) => {
    sandbox.injectFaults({ type: 'status', status });
    const answer = await get(sandbox, '/2/dm_events');
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toEqual({ title: expect.any(String), type: 'about:blank', status, detail: answer.body.title });
    expect(lastStatus(sandbox)).toBe(status);
  });

  it('answers an injected 429 with X body and x-rate-limit-remaining: 0', async () => {
    sandbox.injectFaults({ type: 'status', status: 429 });
    const answer = await get(sandbox, '/2/dm_events');
    expect(answer.status).toBe(429);
    expect(answer.text).toBe(
      '{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}',
    );
    expect(answer.headers['x-rate-limit-remaining']).toBe('0');
    expect(answer.headers['x-rate-limit-limit']).toBeDefined();
    expect(Number(answer.headers['x-rate-limit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  it('applies a fault to the next N requests only, whatever the path or auth, then answers normally', async () => {
    sandbox.injectFaults({ type: 'status', status: 503 }, 2);
    expect((await get(sandbox, '/2/nowhere', { token: null })).status).toBe(503);
    expect((await get(sandbox, '/2/users/me', { token: 'bad' })).status).toBe(503);
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
  });

  it('queues faults in order and forgets them on clearFaults()', async () => {
    sandbox.injectFaults({ type: 'status', status: 500 });
    sandbox.injectFaults({ type: 'empty' });
    expect((await get(sandbox, '/2/users/me')).status).toBe(500);
    expect((await get(sandbox, '/2/users/me')).text).toBe('');
    sandbox.injectFaults({ type: 'status', status: 500 }, 3);
    sandbox.clearFaults();
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
  });

  it('hang: accepts and never answers; recorded with status 0', async () => {
    sandbox.injectFaults({ type: 'hang' });
    await expect(request(`${sandbox.url}/2/dm_events`, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(sandbox.requests.at(-1)).toMatchObject({ path: '/2/dm_events', status: 0 });
  });

  it('reset: destroys the socket without an answer; recorded with status 0', async () => {
    sandbox.injectFaults({ type: 'reset' });
    await expect(request(`${sandbox.url}/2/dm_events`)).rejects.toThrow();
    expect(lastStatus(sandbox)).toBe(0);
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
  });

  it('invalid-json: 200 application/json with a truncated body', async () => {
    sandbox.injectFaults({ type: 'invalid-json' });
    const answer = await get(sandbox, '/2/dm_events');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(answer.text)).toThrow();
  });

  it('html: 502 with an HTML page', async () => {
    sandbox.injectFaults({ type: 'html' });
    const answer = await get(sandbox, '/2/dm_events');
    expect(answer.status).toBe(502);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/^<!DOCTYPE html>/);
  });

  it('empty: 200 with an empty body', async () => {
    sandbox.injectFaults({ type: 'empty' });
    const answer = await get(sandbox, '/2/dm_events');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.text).toBe('');
  });

  it('oversized: 200 with valid JSON of exactly `bytes` bytes, streamed without a length', async () => {
    sandbox.injectFaults({ type: 'oversized', bytes: 1_000_000 });
    const res = await request(`${sandbox.url}/2/dm_events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    const text = await res.body.text();
    expect(Buffer.byteLength(text)).toBe(1_000_000);
    expect(JSON.parse(text).meta).toEqual({ result_count: 1 });
    expect(lastStatus(sandbox)).toBe(200);
  });

  it('oversized: streams 16 MiB by default and stops when the client gives up', async () => {
    sandbox.injectFaults({ type: 'oversized' });
    const res = await request(`${sandbox.url}/2/dm_events`);
    let received = 0;
    for await (const chunk of res.body) {
      received += (chunk as Buffer).length;
      if (received > 1_000_000) break; // leaving the loop destroys the body
    }
    expect(received).toBeGreaterThan(1_000_000);
    expect((await get(sandbox, '/2/users/me')).status).toBe(200);
  });

  it('slow-body: headers at once, then the body a few bytes every delayMs', async () => {
    sandbox.injectFaults({ type: 'slow-body', delayMs: 40 });
    const start = Date.now();
    const res = await request(`${sandbox.url}/2/dm_events`);
    const headersAfter = Date.now() - start;
    expect(res.statusCode).toBe(200);
    const chunks: string[] = [];
    for await (const chunk of res.body) chunks.push(String(chunk));
    const total = Date.now() - start;
    expect(chunks.join('')).toBe('{"meta":{"result_count":0}}');
    expect(chunks.length).toBeGreaterThan(3);
    expect(headersAfter).toBeLessThan(total - 100);
    expect(total).toBeGreaterThanOrEqual(200);
  });
});

describe('close()', () => {
  it('destroys hanging and streaming sockets and resolves promptly', async () => {
    const sandbox = await startSandbox();
    sandbox.injectFaults({ type: 'hang' });
    sandbox.injectFaults({ type: 'slow-body', delayMs: 10_000 });
    const hanging = request(`${sandbox.url}/2/dm_events`).catch((e: unknown) => e);
    const slow = request(`${sandbox.url}/2/users/me`)
      .then((r) => r.body.text())
      .catch((e: unknown) => e);
    while (sandbox.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    const start = Date.now();
    await sandbox.close();
    expect(Date.now() - start).toBeLessThan(1000);
    expect(await hanging).toBeInstanceOf(Error);
    expect(await slow).toBeInstanceOf(Error);
  });

  it('throws on url before listen()', async () => {
    const { createSandbox } = await import('../../src/sandbox/index.js');
    expect(() => createSandbox().url).toThrow(/listen/);
  });
});
