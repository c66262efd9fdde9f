/**
 * `DmConversation`: a conversation, by X's id or by the other participant of a one-to-one conversation, and the
 * root fields that open one. Opening a conversation costs nothing; its `events` make the call.
 */
import { GraphQLError, type GraphQLObjectType, getNamedType } from 'graphql';
import { pathToArray } from 'graphql/jsutils/Path.js';
import { toGraphQLError } from '../errors.js';
import type { GatewayContext } from '../context.js';
import { isOneToOne } from '../memory/user-memory.js';
import { callsX } from '../planner/needs.js';
import { Planned } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import type { XParams } from '../x/params.js';
import { type DmEvent, ID_PATTERNS, type User, compareIds } from '../x/wire.js';
import { builder } from './builder.js';
import { nodeId } from './node-id.js';
import { checkId } from './ids.js';
import { DmEventConnectionRef, dmEventConnectionArgs, resolveDmEventConnection } from './dm-event-connection.js';
import { conversationIdOf } from '../memory/dm-reader.js';
import { readPageArgs } from '../paging/paging.js';
import { lookupPlanOf } from './links.js';
import { type ConversationKey, DmConversationRef, DmEventRef, UserRef } from './refs.js';

/** The X list endpoint of a conversation's events. */
function eventsPath(key: ConversationKey): string {
  return 'conversationId' in key
    ? `/2/dm_conversations/${key.conversationId}/dm_events`
    : `/2/dm_conversations/with/${key.participantId}/dm_events`;
}

/** The local part of a conversation's global id: `c_<X id>` or `w_<participant id>`. */
export function conversationLocalId(key: ConversationKey): string {
  return 'conversationId' in key ? `c_${key.conversationId}` : `w_${key.participantId}`;
}

/** The conversation a local id names, or undefined when it names none. */
export function parseConversationLocalId(localId: string): ConversationKey | undefined {
  const value = localId.slice(2);
  if (localId.startsWith('c_') && ID_PATTERNS.dmConversationId.test(value)) return { conversationId: value };
  if (localId.startsWith('w_') && ID_PATTERNS.userId.test(value)) return { participantId: value };
  return undefined;
}

export const DmConversationKindEnum = builder.enumType('DmConversationKind', {
  description: 'Whether a conversation is between two people or a group.',
  values: { ONE_TO_ONE: { value: 'ONE_TO_ONE' }, GROUP: { value: 'GROUP' } } as const,
});

/** A conversation's X id: the key's, or for a conversation opened with a participant, made from the caller's id. */
function conversationIdOfKey(key: ConversationKey, context: GatewayContext): Promise<string> {
  return conversationIdOf(key, () => context.callerId());
}

/**
 * The conversation's newest events, newest first (every one memory knows, at least its newest; with `STORE=off`, its
 * first page of `size`). `params` are what the selection reads of them.
 */
function knownEvents(
  key: ConversationKey,
  context: GatewayContext,
  params: XParams,
  size: number,
): Promise<readonly DmEvent[]> {
  return context.reader.conversationHead({ path: eventsPath(key), conversation: key }, params, size);
}

const EVENT_PARAMS_FOR_PARTICIPANTS: XParams = { 'dm_event.fields': 'participant_ids,sender_id' };

builder.node(DmConversationRef, {
  description: 'A DM conversation: one-to-one, or a group.',
  id: nodeId(DmConversationRef, conversationLocalId),
  fields: (t) => ({
    kind: t.field({
      type: DmConversationKindEnum,
      nullable: false,
      description: 'One-to-one (its id names both people) or a group.',
      resolve: (key) => ('participantId' in key || isOneToOne(key.conversationId) ? 'ONE_TO_ONE' : 'GROUP'),
    }),
    lastEvent: t.field({
      type: DmEventRef,
      description: "Its newest event within X's 30-day window.",
      resolve: async (key, _args, context, info) => {
        const { params, plan } = planField(
          info,
          'dm_event',
          getNamedType(info.returnType) as GraphQLObjectType,
          context.x.dialect,
        );
        const event = key.lastEvent ?? (await knownEvents(key, context, params, 1))[0];
        return event ? new Planned(event, plan) : null;
      },
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: "When its newest event happened (within X's 30-day window).",
      resolve: async (key, _args, context) => {
        const event = key.lastEvent ?? (await knownEvents(key, context, { 'dm_event.fields': 'created_at' }, 1))[0];
        return event?.created_at;
      },
    }),
    participants: t.field({
      type: [UserRef],
      nullable: false,
      description:
        'One-to-one: both people. A group: everyone its events show (senders, and who joined or left) ' +
        "within X's 30-day window, as far as the gateway has read them.",
      resolve: async (key, _args, context, info) => {
        const plan = lookupPlanOf(context, info, 'user', getNamedType(info.returnType) as GraphQLObjectType);
        const conversationId = await conversationIdOfKey(key, context);
        let ids: string[];
        if (isOneToOne(conversationId)) ids = conversationId.split('-');
        else {
          const shown = new Set<string>();
          for (const event of await knownEvents(key, context, EVENT_PARAMS_FOR_PARTICIPANTS, 100)) {
            if (event.sender_id) shown.add(event.sender_id);
            for (const id of event.participant_ids ?? []) shown.add(id);
          }
          ids = [...shown].sort(compareIds);
        }
        const users = await Promise.all(ids.map(async (id) => context.loaders.load<User>(plan, id)));
        return users.filter((user): user is Planned<User> => user !== null);
      },
    }),
    conversationId: t.string({
      description:
        "X's id of the conversation, e.g. `123123123-456456456` (one-to-one) or `1582838273423667201` (group).",
      // For a conversation opened with a participant, it costs one call to learn the caller's own id.
      ...callsX('me'),
      resolve: (key, _args, context) => conversationIdOfKey(key, context),
    }),
    events: t.field({
      type: DmEventConnectionRef,
      nullable: false,
      description: "The conversation's events, newest first.",
      args: dmEventConnectionArgs,
      ...callsX('dm_page'),
      resolve: (key, args, context, info) =>
        resolveDmEventConnection({ path: eventsPath(key), conversation: key }, args, context, info),
    }),
  }),
});

builder.queryFields((t) => ({
  dmConversation: t.field({
    type: DmConversationRef,
    nullable: false,
    description: 'A conversation by its X id (`GET /2/dm_conversations/{id}/dm_events`).',
    args: { conversationId: t.arg.id({ required: true }) },
    resolve: (_root, args) => ({
      conversationId: checkId(
        String(args.conversationId),
        ID_PATTERNS.dmConversationId,
        'conversationId',
        'a one-to-one id like `123-456` or a group id of 15 to 19 digits',
      ),
    }),
  }),
  dmConversationWith: t.field({
    type: DmConversationRef,
    nullable: false,
    description: 'The one-to-one conversation with a user (`GET /2/dm_conversations/with/{participant_id}/dm_events`).',
    args: { participantId: t.arg.id({ required: true }) },
    resolve: (_root, args) => ({
      participantId: checkId(
        String(args.participantId),
        ID_PATTERNS.userId,
        'participantId',
        'a user id of 1 to 19 digits',
      ),
    }),
  }),
}));

const DmConversationEdgeRef = builder
  .objectRef<{ readonly node: ConversationKey; readonly cursor: string }>('DmConversationEdge')
  .implement({
    description: 'A conversation and its place in the inbox.',
    fields: (t) => ({
      cursor: t.exposeString('cursor', {
        description: 'Resumes the inbox right after this conversation (with `after`).',
      }),
      node: t.field({ type: DmConversationRef, nullable: false, resolve: (edge) => edge.node }),
    }),
  });

const DmConversationConnectionRef = builder
  .objectRef<{ readonly edges: readonly { node: ConversationKey; cursor: string }[]; readonly hasNextPage: boolean }>(
    'DmConversationConnection',
  )
  .implement({
    description: 'Conversations, newest activity first.',
    fields: (t) => ({
      edges: t.field({ type: [DmConversationEdgeRef], nullable: false, resolve: (page) => page.edges }),
      nodes: t.field({
        type: [DmConversationRef],
        nullable: false,
        resolve: (page) => page.edges.map((edge) => edge.node),
      }),
      pageInfo: t.field({
        type: builder.pageInfoRef(),
        nullable: false,
        resolve: (page) => ({
          hasNextPage: page.hasNextPage,
          hasPreviousPage: false,
          startCursor: page.edges[0]?.cursor ?? null,
          endCursor: page.edges[page.edges.length - 1]?.cursor ?? null,
        }),
      }),
    }),
  });

/** Inbox cursors name the newest event of the conversation they follow. */
const INBOX = 'inbox';

builder.queryField('dmConversations', (t) =>
  t.field({
    type: DmConversationConnectionRef,
    nullable: false,
    description:
      "The inbox: the caller's conversations with their newest activity first, built from the DM events of X's " +
      '30-day window (X has no endpoint that lists conversations): a conversation quiet for longer is not in it.',
    args: {
      first: t.arg.int({ description: 'How many conversations: 1 to 100 (20 when left out).' }),
      after: t.arg.string({ description: 'A cursor of this connection: the conversations right after it.' }),
    },
    ...callsX('dm_page'),
    resolve: async (_root, args, context, info) => {
      const { size } = readPageArgs({ first: args.first });
      const after = args.after == null ? undefined : context.cursors.decodeEvent(args.after, INBOX, 'after');
      const inbox = await context.reader.inbox(size, after);
      // A page cut short says why, at the connection's path, beside its data.
      if (inbox.stopped) {
        const { message, extensions } = toGraphQLError(inbox.stopped);
        context.partialErrors.push(
          new GraphQLError(message, { nodes: info.fieldNodes, path: pathToArray(info.path), extensions }),
        );
      }
      return {
        hasNextPage: inbox.hasNextPage,
        edges: inbox.conversations.map(({ conversationId, lastEvent }) => ({
          node: { conversationId, lastEvent },
          cursor: context.cursors.eventCursor(INBOX, lastEvent.id),
        })),
      };
    },
  }),
);
