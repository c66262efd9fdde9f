/**
 * The demo data, indexed once at creation so a request never scans the whole data set: objects by id, each user's
 * visible events (all, and per conversation), and per event-type filter a cached sub-list.
 */
import type { DmEvent, DmEventType, Media, Place, Poll } from '../x/wire.js';
import { WINDOW_MS } from './data/conversations.js';
import { type GeneratedData, canonicalEvent } from './data/index.js';
import { resourceIdOf, tonUrl } from './data/dm-media.js';
import { demoMp4, demoPng } from './media-bytes.js';
import type { DemoConversation, DemoData, StoredTweet, StoredUser } from './types.js';

/** A message's content: its text (X requires text or an attachment) and the media keys of its attachments. */
export interface NewMessage {
  text?: string;
  mediaKeys?: readonly string[];
}

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
  private readonly conversations = new Map<string, DemoConversation>();
  /** Numeric part of a media key (`7_123` -> `123`) -> the media: what an attachment's `media_id` names. */
  private readonly mediaById = new Map<string, Media>();
  /** Told of every message added (X's Activity API pushes it). */
  onAdded?: (event: DmEvent) => void;
  /** The largest event id ever given: new events go above it, even when the newest was deleted. */
  private newestId = 0n;

  /**
   * `clock` moves X's 30-day window: events created before `clock() - 30 days` leave every lookup. Without it nothing
   * ages out (the demo data lies within the window of its own `now`).
   */
  constructor(
    { data, viewers }: GeneratedData,
    private readonly clock?: () => number,
  ) {
    this.data = data;
    for (const user of data.users) {
      this.users.set(user.id, user);
      this.usersByName.set(user.username.toLowerCase(), user);
    }
    for (const tweet of data.tweets) this.tweets.set(tweet.id!, tweet);
    for (const item of data.media) {
      this.media.set(item.media_key!, item);
      this.mediaById.set(item.media_key!.slice(item.media_key!.indexOf('_') + 1), item);
    }
    for (const conversation of data.conversations) this.conversations.set(conversation.id, conversation);
    for (const poll of data.polls) this.polls.set(poll.id, poll);
    for (const place of data.places) this.places.set(place.id, place);
    this.viewers = new Map([...viewers].map(([id, who]) => [id, new Set(who)]));
    // data.events is newest first, so every list built by appending is too.
    for (const event of data.events) {
      this.events.set(event.id, event);
      if (BigInt(event.id) > this.newestId) this.newestId = BigInt(event.id);
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

  /** A conversation by id, members as of now (one a test pushed onto `data.conversations` itself too). */
  conversation(id: string): DemoConversation | undefined {
    let conversation = this.conversations.get(id);
    if (!conversation) {
      conversation = this.data.conversations.find((c) => c.id === id);
      if (conversation) this.conversations.set(id, conversation);
    }
    return conversation;
  }

  /**
   * Adds a conversation the data did not have (a one-to-one conversation's first message, a new group): it joins
   * `data.conversations`, and its events go to its members.
   */
  addConversation(conversation: DemoConversation): DemoConversation {
    if (this.conversation(conversation.id)) throw new Error(`The sandbox already has conversation ${conversation.id}.`);
    this.data.conversations.push(conversation);
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /**
   * A 19-digit id for a new group, as X's are snowflakes: one below the id the next event will get, so above every
   * conversation made so far in time; never one a conversation has.
   */
  newConversationId(): string {
    let id = this.newestId + (1n << 22n) - 1n;
    while (this.conversation(String(id))) id--;
    return String(id);
  }

  /**
   * A new message in `conversationId` from `senderId`, newer than every event, seen by the conversation's members:
   * the one way an event is added (tests drive arrivals with it, the manage endpoints send with it). `message` is the
   * text, or the text and the media keys of its attachments (each key must be in `media`). The event joins
   * `data.events` (newest first).
   */
  addMessage(conversationId: string, senderId: string, message: string | NewMessage, createdAt: Date): DmEvent {
    const conversation = this.conversation(conversationId);
    if (!conversation) throw new Error(`The sandbox has no conversation ${conversationId}.`);
    const { text, mediaKeys = [] } = typeof message === 'string' ? { text: message } : message;
    for (const key of mediaKeys) if (!this.media.has(key)) throw new Error(`The sandbox has no media ${key}.`);
    // One step of the worker/sequence bits above the newest id ever given (a deleted event's id is never reused): ids
    // keep growing with time, as X's snowflakes do.
    this.newestId += 1n << 22n;
    const event = canonicalEvent({
      id: String(this.newestId),
      event_type: 'MessageCreate',
      text,
      sender_id: senderId,
      dm_conversation_id: conversationId,
      created_at: new Date(Math.floor(createdAt.getTime() / 1000) * 1000).toISOString(),
      ...(mediaKeys.length > 0 && { attachments: { media_keys: [...mediaKeys] } }),
    });
    // A photo uploaded for this message is this DM's media: its ton.twitter.com URL names the event.
    for (const key of mediaKeys) {
      const media = this.media.get(key)!;
      if (media.url === undefined && media.type === 'photo') {
        const mediaId = key.slice(key.indexOf('_') + 1);
        media.url = tonUrl(event.id, mediaId, resourceIdOf(`${event.id}/${mediaId}`, 'photo'));
      }
    }
    this.events.set(event.id, event);
    this.data.events.unshift(event);
    this.viewers.set(event.id, new Set(conversation.participantIds));
    for (const userId of conversation.participantIds) {
      this.prepend(userId, event);
      this.prepend(`${userId}|${conversationId}`, event);
    }
    this.onAdded?.(event);
    return event;
  }

  /**
   * The media a DM attachment's `media_id` stands for: a demo media whose key ends in `_<media_id>` if there is one,
   * else a photo `3_<media_id>` (X's media key prefix for photos), made once and kept in `media` and `data.media` so
   * expansions find it. Same id, same media. Its ton.twitter.com `url` is given by the first message it is sent with.
   */
  mediaForUpload(mediaId: string): Media {
    const known = this.mediaById.get(mediaId);
    if (known) return known;
    const photo = {
      media_key: `3_${mediaId}`,
      type: 'photo',
      width: 1200,
      height: 800,
    } as Media;
    this.data.media.push(photo);
    this.media.set(photo.media_key!, photo);
    this.mediaById.set(mediaId, photo);
    return photo;
  }

  /**
   * X's DM media download for `userId`: the bytes of the media at
   * `https://ton.twitter.com/1.1/ton/data/dm/{dmId}/{mediaId}/{resourceId}`, for a participant who sees that event;
   * 403 for anyone else when the event exists, 404 when no event has that media. Bytes are made once per resource.
   */
  download(
    userId: string,
    dmId: string,
    mediaId: string,
    resourceId: string,
  ): { status: 200; bytes: Buffer } | { status: 403 | 404 } {
    const event = this.events.get(dmId);
    if (!event) return { status: 404 };
    const url = tonUrl(dmId, mediaId, resourceId);
    const media = (event.attachments?.media_keys ?? []).map((key) => this.media.get(key)).find((m) => m?.url === url);
    if (!media) return this.viewers.get(dmId)?.has(userId) ? { status: 404 } : { status: 403 };
    if (!this.viewers.get(dmId)?.has(userId)) return { status: 403 };
    let bytes = this.mediaBytes.get(url);
    if (!bytes) {
      bytes = media.type === 'photo' ? demoPng(url) : demoMp4(url);
      this.mediaBytes.set(url, bytes);
    }
    return { status: 200, bytes };
  }

  /** Bytes of DM media made so far, by URL. */
  private readonly mediaBytes = new Map<string, Buffer>();

  /** Deletes an event for everyone (X's delete; tests use it to delete "at X"). True when it existed. */
  deleteEvent(eventId: string): boolean {
    const event = this.events.get(eventId);
    if (!event) return false;
    this.events.delete(eventId);
    const index = this.data.events.indexOf(event);
    if (index >= 0) this.data.events.splice(index, 1);
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

  /** The event, if `userId` may see it within X's window; otherwise undefined, exactly as if it did not exist. */
  eventFor(userId: string, eventId: string): DmEvent | undefined {
    const event = this.viewers.get(eventId)?.has(userId) ? this.events.get(eventId) : undefined;
    return event && this.clock && createdAt(event) < this.clock() - WINDOW_MS ? undefined : event;
  }

  /**
   * What `userId` sees (in one conversation, or everywhere) within X's window, newest first, keeping only `types` when
   * given.
   */
  visibleEvents(userId: string, conversationId?: string, types?: readonly DmEventType[]): readonly DmEvent[] {
    const all = this.lists.get(conversationId === undefined ? userId : `${userId}|${conversationId}`);
    if (!all) return EMPTY;
    const list = this.clock ? withinWindow(all, this.clock() - WINDOW_MS) : all;
    const wanted = new Set(types);
    if (!types || wanted.size === 3) return list;
    const key = [...wanted].sort().join(',');
    let cache = this.filtered.get(list);
    if (!cache) this.filtered.set(list, (cache = new Map<string, readonly DmEvent[]>()));
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = list.filter((e) => wanted.has(e.event_type as DmEventType))));
    return hit;
  }
}

const createdAt = (event: DmEvent): number => Date.parse(event.created_at ?? '');

/** The head of `list` (newest first, so oldest last) created at `start` or later: the list itself when all of it is. */
function withinWindow(list: DmEvent[], start: number): DmEvent[] {
  if (list.length === 0 || createdAt(list[list.length - 1]!) >= start) return list;
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (createdAt(list[mid]!) < start) high = mid;
    else low = mid + 1;
  }
  return list.slice(0, low);
}
