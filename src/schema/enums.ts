/**
 * X's enum strings as GraphQL enums: `animated_gif` -> `ANIMATED_GIF`, `MessageCreate` -> `MESSAGE_CREATE`,
 * `PremiumPlus` -> `PREMIUM_PLUS`. The enum's internal values are X's own strings, so resolvers pass them through.
 */
import { builder } from './builder.js';

/** `animated_gif`, `MessageCreate`, `mentionedUsers` -> `ANIMATED_GIF`, `MESSAGE_CREATE`, `MENTIONED_USERS`. */
export function screamingSnake(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** A GraphQL enum whose values stand for X's strings `xValues`. */
export function xEnum<const T extends string>(name: string, xValues: readonly T[], description?: string) {
  return builder.enumType(name, {
    ...(description && { description }),
    values: Object.fromEntries(xValues.map((value) => [screamingSnake(value), { value }])),
  });
}
