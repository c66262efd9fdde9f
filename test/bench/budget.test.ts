/**
 * The budget benchmark (`npm run bench:budget`), run in full (a fake clock: a few seconds): one DM app session through
 * the gateway and as a naive client, against a sandbox on 127.0.0.1. Every gateway answer must equal X's truth at
 * its moment, the counts must agree with the sandbox's own request log, and the gateway must stay within its targets:
 * at most 40% of the naive client's DM calls and 30% of its billed events, on a gateway that has never seen the user.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { budgetMarkdown } from '../../bench/budget/report.js';
import { type BudgetResult, TARGETS, runBudget } from '../../bench/budget/session.js';

let result: BudgetResult;

describe('budget benchmark', () => {
  beforeAll(async () => {
    result = await runBudget();
  });

  it("answers every step of the session with X's truth at that moment, cold and warm", () => {
    for (const session of [result.cold, result.warm]) {
      for (const step of session.steps) {
        expect(step.checks.length, `step ${step.n} checks something`).toBeGreaterThan(0);
        for (const check of step.checks) expect(check, `${session.label}, step ${step.n}`).toMatchObject({ ok: true });
      }
      expect(session.truthOk).toBe(true);
    }
  });

  it("counts what the sandbox logged, and replays the naive client's screens one call each", () => {
    for (const session of [result.cold, result.warm]) {
      for (const step of session.steps) {
        expect(step.gateway.dmCalls, `${session.label}, step ${step.n}`).toBe(step.logged.gateway);
        expect(step.naive.dmCalls, `${session.label}, step ${step.n}`).toBe(step.logged.naive);
      }
      // inbox, open, 2 scrolls, 3 refetches, 2 events, inbox, open, 5 polls, reopen
      expect(session.naive.dmCalls).toBe(17);
      expect(session.naive.otherCalls).toBe(0);
    }
  });

  it(`makes at most ${TARGETS.calls * 100}% of the naive client's DM calls`, () => {
    expect(result.cold.ratios.calls, budgetMarkdown(result)).toBeLessThanOrEqual(TARGETS.calls);
  });

  it(`reads at most ${TARGETS.events * 100}% of the naive client's billed events`, () => {
    expect(result.cold.ratios.events, budgetMarkdown(result)).toBeLessThanOrEqual(TARGETS.events);
  });
});
