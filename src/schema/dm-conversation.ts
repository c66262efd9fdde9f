/**
 * `DmConversation`: a conversation, by X's id or by the other participant of a one-to-one conversation, and the
 * root fields that open one. Opening a conversation costs nothing; its `events` make the call.
 */
import { callsX } from '../planner/needs.js';
import { ID_PATTERNS, type UserAnswer } from '../x/wire.js';
import { builder } from './builder.js';
import { checkId } from './ids.js';
import { DmEventConnectionRef, dmEventConnectionArgs, resolveDmEventConnection } from './dm-event-connection.js';
import { type ConversationKey, DmConversationRef } from './refs.js';

/** X's one-to-one conversation id: the two user ids, smaller first. */
export function oneToOneConversationId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}

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

builder.node(DmConversationRef, {
  description: 'A DM conversation: one-to-one, or a group.',
  id: { resolve: (key) => conversationLocalId(key) },
  fields: (t) => ({
    conversationId: t.string({
      description: "X's id of the conversation, e.g. `123123123-456456456` (one-to-one) or `1582838273423667201` (group).",
      // For a conversation opened with a participant, it costs one call to learn the caller's own id.
      ...callsX('me'),
      resolve: async (key, _args, context) => {
        if ('conversationId' in key) return key.conversationId;
        const { body } = await context.x.getShared<UserAnswer>('/2/users/me', {}, {});
        return body.data ? oneToOneConversationId(body.data.id, key.participantId) : null;
      },
    }),
    events: t.field({
      type: DmEventConnectionRef,
      nullable: false,
      description: "The conversation's events, newest first.",
      args: dmEventConnectionArgs,
      ...callsX('dm_page'),
      resolve: (key, args, context, info) => resolveDmEventConnection(eventsPath(key), args, context, info),
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
      conversationId: checkId(String(args.conversationId), ID_PATTERNS.dmConversationId, 'conversationId',
        'a one-to-one id like `123-456` or a group id of 15 to 19 digits'),
    }),
  }),
  dmConversationWith: t.field({
    type: DmConversationRef,
    nullable: false,
    description: 'The one-to-one conversation with a user (`GET /2/dm_conversations/with/{participant_id}/dm_events`).',
    args: { participantId: t.arg.id({ required: true }) },
    resolve: (_root, args) => ({
      participantId: checkId(String(args.participantId), ID_PATTERNS.userId, 'participantId', 'a user id of 1 to 19 digits'),
    }),
  }),
}));
