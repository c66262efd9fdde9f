/**
 * What the gateway knows of each token's X rate-limit budgets, one per family of endpoints (`x/families.ts`), from
 * the latest `x-rate-limit-*` headers X sent for it.
 *
 * Keyed by a hash of the token, never the token itself. A token whose budget for a family X reported spent fails fast
 * as RATE_LIMITED on that family until its window resets, without spending a call that X would refuse anyway; its
 * other families go on.
 *
 * Replicas share what they learn through an optional shared book (the shared store's `BudgetStore`):
 * a budget X reported spent is written there too (fire-and-forget: a request never waits for it nor fails by it), and
 * `check` asks it about a token and family this process knows nothing of, so that a token X refused on one replica
 * fails fast on the others without spending a call X would refuse. Only spent budgets are shared: they are the only
 * ones another replica acts on, and every other answer of X is spared a write. The shared book is asked with a short
 * timeout; when it is slow or fails, the budget counts as unknown and the call goes on.
 */
import { hash } from 'node:crypto';
import { RateLimitedError } from '../errors.js';
import type { BudgetStore } from '../store/store.js';
import type { EndpointFamily } from '../x/families.js';
import type { RateLimit } from './rate-limit.js';
import { BoundedMemo } from '../memo.js';

/**
 * Token hashes by token, in this process only: a caller sends the same token request after request, and hashing it
 * each time was a measurable part of an answer from memory.
 */
const tokenHashes = new BoundedMemo<string, string>(1_000);

const FAMILY_NAMES: Record<EndpointFamily, string> = {
  'dm-read': 'DM lookups',
  'dm-write': 'DM sends',
  'dm-delete': 'DM deletes',
  'dm-media': 'DM media downloads',
  'users-me': 'own user lookups',
  users: 'user lookups',
  posts: 'post lookups',
};

/** @default the budgets of 100_000 tokens remembered; those of the token heard of longest ago are forgotten first. */
const DEFAULT_CAPACITY = 100_000;

export interface RateLimitBookOptions {
  /** The longest `check` waits for the shared book before the budget counts as unknown. @default 150 */
  sharedTimeoutMs?: number;
  /** Told of what the shared book failed to do (the request goes on regardless). */
  onSharedError?: (error: Error) => void;
}

export class RateLimitBook {
  /** By token key, then family: no key of the two joined is made on every call. */
  private readonly budgets = new Map<string, Map<EndpointFamily, RateLimit>>();
  /** Lookups of the shared book in flight, one per slot, however many calls ask at once. */
  private readonly lookups = new Map<string, Promise<RateLimit | undefined>>();
  private readonly sharedTimeoutMs: number;
  private readonly onSharedError: (error: Error) => void;

  constructor(
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly shared?: BudgetStore,
    options: RateLimitBookOptions = {},
  ) {
    this.sharedTimeoutMs = options.sharedTimeoutMs ?? 150;
    this.onSharedError = options.onSharedError ?? (() => {});
  }

  /** The key a token's budgets are kept under (a one-shot hash: every request asks, and a `Hash` object costs more). */
  static keyOf(authorization: string): string {
    return tokenHashes.get(authorization, (token) => hash('sha256', token, 'base64url'));
  }

  /** The latest budget X reported for the token `key` and `family`, if its window has not ended. */
  get(key: string, family: EndpointFamily, now = Date.now()): RateLimit | undefined {
    const ofToken = this.budgets.get(key);
    const budget = ofToken?.get(family);
    if (budget && budget.resetAt.getTime() <= now) {
      ofToken!.delete(family);
      if (ofToken!.size === 0) this.budgets.delete(key);
      return undefined;
    }
    return budget;
  }

  /** Keeps the budget X reported; a spent one is shared with the other replicas too, without waiting. */
  record(key: string, family: EndpointFamily, rateLimit: RateLimit): void {
    this.keep(key, family, rateLimit);
    if (rateLimit.remaining <= 0) this.share(key, family, rateLimit);
  }

  /** Throws RATE_LIMITED when X said this token's budget for `family` is spent until a reset still to come. */
  private assertBudget(key: string, family: EndpointFamily, now = Date.now()): void {
    const budget = this.get(key, family, now);
    if (budget && budget.remaining <= 0) {
      throw new RateLimitedError(
        `X's rate limit for this token's ${FAMILY_NAMES[family]} is spent until ${budget.resetAt.toISOString()}.`,
        { resetAt: budget.resetAt },
      );
    }
  }

  /**
   * Throws RATE_LIMITED when the token's budget for `family` is spent until a reset still to come: as X told this
   * process, or, when this process knows nothing of that budget, as another replica learned (a budget spent there fails
   * here too, and is remembered here until its reset). Never rejects for the shared book's sake: slow or failing, it
   * counts as knowing nothing.
   */
  async check(key: string, family: EndpointFamily, now?: number): Promise<void> {
    if (this.shared && !this.get(key, family, now ?? Date.now())) {
      const budget = await this.lookUp(key, family);
      // An answer of X that arrived meanwhile is newer than what the other replica said.
      if (budget && budget.remaining <= 0 && !this.budgets.get(key)?.has(family)) this.keep(key, family, budget);
    }
    this.assertBudget(key, family, now ?? Date.now());
  }

  private keep(key: string, family: EndpointFamily, rateLimit: RateLimit): void {
    let ofToken = this.budgets.get(key);
    if (ofToken) this.budgets.delete(key);
    else ofToken = new Map();
    ofToken.set(family, rateLimit);
    this.budgets.set(key, ofToken);
    if (this.budgets.size > this.capacity) this.budgets.delete(this.budgets.keys().next().value!);
  }

  /** Writes a budget to the shared book, expiring at X's reset; failures are reported, never thrown. */
  private share(key: string, family: EndpointFamily, { limit, remaining, resetAt }: RateLimit): void {
    if (!this.shared) return;
    const ttlMs = resetAt.getTime() - Date.now();
    if (!(ttlMs > 0)) return;
    try {
      this.shared
        .setBudget(key, family, { limit, remaining, resetAt: resetAt.getTime() }, ttlMs)
        .catch((error: unknown) => this.report(error));
    } catch (error) {
      this.report(error);
    }
  }

  /** The shared book's budget for the slot, one lookup at a time per slot. */
  private lookUp(key: string, family: EndpointFamily): Promise<RateLimit | undefined> {
    const slot = `${family} ${key}`;
    let pending = this.lookups.get(slot);
    if (!pending) {
      pending = this.readShared(key, family).finally(() => this.lookups.delete(slot));
      this.lookups.set(slot, pending);
    }
    return pending;
  }

  /** Resolves undefined when the shared book knows nothing, fails, or takes longer than `sharedTimeoutMs`. */
  private async readShared(key: string, family: EndpointFamily): Promise<RateLimit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.sharedTimeoutMs);
        timer.unref?.();
      });
      const stored = await Promise.race([this.shared!.budget(key, family), timeout]);
      if (!stored) return undefined;
      const { limit, remaining, resetAt } = stored;
      if (![limit, remaining, resetAt].every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
      return { limit, remaining, resetAt: new Date(resetAt) };
    } catch (error) {
      this.report(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private report(error: unknown): void {
    try {
      this.onSharedError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // The listener's failure is its own.
    }
  }
}
