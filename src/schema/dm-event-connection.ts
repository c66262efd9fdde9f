/**
 * `DmEventConnection`: a page of DM events, one X call per page with everything its events expand.
 *
 * The connection and edge types are shaped here rather than by `t.connection`: X's tokens belong to pages, not rows,
 * and each selection of the edges (aliases included) carries its own plan down to its events.
 */
import { type GraphQLObjectType, type GraphQLResolveInfo, getNamedType } from 'graphql';
import type { GatewayContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import type { DmList, EventsPage } from '../memory/dm-reader.js';
import type { ConnectionArgs } from '../paging/paging.js';
import { callsX } from '../planner/needs.js';
import { childPlan, Planned, type SelectionPlan } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import type { DmEventType } from '../x/wire.js';
import { builder } from './builder.js';
import { DmEventTypeEnum } from './dm-event-type.js';
import { DmEventRef } from './refs.js';

/** One served page, and the plan of what the selection reads of its events. */
interface DmEventPageResult extends EventsPage {
  readonly plan: SelectionPlan;
}

interface DmEventEdgeValue {
  readonly page: DmEventPageResult;
  readonly index: number;
  readonly plan: SelectionPlan;
}

const DmEventEdgeRef = builder.objectRef<DmEventEdgeValue>('DmEventEdge').implement({
  description: 'A DM event and its position in the connection.',
  fields: (t) => ({
    cursor: t.string({
      nullable: false,
      description: 'Resumes the connection right after (with `after`) or before (with `before`) this edge.',
      resolve: (edge) => edge.page.cursorAt(edge.index),
    }),
    node: t.field({
      type: DmEventRef,
      nullable: false,
      resolve: (edge, _args, _context, info) =>
        new Planned(edge.page.events[edge.index]!, childPlan(edge.plan, info.path.key)),
    }),
  }),
});

export const DmEventConnectionRef = builder.objectRef<DmEventPageResult>('DmEventConnection').implement({
  description: 'A page of DM events, newest first.',
  fields: (t) => ({
    edges: t.field({
      type: [DmEventEdgeRef],
      nullable: false,
      resolve: (page, _args, _context, info) => {
        const plan = childPlan(page.plan, info.path.key);
        return page.events.map((_event, index) => ({ page, index, plan }));
      },
    }),
    nodes: t.field({
      type: [DmEventRef],
      nullable: false,
      resolve: (page, _args, _context, info) => {
        const plan = childPlan(page.plan, info.path.key);
        return page.events.map((x) => new Planned(x, plan));
      },
    }),
    pageInfo: t.field({
      type: builder.pageInfoRef(),
      nullable: false,
      resolve: (page) => {
        const last = page.events.length - 1;
        return {
          startCursor: last < 0 ? null : page.cursorAt(0),
          endCursor: last < 0 ? null : page.cursorAt(last),
          ...page.pageInfo,
        };
      },
    }),
  }),
});

/** The arguments every DM event connection takes. */
export const dmEventConnectionArgs = builder.args((t) => ({
  first: t.int({ description: 'How many events, newest first: 1 to 100 (20 when neither first nor last is given).' }),
  after: t.string({ description: 'An edge cursor of this connection: the events right after that edge.' }),
  last: t.int({ description: 'How many events right before `before`: 1 to 100.' }),
  before: t.string({ description: 'An edge cursor of this connection: the events right before that edge.' }),
  eventTypes: t.field({
    type: [DmEventTypeEnum],
    description: 'Only events of these types (all types when left out).',
  }),
}));

export interface DmEventConnectionArgs extends ConnectionArgs {
  readonly eventTypes?: readonly DmEventType[] | null;
}

function eventTypesOf(args: DmEventConnectionArgs): string | undefined {
  if (args.eventTypes === null || args.eventTypes === undefined) return undefined;
  if (args.eventTypes.length === 0) {
    throw new BadUserInputError('`eventTypes` needs at least one type; leave it out for all.', {
      argument: 'eventTypes',
    });
  }
  return [...new Set(args.eventTypes)].sort().join(',');
}

/**
 * Serves a connection of DM events through the request's reader: from the caller's memory where it can (calling X only
 * for what it lacks), or with `STORE=off` from the X list endpoint in one call, shared with any other selection of the
 * same page.
 */
export async function resolveDmEventConnection(
  list: DmList,
  args: DmEventConnectionArgs,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<DmEventPageResult> {
  const eventTypes = eventTypesOf(args);
  const { params, plan } = planField(
    info,
    'dm_event',
    getNamedType(info.returnType) as GraphQLObjectType,
    context.x.dialect,
  );
  const page = await context.reader.eventsPage({
    list,
    args,
    ...(eventTypes !== undefined && { eventTypes }),
    params,
  });
  return { ...page, plan };
}
builder.queryField('dmEvents', (t) =>
  t.field({
    type: DmEventConnectionRef,
    nullable: false,
    description:
      "The caller's DM events in every conversation, one-to-one and group, newest first (`GET /2/dm_events`).",
    args: dmEventConnectionArgs,
    ...callsX('dm_page'),
    resolve: (_root, args, context, info) => resolveDmEventConnection({ path: '/2/dm_events' }, args, context, info),
  }),
);
