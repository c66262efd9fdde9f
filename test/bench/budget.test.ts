/**
 * The budget benchmark (`npm run bench:budget`): X's billing rule on a small replay against the sandbox (a resource
 * returned twice the same UTC day is billed once, again the next day, billed again; X's DM lookup limit counted), then
 * both replays run in full on a fake clock (a few seconds), billed from the sandbox's log.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DM_LOOKUP_LIMIT, XAccount } from '../../bench/budget/billing.js';
import { type SessionsResult, runSessions } from '../../bench/budget/session.js';
import { type WeekResult, DAYS, runWeek } from '../../bench/budget/week.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';

const DAY_ONE = Date.parse('2026-12-01T10:00:00Z');
const MIDNIGHT = Date.parse('2026-12-02T00:00:00Z');

describe("X's bill, from what the sandbox answered", () => {
  let sandbox: Sandbox | undefined;
  let clock = DAY_ONE;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  /** A sandbox on the fake clock, and a GET as its main user that returns the answer's body; logged, then billed. */
  async function open() {
    clock = DAY_ONE;
    sandbox = createSandbox({
      seed: 42,
      now: new Date(DAY_ONE),
      clock: () => clock,
      logAnswers: true,
      rateLimit: { limit: 100_000, windowMs: 900_000 },
    });
    const url = await sandbox.listen(0, '127.0.0.1');
    const account = new XAccount();
    const get = async (path: string, query: Record<string, string> = {}) => {
      sandbox!.clearRequests();
      const target = new URL(path, url);
      for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
      const response = await fetch(target, { headers: { authorization: `Bearer ${sandbox!.users[0]!.token}` } });
      const body = (await response.json()) as { data?: { id: string; sender_id?: string }[] };
      return { body, bill: account.bill(sandbox!.requests) };
    };
    return { account, get };
  }

  const page = (size: number) => ({ max_results: String(size), expansions: 'sender_id', 'user.fields': 'username' });
  const senders = (body: { data?: { sender_id?: string }[] }) =>
    new Set(body.data!.map((event) => event.sender_id)).size;

  it('bills a DM event and a user once per UTC day, however often they are returned that day', async () => {
    const { account, get } = await open();
    const first = await get('/2/dm_events', page(5));
    expect(first.bill).toMatchObject({ calls: 1, dmLookups: 1, dmEvents: 5, users: senders(first.body), posts: 0 });
    expect(first.bill.dollars).toBeCloseTo(5 * 0.01 + senders(first.body) * 0.01, 6);

    clock += 5 * 60_000;
    const again = await get('/2/dm_events', page(5));
    expect(again.bill).toMatchObject({ calls: 1, dmEvents: 0, users: 0, dollars: 0, returned: { dmEvents: 5 } });

    // Ten events just before midnight: only the five not yet returned today are billed.
    clock = MIDNIGHT - 1_000;
    const deeper = await get('/2/dm_events', page(10));
    expect(deeper.bill).toMatchObject({ dmEvents: 5, returned: { dmEvents: 10 } });

    // A new UTC day: the same five events and their senders are billed again.
    clock = MIDNIGHT;
    const nextDay = await get('/2/dm_events', page(5));
    expect(nextDay.body.data!.map((event) => event.id)).toEqual(first.body.data!.map((event) => event.id));
    expect(nextDay.bill).toMatchObject({ dmEvents: 5, users: senders(first.body) });

    expect(account.total).toMatchObject({ calls: 4, dmLookups: 4, dmEvents: 15, returned: { dmEvents: 25 } });
  });

  it('bills users from /2/users/me and the users lookup, and posts from the posts lookup, once a day each', async () => {
    const { get } = await open();
    const me = await get('/2/users/me');
    expect(me.bill).toMatchObject({ users: 1, dmLookups: 0 });
    const tweets = sandbox!.data.tweets.slice(0, 2).map((tweet) => tweet.id!);
    const lookup = await get('/2/tweets', { ids: tweets.join(',') });
    expect(lookup.bill).toMatchObject({ posts: 2, returned: { posts: 2 } });
    const one = await get(`/2/tweets/${tweets[0]}`);
    expect(one.bill).toMatchObject({ posts: 0, dollars: 0, returned: { posts: 1 } });
    const users = await get('/2/users', { ids: [sandbox!.users[0]!.id, sandbox!.users[1]!.id].join(',') });
    expect(users.bill).toMatchObject({ users: 1, returned: { users: 2 } });
    expect(users.bill.dollars).toBeCloseTo(0.01, 6);
  });

  it("counts the DM lookups X's 15 per 15 minutes would refuse, and bills nothing for a refused request", async () => {
    const { get } = await open();
    let over = 0;
    for (let i = 0; i <= DM_LOOKUP_LIMIT.limit; i++) over += (await get('/2/dm_events', page(1))).bill.overLimit;
    expect(over).toBe(1);
    clock += DM_LOOKUP_LIMIT.windowMs;
    expect((await get('/2/dm_events', page(1))).bill.overLimit).toBe(0);
    const bad = await get('/2/dm_events', { max_results: '0' });
    expect(bad.bill).toMatchObject({ calls: 1, dmLookups: 1, dmEvents: 0, users: 0, dollars: 0 });
  });
});

describe('the two replays', () => {
  let sessions: SessionsResult;
  let week: WeekResult;
  beforeAll(async () => {
    sessions = await runSessions();
    week = await runWeek();
  });

  it("answers every step of both replays with X's truth at that moment", () => {
    const steps = [...sessions.cold.steps, ...sessions.warm.steps, ...week.days.flatMap((day) => day.steps)];
    for (const step of steps) {
      for (const check of step.checks)
        expect(check, `step ${step.n} at ${new Date(step.at).toISOString()}`).toMatchObject({ ok: true });
    }
    expect([sessions.cold.truthOk, sessions.warm.truthOk, week.truthOk]).toEqual([true, true, true]);
  });

  it("runs the session: the naive client's screens one call each, over X's DM limit; the gateway's within it", () => {
    for (const session of [sessions.cold, sessions.warm]) {
      for (const step of session.steps)
        expect(step.checks.length, `step ${step.n} checks something`).toBeGreaterThan(0);
      // /2/users/me; inbox, open, 2 scrolls, 3 refetches, 2 events, inbox, open, 5 polls, reopen
      expect(session.naive).toMatchObject({ calls: 18, dmLookups: 17 });
      expect(session.naive.overLimit).toBeGreaterThan(0);
      expect(session.gateway.overLimit).toBe(0);
      expect(session.gateway.dmLookups).toBeLessThan(session.naive.dmLookups);
    }
    // The warm session is the same UTC day: only what was not returned before is billed.
    expect(sessions.warm.naive.dmEvents).toBeLessThan(sessions.warm.naive.returned.dmEvents);
  });

  it('runs the week: every morning the naive client is billed again, and the memory keeps the bill below it', () => {
    expect(week.days).toHaveLength(DAYS);
    expect(new Set(week.days.map((day) => day.day)).size).toBe(DAYS);
    for (const [i, day] of week.days.entries()) {
      for (const step of day.steps)
        expect(step.checks.length, `${day.day} step ${step.n} checks something`).toBeGreaterThan(0);
      // /2/users/me, the inbox of 100 events, the conversation: each day anew, and X bills the inbox's events anew.
      expect(day.naive).toMatchObject({ calls: 3, dmLookups: 2 });
      expect(day.naive.dmEvents).toBeGreaterThanOrEqual(100);
      // From the second morning on the memory reads X's news, not the inbox again.
      if (i > 0) expect(day.gateway.dmEvents, day.day).toBeLessThan(day.naive.dmEvents);
    }
    expect(week.gateway.dollars).toBeLessThan(week.naive.dollars);
  });
});
