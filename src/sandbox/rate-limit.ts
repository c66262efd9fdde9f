/**
 * Per-token rate limits: one fixed window per token, shared by every endpoint, as the seeds describe (300 requests
 * per 15 minutes per user). The window starts at a token's first request.
 */
export interface RateLimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the window ends (`x-rate-limit-reset`). */
  reset: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { start: number; used: number }>();

  constructor(
    private limit: number,
    private windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  configure(limit: number, windowMs: number): void {
    this.limit = limit;
    this.windowMs = windowMs;
    this.buckets.clear();
  }

  reset(): void {
    this.buckets.clear();
  }

  /** Spends one request of `token`'s budget, if any is left. A refused request costs nothing. */
  take(token: string): RateLimitState {
    const now = this.clock();
    let bucket = this.buckets.get(token);
    if (!bucket || now >= bucket.start + this.windowMs) {
      bucket = { start: now, used: 0 };
      this.buckets.set(token, bucket);
    }
    const reset = Math.ceil((bucket.start + this.windowMs) / 1000);
    if (bucket.used >= this.limit) return { allowed: false, limit: this.limit, remaining: 0, reset };
    bucket.used++;
    return { allowed: true, limit: this.limit, remaining: this.limit - bucket.used, reset };
  }

  /** What an injected 429 reports: this token's window if it has one, else a fresh one, with nothing left. */
  exhausted(token: string | undefined): RateLimitState {
    const bucket = token === undefined ? undefined : this.buckets.get(token);
    const now = this.clock();
    const start = bucket && now < bucket.start + this.windowMs ? bucket.start : now;
    return { allowed: false, limit: this.limit, remaining: 0, reset: Math.ceil((start + this.windowMs) / 1000) };
  }
}
