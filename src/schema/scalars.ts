/**
 * `DateTime`: an RFC 3339 UTC string, whatever form X used (RFC 3339, or the legacy `Wed Jan 06 18:40:40 +0000 2021`).
 */
import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

const RFC3339_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;

/** `2021-01-06T18:40:40Z`: RFC 3339 in UTC, with fractional seconds only when there are some. */
export function toRfc3339(value: string | Date): string {
  // X's usual form needs no parsing: a string that is already RFC 3339 in UTC only loses empty milliseconds.
  if (typeof value === 'string' && RFC3339_UTC.test(value)) {
    return value.endsWith('.000Z') ? `${value.slice(0, -5)}Z` : value;
  }
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) {
    throw new TypeError(`Not a date X sends: ${JSON.stringify(value)}`);
  }
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

builder.scalarType('DateTime', {
  description: 'A point in time as an RFC 3339 string in UTC, e.g. `2023-11-07T05:31:56Z`.',
  serialize: (value) => toRfc3339(value),
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      throw new GraphQLError('DateTime must be an RFC 3339 string.', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return new Date(value);
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) {
      throw new GraphQLError('DateTime must be an RFC 3339 string.', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return new Date(ast.value);
  },
});
