/**
 * The X API's wire shapes, as the gateway and the sandbox use them.
 *
 * Most types come straight from X's OpenAPI spec (`generated/x-api-2.159.ts`, made by `npm run generate:wire`). The spec
 * is behind the live API in a few places, and those additions are spelled out here, each with the reason:
 * - `DmEvent.entities`: X's newer docs nest `hashtags`/`cashtags`/`mentions`/`urls` there; the spec keeps them at the
 *   top level. Both shapes are accepted.
 * - user.fields and tweet.fields that the `fields` parameters accept but the spec's objects do not describe
 *   (`confirmed_email`, `is_identity_verified`, `parody`, `subscription`, `verified_followers_count`, `article`,
 *   `card_uri`, `media_metadata`): shaped after X's field reference.
 * - Media: the spec splits it into Photo, Video and AnimatedGif by `type`; one object with every field is easier to
 *   select from.
 */
import type { components } from './generated/x-api-2.159.js';
import type { components as Components2167 } from './generated/x-api-2.167.js';
import { SPEC_VOCABULARY } from './generated/vocabulary.js';

type Schemas = components['schemas'];
/** Spec 2.167's objects, for the fields 2.159 lacks. */
type Schemas2167 = Components2167['schemas'];

export type Problem = Schemas['Problem'] & {
  /** Partial errors name what they are about. */
  resource_type?: string;
  resource_id?: string;
  parameter?: string;
  value?: string;
  section?: string;
};

export type HashtagEntity = Schemas['HashtagEntity'];
export type CashtagEntity = Schemas['CashtagEntity'];
export type MentionEntity = Schemas['MentionEntity'];
export type UrlEntity = Schemas['UrlEntity'];

export interface DmEntities {
  hashtags?: HashtagEntity[];
  cashtags?: CashtagEntity[];
  mentions?: MentionEntity[];
  urls?: UrlEntity[];
}

export type DmEvent = Schemas['DmEvent'] & {
  /** The newer nesting of the entity arrays (see the module comment). */
  entities?: DmEntities;
};

export type DmEventType = 'MessageCreate' | 'ParticipantsJoin' | 'ParticipantsLeave';

export type User = Schemas['User'] & {
  confirmed_email?: string;
  is_identity_verified?: boolean;
  parody?: boolean;
  subscription?: { subscribes_to_you?: boolean };
  verified_followers_count?: number;
  /** 2.167; 2.159 has it only inside `subscription`. */
  subscribes_to_you?: boolean;
};

export interface MediaMetadata {
  media_key: string;
  alt_text?: string;
}

export interface Article {
  title?: string;
  preview_text?: string;
  plain_text?: string;
  cover_media?: string;
  media_entities?: string[];
}

export type Tweet = Omit<Schemas['Tweet'], 'created_at'> & {
  /** RFC 3339 as the spec says, or the legacy `Wed Jan 06 18:40:40 +0000 2021` form some answers carry. */
  created_at?: string;
  article?: Article;
  card_uri?: string;
  media_metadata?: MediaMetadata[];
  /** 2.167's new fields. Its spec types `article_title` as an object without properties; the title is read from it. */
  article_title?: string | { title?: string };
  matched_media_notes?: Schemas2167['PostMatchedMediaNotes'];
  note_request_suggestions?: Schemas2167['PostNoteRequestSuggestions'];
  paid_partnership?: boolean;
};

export type MediaType = 'photo' | 'video' | 'animated_gif';

export type Media = Omit<Schemas['Photo'], 'type'> &
  Omit<Schemas['Video'], 'type'> &
  Omit<Schemas['AnimatedGif'], 'type'> & {
    type: MediaType;
  };

export type Variant = Schemas['Variant'];
export type Place = Schemas['Place'];
export type Poll = Schemas['Poll'];
export type Topic = Schemas['Topic'];

export interface Includes {
  users?: User[];
  tweets?: Tweet[];
  media?: Media[];
  places?: Place[];
  polls?: Poll[];
  topics?: Topic[];
}

export interface PageMeta {
  result_count: number;
  next_token?: string;
  previous_token?: string;
}

/** An answer of the three DM list endpoints. An empty page is exactly `{"meta":{"result_count":0}}`. */
export interface DmEventsPage {
  data?: DmEvent[];
  includes?: Includes;
  errors?: Problem[];
  meta: PageMeta;
}

/** An answer of `GET /2/dm_events/{event_id}`: no `meta`. */
export interface DmEventAnswer {
  data?: DmEvent;
  includes?: Includes;
  errors?: Problem[];
}

/** An answer of `GET /2/users?ids=` and `GET /2/users/me` (the latter with a single object). */
export interface UsersAnswer {
  data?: User[];
  includes?: Includes;
  errors?: Problem[];
}

export interface UserAnswer {
  data?: User;
  includes?: Includes;
  errors?: Problem[];
}

/** An answer of `GET /2/tweets?ids=`. */
export interface TweetsAnswer {
  data?: Tweet[];
  includes?: Includes;
  errors?: Problem[];
}

/**
 * The gateway's own query-parameter vocabulary: spec 2.159's, as `npm run generate:wire` read it from the spec (the
 * posts dialect's is translated from it, see `dialect.ts`).
 */
const OWN = SPEC_VOCABULARY['2.159'];
export const DM_EVENT_FIELDS = OWN['GET /2/dm_events']['dm_event.fields'].values;
export const DM_EVENT_EXPANSIONS = OWN['GET /2/dm_events'].expansions.values;
export const DM_EVENT_TYPES = OWN['GET /2/dm_events'].event_types.values;
export const MEDIA_FIELDS = OWN['GET /2/dm_events']['media.fields'].values;
export const USER_FIELDS = OWN['GET /2/users']['user.fields'].values;
export const USER_EXPANSIONS = OWN['GET /2/users'].expansions.values;
export const TWEET_FIELDS = OWN['GET /2/tweets']['tweet.fields'].values;
export const TWEET_EXPANSIONS = OWN['GET /2/tweets'].expansions.values;

export type DmEventField = (typeof DM_EVENT_FIELDS)[number];
export type DmEventExpansion = (typeof DM_EVENT_EXPANSIONS)[number];
export type MediaField = (typeof MEDIA_FIELDS)[number];
export type UserField = (typeof USER_FIELDS)[number];
export type UserExpansion = (typeof USER_EXPANSIONS)[number];
export type TweetField = (typeof TWEET_FIELDS)[number];
export type TweetExpansion = (typeof TWEET_EXPANSIONS)[number];

/** Patterns of X's path and id parameters. */
export const ID_PATTERNS = {
  dmConversationId: /^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$/,
  userId: /^[0-9]{1,19}$/,
  dmEventId: /^[0-9]{1,19}$/,
  tweetId: /^[0-9]{1,19}$/,
  /** A media id from X's media upload, as a DM attachment names it. */
  mediaId: /^[0-9]{1,19}$/,
} as const;

/** Bounds of the list endpoints' paging parameters. */
export const PAGING = {
  maxResultsMin: 1,
  maxResultsMax: 100,
  maxResultsDefault: 100,
  paginationTokenMinLength: 16,
} as const;

/**
 * Compares X ids (snowflakes, up to 19 digits) by their value: negative when `a` is older than `b`. A list's order,
 * newest first, is its ids' order, so a position is a number whether or not its event still exists.
 */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
