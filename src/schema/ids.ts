/**
 * Checks of X ids in arguments, before any call: X's own patterns, and a clear BAD_USER_INPUT naming the argument.
 */
import { BadUserInputError } from '../errors.js';

/** `value` when it matches `pattern`; otherwise BAD_USER_INPUT saying what `argument` must be. */
export function checkId(value: string, pattern: RegExp, argument: string, what: string): string {
  if (!pattern.test(value)) {
    throw new BadUserInputError(`\`${argument}\` must be ${what}; it was ${JSON.stringify(value.slice(0, 64))}.`, {
      argument,
    });
  }
  return value;
}
