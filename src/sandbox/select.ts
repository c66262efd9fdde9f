/**
 * Field selection and expansions, as X does them: an object carries its default fields plus what its `*.fields`
 * parameter asks for, never a field it does not have; `expansions` fill `includes` with the objects the answer's
 * own objects point at, deduplicated, each selected the same way; a referenced object that does not exist becomes a
 * partial `resource-not-found` error beside the data.
 *
 * Everything here speaks the names the demo data is kept in (spec 2.159's): a call's wire query is read into them
 * (`dialect.readSelection`) before, and the answer written out of them (`dialect.writeAnswer`) after.
 */
import type { SandboxDialect } from './speech.js';
import { FIELDS_PARAM, type LinkKind, type RootKind, type XKind } from '../x/params.js';
import type { DmEvent, Includes, Media, Place, Poll, Problem } from '../x/wire.js';
import type { DemoStore } from './store.js';
import type { EntityShape, StoredTweet, StoredUser } from './types.js';

/** The fields asked for, per kind, in stored names. */
type FieldSets = Readonly<Record<XKind, ReadonlySet<string>>>;

const KINDS = Object.keys(FIELDS_PARAM) as XKind[];
const MESSAGE_DEFAULTS = new Set(['id', 'event_type', 'text']);
const PARTICIPANTS_DEFAULTS = new Set(['id', 'event_type', 'participant_ids']);
const ENTITY_KEYS = ['hashtags', 'cashtags', 'mentions', 'urls'] as const;
const IS_ENTITY_KEY = new Set<string>(ENTITY_KEYS);

/** Whether an object is one the call asked for (`data`) or one an expansion brought (`includes`). */
export type Role = 'root' | 'included';

/** The object's own keys (in its order) that are a default or requested. Every field name is its JSON key. */
function pick<T extends object>(object: T, defaults: ReadonlySet<string>, requested: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    const value = object[key];
    if (value !== undefined && (defaults.has(key) || requested.has(key))) out[key] = value;
  }
  return out as T;
}

/**
 * What one call selects, from its validated wire selection (`*.fields` and `expansions` in the dialect's names).
 * Fields the dialect carries only through an expansion of the called objects (`isRootOnly`: a user's
 * `pinned_tweet_id`, a post's `author_id` in the posts dialect) go to those objects and never to included ones.
 */
export class Selector {
  /** Canonical expansions. */
  readonly expansions: ReadonlySet<string>;
  private readonly fields: Record<Role, FieldSets>;
  private readonly defaults: Readonly<Record<LinkKind, ReadonlySet<string>>>;

  constructor(dialect: SandboxDialect, root: RootKind, selection: Readonly<Record<string, string>>) {
    const stored = dialect.readSelection(root, selection);
    const asked = (kind: XKind) => new Set(stored[FIELDS_PARAM[kind]]?.split(',') ?? []);
    const roots = {} as Record<XKind, ReadonlySet<string>>;
    const included = {} as Record<XKind, ReadonlySet<string>>;
    for (const kind of KINDS) {
      roots[kind] = asked(kind);
      included[kind] = new Set([...roots[kind]].filter((field) => !dialect.isRootOnly(kind, field)));
    }
    this.fields = { root: roots, included };
    this.expansions = new Set(stored.expansions?.split(',') ?? []);
    const defaults = {} as Record<LinkKind, ReadonlySet<string>>;
    for (const kind of KINDS) if (kind !== 'dm_event') defaults[kind] = new Set(dialect.defaults(kind));
    this.defaults = defaults;
  }

  user(user: StoredUser, role: Role): StoredUser {
    return pick(user, this.defaults.user, this.fields[role].user);
  }

  tweet(tweet: StoredTweet, role: Role): StoredTweet {
    return pick(tweet, this.defaults.tweet, this.fields[role].tweet);
  }

  /** Media, polls and places are only ever included. */
  media(media: Media): Media {
    return pick(media, this.defaults.media, this.fields.included.media);
  }

  poll(poll: Poll): Poll {
    return pick(poll, this.defaults.poll, this.fields.included.poll);
  }

  place(place: Place): Place {
    return pick(place, this.defaults.place, this.fields.included.place);
  }

  /**
   * A DM event (always one the call asked for) with its defaults (MessageCreate: id, event_type, text; the
   * participant events: id, event_type, participant_ids) and the requested fields. `entities` stands for the four
   * entity arrays, placed per `shape`.
   */
  event(event: DmEvent, shape: EntityShape): DmEvent {
    const asked = this.fields.root.dm_event;
    const defaults = event.event_type === 'MessageCreate' ? MESSAGE_DEFAULTS : PARTICIPANTS_DEFAULTS;
    const out: Record<string, unknown> = {};
    for (const key in event) {
      if (IS_ENTITY_KEY.has(key)) continue;
      const value = event[key as keyof DmEvent];
      if (value !== undefined && (defaults.has(key) || asked.has(key))) out[key] = value;
    }
    if (asked.has('entities')) {
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
}

type ResourceType = 'user' | 'tweet' | 'media';

/** X's partial not-found error, in stored names (`writeAnswer` renames the post's type and parameter). */
export function notFound(resourceType: ResourceType | 'dm_event', parameter: string, id: string): Problem {
  return {
    value: id,
    detail: notFoundDetail(resourceType, parameter, id),
    title: 'Not Found Error',
    resource_type: resourceType,
    parameter,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

/** The detail of a not-found error, which X writes from its other fields (and says `id` for `event_id`). */
export function notFoundDetail(resourceType: string, parameter: string, id: string): string {
  return `Could not find ${resourceType} with ${parameter === 'event_id' ? 'id' : parameter}: [${id}].`;
}

/** Collects `includes` (first occurrence wins, so each object appears once) and the partial errors. */
export class IncludesBuilder {
  private readonly users = new Map<string, StoredUser>();
  private readonly tweets = new Map<string, StoredTweet>();
  private readonly media = new Map<string, Media>();
  private readonly polls = new Map<string, Poll>();
  private readonly places = new Map<string, Place>();
  private readonly errors = new Map<string, Problem>();

  constructor(
    private readonly store: DemoStore,
    private readonly select: Selector,
  ) {}

  private missing(type: ResourceType, parameter: string, id: string): void {
    const key = `${parameter}|${id}`;
    if (!this.errors.has(key)) this.errors.set(key, notFound(type, parameter, id));
  }

  user(id: string | undefined, parameter: string): void {
    if (id === undefined || this.users.has(id)) return;
    const user = this.store.users.get(id);
    if (user) this.users.set(id, this.select.user(user, 'included'));
    else this.missing('user', parameter, id);
  }

  userByName(username: string, parameter: string): void {
    const user = this.store.usersByName.get(username.toLowerCase());
    if (user) this.user(user.id, parameter);
  }

  tweet(id: string | undefined, parameter: string): void {
    if (id === undefined || this.tweets.has(id)) return;
    const tweet = this.store.tweets.get(id);
    if (tweet) this.tweets.set(id, this.select.tweet(tweet, 'included'));
    else this.missing('tweet', parameter, id);
  }

  mediaItem(key: string | undefined, parameter: string): void {
    if (key === undefined || this.media.has(key)) return;
    const item = this.store.media.get(key);
    if (item) this.media.set(key, this.select.media(item));
    else this.missing('media', parameter, key);
  }

  poll(id: string): void {
    const poll = this.store.polls.get(id);
    if (poll && !this.polls.has(id)) this.polls.set(id, this.select.poll(poll));
  }

  place(id: string | undefined): void {
    const place = id === undefined ? undefined : this.store.places.get(id);
    if (place && !this.places.has(place.id)) this.places.set(place.id, this.select.place(place));
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
    if (expansions.has('participant_ids'))
      for (const id of event.participant_ids ?? []) into.user(id, 'participant_ids');
    if (expansions.has('attachments.media_keys'))
      for (const key of event.attachments?.media_keys ?? []) into.mediaItem(key, 'attachments.media_keys');
    if (expansions.has('referenced_tweets.id'))
      for (const ref of event.referenced_tweets ?? []) into.tweet(ref.id, 'referenced_tweets.id');
  }
}

export function expandUsers(
  users: readonly StoredUser[],
  into: IncludesBuilder,
  expansions: ReadonlySet<string>,
): void {
  for (const user of users) {
    if (expansions.has('pinned_tweet_id')) into.tweet(user.pinned_tweet_id, 'pinned_tweet_id');
    if (expansions.has('most_recent_tweet_id')) into.tweet(user.most_recent_tweet_id, 'most_recent_tweet_id');
    if (expansions.has('affiliation.user_id'))
      for (const id of user.affiliation?.user_id ?? []) into.user(id, 'affiliation.user_id');
  }
}

/** Every tweet expansion of the spec; each reads the link from the full tweet, not from the selected one. */
export function expandTweets(
  tweets: readonly StoredTweet[],
  into: IncludesBuilder,
  expansions: ReadonlySet<string>,
  store: DemoStore,
): void {
  const has = (name: string) => expansions.has(name);
  for (const tweet of tweets) {
    if (has('author_id')) into.user(tweet.author_id, 'author_id');
    if (has('in_reply_to_user_id')) into.user(tweet.in_reply_to_user_id, 'in_reply_to_user_id');
    if (has('entities.mentions.username'))
      for (const m of tweet.entities?.mentions ?? []) into.userByName(m.username, 'entities.mentions.username');
    if (has('entities.note.mentions.username'))
      for (const m of tweet.note_tweet?.entities?.mentions ?? [])
        into.userByName(m.username, 'entities.note.mentions.username');
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
    if (
      has('referenced_tweets.id') ||
      has('referenced_tweets.id.author_id') ||
      has('referenced_tweets.id.attachments.media_keys')
    ) {
      for (const ref of tweet.referenced_tweets ?? []) {
        if (has('referenced_tweets.id')) into.tweet(ref.id, 'referenced_tweets.id');
        const referenced = store.tweets.get(ref.id);
        if (!referenced) continue;
        if (has('referenced_tweets.id.author_id')) into.user(referenced.author_id, 'referenced_tweets.id.author_id');
        if (has('referenced_tweets.id.attachments.media_keys'))
          for (const key of referenced.attachments?.media_keys ?? [])
            into.mediaItem(key, 'referenced_tweets.id.attachments.media_keys');
      }
    }
  }
}
