/**
 * What a newcomer runs first works in both of X's dialects: every example operation (GraphiQL opens on the inbox),
 * and the README's queries, against a sandbox that speaks the same dialect strictly, with the memory on and off.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { useGateway } from '../support/harness.js';

const operationsDir = new URL('../../schema/operations/', import.meta.url);
const operations = readdirSync(operationsDir)
  .filter((name) => name.endsWith('.graphql'))
  .map((name) => ({ name, query: readFileSync(new URL(name, operationsDir), 'utf8') }));
/** The README's queries (its mutation and subscription name ids of the real X, and are run by their own tests). */
const readmeQueries = [
  ...readFileSync(new URL('../../README.md', import.meta.url), 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g),
]
  .map((match, index) => ({ name: `README example ${index + 1}`, query: match[1]! }))
  .filter(({ query }) => !/^\s*(mutation|subscription)\b/.test(query));
/** Operations that change or stream are not run here: test/writes and test/live run them. */
const runnable = (query: string) => !/^\s*(mutation|subscription)\b/m.test(query.replace(/^#.*$/gm, ''));

/** Variables that make each example run against the sandbox's demo data. */
function variablesFor(query: string, sandbox: Sandbox): Record<string, unknown> {
  const me = sandbox.users[0]!.id;
  const variables: Record<string, unknown> = {};
  if (query.includes('$conversationId')) {
    variables.conversationId = sandbox.data.conversations.find((c) => c.participantIds.includes(me))!.id;
  }
  if (query.includes('$eventId')) variables.eventId = sandbox.visibleEvents(me)[0]!.id;
  if (query.includes('$first: Int!')) variables.first = 5;
  return variables;
}

describe.each([
  ['posts', 'memory'],
  ['tweets', 'memory'],
  ['posts', 'off'],
  ['tweets', 'off'],
] as const)('the examples, %s dialect, store %s', (dialect, store) => {
  const h = useGateway({ sandbox: { dialect }, gateway: { dialect, store } });

  expect(operations.length).toBeGreaterThanOrEqual(4);
  expect(readmeQueries.length).toBeGreaterThanOrEqual(2);

  for (const { name, query } of [...operations, ...readmeQueries].filter(({ query }) => runnable(query))) {
    it(`${name} answers with data and no error`, async () => {
      const answer = await h.query(query, variablesFor(query, h.sandbox));
      // The one referenced post the sandbox no longer has is reported where it is read; nothing else may fail.
      expect(answer.errors?.filter((error) => error.extensions?.code !== 'NOT_FOUND') ?? []).toEqual([]);
      expect(answer.data).toBeTruthy();
      expect(JSON.stringify(answer.data)).not.toBe('{}');
    });
  }
});
