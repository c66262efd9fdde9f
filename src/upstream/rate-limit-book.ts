/**
 * What the gateway knows of each token's X rate-limit budget, from the latest `x-rate-limit-*` headers X sent for it.
 *
 * Keyed by a hash of the token, never the token itself. A token whose budget X reported spent fails fast as
 * RATE_LIMITED until its window resets, without spending a call that X would refuse anyway.
 */
import { createHash } from 'node:crypto';
import { RateLimitedError } from '../errors.js';
import type { RateLimit } from './rate-limit.js';

/** @default 100_000 tokens remembered; the oldest are forgotten first. */
const DEFAULT_CAPACITY = 100_000;

export class RateLimitBook {
  private readonly budgets = new Map<string, RateLimit>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The key a token's budget is kept under. */
  static keyOf(authorization: string): string {
    return createHash('sha256').update(authorization).digest('base64url');
  }

  /** The latest budget X reported for `key`, if its window has not ended. */
  get(key: string, now = Date.now()): RateLimit | undefined {
    const budget = this.budgets.get(key);
    if (budget && budget.resetAt.getTime() <= now) {
      this.budgets.delete(key);
      return undefined;
    }
    return budget;
  }

  record(key: string, rateLimit: RateLimit): void {
    this.budgets.delete(key);
    this.budgets.set(key, rateLimit);
    if (this.budgets.size > this.capacity) this.budgets.delete(this.budgets.keys().next().value!);
  }

  /** Throws RATE_LIMITED when X said this token's budget is spent until a reset still to come. */
  assertBudget(key: string, now = Date.now()): void {
    const budget = this.get(key, now);
    if (budget && budget.remaining <= 0) {
      throw new RateLimitedError(`X's rate limit for this token is spent until ${budget.resetAt.toISOString()}.`, {
        resetAt: budget.resetAt,
      });
    }
  }
}
