/**
 * `DmEvent`: one event of a DM conversation (a message, or participants joining or leaving a group).
 */
import { type GraphQLObjectType, type GraphQLResolveInfo, getNamedType } from 'graphql';
import type { GatewayContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { callsX, links, reads, xKind } from '../planner/needs.js';
import { planField } from '../planner/planner.js';
import { Planned } from '../planner/plan.js';
import { DM_EVENT_TYPES, ID_PATTERNS, type DmEntities, type DmEvent, type Tweet, type User } from '../x/wire.js';
import { builder } from './builder.js';
import { fromX, xField } from './x-fields.js';
import { nodeId } from './node-id.js';
import { attachedMedia } from './media.js';
import { CashtagEntityRef, HashtagEntityRef, MentionEntityRef, UrlEntityRef } from './entities.js';
import { loadLinked, loadLinkedList, planned, plannedList } from './links.js';
import { DmEventTypeEnum } from './dm-event-type.js';
import { checkId } from './ids.js';
import { DmConversationRef, DmEventRef, MediaRef, TweetRef, UserRef } from './refs.js';

type DmAttachments = NonNullable<DmEvent['attachments']>;

const DmAttachmentsRef = builder.objectRef<Planned<DmAttachments>>('DmAttachments').implement({
  description: 'What is attached to a message.',
  fields: (t) => ({
    mediaKeys: t.stringList({ nullable: false, resolve: (a) => a.x.media_keys ?? [] }),
    media: t.field({ type: [MediaRef], nullable: false, ...attachedMedia }),
    cardIds: t.stringList({ nullable: false, resolve: (a) => a.x.card_ids ?? [] }),
  }),
});

const DmEntitiesRef = builder.objectRef<Planned<DmEntities>>('DmEntities').implement({
  description: 'Hashtags, cashtags, mentions and URLs found in a message text.',
  fields: (t) => ({
    hashtags: t.field({ type: [HashtagEntityRef], nullable: false, resolve: (e) => e.x.hashtags ?? [] }),
    cashtags: t.field({ type: [CashtagEntityRef], nullable: false, resolve: (e) => e.x.cashtags ?? [] }),
    mentions: t.field({
      type: [MentionEntityRef],
      nullable: false,
      resolve: (e, _args, _context, info) => plannedList(e.plan, info, e.x.mentions) ?? [],
    }),
    urls: t.field({ type: [UrlEntityRef], nullable: false, resolve: (e) => e.x.urls ?? [] }),
  }),
});

/** X sends entity arrays at the top level of an event (its spec) or under `entities` (its newer docs): take either. */
function entitiesOf(event: DmEvent): DmEntities | undefined {
  const { entities, hashtags, cashtags, mentions, urls } = event;
  if (entities) return entities;
  if (!hashtags && !cashtags && !mentions && !urls) return undefined;
  return { hashtags, cashtags, mentions, urls };
}

builder.node(DmEventRef, {
  description: 'An event of a DM conversation: a message, or participants joining or leaving a group.',
  ...xKind('dm_event'),
  id: nodeId(DmEventRef, (e: Planned<DmEvent>) => e.x.id),
  fields: (t) => ({
    restId: t.string({ nullable: false, description: "X's id of the event.", resolve: fromX('id') }),
    eventType: t.field({
      type: DmEventTypeEnum,
      nullable: false,
      ...reads('event_type'),
      resolve: (e) => e.x.event_type as (typeof DM_EVENT_TYPES)[number],
    }),
    text: t.string(xField('text')),
    createdAt: t.field({ type: 'DateTime', ...xField('created_at') }),
    conversationId: t.string(xField('dm_conversation_id')),
    conversation: t.field({
      type: DmConversationRef,
      description: 'The conversation the event belongs to.',
      ...reads('dm_conversation_id'),
      resolve: (e) => (e.x.dm_conversation_id === undefined ? null : { conversationId: e.x.dm_conversation_id }),
    }),
    senderId: t.string(xField('sender_id')),
    sender: t.field({
      type: UserRef,
      description: 'Who sent the message.',
      ...links('sender_id', { kind: 'user', expansion: 'sender_id' }),
      resolve: (e, _args, context, info) => loadLinked<User>(context, e.plan, info, e.x.sender_id),
    }),
    participantIds: t.stringList({
      description: 'Who joined or left, on ParticipantsJoin and ParticipantsLeave events.',
      ...xField('participant_ids'),
    }),
    participants: t.field({
      type: [UserRef],
      description: 'Who joined or left, on ParticipantsJoin and ParticipantsLeave events.',
      ...links('participant_ids', { kind: 'user', expansion: 'participant_ids' }),
      resolve: (e, _args, context, info) => loadLinkedList<User>(context, e.plan, info, e.x.participant_ids),
    }),
    attachments: t.field({
      type: DmAttachmentsRef,
      ...reads('attachments'),
      resolve: (e, _args, _context, info) => planned(e.plan, info, e.x.attachments),
    }),
    referencedTweets: t.field({
      type: [TweetRef],
      description: 'Posts the message refers to.',
      ...links('referenced_tweets', { kind: 'tweet', expansion: 'referenced_tweets.id' }),
      resolve: (e, _args, context, info) =>
        loadLinkedList<Tweet>(
          context,
          e.plan,
          info,
          e.x.referenced_tweets?.map((reference) => reference.id),
        ),
    }),
    entities: t.field({
      type: DmEntitiesRef,
      ...reads('entities'),
      resolve: (e, _args, _context, info) => planned(e.plan, info, entitiesOf(e.x)),
    }),
  }),
});

builder.queryField('dmEvent', (t) =>
  t.field({
    type: DmEventRef,
    description: 'One DM event by its X id (`GET /2/dm_events/{event_id}`).',
    args: { eventId: t.arg.id({ required: true }) },
    ...callsX('dm_event'),
    resolve: (_root, args, context, info) =>
      loadDmEvent(
        checkId(String(args.eventId), ID_PATTERNS.dmEventId, 'eventId', 'an event id of 1 to 19 digits'),
        context,
        info,
      ),
  }),
);

/** One event by id, with everything its selection expands: from memory when known, otherwise in one call. */
export async function loadDmEvent(
  eventId: string,
  context: GatewayContext,
  info: GraphQLResolveInfo,
  type = getNamedType(info.returnType) as GraphQLObjectType,
): Promise<Planned<DmEvent>> {
  const { params, plan } = planField(info, 'dm_event', type, context.x.dialect);
  const found = await context.reader.event(eventId, params);
  if (!found.event) {
    const { problem } = found;
    throw new NotFoundError(
      problem?.detail ?? `X has no DM event ${eventId} for this user.`,
      problem ? { problem } : {},
    );
  }
  return new Planned(found.event, plan);
}
