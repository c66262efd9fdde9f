/**
 * The object refs of the X objects, declared apart from their fields so that types can point at each other
 * (a user's pinned tweet, a tweet's author) without import cycles. Each is implemented in its own file.
 */
import type { Planned } from '../planner/plan.js';
import type { DmEvent, Media, Place, Poll, Tweet, User } from '../x/wire.js';
import { builder } from './builder.js';

export const UserRef = builder.objectRef<Planned<User>>('User');
export const TweetRef = builder.objectRef<Planned<Tweet>>('Tweet');
export const MediaRef = builder.objectRef<Planned<Media>>('Media');
export const DmEventRef = builder.objectRef<Planned<DmEvent>>('DmEvent');

/**
 * A conversation is known by X's id, or (for `dmConversationWith`) by the other participant's user id. The inbox
 * hands its conversations on with their newest event, already known.
 */
export type ConversationKey =
  | { readonly conversationId: string; readonly lastEvent?: DmEvent }
  | { readonly participantId: string; readonly lastEvent?: undefined };
export const DmConversationRef = builder.objectRef<ConversationKey>('DmConversation');

export const PollRef = builder.objectRef<Planned<Poll>>('Poll');
export const PlaceRef = builder.objectRef<Planned<Place>>('Place');
