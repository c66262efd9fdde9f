import { GraphQLObjectType, GraphQLSchema, GraphQLString, defaultFieldResolver, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { EMPTY_PLAN, Planned } from '../../src/planner/plan.js';
import { schema } from '../../src/schema/index.js';
import { fromX, withXFieldGetters } from '../../src/schema/x-fields.js';

function type(name: string): GraphQLObjectType {
  const found = schema.getType(name);
  if (!isObjectType(found)) throw new Error(`${name} is not an object type`);
  return found;
}

describe('fields that are one X field as it comes', () => {
  it('have no resolver: their source reads them through a getter of the field name', () => {
    expect(type('DmEvent').getFields().createdAt!.resolve).toBeUndefined();
    expect(type('User').getFields().profileImageUrl!.resolve).toBeUndefined();
    // The planner still knows which X field each reads.
    expect(type('DmEvent').getFields().createdAt!.extensions).toMatchObject({ x: { fields: ['created_at'] } });
    const event = new Planned({ id: '1', created_at: '2025-06-01T10:00:00.000Z', text: 'hi' }, EMPTY_PLAN);
    expect(defaultFieldResolver(event, {}, {}, { fieldName: 'createdAt' } as never)).toBe('2025-06-01T10:00:00.000Z');
    expect((event as unknown as Record<string, unknown>).text).toBe('hi');
  });

  it('keep their resolver where another type reads the same name from another X field', () => {
    const onEvent = type('DmEvent').getFields().conversationId!;
    const onTweet = type('Tweet').getFields().conversationId!;
    // One of them has the getter, the other still resolves from its own X field.
    expect([onEvent.resolve, onTweet.resolve].filter((resolve) => resolve === undefined)).toHaveLength(1);
    const tweet = new Planned({ id: '2', conversation_id: '77' }, EMPTY_PLAN);
    const event = new Planned({ id: '3', dm_conversation_id: '5-6' }, EMPTY_PLAN);
    const read = (field: typeof onEvent, source: object) =>
      (field.resolve ?? defaultFieldResolver)(source, {}, {}, { fieldName: field.name } as never);
    expect(read(onTweet, tweet)).toBe('77');
    expect(read(onEvent, event)).toBe('5-6');
  });

  it('never shadow what Planned has: a field named like a member of the class keeps its resolver', () => {
    const query = new GraphQLObjectType({
      name: 'Query',
      fields: {
        plan: { type: GraphQLString, resolve: fromX('plan') as never },
        toString: { type: GraphQLString, resolve: fromX('to_string') as never },
      },
    });
    const built = withXFieldGetters(new GraphQLSchema({ query }));
    const fields = (built.getQueryType() as GraphQLObjectType).getFields();
    expect(fields.plan!.resolve).toBeDefined();
    expect(fields['toString']!.resolve).toBeDefined();
  });

  it('value objects X sends as they are, exposed under their own names, have no resolver either', () => {
    expect(type('UrlEntity').getFields().images!.resolve).toBeUndefined();
    expect(type('UserWithheld').getFields().scope!.resolve).toBeUndefined();
    expect(type('GeoPoint').getFields().coordinates!.resolve).toBeUndefined();
  });
});
