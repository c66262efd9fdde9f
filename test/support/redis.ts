/**
 * A real Redis for a test file: Debian's `redis-server` on 127.0.0.1, a free port, nothing saved to disk. It can be
 * killed (SIGKILL), paused (SIGSTOP: a Redis that hangs) and started again on the same port, for failure tests.
 *
 * Without `redis-server` on the PATH the Redis tests are skipped with a warning, except under CI (`CI=true`), where
 * they fail: CI installs it (`apt-get install -y redis-server`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type Gateway, type GatewayOptions, createGateway } from '../../src/gateway.js';
import { recordLog } from './log-capture.js';
import { until } from './until.js';

function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const binary = findRedisServer();

/** Whether the Redis tests can run here. */
export const redisAvailable = binary !== undefined || process.env.CI === 'true';
if (binary === undefined) {
  console.warn(
    process.env.CI === 'true'
      ? 'redis-server is not installed: the Redis tests will fail (CI installs it with apt-get install -y redis-server)'
      : 'redis-server is not installed: the Redis tests are skipped (apt-get install -y redis-server)',
  );
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether the server process is running (paused counts as running). */
  readonly running: boolean;
  /** Starts the server again on the same port (after `kill` or `stop`). */
  start(): Promise<void>;
  /** Kills the server at once (SIGKILL): connections drop, everything it held is gone. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** Stops the server for good and removes its folder. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a Redis for this test file. Call `stop()` after (in `afterAll`). */
export async function startRedis(): Promise<RedisServer> {
  if (binary === undefined) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const started = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(started);
    started.once('exit', () => children.delete(started));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
      const onExit = (code: number | null) => fail(new Error(`redis-server exited (${code}):\n${output}`));
      const settle = () => {
        clearTimeout(timer);
        started.off('exit', onExit);
        started.stdout.off('data', onData);
        started.stderr.off('data', onData);
      };
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Ready to accept connections')) {
          settle();
          resolve();
        }
      };
      const fail = (error: Error) => {
        settle();
        started.kill('SIGKILL');
        reject(error);
      };
      started.stdout.on('data', onData);
      started.stderr.on('data', onData);
      started.once('exit', onExit);
    });
    started.stdout.resume();
    started.stderr.resume();
    child = started;
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running) return;
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited(running);
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    start: async () => {
      if (!child) await launch();
    },
    kill,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `STORE_KEY` for tests: long enough, and nothing anyone uses. */
export const TEST_STORE_KEY = 'a-test-store-key-of-at-least-32-characters';

/**
 * One replica of the gateway on the shared Redis (`store: 'redis'`), logging into the suite's capture unless given a
 * logger of its own.
 */
export function createReplica(upstream: string, redis: RedisServer, options: Partial<GatewayOptions> = {}): Gateway {
  return createGateway({
    upstream,
    store: 'redis',
    redis: { url: redis.url, storeKey: TEST_STORE_KEY },
    logger: pino({ level: 'info' }, { write: (line: string) => recordLog(line) }),
    ...options,
  });
}

/** Runs `use` with a connection of the test's own to `redis`, closed after. */
async function withClient<T>(redis: RedisServer, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/**
 * Resolves once Redis has seen `count` clients besides this check connect and send their first command (ioredis's
 * ready check): replicas made before this call are then ready to use it. A last round trip after that lets their
 * clients read the ready check's answer, which Redis wrote first.
 */
export function untilConnected(redis: RedisServer, count: number): Promise<void> {
  return withClient(redis, async (client) => {
    const own = await client.client('ID');
    await until(`${count} clients of Redis`, async () => {
      const clients = String(await client.client('LIST'))
        .split('\n')
        .filter((line) => line.startsWith('id='));
      return clients.filter((line) => !line.startsWith(`id=${own} `) && !/ cmd=NULL /.test(line)).length >= count;
    });
    await client.ping();
  });
}

/** How many keys of `redis` match `pattern` (e.g. `xdm:b:*`, the shared rate-limit budgets). */
export function countKeys(redis: RedisServer, pattern: string): Promise<number> {
  return withClient(redis, async (client) => (await client.keys(pattern)).length);
}
