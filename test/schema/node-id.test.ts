import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { type GraphQLResolveInfo, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/context.js';
import { schema } from '../../src/schema/index.js';

const info = {} as GraphQLResolveInfo;
const context = {} as GatewayContext;

describe('Node ids', () => {
  it.each([
    ['DmEvent', { x: { id: '1582838650000000000' }, plan: {} }, '1582838650000000000'],
    ['User', { x: { id: '2244994945' }, plan: {} }, '2244994945'],
    ['Tweet', { x: { id: '1460323737035677698' }, plan: {} }, '1460323737035677698'],
    ['DmConversation', { conversationId: '1582838650000000000' }, 'c_1582838650000000000'],
    ['DmConversation', { participantId: '2244994945' }, 'w_2244994945'],
  ])("%s's id is the relay global id, returned as a string, not a promise", (typeName, source, localId) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
    const id = type.getFields().id!.resolve!(source, {}, context, info);
    expect(id).toBe(encodeGlobalID(typeName, localId));
    expect(decodeGlobalID(id as string)).toEqual({ typename: typeName, id: localId });
  });

  it("remembers ids per type: the same local id under two types is each type's own, asked again or not", () => {
    const resolveId = (typeName: string, id: string) => {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
      return type.getFields().id!.resolve!({ x: { id }, plan: {} }, {}, context, info) as string;
    };
    for (let round = 0; round < 2; round++) {
      expect(resolveId('User', '42')).toBe(encodeGlobalID('User', '42'));
      expect(resolveId('Tweet', '42')).toBe(encodeGlobalID('Tweet', '42'));
    }
    // More distinct ids than the memo holds: it starts over, and every id is still the right one.
    for (let i = 0; i < 10_050; i++) expect(resolveId('User', String(i))).toBe(encodeGlobalID('User', String(i)));
  });

  it('every type implementing Node resolves its id synchronously', () => {
    const nodeTypes = Object.values(schema.getTypeMap()).filter(
      (type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node'),
    );
    expect(nodeTypes.map((type) => type.name).sort()).toEqual(['DmConversation', 'DmEvent', 'Tweet', 'User']);
    for (const type of nodeTypes) {
      if (!isObjectType(type)) continue;
      expect(type.getFields().id!.resolve!.constructor.name, type.name).toBe('Function');
    }
  });
});
