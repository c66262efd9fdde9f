/**
 * Field selection and expansions, as X does them: an object carries its default fields plus what its `*.fields`
 * parameter asks for, never a field it does not have; `expansions` fill `includes` with the objects the answer's
 * own objects point at, deduplicated, each selected the same way; a referenced object that does not exist becomes a
 * partial `resource-not-found` error beside the data.
 */
import type { DmEvent, Includes, Media, Place, Poll, Problem, Tweet, User } from '../x/wire.js';
import type { DemoStore } from './store.js';
import type { EntityShape } from './types.js';

export interface FieldSets {
  dmEvent: ReadonlySet<string>;
  user: ReadonlySet<string>;
  tweet: ReadonlySet<string>;
  media: ReadonlySet<string>;
  poll: ReadonlySet<string>;
  place: ReadonlySet<string>;
  expansions: ReadonlySet<string>;
}

const USER_DEFAULTS = new Set(['id', 'name', 'username']);
const TWEET_DEFAULTS = new Set(['id', 'text', 'edit_history_tweet_ids']);
const MEDIA_DEFAULTS = new Set(['media_key', 'type']);
const POLL_DEFAULTS = new Set(['id', 'options']);
const PLACE_DEFAULTS = new Set(['id', 'full_name']);
const MESSAGE_DEFAULTS = new Set(['id', 'event_type', 'text']);
const PARTICIPANTS_DEFAULTS = new Set(['id', 'event_type', 'participant_ids']);
const ENTITY_KEYS = ['hashtags', 'cashtags', 'mentions', 'urls'] as const;
const IS_ENTITY_KEY = new Set<string>(ENTITY_KEYS);

/** The object's own keys (in its order) that are a default or requested. Every field name is its JSON key. */
function pick<T extends object>(object: T, defaults: ReadonlySet<string>, requested: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    const value = object[key];
    if (value !== undefined && (defaults.has(key) || requested.has(key))) out[key] = value;
  }
  return out as T;
}

export const selectUser = (user: User, fields: FieldSets): User => pick(user, USER_DEFAULTS, fields.user);
export const selectTweet = (tweet: Tweet, fields: FieldSets): Tweet => pick(tweet, TWEET_DEFAULTS, fields.tweet);
export const selectMedia = (media: Media, fields: FieldSets): Media => pick(media, MEDIA_DEFAULTS, fields.media);
const selectPoll = (poll: Poll, fields: FieldSets): Poll => pick(poll, POLL_DEFAULTS, fields.poll);
const selectPlace = (place: Place, fields: FieldSets): Place => pick(place, PLACE_DEFAULTS, fields.place);

/**
 * A DM event with its defaults (MessageCreate: id, event_type, text; the participant events: id, event_type,
 * participant_ids) and the requested fields. `entities` stands for the four entity arrays, placed per `shape`.
 */
export function selectEvent(event: DmEvent, fields: FieldSets, shape: EntityShape): DmEvent {
  const defaults = event.event_type === 'MessageCreate' ? MESSAGE_DEFAULTS : PARTICIPANTS_DEFAULTS;
  const out: Record<string, unknown> = {};
  for (const key in event) {
    if (IS_ENTITY_KEY.has(key)) continue;
    const value = event[key as keyof DmEvent];
    if (value !== undefined && (defaults.has(key) || fields.dmEvent.has(key))) out[key] = value;
  }
  if (fields.dmEvent.has('entities')) {
    const entities: Record<string, unknown> = {};
    let any = false;
    for (const key of ENTITY_KEYS) {
      if (event[key]) {
        entities[key] = event[key];
        any = true;
      }
    }
    if (any) {
      if (shape === 'nested') out.entities = entities;
      else Object.assign(out, entities);
    }
  }
  return out as DmEvent;
}

type ResourceType = 'user' | 'tweet' | 'media';

/** X's partial not-found error. `label` is what the detail calls the parameter (X says `id` for `event_id`). */
export function notFound(resourceType: ResourceType | 'dm_event', parameter: string, id: string, label = parameter): Problem {
  return {
    value: id,
    detail: `Could not find ${resourceType} with ${label}: [${id}].`,
    title: 'Not Found Error',
    resource_type: resourceType,
    parameter,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

/** Collects `includes` (first occurrence wins, so each object appears once) and the partial errors. */
export class IncludesBuilder {
  private readonly users = new Map<string, User>();
  private readonly tweets = new Map<string, Tweet>();
  private readonly media = new Map<string, Media>();
  private readonly polls = new Map<string, Poll>();
  private readonly places = new Map<string, Place>();
  private readonly errors = new Map<string, Problem>();

  constructor(
    private readonly store: DemoStore,
    private readonly fields: FieldSets,
  ) {}

  private missing(type: ResourceType, parameter: string, id: string): void {
    const key = `${parameter}|${id}`;
    if (!this.errors.has(key)) this.errors.set(key, notFound(type, parameter, id));
  }

  user(id: string | undefined, parameter: string): void {
    if (id === undefined || this.users.has(id)) return;
    const user = this.store.users.get(id);
    if (user) this.users.set(id, selectUser(user, this.fields));
    else this.missing('user', parameter, id);
  }

  userByName(username: string, parameter: string): void {
    const user = this.store.usersByName.get(username.toLowerCase());
    if (user) this.user(user.id, parameter);
  }

  tweet(id: string | undefined, parameter: string): void {
    if (id === undefined || this.tweets.has(id)) return;
    const tweet = this.store.tweets.get(id);
    if (tweet) this.tweets.set(id, selectTweet(tweet, this.fields));
    else this.missing('tweet', parameter, id);
  }

  mediaItem(key: string | undefined, parameter: string): void {
    if (key === undefined || this.media.has(key)) return;
    const item = this.store.media.get(key);
    if (item) this.media.set(key, selectMedia(item, this.fields));
    else this.missing('media', parameter, key);
  }

  poll(id: string): void {
    const poll = this.store.polls.get(id);
    if (poll && !this.polls.has(id)) this.polls.set(id, selectPoll(poll, this.fields));
  }

  place(id: string | undefined): void {
    const place = id === undefined ? undefined : this.store.places.get(id);
    if (place && !this.places.has(place.id)) this.places.set(place.id, selectPlace(place, this.fields));
  }

  /** `includes` without empty arrays (undefined when nothing was included) and the partial errors. */
  build(): { includes?: Includes; errors?: Problem[] } {
    const includes: Includes = {};
    if (this.users.size) includes.users = [...this.users.values()];
    if (this.tweets.size) includes.tweets = [...this.tweets.values()];
    if (this.media.size) includes.media = [...this.media.values()];
    if (this.polls.size) includes.polls = [...this.polls.values()];
    if (this.places.size) includes.places = [...this.places.values()];
    return {
      ...(Object.keys(includes).length > 0 && { includes }),
      ...(this.errors.size > 0 && { errors: [...this.errors.values()] }),
    };
  }
}

/** DM expansions link through the event's own id fields, whatever `dm_event.fields` asked for. */
export function expandEvents(events: readonly DmEvent[], into: IncludesBuilder, expansions: ReadonlySet<string>): void {
  for (const event of events) {
    if (expansions.has('sender_id')) into.user(event.sender_id, 'sender_id');
    if (expansions.has('participant_ids')) for (const id of event.participant_ids ?? []) into.user(id, 'participant_ids');
    if (expansions.has('attachments.media_keys'))
      for (const key of event.attachments?.media_keys ?? []) into.mediaItem(key, 'attachments.media_keys');
    if (expansions.has('referenced_tweets.id'))
      for (const ref of event.referenced_tweets ?? []) into.tweet(ref.id, 'referenced_tweets.id');
  }
}

export function expandUsers(users: readonly User[], into: IncludesBuilder, expansions: ReadonlySet<string>): void {
  for (const user of users) {
    if (expansions.has('pinned_tweet_id')) into.tweet(user.pinned_tweet_id, 'pinned_tweet_id');
    if (expansions.has('most_recent_tweet_id')) into.tweet(user.most_recent_tweet_id, 'most_recent_tweet_id');
    if (expansions.has('affiliation.user_id'))
      for (const id of user.affiliation?.user_id ?? []) into.user(id, 'affiliation.user_id');
  }
}

/** Every tweet expansion of the spec; each reads the link from the full tweet, not from the selected one. */
export function expandTweets(tweets: readonly Tweet[], into: IncludesBuilder, expansions: ReadonlySet<string>, store: DemoStore): void {
  const has = (name: string) => expansions.has(name);
  for (const tweet of tweets) {
    if (has('author_id')) into.user(tweet.author_id, 'author_id');
    if (has('in_reply_to_user_id')) into.user(tweet.in_reply_to_user_id, 'in_reply_to_user_id');
    if (has('entities.mentions.username'))
      for (const m of tweet.entities?.mentions ?? []) into.userByName(m.username, 'entities.mentions.username');
    if (has('entities.note.mentions.username'))
      for (const m of tweet.note_tweet?.entities?.mentions ?? []) into.userByName(m.username, 'entities.note.mentions.username');
    if (has('attachments.media_keys'))
      for (const key of tweet.attachments?.media_keys ?? []) into.mediaItem(key, 'attachments.media_keys');
    if (has('article.cover_media')) into.mediaItem(tweet.article?.cover_media, 'article.cover_media');
    if (has('article.media_entities'))
      for (const key of tweet.article?.media_entities ?? []) into.mediaItem(key, 'article.media_entities');
    if (has('attachments.poll_ids')) for (const id of tweet.attachments?.poll_ids ?? []) into.poll(id);
    if (has('geo.place_id')) into.place(tweet.geo?.place_id);
    if (has('edit_history_tweet_ids'))
      for (const id of tweet.edit_history_tweet_ids ?? []) into.tweet(id, 'edit_history_tweet_ids');
    if (has('attachments.media_source_tweet'))
      for (const id of tweet.attachments?.media_source_tweet_id ?? []) into.tweet(id, 'attachments.media_source_tweet');
    if (has('referenced_tweets.id') || has('referenced_tweets.id.author_id') || has('referenced_tweets.id.attachments.media_keys')) {
      for (const ref of tweet.referenced_tweets ?? []) {
        if (has('referenced_tweets.id')) into.tweet(ref.id, 'referenced_tweets.id');
        const referenced = store.tweets.get(ref.id);
        if (!referenced) continue;
        if (has('referenced_tweets.id.author_id')) into.user(referenced.author_id, 'referenced_tweets.id.author_id');
        if (has('referenced_tweets.id.attachments.media_keys'))
          for (const key of referenced.attachments?.media_keys ?? []) into.mediaItem(key, 'referenced_tweets.id.attachments.media_keys');
      }
    }
  }
}
