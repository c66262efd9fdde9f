import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES, dialectOf } from '../../src/x/dialect.js';
import { get, NOW, startSandbox } from './helpers.js';

const UNAUTHORIZED = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };

describe.each(DIALECT_NAMES)('auth (%s dialect)', (dialect) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect });
  });
  afterAll(() => sandbox.close());

  it('answers a request without Authorization with X 401 problem body', async () => {
    const answer = await get(sandbox, '/2/dm_events', { token: null });
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toEqual(UNAUTHORIZED);
  });

  it('answers an unknown token and a non-bearer scheme with 401', async () => {
    expect((await get(sandbox, '/2/dm_events', { token: 'not-a-token' })).body).toEqual(UNAUTHORIZED);
    const basic = await get(sandbox, '/2/users/me', {
      token: null,
      headers: { authorization: 'Basic c2FuZGJveDp0b2tlbg==' },
    });
    expect(basic.status).toBe(401);
  });

  it('does not put rate-limit headers on a 401 (no token was identified)', async () => {
    const answer = await get(sandbox, '/2/dm_events', { token: 'nope' });
    expect(answer.headers['x-rate-limit-limit']).toBeUndefined();
  });

  it('refuses the app-only token with X 403 unsupported-authentication body', async () => {
    for (const path of ['/2/dm_events', '/2/dm_events/1', '/2/users/me', `/2/users?ids=${sandbox.users[1]!.id}`]) {
      const answer = await get(sandbox, path, { token: sandbox.appOnlyToken });
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      // The problem's type lives on the dialect's host: api.x.com in posts, api.twitter.com in tweets.
      expect(answer.text).toBe(
        `{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].","type":"${dialectOf(dialect).problemType('unsupported-authentication')}","status":403}`,
      );
    }
    expect(sandbox.appOnlyToken).toBe('sandbox-app-only-token');
  });

  it('checks auth before validation: a bad request without a token is a 401', async () => {
    const answer = await get(sandbox, '/2/dm_events', { token: null, query: { max_results: 1000 } });
    expect(answer.status).toBe(401);
  });

  it('maps each demo token to its user: sandbox-token for users[0], sandbox-token-<n> for the others', async () => {
    expect(sandbox.users).toHaveLength(24);
    expect(sandbox.users[0]!.token).toBe('sandbox-token');
    for (const [n, user] of sandbox.users.entries()) {
      if (n > 0) expect(user.token).toBe(`sandbox-token-${n}`);
      const me = await get(sandbox, '/2/users/me', { token: user.token });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ data: { id: user.id, name: user.name, username: user.username } });
    }
  });

  it('accepts the Bearer scheme case-insensitively', async () => {
    const answer = await get(sandbox, '/2/users/me', {
      token: null,
      headers: { authorization: `bearer ${sandbox.users[0]!.token}` },
    });
    expect(answer.status).toBe(200);
  });
});

describe('main token', () => {
  it('uses options.mainToken, else SANDBOX_TOKEN, else sandbox-token', () => {
    const saved = process.env.SANDBOX_TOKEN;
    try {
      delete process.env.SANDBOX_TOKEN;
      expect(createSandbox({ now: NOW }).users[0]!.token).toBe('sandbox-token');
      process.env.SANDBOX_TOKEN = 'from-env';
      expect(createSandbox({ now: NOW }).users[0]!.token).toBe('from-env');
      expect(createSandbox({ now: NOW, mainToken: 'explicit' }).users[0]!.token).toBe('explicit');
    } finally {
      if (saved === undefined) delete process.env.SANDBOX_TOKEN;
      else process.env.SANDBOX_TOKEN = saved;
    }
  });

  it('answers the configured main token over HTTP', async () => {
    const sandbox = await startSandbox({ mainToken: 'my-own-token' });
    try {
      expect((await get(sandbox, '/2/users/me', { token: 'my-own-token' })).status).toBe(200);
      expect((await get(sandbox, '/2/users/me', { token: 'sandbox-token' })).status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });
});
