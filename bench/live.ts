/**
 * `npm run bench:live`: how long news takes from X to a subscriber, and what it costs in DM lookups. Against the
 * sandbox, on 127.0.0.1: a message is written at X (`sandbox.addMessage`) and the time until the subscriber's
 * `dmEventAdded` arrives over Server-Sent Events is taken, one message at a time, for delivery by X's Activity API
 * stream, by webhook, and by polling (`X_ACTIVITY=off`, `FRESHNESS_MS` as given below), with 1 and many subscribed users
 * (each user one subscriber). DM lookups spent during the messages are counted at the sandbox. Prints a markdown
 * table and writes it to `bench/results/live-latest.md`.
 *
 * Environment: BENCH_LIVE_MESSAGES (messages per cell, default 100), BENCH_LIVE_USERS (the large count, default
 * 1000; the sandbox takes up to 1001 demo users), BENCH_LIVE_POLL_MS (FRESHNESS_MS of the polling arm, default 2000).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { createGateway } from '../src/gateway.js';
import { APP_ONLY_TOKEN, createSandbox } from '../src/sandbox/index.js';

type Mode = 'stream' | 'webhook' | 'poll';

const MESSAGES = Number(process.env.BENCH_LIVE_MESSAGES ?? 100);
const MANY = Number(process.env.BENCH_LIVE_USERS ?? 1000);
const POLL_MS = Number(process.env.BENCH_LIVE_POLL_MS ?? 2000);
const SECRET = 'sandbox-consumer-secret';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** One SSE subscription; `next(text)` resolves when a result with that text arrives. */
async function subscribe(url: string, token: string) {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'subscription { dmEventAdded { text } }' }),
    signal: controller.signal,
  });
  const waiting = new Map<string, () => void>();
  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .find((line) => line.startsWith('data:'));
          buffer = buffer.slice(end + 2);
          if (!data) continue;
          const text = (JSON.parse(data.slice(5)) as { data?: { dmEventAdded?: { text?: string } } }).data?.dmEventAdded
            ?.text;
          if (text !== undefined) waiting.get(text)?.();
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    next: (text: string) => new Promise<void>((resolve) => waiting.set(text, resolve)),
    close: () => controller.abort(),
  };
}

async function cell(mode: Mode, users: number) {
  // X's self-serve cap of 1,500 subscriptions would hold 750 users; an enterprise app's (75,000) holds every arm.
  const sandbox = createSandbox({
    seed: 42,
    users: Math.max(24, Math.min(1001, users + 1)),
    rateLimit: { limit: 1_000_000, windowMs: 900_000 },
    activity: { maxSubscriptions: 75_000 },
  });
  const upstream = await sandbox.listen();
  const gateway = createGateway({
    upstream,
    freshnessMs: mode === 'poll' ? POLL_MS : 30_000,
    logger: pino({ level: 'silent' }),
    subscriptions: { maxTotal: 100_000 },
    activity:
      mode === 'poll'
        ? { mode: 'off' }
        : { mode, appBearerToken: APP_ONLY_TOKEN, consumerSecret: SECRET, maxSubscriptions: 100_000 },
  });
  const server = createServer(gateway.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  if (mode === 'webhook') {
    const answer = await fetch(`${upstream}/2/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_ONLY_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: url.replace('/graphql', '/x/webhooks') }),
    });
    gateway.activity.subscriptions!.webhookId = ((await answer.json()) as { data: { id: string } }).data.id;
  }
  const chosen = sandbox.users.slice(1, users + 1);
  const streams = [];
  for (const user of chosen) streams.push(await subscribe(url, user.token));
  // Ready: every user subscribed at X (push) and every loop's first sync done.
  const ticks = async () => (await gateway.metrics.liveTicks.get()).values[0]?.value ?? 0;
  while ((await ticks()) < chosen.length) await sleep(20);
  if (mode !== 'poll') while (sandbox.activity.subscriptions.size < 2 * chosen.length) await sleep(20);
  if (mode === 'stream') while (sandbox.activity.openStreams < 1) await sleep(20);
  await sleep(500);

  const dmLookups = () => sandbox.requests.filter((r) => r.path.startsWith('/2/dm_')).length;
  const before = dmLookups();
  const latencies: number[] = [];
  const count = mode === 'poll' ? Math.min(MESSAGES, 20) : MESSAGES;
  for (let i = 0; i < count; i++) {
    const index = i % chosen.length;
    const user = chosen[index]!;
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    const friend = conversation.participantIds.find((p) => p !== user.id)!;
    const text = `bench ${mode} ${users} ${i}`;
    // Polling's delay depends on where in its interval a message lands: messages land at random points of it.
    if (mode === 'poll') await sleep(Math.random() * POLL_MS);
    const arrived = streams[index]!.next(text);
    const start = performance.now();
    sandbox.addMessage(conversation.id, friend, text);
    await arrived;
    latencies.push(performance.now() - start);
  }
  const lookups = dmLookups() - before;
  for (const stream of streams) stream.close();
  await gateway.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await sandbox.close();
  latencies.sort((a, b) => a - b);
  return {
    mode,
    users,
    messages: count,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    lookups,
  };
}

const rows = [];
for (const mode of ['stream', 'webhook', 'poll'] as const) {
  for (const users of [1, MANY]) {
    const row = await cell(mode, users);
    rows.push(row);
    process.stderr.write(`${mode} ${users}: p50 ${row.p50.toFixed(1)} ms\n`);
  }
}
const lines = [
  `| delivery | subscribed users | messages | p50 ms | p95 ms | p99 ms | DM lookups spent on the messages |`,
  `|---|---:|---:|---:|---:|---:|---:|`,
  ...rows.map(
    (r) =>
      `| ${r.mode === 'poll' ? `polling (FRESHNESS_MS=${POLL_MS})` : r.mode} | ${r.users} | ${r.messages} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.lookups} |`,
  ),
];
const markdown = `${lines.join('\n')}\n`;
process.stdout.write(markdown);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/live-latest.md', import.meta.url), markdown);
process.stdout.write('Written to bench/results/live-latest.md\n');
