/**
 * `node` and `nodes`: refetching a DmEvent, DmConversation, User or Tweet by its global id, with the selection planned
 * for the type the id names. Users and tweets asked for together are looked up in one batch.
 *
 * Global ids stay opaque (base64 of `Type:id`); an id that names no such object of this API is refused before any call.
 */
import { brandWithType } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import { callsX } from '../planner/needs.js';
import type { Planned } from '../planner/plan.js';
import { ID_PATTERNS } from '../x/wire.js';
import { builder } from './builder.js';
import { parseConversationLocalId } from './dm-conversation.js';
import { loadDmEvent } from './dm-event.js';
import { lookupPlanOf } from './links.js';
import type { ConversationKey } from './refs.js';

type NodeValue = Planned<object> | ConversationKey;

const MAX_NODES = 100;

function decode(globalId: string, argument: string): { typename: string; id: string } {
  const invalid = () => new BadUserInputError(`\`${argument}\` is not an id of this API.`, { argument });
  if (globalId.length > 256) throw invalid();
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw invalid();
  }
  const { typename, id } = decoded;
  const valid =
    (typename === 'DmEvent' && ID_PATTERNS.dmEventId.test(id)) ||
    (typename === 'User' && ID_PATTERNS.userId.test(id)) ||
    (typename === 'Tweet' && ID_PATTERNS.tweetId.test(id)) ||
    (typename === 'DmConversation' && parseConversationLocalId(id) !== undefined);
  if (!valid) throw invalid();
  return decoded;
}

async function resolveNode(
  { typename, id }: { typename: string; id: string },
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<NodeValue | null> {
  const type = info.schema.getType(typename) as GraphQLObjectType;
  let value: NodeValue | null;
  switch (typename) {
    case 'DmConversation':
      value = { ...parseConversationLocalId(id)! };
      break;
    case 'DmEvent':
      value = await loadDmEvent(id, context, info, type);
      break;
    default: {
      const plan = lookupPlanOf(context, info, typename === 'User' ? 'user' : 'tweet', type);
      value = await context.loaders.load<object>(plan, id);
    }
  }
  if (value) brandWithType(value, typename as never);
  return value;
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    description: 'Refetches a DmEvent, DmConversation, User or Tweet by its global `id`.',
    args: { id: t.arg.id({ required: true }) },
    ...callsX('node'),
    resolve: (_root, args, context, info) =>
      resolveNode(decode(String(args.id), 'id'), context, info) as Promise<never>,
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Refetches up to ${MAX_NODES} objects by their global ids, in order; users and tweets are looked up in batches.`,
    args: { ids: t.arg.idList({ required: true }) },
    ...callsX('nodes'),
    resolve: (_root, args, context, info) => {
      if (args.ids.length > MAX_NODES) {
        throw new BadUserInputError(`\`ids\` takes at most ${MAX_NODES} ids.`, { argument: 'ids' });
      }
      // Every id is checked before any is loaded, so one bad id costs no call.
      const decoded = args.ids.map((id) => decode(String(id), 'ids'));
      // One promise for the list, a failed id as its error in its own place: graphql-jit (0.8) appends the null of an
      // item whose own promise rejects to the end of the list, after the items that resolved before it.
      return Promise.all(decoded.map((id) => resolveNode(id, context, info).catch((error: unknown) => error))) as never;
    },
  }),
}));

/** The type a global id names, or undefined when it names nothing of this API (for cost estimates). */
export function typeOfGlobalId(globalId: string): string | undefined {
  try {
    return decode(globalId, 'id').typename;
  } catch {
    return undefined;
  }
}
