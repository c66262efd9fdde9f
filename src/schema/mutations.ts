/**
 * The mutations: `sendDm`, `createDmGroup`, `deleteDmEvent`, Relay-style (one `input`, a payload). Every input is
 * checked against X's rules before any call; a write is sent at most once (see `src/writes/writes.ts`).
 *
 * A sent message reads like any other `DmEvent`: what the gateway knows from the input and X's answer (its id, text,
 * type, conversation and sender) costs nothing; anything else selected (its `createdAt`, its sender's profile) is read
 * from X, in one call, only when selected.
 */
import { type GraphQLObjectType, type GraphQLResolveInfo, getNamedType } from 'graphql';
import type { GatewayContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import { Planned } from '../planner/plan.js';
import { planField } from '../planner/planner.js';
import { splitList } from '../x/params.js';
import { type DmEvent, ID_PATTERNS } from '../x/wire.js';
import { type Sent, createGroup, deleteEvent, sendMessage } from '../writes/writes.js';
import { builder } from './builder.js';
import { loadDmEvent } from './dm-event.js';
import { checkId } from './ids.js';
import { type ConversationKey, DmConversationRef, DmEventRef } from './refs.js';

/** X's limits on a message. */
const MAX_TEXT_CHARACTERS = 10_000;
const MAX_MEDIA = 1;
const MIN_GROUP_OTHERS = 2;
const MAX_GROUP_OTHERS = 49;
const MAX_IDEMPOTENCY_KEY = 255;

builder.mutationType({ description: 'Writes to X with the caller’s own user token. Each is sent to X at most once.' });

const SendDmInput = builder.inputType('SendDmInput', {
  description: 'A message to a person (`participantId`) or to a conversation (`conversationId`): exactly one of them.',
  fields: (t) => ({
    participantId: t.id({ description: 'The user to message; their one-to-one conversation is made if need be.' }),
    conversationId: t.id({ description: 'The conversation to message (one the caller is in).' }),
    text: t.string({ description: 'Up to 10,000 characters. `text`, `mediaIds` or both.' }),
    mediaIds: t.idList({
      description:
        "One media id from X's DM media upload (`media_category` dm_image, dm_gif or dm_video, by the same user, " +
        'used within 24 hours). Uploading is not part of this API.',
    }),
    idempotencyKey: t.string({
      description:
        'Sent again with the same input within 24 hours, the first answer comes back and nothing is sent twice.',
    }),
  }),
});

const CreateDmGroupInput = builder.inputType('CreateDmGroupInput', {
  description: 'A new group conversation with `participantIds` (the others: 2 to 49) and its first message.',
  fields: (t) => ({
    participantIds: t.idList({ required: true }),
    text: t.string(),
    mediaIds: t.idList(),
    idempotencyKey: t.string(),
  }),
});

const DeleteDmEventInput = builder.inputType('DeleteDmEventInput', {
  description: 'One of the caller’s own messages.',
  fields: (t) => ({ eventId: t.id({ required: true }) }),
});

/** What a send leaves for its payload's fields to resolve. */
interface SentValue extends Sent {
  readonly text?: string;
}

/** The fields of a sent message known without asking X. */
const KNOWN_FIELDS = new Set(['event_type', 'text', 'dm_conversation_id', 'sender_id']);

const SendDmPayloadRef = builder.objectRef<SentValue>('SendDmPayload').implement({
  description: 'The message sent, and its conversation.',
  fields: (t) => ({
    event: t.field({
      type: DmEventRef,
      nullable: false,
      resolve: (sent, _args, context, info) => sentEvent(sent, context, info),
    }),
    conversation: t.field({
      type: DmConversationRef,
      nullable: false,
      resolve: (sent): ConversationKey => ({ conversationId: sent.conversationId }),
    }),
  }),
});

const DeleteDmEventPayloadRef = builder.objectRef<{ deletedEventId: string }>('DeleteDmEventPayload').implement({
  fields: (t) => ({ deletedEventId: t.exposeString('deletedEventId', { nullable: false }) }),
});

/**
 * The sent message, as the selection reads it: from what is known when that is all it reads, otherwise read from X
 * (one call, or none when the memory holds it).
 */
async function sentEvent(
  sent: SentValue,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<Planned<DmEvent>> {
  const type = getNamedType(info.returnType) as GraphQLObjectType;
  const { params, plan } = planField(info, 'dm_event', type, context.x.dialect);
  const known = !params.expansions && splitList(params['dm_event.fields']).every((field) => KNOWN_FIELDS.has(field));
  if (!known) return loadDmEvent(sent.eventId, context, info, type);
  const readsSender = splitList(params['dm_event.fields']).includes('sender_id');
  const event: DmEvent = {
    id: sent.eventId,
    event_type: 'MessageCreate',
    dm_conversation_id: sent.conversationId,
    ...(sent.text !== undefined && { text: sent.text }),
    ...(readsSender && { sender_id: await context.callerId() }),
  };
  return new Planned(event, plan);
}

/** The message part of an input, checked: text and/or one media id. */
function checkMessage(
  text: string | null | undefined,
  mediaIds: readonly (string | number)[] | null | undefined,
): { text?: string; mediaIds?: string[] } {
  const media = (mediaIds ?? []).map((id, index) =>
    checkId(String(id), ID_PATTERNS.mediaId, `input.mediaIds[${index}]`, 'a media id of 1 to 19 digits'),
  );
  if (media.length > MAX_MEDIA) {
    throw new BadUserInputError(`X takes at most ${MAX_MEDIA} media id in a message; ${media.length} were given.`, {
      argument: 'input.mediaIds',
    });
  }
  if (text === null || text === undefined) {
    if (media.length === 0)
      throw new BadUserInputError('A message needs `text`, `mediaIds` or both.', { argument: 'input.text' });
    return { mediaIds: media };
  }
  if (text.length === 0)
    throw new BadUserInputError('`text` must not be empty; leave it out to send media alone.', {
      argument: 'input.text',
    });
  const characters = [...text].length;
  if (characters > MAX_TEXT_CHARACTERS) {
    throw new BadUserInputError(`\`text\` is ${characters} characters; X takes at most ${MAX_TEXT_CHARACTERS}.`, {
      argument: 'input.text',
    });
  }
  return { text, ...(media.length > 0 && { mediaIds: media }) };
}

function checkKey(key: string | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY) {
    throw new BadUserInputError(`\`idempotencyKey\` must be 1 to ${MAX_IDEMPOTENCY_KEY} characters.`, {
      argument: 'input.idempotencyKey',
    });
  }
  return key;
}

builder.mutationFields((t) => ({
  sendDm: t.field({
    type: SendDmPayloadRef,
    nullable: false,
    description:
      'Sends a message (`POST /2/dm_conversations/with/{participant_id}/messages` or `/{dm_conversation_id}/messages`).',
    args: { input: t.arg({ type: SendDmInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const hasParticipant = input.participantId !== null && input.participantId !== undefined;
      const hasConversation = input.conversationId !== null && input.conversationId !== undefined;
      if (hasParticipant === hasConversation) {
        throw new BadUserInputError('Give exactly one of `participantId` and `conversationId`.', {
          argument: hasParticipant ? 'input.conversationId' : 'input.participantId',
        });
      }
      const target = hasParticipant
        ? {
            participantId: checkId(
              String(input.participantId),
              ID_PATTERNS.userId,
              'input.participantId',
              'a user id of 1 to 19 digits',
            ),
          }
        : {
            conversationId: checkId(
              String(input.conversationId),
              ID_PATTERNS.dmConversationId,
              'input.conversationId',
              'a one-to-one id like `123-456` or a group id of 15 to 19 digits',
            ),
          };
      const message = checkMessage(input.text, input.mediaIds);
      const sent = await sendMessage(context, target, message, checkKey(input.idempotencyKey));
      return { ...sent, ...(message.text !== undefined && { text: message.text }) };
    },
  }),
  createDmGroup: t.field({
    type: SendDmPayloadRef,
    nullable: false,
    description: 'Starts a new group conversation with a first message (`POST /2/dm_conversations`).',
    args: { input: t.arg({ type: CreateDmGroupInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const others = input.participantIds.map((id, index) =>
        checkId(String(id), ID_PATTERNS.userId, `input.participantIds[${index}]`, 'a user id of 1 to 19 digits'),
      );
      if (others.length < MIN_GROUP_OTHERS || others.length > MAX_GROUP_OTHERS) {
        throw new BadUserInputError(
          `A group takes ${MIN_GROUP_OTHERS} to ${MAX_GROUP_OTHERS} others in \`participantIds\`; ${others.length} were given.`,
          { argument: 'input.participantIds' },
        );
      }
      if (new Set(others).size !== others.length) {
        throw new BadUserInputError('`participantIds` names someone twice.', { argument: 'input.participantIds' });
      }
      const message = checkMessage(input.text, input.mediaIds);
      const sent = await createGroup(context, others, message, checkKey(input.idempotencyKey));
      return { ...sent, ...(message.text !== undefined && { text: message.text }) };
    },
  }),
  deleteDmEvent: t.field({
    type: DeleteDmEventPayloadRef,
    nullable: false,
    description: 'Deletes one of the caller’s own messages (`DELETE /2/dm_events/{event_id}`).',
    args: { input: t.arg({ type: DeleteDmEventInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const eventId = checkId(
        String(input.eventId),
        ID_PATTERNS.dmEventId,
        'input.eventId',
        'an event id of 1 to 19 digits',
      );
      await deleteEvent(context, eventId);
      return { deletedEventId: eventId };
    },
  }),
}));
