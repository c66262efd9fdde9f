import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { get, startSandbox } from './helpers.js';

describe('request log', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  it('records every request in order with method, path, raw query, authorization and the status sent', async () => {
    sandbox.clearRequests();
    await get(sandbox, '/2/dm_events', { query: { max_results: 5, 'dm_event.fields': 'id,text' } });
    await get(sandbox, '/2/users/me', { token: null });
    await get(sandbox, '/2/nothing');
    await get(sandbox, '/2/dm_events', { query: { max_results: 0 } });
    expect(sandbox.requests).toEqual([
      {
        method: 'GET',
        path: '/2/dm_events',
        query: { max_results: '5', 'dm_event.fields': 'id,text' },
        authorization: 'Bearer sandbox-token',
        status: 200,
      },
      { method: 'GET', path: '/2/users/me', query: {}, authorization: undefined, status: 401 },
      { method: 'GET', path: '/2/nothing', query: {}, authorization: 'Bearer sandbox-token', status: 404 },
      {
        method: 'GET',
        path: '/2/dm_events',
        query: { max_results: '0' },
        authorization: 'Bearer sandbox-token',
        status: 400,
      },
    ]);
  });

  it('records fault answers, including the ones never answered', async () => {
    sandbox.clearRequests();
    sandbox.injectFaults({ type: 'status', status: 502 });
    sandbox.injectFaults({ type: 'reset' });
    await get(sandbox, '/2/dm_events');
    await get(sandbox, '/2/dm_events').catch(() => undefined);
    expect(sandbox.requests.map((r) => r.status)).toEqual([502, 0]);
  });

  it('empties on clearRequests()', async () => {
    await get(sandbox, '/2/users/me');
    sandbox.clearRequests();
    expect(sandbox.requests).toHaveLength(0);
  });
});
