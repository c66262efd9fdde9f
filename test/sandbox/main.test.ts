import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm run sandbox` as a child process with `env`; resolves its output and exit code once it ends. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], {
    cwd: root,
    env: { ...process.env, SANDBOX_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state = { output: '' };
  child.stdout.on('data', (chunk: Buffer) => (state.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (state.output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** The URL once every token is printed. */
  const ready = async (): Promise<string | undefined> => {
    const deadline = Date.now() + 15_000;
    while (!/sandbox-token-23/.test(state.output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(state.output)?.[1];
  };
  return { child, state, exited, ready };
}

describe('npm run sandbox (src/sandbox/main.ts)', () => {
  it('listens on SANDBOX_PORT, prints the URL and every demo token, honours SANDBOX_TOKEN, speaks posts, and exits cleanly on SIGTERM', async () => {
    const run = start({ SANDBOX_TOKEN: 'main-test-token', SANDBOX_DIALECT: '' });
    try {
      const url = await run.ready();
      expect(url, run.state.output).toBeDefined();
      expect(run.state.output).toContain('@sandbox_demo');
      expect(run.state.output).toContain('main-test-token');
      expect(run.state.output).toContain('posts dialect');
      const res = await fetch(`${url}/2/users/me`, { headers: { authorization: 'Bearer main-test-token' } });
      expect((await res.json()).data.username).toBe('sandbox_demo');
      const tweets = await fetch(`${url}/2/users/me?tweet.fields=text`, {
        headers: { authorization: 'Bearer main-test-token' },
      });
      expect(tweets.status).toBe(400);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });

  it('speaks the dialect SANDBOX_DIALECT names, and refuses a name it does not know', async () => {
    const run = start({ SANDBOX_DIALECT: 'tweets' });
    try {
      const url = await run.ready();
      expect(run.state.output).toContain('tweets dialect');
      const res = await fetch(`${url}/2/users/me?tweet.fields=text&expansions=pinned_tweet_id`, {
        headers: { authorization: 'Bearer sandbox-token' },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).includes.tweets).toHaveLength(1);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);

    const wrong = start({ SANDBOX_DIALECT: 'x' });
    expect(await wrong.exited).toBe(2);
    expect(wrong.state.output).toContain('SANDBOX_DIALECT must be one of posts, tweets');
  });
});
