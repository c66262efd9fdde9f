/**
 * Per-token rate limits, one fixed window per token and endpoint family, as X keeps them: the four DM lookups share
 * one budget, `GET /2/users/me`, the users lookup and the posts lookup each have their own (`familyOf` in
 * `src/x/families.ts`), so a spent DM budget stops DM reads and nothing else. A window starts at the first request of
 * that token in that family.
 */
import type { EndpointFamily } from '../x/families.js';
import type { RateLimit } from './types.js';

export interface RateLimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the window ends (`x-rate-limit-reset`). */
  reset: number;
}

interface Bucket {
  start: number;
  used: number;
}

export class RateLimiter {
  /** Per family, then per token. */
  private readonly buckets = new Map<EndpointFamily, Map<string, Bucket>>();
  /** Budgets set for single families; the others follow `budget`. */
  private readonly overrides = new Map<EndpointFamily, RateLimit>();

  constructor(
    private budget: RateLimit,
    overrides: Partial<Record<EndpointFamily, RateLimit>> = {},
    private readonly clock: () => number = Date.now,
  ) {
    for (const [family, budget] of Object.entries(overrides)) this.overrides.set(family as EndpointFamily, budget);
  }

  /** The budget of `family`, or of every family (forgetting the single ones) when none is given. */
  configure(budget: RateLimit, family?: EndpointFamily): void {
    if (family) this.overrides.set(family, budget);
    else {
      this.budget = budget;
      this.overrides.clear();
    }
    this.reset(family);
  }

  reset(family?: EndpointFamily): void {
    if (family) this.buckets.delete(family);
    else this.buckets.clear();
  }

  private budgetOf(family: EndpointFamily): RateLimit {
    return this.overrides.get(family) ?? this.budget;
  }

  /** Spends one request of `token`'s budget in `family`, if any is left. A refused request costs nothing. */
  take(token: string, family: EndpointFamily): RateLimitState {
    const { limit, windowMs } = this.budgetOf(family);
    const now = this.clock();
    let tokens = this.buckets.get(family);
    if (!tokens) this.buckets.set(family, (tokens = new Map<string, Bucket>()));
    let bucket = tokens.get(token);
    if (!bucket || now >= bucket.start + windowMs) {
      bucket = { start: now, used: 0 };
      tokens.set(token, bucket);
    }
    const reset = Math.ceil((bucket.start + windowMs) / 1000);
    if (bucket.used >= limit) return { allowed: false, limit, remaining: 0, reset };
    bucket.used++;
    return { allowed: true, limit, remaining: limit - bucket.used, reset };
  }

  /** What an injected 429 reports: this token's window in `family` if it has one, else a fresh one, nothing left. */
  exhausted(token: string | undefined, family: EndpointFamily): RateLimitState {
    const { limit, windowMs } = this.budgetOf(family);
    const bucket = token === undefined ? undefined : this.buckets.get(family)?.get(token);
    const now = this.clock();
    const start = bucket && now < bucket.start + windowMs ? bucket.start : now;
    return { allowed: false, limit, remaining: 0, reset: Math.ceil((start + windowMs) / 1000) };
  }
}
