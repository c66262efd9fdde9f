import { inspect } from 'node:util';
import { expect } from 'vitest';

/**
 * Fails when `secret` shows anywhere in `value` as a log would print it: messages, stacks, causes, nested objects.
 */
export function expectNoSecret(value: unknown, secret: string): void {
  const printed = inspect(value, { depth: Infinity, showHidden: true });
  expect(printed.includes(secret), `found the token in ${printed.slice(0, 500)}`).toBe(false);
  if (value instanceof Error) expect(value.message).not.toContain(secret);
}
