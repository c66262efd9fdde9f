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
import { type ConnectionArgs, type PageInfo, pageInfoOf, planPage, readPageArgs } from '../paging/paging.js';
import { type ListRef, MemoryUnavailableError, type RequestMemory } from '../memory/memory.js';
import type { XParams } from '../x/params.js';
import { callsX } from '../planner/needs.js';
import { childPlan, Planned, type SelectionPlan } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import type { DmEvent, DmEventType, DmEventsPage } from '../x/wire.js';
import { builder } from './builder.js';
import { DmEventTypeEnum } from './dm-event-type.js';
import { type ConversationKey, DmEventRef } from './refs.js';
import { oneToOneConversationId } from './conversation-ids.js';

/** One served page: its events, and how to name their positions. */
interface DmEventPageResult {
  readonly events: readonly DmEvent[];
  readonly pageInfo: PageInfo;
  readonly plan: SelectionPlan;
  /** The cursor of `events[index]`. */
  readonly cursorAt: (index: number) => string;
}

/**
 * Cursors of a page X served: its X page (signed once per page) and each edge's index in it (`offset` is the index
 * of the first event kept).
 */
function pageCursors(context: GatewayContext, ref: PageRef, offset: number): (index: number) => string {
  let prefix: string | undefined;
  return (index) => `${(prefix ??= context.cursors.pagePrefix(ref))}.${offset + index}`;
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

/** Which list a connection reads: its X endpoint, and for a conversation, which one. */
export interface DmEventSource {
  readonly path: string;
  readonly conversation?: ConversationKey;
}

/**
 * Serves a connection of DM events: from the caller's memory where it can (calling X only for what it lacks), or
 * with `STORE=off` from the X list endpoint in one call, shared with any other selection of the same page.
 */
export async function resolveDmEventConnection(
  source: DmEventSource,
  args: DmEventConnectionArgs,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<DmEventPageResult> {
  const eventTypes = eventTypesOf(args);
  const connection = `${source.path}|${eventTypes ?? ''}`;
  const { params, plan } = planField(
    info,
    'dm_event',
    getNamedType(info.returnType) as GraphQLObjectType,
    context.x.dialect,
  );
  if (context.memory) {
    try {
      return await fromMemory(context.memory, source, connection, args, eventTypes, params, plan, context);
    } catch (error) {
      if (!(error instanceof MemoryUnavailableError)) throw error;
    }
  }

  const fetch = planPage(args, connection, context.cursors);
  const ref = {
    connection,
    maxResults: fetch.maxResults,
    ...(fetch.token !== undefined && { token: fetch.token }),
    ...(fetch.backward && { backward: true }),
  };
  if (fetch.empty) {
    return {
      events: [],
      pageInfo: pageInfoOf(fetch, { size: 0 }),
      plan,
      cursorAt: pageCursors(context, { size: 0, ...ref }, 0),
    };
  }
  const { body, params: asked } = await context.x.getShared<DmEventsPage>(
    source.path,
    { max_results: String(fetch.maxResults), pagination_token: fetch.token, event_types: eventTypes },
    params,
  );
  context.loaders.prime('dm_event', asked, body);
  const data = body.data ?? [];
  const meta = { size: data.length, nextToken: body.meta?.next_token, previousToken: body.meta?.previous_token };
  const pageRef: PageRef = {
    size: data.length,
    ...ref,
    ...(meta.nextToken !== undefined && { nextToken: meta.nextToken }),
    ...(meta.previousToken !== undefined && { previousToken: meta.previousToken }),
  };
  return {
    events: data.slice(fetch.skip, fetch.skip + fetch.take),
    pageInfo: pageInfoOf(fetch, meta),
    plan,
    cursorAt: pageCursors(context, pageRef, fetch.skip),
  };
}

/** A page served by the caller's memory; its cursors name events, so they hold wherever the next page comes from. */
async function fromMemory(
  memory: RequestMemory,
  source: DmEventSource,
  connection: string,
  args: DmEventConnectionArgs,
  eventTypes: string | undefined,
  params: XParams,
  plan: SelectionPlan,
  context: GatewayContext,
): Promise<DmEventPageResult> {
  const { backward, size, cursor } = readPageArgs(args);
  const from =
    cursor === undefined ? undefined : context.cursors.decodeEvent(cursor, connection, backward ? 'before' : 'after');
  const key = source.conversation;
  const list: ListRef = !key
    ? { kind: 'feed' }
    : {
        kind: 'conversation',
        path: source.path,
        conversationId:
          'conversationId' in key
            ? key.conversationId
            : oneToOneConversationId(await memory.userId(), key.participantId),
      };
  const page = await memory.page({
    list,
    backward,
    size,
    ...(from !== undefined && { from }),
    ...(eventTypes !== undefined && { eventTypes: new Set(eventTypes.split(',') as DmEventType[]) }),
    params,
  });
  return {
    events: page.events,
    pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: page.hasPreviousPage },
    plan,
    cursorAt: eventCursors(context, connection, page.events),
  };
}

/** Cursors of a page served from memory: each names its event, signed once however often it is read. */
function eventCursors(
  context: GatewayContext,
  connection: string,
  events: readonly DmEvent[],
): (index: number) => string {
  const signed: string[] = [];
  return (index) => (signed[index] ??= context.cursors.eventCursor(connection, events[index]!.id));
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
