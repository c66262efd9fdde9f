import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run sandbox (src/sandbox/main.ts)', () => {
  it('listens on SANDBOX_PORT, prints the URL and every demo token, honours SANDBOX_TOKEN, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], {
      cwd: root,
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_TOKEN: 'main-test-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 15_000;
      while (!/sandbox-token-23/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      expect(url, output).toBeDefined();
      expect(output).toContain('@sandbox_demo');
      expect(output).toContain('main-test-token');
      const res = await fetch(`${url}/2/users/me`, { headers: { authorization: 'Bearer main-test-token' } });
      expect((await res.json()).data.username).toBe('sandbox_demo');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
