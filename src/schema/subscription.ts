/**
 * `dmEventAdded`: every event that reaches the caller from now on, once each, in order, from their user's one live
 * loop (see `src/sync/live.ts`). Served over Server-Sent Events by yoga and over WebSocket by graphql-ws.
 */
import { type GraphQLObjectType, getNamedType } from 'graphql';
import { subscriptionRefusal } from '../errors.js';
import { Planned } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import { type DmEvent, type DmEventType, ID_PATTERNS } from '../x/wire.js';
import { builder } from './builder.js';
import { DmEventTypeEnum } from './dm-event-type.js';
import { checkId } from './ids.js';
import { DmEventRef } from './refs.js';

/** A subscription's `conversationId` argument, checked against X's id patterns. */
export function conversationIdOf(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return checkId(
    String(value),
    ID_PATTERNS.dmConversationId,
    'conversationId',
    'a one-to-one id like `123-456` or a group id of 15 to 19 digits',
  );
}

builder.subscriptionType({ description: 'News, pushed as it reaches the caller.' });

builder.subscriptionField('dmEventAdded', (t) =>
  t.field({
    type: DmEventRef,
    nullable: false,
    description:
      'Every DM event that reaches the caller after the subscription starts (in one conversation, of some types), once ' +
      "each, in order. X is checked for news once per FRESHNESS_MS at most, for all of a user's subscribers together.",
    args: {
      conversationId: t.arg.id({ description: 'Only events of this conversation.' }),
      eventTypes: t.arg({
        type: [DmEventTypeEnum],
        description: 'Only events of these types (all types when left out).',
      }),
    },
    subscribe: async (_root, args, context) => {
      try {
        const conversationId = conversationIdOf(args.conversationId);
        const eventTypes = args.eventTypes ? new Set(args.eventTypes as DmEventType[]) : undefined;
        return await context.subscribe({
          ...(conversationId !== undefined && { conversationId }),
          ...(eventTypes && { eventTypes }),
        });
      } catch (error) {
        throw subscriptionRefusal(error);
      }
    },
    resolve: async (event: DmEvent, _args, context, info): Promise<Planned<DmEvent>> => {
      // Each event is resolved like a request of its own: a fresh session (deadline, call budget) and loaders that
      // know what memory knows.
      context.renew();
      await context.useLiveObjects();
      const { plan } = planField(
        info,
        'dm_event',
        getNamedType(info.returnType) as GraphQLObjectType,
        context.x.dialect,
      );
      return new Planned(event, plan);
    },
  }),
);
