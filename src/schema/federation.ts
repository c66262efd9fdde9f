/**
 * The schema as a GraphQL Federation v2 subgraph: `User @key(fields: "restId")`, so another subgraph can hold an X
 * user by id (`xUser: User`) and a supergraph router asks this gateway for the rest through `_entities`.
 *
 * An entity is looked up like any other linked user: through the request's users loader, with the plan of what the
 * router selects of it, so the users of one `_entities` call are one `GET /2/users?ids=` per 100 ids, with the caller's
 * own credentials, which the router forwards. Memory first: the users the caller's memory knows with the fields selected
 * (the people of their DMs) cost nothing, once the memory knows whose token it is.
 */
import { type GraphQLObjectType, type GraphQLSchema, isObjectType } from 'graphql';
import type { GatewayContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import { NEEDS_KEY, type XNeeds } from '../planner/needs.js';
import { ID_PATTERNS, type User } from '../x/wire.js';
import { builder } from './builder.js';
import { lookupPlanOf } from './links.js';
import { UserRef } from './refs.js';

/** The most representations one `_entities` call takes: ten lookups' worth. */
export const MAX_REPRESENTATIONS = 1000;

/** Per request, the loaders told once of the objects the caller's memory knows. */
const memoryConsulted = new WeakMap<GatewayContext, Promise<unknown>>();

/**
 * Lets the request's loaders answer from the caller's memory, when the token's user is known already (any read of the
 * memory in the last few minutes): finding out would cost a call, which is what the memory is there to save. A memory
 * that cannot be read is skipped, and the users are looked up.
 */
function consultMemory(context: GatewayContext): Promise<unknown> {
  let consulted = memoryConsulted.get(context);
  if (!consulted) {
    consulted = context.reader.useKnownObjects();
    memoryConsulted.set(context, consulted);
  }
  return consulted;
}

builder.asEntity(UserRef, {
  key: builder.selection<{ restId: string }>('restId'),
  resolveReference: async (reference, context, info) => {
    await consultMemory(context);
    const plan = lookupPlanOf(context, info, 'user', info.schema.getType('User') as GraphQLObjectType);
    return context.loaders.load<User>(plan, reference.restId);
  },
});

/** The entity types this subgraph resolves, with the check of each one's key. */
const KEYS: Readonly<Record<string, (representation: Record<string, unknown>) => boolean>> = {
  User: (representation) => typeof representation.restId === 'string' && ID_PATTERNS.userId.test(representation.restId),
};

/**
 * Every representation checked before any is resolved, so a bad one costs no call: an object naming an entity type of
 * this subgraph, with its key.
 */
function checkRepresentations(representations: unknown): void {
  if (!Array.isArray(representations)) return; // validation has refused it
  if (representations.length > MAX_REPRESENTATIONS) {
    throw new BadUserInputError(`\`representations\` takes at most ${MAX_REPRESENTATIONS} entities.`, {
      argument: 'representations',
    });
  }
  for (const representation of representations) {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    const key = typeof typename === 'string' && Object.hasOwn(KEYS, typename) ? KEYS[typename] : undefined;
    if (!key?.(representation as Record<string, unknown>)) {
      throw new BadUserInputError('Each representation is `{ __typename: "User", restId: "<X user id>" }`.', {
        argument: 'representations',
      });
    }
  }
}

/**
 * `_entities` as the gateway answers it: representations checked first; its calls declared to the cost estimate; and
 * the list as one promise, each failed entity as its error in its own place (graphql-jit puts the null of an item
 * whose own promise rejects at the end of the list).
 */
export function withEntities(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  if (!field) return schema;
  for (const typename of Object.keys(KEYS)) {
    if (!isObjectType(schema.getType(typename))) throw new Error(`the entity type ${typename} is missing`);
  }
  const resolveEntities = field.resolve!;
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    checkRepresentations(args.representations);
    const entities = resolveEntities(source, args, context, info) as unknown[];
    return Promise.all(entities.map((entity) => Promise.resolve(entity).catch((error: unknown) => error)));
  };
  const needs: XNeeds = { call: 'entities' };
  field.extensions = { ...field.extensions, [NEEDS_KEY]: needs };
  return schema;
}
