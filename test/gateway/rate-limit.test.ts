/**
 * X's rate limit, seen through the gateway: `extensions.rateLimit` on every answer that called X, 429 as RATE_LIMITED
 * with `resetAt`, and a token X reported spent failing fast without another call, while other tokens go on.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway();
const QUERY = '{ dmEvents(first: 1) { nodes { text } } }';

/** Runs `body` while the sandbox grants `limit` calls per `windowMs` window, then gives back its roomy budget. */
async function withBudget(
  sandbox: { setRateLimit(limit: number, windowMs: number): void },
  limit: number,
  windowMs: number,
  body: () => Promise<void>,
): Promise<void> {
  sandbox.setRateLimit(limit, windowMs);
  try {
    await body();
  } finally {
    sandbox.setRateLimit(100_000, 900_000);
  }
}

describe('rate limits', () => {
  it('every answer that called X carries the latest budget X reported', async () => {
    const first = await h.query(QUERY, undefined, h.sandbox.users[4]!.token);
    const second = await h.query(QUERY, undefined, h.sandbox.users[4]!.token);
    const a = first.extensions!.rateLimit as { limit: number; remaining: number; resetAt: string };
    const b = second.extensions!.rateLimit as typeof a;
    expect(b.limit).toBe(a.limit);
    expect(b.remaining).toBe(a.remaining - 1);
    expect(Number.isNaN(Date.parse(b.resetAt))).toBe(false);
  });

  it('an answer that did not call X has none', async () => {
    const answer = await h.query('{ dmConversation(conversationId: "1-2") { id } }');
    expect(h.calls()).toHaveLength(0);
    expect(answer.extensions?.rateLimit).toBeUndefined();
  });

  it("X's 429 is RATE_LIMITED with resetAt, and the token then fails fast while other tokens go on", async () => {
    const token = h.sandbox.users[5]!.token;
    h.sandbox.injectFaults({ type: 'status', status: 429 });
    const limited = await h.query(QUERY, undefined, token);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Date.parse(limited.errors![0]!.extensions!.resetAt as string)).toBeGreaterThan(Date.now() - 1000);
    expect(h.calls()).toHaveLength(1);

    const again = await h.query(QUERY, undefined, token);
    expect(again.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(h.calls()).toHaveLength(1);

    const other = await h.query(QUERY, undefined, h.sandbox.users[6]!.token);
    expect(other.errors).toBeUndefined();
    expect(h.calls()).toHaveLength(2);
  });

  it('a budget spent to 0 fails fast before X refuses', async () => {
    await withBudget(h.sandbox, 2, 60_000, async () => {
      const token = h.sandbox.users[7]!.token;
      expect((await h.query(QUERY, undefined, token)).errors).toBeUndefined();
      expect((await h.query(QUERY, undefined, token)).errors).toBeUndefined();
      const spent = await h.query(QUERY, undefined, token);
      expect(spent.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(h.calls()).toHaveLength(2);
      expect(h.calls().every((call) => call.status === 200)).toBe(true);
    });
  });
});

describe('waiting for a reset inside a short deadline', () => {
  const hurried = useGateway({ gateway: { rateLimitWaitMs: 5_000, operationTimeoutMs: 1_000 } });

  it("a reset past the operation's deadline is not waited for: the deadline's error comes at once", async () => {
    await withBudget(hurried.sandbox, 1, 3_000, async () => {
      const token = hurried.sandbox.users[7]!.token;
      await hurried.query(QUERY, undefined, token);
      const started = performance.now();
      const refused = await hurried.query(QUERY, undefined, token);
      expect(refused.errors?.[0]).toMatchObject({
        message: 'The operation did not finish within 1000 ms',
        extensions: { code: 'UPSTREAM_ERROR' },
      });
      expect(performance.now() - started).toBeLessThan(900);
      expect(hurried.calls()).toHaveLength(1);
    });
  });
});

describe('waiting for a reset', () => {
  const patient = useGateway({ gateway: { rateLimitWaitMs: 5_000 } });

  it('a spent budget that resets within rateLimitWaitMs is waited for, and the call then made', async () => {
    await withBudget(patient.sandbox, 1, 1_000, async () => {
      const token = patient.sandbox.users[8]!.token;
      expect((await patient.query(QUERY, undefined, token)).errors).toBeUndefined();
      const waited = await patient.query(QUERY, undefined, token);
      expect(waited.errors).toBeUndefined();
      expect(patient.calls().map((call) => call.status)).toEqual([200, 200]);
    });
  });

  it('a reset further away than rateLimitWaitMs is not waited for', async () => {
    await withBudget(patient.sandbox, 1, 60_000, async () => {
      const token = patient.sandbox.users[9]!.token;
      await patient.query(QUERY, undefined, token);
      const started = performance.now();
      const refused = await patient.query(QUERY, undefined, token);
      expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(patient.calls()).toHaveLength(1);
    });
  });

  it('a spent DM budget fails DM reads fast and nothing else: users/me and the lookups have budgets of their own', async () => {
    const token = h.sandbox.users[8]!.token;
    h.sandbox.injectFaults({ type: 'status', status: 429 });
    expect((await h.query(QUERY, undefined, token)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(h.calls()).toHaveLength(1);

    // Every DM lookup shares the spent budget: no call.
    const conversation = await h.query(
      `{ dmConversationWith(participantId: "${h.sandbox.users[0]!.id}") { events(first: 1) { nodes { text } } } }`,
      undefined,
      token,
    );
    expect(conversation.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(h.calls()).toHaveLength(1);

    const viewer = await h.query('{ viewer { username } }', undefined, token);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data).toEqual({ viewer: { username: h.sandbox.users[8]!.username } });
    const userNode = Buffer.from(`User:${h.sandbox.users[1]!.id}`).toString('base64');
    const lookup = await h.query(`{ node(id: "${userNode}") { ... on User { name } } }`, undefined, token);
    expect(lookup.errors).toBeUndefined();
    expect(h.calls().map((call) => call.path)).toEqual(['/2/dm_events', '/2/users/me', '/2/users']);
  });
});
