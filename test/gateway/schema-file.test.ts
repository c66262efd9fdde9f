/** `schema/schema.graphql` is the printed, sorted schema the code builds; `npm run schema` rewrites it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, printedSchema } from '../../scripts/print-schema.js';

describe('schema/schema.graphql', () => {
  it('is what the code builds (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('has the root fields of the contract', () => {
    const schema = printedSchema();
    for (const field of [
      'dmEvents(',
      'dmEvent(eventId: ID!): DmEvent',
      'dmConversation(conversationId: ID!): DmConversation!',
      'dmConversationWith(participantId: ID!): DmConversation!',
      'node(id: ID!): Node',
      'nodes(ids: [ID!]!): [Node]!',
    ]) {
      expect(schema).toContain(field);
    }
  });
});
