/**
 * `dmTyping` and `dmReadReceipt`: someone typing to the caller, or reading the caller's messages, as X's Activity API
 * pushes them (`dm.indicate_typing`, `dm.read`). Only the caller's own conversations; typing is coalesced per
 * conversation and person; neither is ever stored. Without the Activity API nothing arrives: X has nothing to poll.
 */
import { type GraphQLObjectType, getNamedType } from 'graphql';
import { subscriptionRefusal } from '../errors.js';
import type { LiveSignal } from '../sync/live.js';
import type { User } from '../x/wire.js';
import { builder } from './builder.js';
import { loadDmEvent } from './dm-event.js';
import { lookupPlanOf } from './links.js';
import { DmConversationRef, DmEventRef, UserRef } from './refs.js';
import { conversationIdOf } from './subscription.js';

const DmTypingRef = builder.objectRef<LiveSignal>('DmTyping');
const DmReadReceiptRef = builder.objectRef<LiveSignal>('DmReadReceipt');

type SignalFields = Parameters<Parameters<typeof DmTypingRef.implement>[0]['fields'] & object>[0];

const conversationField = (t: SignalFields) =>
  t.field({
    type: DmConversationRef,
    nullable: false,
    description: 'The conversation.',
    resolve: (s) => ({ conversationId: s.conversationId }),
  });

/** The person the signal is about, looked up (memory first) with the fields selected. */
const personField = (t: SignalFields, description: string) =>
  t.field({
    type: UserRef,
    nullable: false,
    description,
    resolve: async (s, _args, context, info) =>
      (await context.loaders.load<User>(
        lookupPlanOf(context, info, 'user', getNamedType(info.returnType) as GraphQLObjectType),
        s.userId,
      ))!,
  });

const atField = (t: SignalFields) =>
  t.field({
    type: 'DateTime',
    nullable: false,
    description: 'When X says it happened.',
    resolve: (s) => new Date(s.at).toISOString(),
  });

builder.objectType(DmTypingRef, {
  description: 'Someone is typing to the caller (X: dm.indicate_typing).',
  fields: (t) => ({
    conversation: conversationField(t),
    user: personField(t, 'Who is typing.'),
    at: atField(t),
  }),
});

builder.objectType(DmReadReceiptRef, {
  description: "Someone read the caller's messages (X: dm.read).",
  fields: (t) => ({
    conversation: conversationField(t),
    reader: personField(t, 'Who read.'),
    lastReadEvent: t.field({
      type: DmEventRef,
      description: 'The newest message read, when X names it.',
      resolve: (s, _args, context, info) =>
        s.lastReadEventId === undefined ? null : loadDmEvent(s.lastReadEventId, context, info),
    }),
    at: atField(t),
  }),
});

for (const [name, kind, ref, description] of [
  [
    'dmTyping',
    'typing',
    DmTypingRef,
    'Someone typing to the caller (in one conversation), pushed by X as it happens; coalesced per conversation and person.',
  ],
  [
    'dmReadReceipt',
    'read',
    DmReadReceiptRef,
    "Someone reading the caller's messages (in one conversation), pushed by X as it happens.",
  ],
] as const) {
  builder.subscriptionField(name, (t) =>
    t.field({
      type: ref,
      nullable: false,
      description,
      args: { conversationId: t.arg.id({ description: 'Only this conversation.' }) },
      subscribe: async (_root, args, context) => {
        try {
          return await context.subscribeSignals(kind, conversationIdOf(args.conversationId));
        } catch (error) {
          throw subscriptionRefusal(error);
        }
      },
      resolve: (signal: LiveSignal, _args, context) => {
        // Each signal is resolved like a request of its own (a fresh session and loaders).
        context.renew();
        return signal;
      },
    }),
  );
}
