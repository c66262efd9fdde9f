/**
 * What the gateway knows of each token's X rate-limit budgets, one per family of endpoints (`x/families.ts`), from
 * the latest `x-rate-limit-*` headers X sent for it.
 *
 * Keyed by a hash of the token, never the token itself. A token whose budget for a family X reported spent fails fast
 * as RATE_LIMITED on that family until its window resets, without spending a call that X would refuse anyway; its
 * other families go on.
 */
import { createHash } from 'node:crypto';
import { RateLimitedError } from '../errors.js';
import type { EndpointFamily } from '../x/families.js';
import type { RateLimit } from './rate-limit.js';

const FAMILY_NAMES: Record<EndpointFamily, string> = {
  'dm-read': 'DM lookups',
  'dm-write': 'DM sends',
  'dm-delete': 'DM deletes',
  'users-me': 'own user lookups',
  users: 'user lookups',
  posts: 'post lookups',
};

/** @default 100_000 budgets remembered; the oldest are forgotten first. */
const DEFAULT_CAPACITY = 100_000;

export class RateLimitBook {
  private readonly budgets = new Map<string, RateLimit>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The key a token's budgets are kept under. */
  static keyOf(authorization: string): string {
    return createHash('sha256').update(authorization).digest('base64url');
  }

  /** The latest budget X reported for the token `key` and `family`, if its window has not ended. */
  get(key: string, family: EndpointFamily, now = Date.now()): RateLimit | undefined {
    const slot = `${family} ${key}`;
    const budget = this.budgets.get(slot);
    if (budget && budget.resetAt.getTime() <= now) {
      this.budgets.delete(slot);
      return undefined;
    }
    return budget;
  }

  record(key: string, family: EndpointFamily, rateLimit: RateLimit): void {
    const slot = `${family} ${key}`;
    this.budgets.delete(slot);
    this.budgets.set(slot, rateLimit);
    if (this.budgets.size > this.capacity) this.budgets.delete(this.budgets.keys().next().value!);
  }

  /** Throws RATE_LIMITED when X said this token's budget for `family` is spent until a reset still to come. */
  assertBudget(key: string, family: EndpointFamily, now = Date.now()): void {
    const budget = this.get(key, family, now);
    if (budget && budget.remaining <= 0) {
      throw new RateLimitedError(
        `X's rate limit for this token's ${FAMILY_NAMES[family]} is spent until ${budget.resetAt.toISOString()}.`,
        { resetAt: budget.resetAt },
      );
    }
  }
}
