/**
 * An operation's deadline: the time its calls to X, their retries and the waits between them must all end by.
 */
import { performance } from 'node:perf_hooks';
import { UpstreamError } from '../errors.js';

/** When an operation's time is up (`performance.now()` clock), and how long it was given. */
export interface Deadline {
  readonly at: number;
  readonly ms: number;
}

/** The error of an operation that ran out of time. */
export function deadlineError(deadline: Deadline): UpstreamError {
  return new UpstreamError(`The operation did not finish within ${deadline.ms} ms`);
}

/**
 * The milliseconds left before `deadline` (none: no limit), once `waitMs` more have passed; throws the deadline's
 * error when none would be left, so that neither a call nor a wait is begun that could only end in it.
 */
export function timeLeft(deadline: Deadline | undefined, waitMs = 0): number {
  if (!deadline) return Number.POSITIVE_INFINITY;
  const left = deadline.at - performance.now() - waitMs;
  if (left <= 0) throw deadlineError(deadline);
  return left;
}
