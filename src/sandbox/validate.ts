/**
 * Request validation against X's spec, with X's 400 body and message style: every problem found is listed, each
 * naming its parameter and the offending values.
 */
import {
  DM_EVENT_EXPANSIONS, DM_EVENT_FIELDS, DM_EVENT_TYPES, ID_PATTERNS, MEDIA_FIELDS, PAGING, PLACE_FIELDS, POLL_FIELDS,
  TWEET_EXPANSIONS, TWEET_FIELDS, USER_EXPANSIONS, USER_FIELDS,
} from '../x/wire.js';
import type { DmEventType } from '../x/wire.js';
import { decodeToken, type PageToken } from './paging.js';
import type { FieldSets } from './select.js';

export interface InvalidRequest {
  errors: { parameters: Record<string, string[]>; message: string }[];
  title: 'Invalid Request';
  detail: 'One or more parameters to your request was invalid.';
  type: 'https://api.twitter.com/2/problems/invalid-request';
}

export interface EndpointSpec {
  /** Path parameters with their patterns, in path order. */
  path: readonly { name: string; pattern: RegExp }[];
  /** Query parameters, in X's order (the order the "is not one of" message lists them). */
  query: readonly string[];
  expansions: readonly string[];
  /** The one required query parameter, if any (`ids`). */
  required?: string;
}

const LIST_FIELDS = ['dm_event.fields', 'expansions', 'media.fields', 'user.fields', 'tweet.fields'];
const DM_LIST = ['max_results', 'pagination_token', 'event_types', ...LIST_FIELDS];
const USER_QUERY = ['user.fields', 'expansions', 'tweet.fields'];
const TWEET_QUERY = ['tweet.fields', 'expansions', 'media.fields', 'poll.fields', 'user.fields', 'place.fields'];

export const ENDPOINTS = {
  dmEvents: { path: [], query: DM_LIST, expansions: DM_EVENT_EXPANSIONS },
  dmEvent: { path: [{ name: 'event_id', pattern: ID_PATTERNS.dmEventId }], query: LIST_FIELDS, expansions: DM_EVENT_EXPANSIONS },
  conversationEvents: { path: [{ name: 'id', pattern: ID_PATTERNS.dmConversationId }], query: DM_LIST, expansions: DM_EVENT_EXPANSIONS },
  participantEvents: { path: [{ name: 'participant_id', pattern: ID_PATTERNS.userId }], query: DM_LIST, expansions: DM_EVENT_EXPANSIONS },
  users: { path: [], query: ['ids', ...USER_QUERY], expansions: USER_EXPANSIONS, required: 'ids' },
  me: { path: [], query: USER_QUERY, expansions: USER_EXPANSIONS },
  user: { path: [{ name: 'id', pattern: ID_PATTERNS.userId }], query: USER_QUERY, expansions: USER_EXPANSIONS },
  tweets: { path: [], query: ['ids', ...TWEET_QUERY], expansions: TWEET_EXPANSIONS, required: 'ids' },
  tweet: { path: [{ name: 'id', pattern: ID_PATTERNS.tweetId }], query: TWEET_QUERY, expansions: TWEET_EXPANSIONS },
} satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

const VOCABULARIES: Record<string, readonly string[]> = {
  event_types: DM_EVENT_TYPES,
  'dm_event.fields': DM_EVENT_FIELDS,
  'media.fields': MEDIA_FIELDS,
  'user.fields': USER_FIELDS,
  'tweet.fields': TWEET_FIELDS,
  'poll.fields': POLL_FIELDS,
  'place.fields': PLACE_FIELDS,
};

export interface ValidRequest {
  maxResults: number;
  pagination?: PageToken;
  /** The token as sent, for the message when it turns out to belong to another list. */
  paginationText?: string;
  eventTypes?: DmEventType[];
  ids?: string[];
  fields: FieldSets;
}

const ID_LIST_PATTERN = ID_PATTERNS.userId;
const MAX_IDS = 100;

/** The parsed request, or X's 400 body listing every problem. */
export function validateRequest(
  spec: EndpointSpec,
  pathValues: readonly string[],
  params: readonly [string, string][],
): { ok: true; request: ValidRequest } | { ok: false; problem: InvalidRequest } {
  const errors: InvalidRequest['errors'] = [];
  const fail = (name: string, values: string[], message: string) => errors.push({ parameters: { [name]: values }, message });

  spec.path.forEach(({ name, pattern }, i) => {
    const value = pathValues[i] ?? '';
    if (!pattern.test(value)) fail(name, [value], `The \`${name}\` query parameter value [${value}] is not valid`);
  });

  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) {
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  const known = [...spec.path.map((p) => p.name), ...spec.query];
  const single = new Map<string, string>();
  for (const [name, values] of grouped) {
    if (!spec.query.includes(name)) {
      fail(name, values, `The query parameter [${name}] is not one of [${known.join(',')}]`);
    } else if (values.length > 1) {
      fail(name, values, `Duplicate parameters are not allowed: the \`${name}\` query parameter`);
    } else {
      single.set(name, values[0]!);
    }
  }

  const request: ValidRequest = { maxResults: PAGING.maxResultsDefault, fields: emptyFields() };
  const lists = new Map<string, string[]>();
  for (const [name, value] of single) {
    if (name === 'max_results') {
      const n = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
      if (Number.isNaN(n)) fail(name, [value], `The \`max_results\` query parameter value [${value}] is not a valid integer`);
      else if (n < PAGING.maxResultsMin || n > PAGING.maxResultsMax)
        fail(name, [value], `The \`max_results\` query parameter value [${value}] is not between ${PAGING.maxResultsMin} and ${PAGING.maxResultsMax}`);
      else request.maxResults = n;
    } else if (name === 'pagination_token') {
      const token = value.length >= PAGING.paginationTokenMinLength ? decodeToken(value) : undefined;
      if (!token) fail(name, [value], `The \`pagination_token\` query parameter value [${value}] is not valid`);
      else {
        request.pagination = token;
        request.paginationText = value;
      }
    } else if (name === 'ids') {
      const ids = value === '' ? [] : value.split(',');
      if (ids.length === 0) fail(name, [value], 'The `ids` query parameter can not be empty');
      else if (ids.length > MAX_IDS)
        fail(name, [value], `The number of values in the \`ids\` query parameter list [${ids.length}] is not between 1 and ${MAX_IDS}`);
      else {
        const bad = ids.filter((id) => !ID_LIST_PATTERN.test(id));
        for (const id of bad) fail(name, [id], `The \`ids\` query parameter value [${id}] is not valid`);
        if (bad.length === 0) request.ids = [...new Set(ids)];
      }
    } else {
      // A comma-separated enum list; an empty list or element is an invalid value, as the spec's minItems says.
      const vocabulary = name === 'expansions' ? spec.expansions : VOCABULARIES[name]!;
      const items = value.split(',');
      const bad = items.filter((item) => !vocabulary.includes(item));
      for (const item of new Set(bad))
        fail(name, [item], `The \`${name}\` query parameter value [${item}] is not one of [${vocabulary.join(',')}]`);
      // The spec declares these lists `uniqueItems`: a repeated value is refused rather than silently merged.
      const repeated = new Set(items.filter((item, i) => items.indexOf(item) !== i && vocabulary.includes(item)));
      for (const item of repeated) fail(name, [item], `The \`${name}\` query parameter value [${item}] is given more than once`);
      if (bad.length === 0 && repeated.size === 0) lists.set(name, items);
    }
  }
  if (spec.required && !grouped.has(spec.required))
    fail(spec.required, [], `The \`${spec.required}\` query parameter can not be empty`);

  if (errors.length > 0) return { ok: false, problem: invalidRequest(errors) };
  const set = (name: string) => new Set(lists.get(name) ?? []);
  request.fields = {
    dmEvent: set('dm_event.fields'),
    user: set('user.fields'),
    tweet: set('tweet.fields'),
    media: set('media.fields'),
    poll: set('poll.fields'),
    place: set('place.fields'),
    expansions: set('expansions'),
  };
  if (lists.has('event_types')) request.eventTypes = [...set('event_types')] as DmEventType[];
  return { ok: true, request };
}

export function invalidRequest(errors: InvalidRequest['errors']): InvalidRequest {
  return {
    errors,
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  };
}

/** A token that decodes but belongs to another list (another user's, another conversation's). */
export function foreignToken(text: string): InvalidRequest {
  return invalidRequest([
    { parameters: { pagination_token: [text] }, message: `The \`pagination_token\` query parameter value [${text}] is not valid` },
  ]);
}

function emptyFields(): FieldSets {
  const none = new Set<string>();
  return { dmEvent: none, user: none, tweet: none, media: none, poll: none, place: none, expansions: none };
}
