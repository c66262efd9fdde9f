/**
 * The demo data, indexed once at creation so a request never scans the whole data set: objects by id, each user's
 * visible events (all, and per conversation), and per event-type filter a cached sub-list.
 */
import type { DmEvent, DmEventType, Media, Place, Poll } from '../x/wire.js';
import { type GeneratedData, canonicalEvent } from './data/index.js';
import type { DemoData, StoredTweet, StoredUser } from './types.js';

const EMPTY: readonly DmEvent[] = Object.freeze([]);

export class DemoStore {
  readonly data: DemoData;
  readonly users = new Map<string, StoredUser>();
  readonly usersByName = new Map<string, StoredUser>();
  readonly tweets = new Map<string, StoredTweet>();
  readonly media = new Map<string, Media>();
  readonly polls = new Map<string, Poll>();
  readonly places = new Map<string, Place>();
  private readonly events = new Map<string, DmEvent>();
  private readonly viewers: Map<string, Set<string>>;
  /** `${userId}` -> everything the user sees; `${userId}|${conversationId}` -> one conversation. Newest first. */
  private readonly lists = new Map<string, DmEvent[]>();
  private readonly filtered = new WeakMap<readonly DmEvent[], Map<string, readonly DmEvent[]>>();

  constructor({ data, viewers }: GeneratedData) {
    this.data = data;
    for (const user of data.users) {
      this.users.set(user.id, user);
      this.usersByName.set(user.username.toLowerCase(), user);
    }
    for (const tweet of data.tweets) this.tweets.set(tweet.id!, tweet);
    for (const item of data.media) this.media.set(item.media_key!, item);
    for (const poll of data.polls) this.polls.set(poll.id, poll);
    for (const place of data.places) this.places.set(place.id, place);
    this.viewers = new Map([...viewers].map(([id, who]) => [id, new Set(who)]));
    // data.events is newest first, so every list built by appending is too.
    for (const event of data.events) {
      this.events.set(event.id, event);
      for (const userId of viewers.get(event.id) ?? []) {
        this.append(userId, event);
        this.append(`${userId}|${event.dm_conversation_id}`, event);
      }
    }
  }

  private append(key: string, event: DmEvent): void {
    const list = this.lists.get(key);
    if (list) list.push(event);
    else this.lists.set(key, [event]);
  }

  /**
   * A new message in `conversationId` from `senderId`, newer than every event, seen by the conversation's members
   * (tests drive arrivals with it).
   */
  addMessage(conversationId: string, senderId: string, text: string, createdAt: Date): DmEvent {
    const conversation = this.data.conversations.find((c) => c.id === conversationId);
    if (!conversation) throw new Error(`The sandbox has no conversation ${conversationId}.`);
    // One millisecond above the newest id: ids keep growing with time, as X's snowflakes do.
    let newest = 0n;
    for (const id of this.events.keys()) if (BigInt(id) > newest) newest = BigInt(id);
    const event = canonicalEvent({
      id: String(newest + (1n << 22n)),
      event_type: 'MessageCreate',
      text,
      sender_id: senderId,
      dm_conversation_id: conversationId,
      created_at: new Date(Math.floor(createdAt.getTime() / 1000) * 1000).toISOString(),
    });
    this.events.set(event.id, event);
    this.viewers.set(event.id, new Set(conversation.participantIds));
    for (const userId of conversation.participantIds) {
      this.prepend(userId, event);
      this.prepend(`${userId}|${conversationId}`, event);
    }
    return event;
  }

  /** Deletes an event for everyone (X's delete; tests use it to delete "at X"). True when it existed. */
  deleteEvent(eventId: string): boolean {
    const event = this.events.get(eventId);
    if (!event) return false;
    this.events.delete(eventId);
    for (const userId of this.viewers.get(eventId) ?? []) {
      this.remove(userId, event);
      this.remove(`${userId}|${event.dm_conversation_id}`, event);
    }
    this.viewers.delete(eventId);
    return true;
  }

  private prepend(key: string, event: DmEvent): void {
    const list = this.lists.get(key);
    if (list) list.unshift(event);
    else this.lists.set(key, [event]);
    this.filtered.delete(list ?? []);
  }

  private remove(key: string, event: DmEvent): void {
    const list = this.lists.get(key);
    if (!list) return;
    const index = list.indexOf(event);
    if (index >= 0) list.splice(index, 1);
    this.filtered.delete(list);
  }

  /** The event, if `userId` may see it; otherwise undefined, exactly as if it did not exist. */
  eventFor(userId: string, eventId: string): DmEvent | undefined {
    return this.viewers.get(eventId)?.has(userId) ? this.events.get(eventId) : undefined;
  }

  /** What `userId` sees (in one conversation, or everywhere), newest first, keeping only `types` when given. */
  visibleEvents(userId: string, conversationId?: string, types?: readonly DmEventType[]): readonly DmEvent[] {
    const list = this.lists.get(conversationId === undefined ? userId : `${userId}|${conversationId}`);
    if (!list) return EMPTY;
    const wanted = new Set(types);
    if (!types || wanted.size === 3) return list;
    const key = [...wanted].sort().join(',');
    let cache = this.filtered.get(list);
    if (!cache) this.filtered.set(list, (cache = new Map()));
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = list.filter((e) => wanted.has(e.event_type as DmEventType))));
    return hit;
  }
}
