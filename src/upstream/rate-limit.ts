/**
 * X's rate-limit headers, read into one typed value.
 *
 * X sends `x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (Unix seconds) on every answer.
 * The numbers differ by plan and change over time, so they are always read, never assumed.
 * @see https://docs.x.com/x-api/fundamentals/rate-limits
 */
import { firstHeader, type ResponseHeaders } from './headers.js';

/** One rate-limit bucket as X last described it. */
export interface RateLimit {
  /** Requests the window allows. */
  limit: number;
  /** Requests left in the current window. */
  remaining: number;
  /** When the window starts over. */
  resetAt: Date;
}

/**
 * Reads X's rate-limit headers.
 *
 * @returns the bucket, or `undefined` unless all three headers are present and hold non-negative numbers
 */
export function parseRateLimit(headers: ResponseHeaders): RateLimit | undefined {
  const limit = readNumber(firstHeader(headers, 'x-rate-limit-limit'));
  const remaining = readNumber(firstHeader(headers, 'x-rate-limit-remaining'));
  const resetAt = parseResetAt(headers);
  if (limit === undefined || remaining === undefined || resetAt === undefined) return undefined;
  return { limit, remaining, resetAt };
}

/**
 * When the current window starts over, from `x-rate-limit-reset` (Unix seconds).
 *
 * Kept apart from `parseRateLimit` because a 429 is worth a `resetAt` even when X leaves out the other two headers.
 */
export function parseResetAt(headers: ResponseHeaders): Date | undefined {
  const reset = readNumber(firstHeader(headers, 'x-rate-limit-reset'));
  if (reset === undefined) return undefined;
  const date = new Date(reset * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function readNumber(value: string | undefined): number | undefined {
  const text = value?.trim();
  // `Number('')` is 0, and an empty header must not read as "no requests left".
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}
