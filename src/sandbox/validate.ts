/**
 * Request validation against the spec of the sandbox's dialect (`SPEC_VOCABULARY`, generated from X's specs), with
 * X's 400 body and message style: every problem found is listed, each naming its parameter and the offending values.
 * A name of the other dialect is simply not in the spec: the posts dialect refuses `tweet.fields` as an unknown
 * parameter and `expansions=referenced_tweets.id` as an unknown value, the tweets dialect `post.fields` and
 * `expansions=referenced_posts`.
 */
import type { SandboxDialect } from './speech.js';
import { SPEC_VOCABULARY, type SpecVersion } from '../x/generated/vocabulary.js';
import { PAGING, type DmEventType } from '../x/wire.js';
import { decodeToken, type PageToken } from './paging.js';

export interface InvalidRequest {
  errors: { parameters: Record<string, string[]>; message: string }[];
  title: 'Invalid Request';
  detail: 'One or more parameters to your request was invalid.';
  /** `.../problems/invalid-request` on the dialect's host. */
  type: string;
}

/** The endpoints the sandbox answers, each with the operation of X's specs whose parameters it follows. */
export const OPERATIONS = {
  dmEvents: 'GET /2/dm_events',
  dmEvent: 'GET /2/dm_events/{event_id}',
  conversationEvents: 'GET /2/dm_conversations/{id}/dm_events',
  participantEvents: 'GET /2/dm_conversations/with/{participant_id}/dm_events',
  users: 'GET /2/users',
  me: 'GET /2/users/me',
  user: 'GET /2/users/{id}',
  tweets: 'GET /2/tweets',
  tweet: 'GET /2/tweets/{id}',
  // The manage endpoints: only spec 2.167 has them, and both dialects follow it (`MANAGE_SPEC`).
  sendToParticipant: 'POST /2/dm_conversations/with/{participant_id}/messages',
  sendToConversation: 'POST /2/dm_conversations/{dm_conversation_id}/messages',
  createGroup: 'POST /2/dm_conversations',
  deleteEvent: 'DELETE /2/dm_events/{event_id}',
  // The DM media download: only spec 2.167 has it; both dialects follow it (`MANAGE_SPEC`).
  mediaDownload: 'GET /2/dm_conversations/media/{dm_id}/{media_id}/{resource_id}',
} as const;

export type EndpointName = keyof typeof OPERATIONS;

/** The endpoints that write; the others read. */
export type ManageEndpointName = 'sendToParticipant' | 'sendToConversation' | 'createGroup' | 'deleteEvent';
export type ReadEndpointName = Exclude<EndpointName, ManageEndpointName | 'mediaDownload'>;

export const isManageEndpoint = (endpoint: EndpointName): endpoint is ManageEndpointName =>
  endpoint === 'sendToParticipant' ||
  endpoint === 'sendToConversation' ||
  endpoint === 'createGroup' ||
  endpoint === 'deleteEvent';

/** The spec the manage endpoints are validated against in both dialects: 2.159 lacks them, and X answers them alike. */
export const MANAGE_SPEC: SpecVersion = '2.167';

/** What the vocabulary says of one parameter (the `ParameterRule` that `scripts/generate-wire.ts` writes). */
interface Rule {
  in: 'query' | 'path';
  required: boolean;
  type: string;
  values?: readonly string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxItems?: number;
}

/** One endpoint's parameters in one spec, ready to check: patterns compiled once. */
interface OperationRules {
  path: { name: string; pattern: RegExp }[];
  /** In the spec's order: the order the "is not one of" message lists them. */
  query: Map<string, Rule & { compiled?: RegExp }>;
}

const compiled = new Map<string, OperationRules>();

function rulesOf(version: SpecVersion, endpoint: EndpointName): OperationRules {
  const key = `${version} ${endpoint}`;
  let rules = compiled.get(key);
  if (!rules) {
    const operations = SPEC_VOCABULARY[version] as unknown as Record<string, Record<string, Rule>>;
    const parameters = operations[OPERATIONS[endpoint]];
    if (!parameters) throw new Error(`spec ${version} has no ${OPERATIONS[endpoint]}`);
    rules = { path: [], query: new Map() };
    for (const [name, rule] of Object.entries(parameters)) {
      const compiled = rule.pattern === undefined ? undefined : new RegExp(rule.pattern);
      if (rule.in === 'path') rules.path.push({ name, pattern: compiled ?? /^.+$/ });
      else rules.query.set(name, { ...rule, compiled });
    }
    compiled.set(key, rules);
  }
  return rules;
}

export interface ValidRequest {
  maxResults: number;
  pagination?: PageToken;
  /** The token as sent, for the message when it turns out to belong to another list. */
  paginationText?: string;
  eventTypes?: DmEventType[];
  ids?: string[];
  /** `*.fields` and `expansions` as sent, in the dialect's names: what `dialect.readSelection` reads. */
  selection: Record<string, string>;
}

type Errors = InvalidRequest['errors'];

/** The parsed request, or every problem with it (X's 400 lists them all). */
export function validateRequest(
  version: SpecVersion,
  endpoint: EndpointName,
  pathValues: readonly string[],
  params: readonly [string, string][],
): { ok: true; request: ValidRequest } | { ok: false; errors: Errors } {
  const rules = rulesOf(version, endpoint);
  const errors: Errors = [];
  const fail = (name: string, values: string[], message: string) =>
    errors.push({ parameters: { [name]: values }, message });

  rules.path.forEach(({ name, pattern }, i) => {
    const value = pathValues[i] ?? '';
    if (!pattern.test(value)) fail(name, [value], `The \`${name}\` query parameter value [${value}] is not valid`);
  });

  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) {
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  const known = [...rules.path.map((p) => p.name), ...rules.query.keys()];
  const single = new Map<string, string>();
  for (const [name, values] of grouped) {
    if (!rules.query.has(name)) {
      fail(name, values, `The query parameter [${name}] is not one of [${known.join(',')}]`);
    } else if (values.length > 1) {
      fail(name, values, `Duplicate parameters are not allowed: the \`${name}\` query parameter`);
    } else {
      single.set(name, values[0]!);
    }
  }

  // The spec gives no default; X's docs do.
  const request: ValidRequest = { maxResults: PAGING.maxResultsDefault, selection: {} };
  for (const [name, value] of single) {
    const rule = rules.query.get(name)!;
    if (name === 'max_results') {
      const n = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
      const [min, max] = [rule.minimum ?? -Infinity, rule.maximum ?? Infinity];
      if (Number.isNaN(n))
        fail(name, [value], `The \`max_results\` query parameter value [${value}] is not a valid integer`);
      else if (n < min || n > max)
        fail(name, [value], `The \`max_results\` query parameter value [${value}] is not between ${min} and ${max}`);
      else request.maxResults = n;
    } else if (name === 'pagination_token') {
      const token = value.length >= (rule.minLength ?? 0) ? decodeToken(value) : undefined;
      if (!token) fail(name, [value], `The \`pagination_token\` query parameter value [${value}] is not valid`);
      else {
        request.pagination = token;
        request.paginationText = value;
      }
    } else if (name === 'ids') {
      const ids = value === '' ? [] : value.split(',');
      const pattern = rule.compiled ?? /^.+$/;
      const max = rule.maxItems ?? Infinity;
      if (ids.length === 0) fail(name, [value], 'The `ids` query parameter can not be empty');
      else if (ids.length > max)
        fail(
          name,
          [value],
          `The number of values in the \`ids\` query parameter list [${ids.length}] is not between 1 and ${max}`,
        );
      else {
        const bad = ids.filter((id) => !pattern.test(id));
        for (const id of bad) fail(name, [id], `The \`ids\` query parameter value [${id}] is not valid`);
        if (bad.length === 0) request.ids = [...new Set(ids)];
      }
    } else {
      // A comma-separated enum list; an empty list or element is an invalid value, as the spec's minItems says.
      const vocabulary = rule.values ?? [];
      const items = value.split(',');
      const bad = items.filter((item) => !vocabulary.includes(item));
      for (const item of new Set(bad))
        fail(name, [item], `The \`${name}\` query parameter value [${item}] is not one of [${vocabulary.join(',')}]`);
      // The spec declares these lists `uniqueItems`: a repeated value is refused rather than silently merged.
      const repeated = new Set(items.filter((item, i) => items.indexOf(item) !== i && vocabulary.includes(item)));
      for (const item of repeated)
        fail(name, [item], `The \`${name}\` query parameter value [${item}] is given more than once`);
      if (bad.length > 0 || repeated.size > 0) continue;
      if (name === 'event_types') request.eventTypes = items as DmEventType[];
      else request.selection[name] = value;
    }
  }
  for (const [name, rule] of rules.query) {
    if (rule.required && !grouped.has(name)) fail(name, [], `The \`${name}\` query parameter can not be empty`);
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, request };
}

export function invalidRequest(dialect: SandboxDialect, errors: Errors): InvalidRequest {
  return {
    errors,
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: dialect.problemType('invalid-request'),
  };
}

/** A token that decodes but belongs to another list (another user's, another conversation's). */
export function foreignToken(dialect: SandboxDialect, text: string): InvalidRequest {
  return invalidRequest(dialect, [
    {
      parameters: { pagination_token: [text] },
      message: `The \`pagination_token\` query parameter value [${text}] is not valid`,
    },
  ]);
}
