/**
 * The Pothos schema builder: configuration only. Types live in their own files and `index.ts` gathers them.
 */
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultFieldNullability: true;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: string | Date };
    ID: { Input: string; Output: string | number };
  };
}>({
  // Federation (with the directives it prints) last: it must see every field as the other plugins leave it.
  plugins: [RelayPlugin, DirectivesPlugin, FederationPlugin],
  relay: {
    cursorType: 'String',
    nodesOnConnection: true,
    // `node` and `nodes` are defined in node.ts, where they plan the selection of the type they load.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    // Objects are recognised by the type of their plan's owner, not by a brand: see node.ts.
    brandLoadedObjects: false,
  },
});

builder.queryType({
  description: "X's Direct Messages, read through the X API v2 with the caller's own user token.",
});
