/**
 * `DmEventConnection`: a page of DM events, one X call per page with everything its events expand.
 *
 * The connection and edge types are shaped here rather than by `t.connection`: X's tokens belong to pages, not rows,
 * and each selection of the edges (aliases included) carries its own plan down to its events.
 */
import { type GraphQLObjectType, type GraphQLResolveInfo, getNamedType } from 'graphql';
import type { GatewayContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import type { PageRef } from '../paging/cursor.js';
import { type ConnectionArgs, type PageInfo, pageInfoOf, planPage } from '../paging/paging.js';
import { callsX } from '../planner/needs.js';
import { childPlan, type Planned, type SelectionPlan } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import type { DmEvent, DmEventType, DmEventsPage } from '../x/wire.js';
import { builder } from './builder.js';
import { DmEventTypeEnum } from './dm-event-type.js';
import { DmEventRef } from './refs.js';

/** One served page: the events kept from X's page and how to name their positions. */
interface DmEventPageResult {
  readonly events: readonly DmEvent[];
  /** Index of `events[0]` in X's page. */
  readonly offset: number;
  readonly ref: PageRef;
  readonly pageInfo: PageInfo;
  readonly plan: SelectionPlan;
  readonly context: GatewayContext;
  cursorPrefix?: string;
}

interface DmEventEdgeValue {
  readonly page: DmEventPageResult;
  readonly index: number;
  readonly plan: SelectionPlan;
}

function cursorOf(page: DmEventPageResult, index: number): string {
  page.cursorPrefix ??= page.context.cursors.pagePrefix(page.ref);
  return `${page.cursorPrefix}.${page.offset + index}`;
}

const DmEventEdgeRef = builder.objectRef<DmEventEdgeValue>('DmEventEdge').implement({
  description: 'A DM event and its position in the connection.',
  fields: (t) => ({
    cursor: t.string({
      nullable: false,
      description: 'Resumes the connection right after (with `after`) or before (with `before`) this edge.',
      resolve: (edge) => cursorOf(edge.page, edge.index),
    }),
    node: t.field({
      type: DmEventRef,
      nullable: false,
      resolve: (edge, _args, _context, info) => ({
        x: edge.page.events[edge.index]!,
        plan: childPlan(edge.plan, info.path.key),
      }),
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
        return page.events.map((x): Planned<DmEvent> => ({ x, plan }));
      },
    }),
    pageInfo: t.field({
      type: builder.pageInfoRef(),
      nullable: false,
      resolve: (page) => {
        const last = page.events.length - 1;
        return {
          ...page.pageInfo,
          startCursor: last < 0 ? null : cursorOf(page, 0),
          endCursor: last < 0 ? null : cursorOf(page, last),
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
  eventTypes: t.field({ type: [DmEventTypeEnum], description: 'Only events of these types (all types when left out).' }),
}));

export interface DmEventConnectionArgs extends ConnectionArgs {
  readonly eventTypes?: readonly DmEventType[] | null;
}

function eventTypesOf(args: DmEventConnectionArgs): string | undefined {
  if (args.eventTypes === null || args.eventTypes === undefined) return undefined;
  if (args.eventTypes.length === 0) {
    throw new BadUserInputError('`eventTypes` needs at least one type; leave it out for all.', { argument: 'eventTypes' });
  }
  return [...new Set(args.eventTypes)].sort().join(',');
}

/**
 * Serves a connection of DM events from the X list endpoint `path`: one call, shared with any other selection of
 * the same page in this operation.
 */
export async function resolveDmEventConnection(
  path: string,
  args: DmEventConnectionArgs,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<DmEventPageResult> {
  const eventTypes = eventTypesOf(args);
  const connection = `${path}|${eventTypes ?? ''}`;
  const fetch = planPage(args, connection, context.cursors);
  const { params, plan } = planField(info, 'dm_event', getNamedType(info.returnType) as GraphQLObjectType, context.x.dialect);
  const ref = { connection, maxResults: fetch.maxResults, ...(fetch.token !== undefined && { token: fetch.token }), ...(fetch.backward && { backward: true }) };
  if (fetch.empty) {
    return { events: [], offset: 0, ref: { ...ref, size: 0 }, pageInfo: pageInfoOf(fetch, { size: 0 }), plan, context };
  }
  const { body, params: asked } = await context.x.getShared<DmEventsPage>(
    path,
    { max_results: String(fetch.maxResults), pagination_token: fetch.token, event_types: eventTypes },
    params,
  );
  context.loaders.prime('dm_event', asked, body);
  const data = body.data ?? [];
  const meta = { size: data.length, nextToken: body.meta?.next_token, previousToken: body.meta?.previous_token };
  return {
    events: data.slice(fetch.skip, fetch.skip + fetch.take),
    offset: fetch.skip,
    ref: {
      ...ref,
      size: data.length,
      ...(meta.nextToken !== undefined && { nextToken: meta.nextToken }),
      ...(meta.previousToken !== undefined && { previousToken: meta.previousToken }),
    },
    pageInfo: pageInfoOf(fetch, meta),
    plan,
    context,
  };
}

builder.queryField('dmEvents', (t) =>
  t.field({
    type: DmEventConnectionRef,
    nullable: false,
    description: "The caller's DM events in every conversation, one-to-one and group, newest first (`GET /2/dm_events`).",
    args: dmEventConnectionArgs,
    ...callsX('dm_page'),
    resolve: (_root, args, context, info) => resolveDmEventConnection('/2/dm_events', args, context, info),
  }),
);
