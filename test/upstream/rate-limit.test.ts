import { describe, expect, it } from 'vitest';
import { parseRateLimit, parseResetAt } from '../../src/upstream/rate-limit.js';

describe('parseRateLimit', () => {
  it('reads the three headers, the reset as Unix seconds', () => {
    expect(
      parseRateLimit({
        'x-rate-limit-limit': '300',
        'x-rate-limit-remaining': '299',
        'x-rate-limit-reset': '1700000000',
      }),
    ).toEqual({ limit: 300, remaining: 299, resetAt: new Date('2023-11-14T22:13:20.000Z') });
  });

  it('takes the first value of a repeated header', () => {
    expect(
      parseRateLimit({ 'x-rate-limit-limit': ['15', '16'], 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '0' }),
    ).toEqual({ limit: 15, remaining: 0, resetAt: new Date(0) });
  });

  it.each([
    ['a header is missing', { 'x-rate-limit-limit': '300', 'x-rate-limit-remaining': '299' }],
    ['a header is empty', { 'x-rate-limit-limit': '300', 'x-rate-limit-remaining': '', 'x-rate-limit-reset': '1' }],
    [
      'a header is not a number',
      { 'x-rate-limit-limit': 'lots', 'x-rate-limit-remaining': '1', 'x-rate-limit-reset': '1' },
    ],
    [
      'a header is negative',
      { 'x-rate-limit-limit': '300', 'x-rate-limit-remaining': '-1', 'x-rate-limit-reset': '1' },
    ],
  ])('is undefined when %s', (_, headers) => {
    expect(parseRateLimit(headers)).toBeUndefined();
  });

  it('reads a reset on its own, for a 429 without the other headers', () => {
    expect(parseResetAt({ 'x-rate-limit-reset': '1700000000' })).toEqual(new Date(1_700_000_000_000));
    expect(parseResetAt({})).toBeUndefined();
  });
});
