import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { DM_EVENT_EXPANSIONS, DM_EVENT_FIELDS } from '../../src/x/wire.js';
import { get, type Query } from './helpers.js';
import { startSandbox } from './helpers.js';

const ENVELOPE = {
  title: 'Invalid Request',
  detail: 'One or more parameters to your request was invalid.',
  type: 'https://api.twitter.com/2/problems/invalid-request',
};

interface Case {
  name: string;
  path: string;
  query?: Query;
  /** The parameter the (first) error names, with its values. */
  parameter: string;
  values: string[];
  message?: string | RegExp;
}

const TOKEN_OF_ANOTHER_SANDBOX = 'ABCDEFGHIJKLMNOPQRSTUVWX';
const ids101 = Array.from({ length: 101 }, (_, i) => String(i + 1)).join(',');

const CASES: Case[] = [
  { name: 'an event_id that is not digits', path: '/2/dm_events/abc', parameter: 'event_id', values: ['abc'], message: 'The `event_id` query parameter value [abc] is not valid' },
  { name: 'an event_id of 20 digits', path: '/2/dm_events/12345678901234567890', parameter: 'event_id', values: ['12345678901234567890'] },
  { name: 'a conversation id of neither form', path: '/2/dm_conversations/12-ab/dm_events', parameter: 'id', values: ['12-ab'] },
  { name: 'a group conversation id shorter than 15 digits', path: '/2/dm_conversations/12345/dm_events', parameter: 'id', values: ['12345'] },
  { name: 'a participant_id that is not digits', path: '/2/dm_conversations/with/x1/dm_events', parameter: 'participant_id', values: ['x1'] },
  { name: 'a users/{id} that is not digits', path: '/2/users/abc', parameter: 'id', values: ['abc'] },
  { name: 'max_results above 100', path: '/2/dm_events', query: { max_results: 1000 }, parameter: 'max_results', values: ['1000'], message: 'The `max_results` query parameter value [1000] is not between 1 and 100' },
  { name: 'max_results 0', path: '/2/dm_events', query: { max_results: 0 }, parameter: 'max_results', values: ['0'], message: 'The `max_results` query parameter value [0] is not between 1 and 100' },
  { name: 'max_results not an integer', path: '/2/dm_conversations/with/12/dm_events', query: { max_results: '1.5' }, parameter: 'max_results', values: ['1.5'] },
  { name: 'max_results on the by-id endpoint', path: '/2/dm_events/123', query: { max_results: 5 }, parameter: 'max_results', values: ['5'], message: /^The query parameter \[max_results\] is not one of \[event_id,dm_event\.fields,/ },
  { name: 'a pagination_token shorter than 16', path: '/2/dm_events', query: { pagination_token: 'short' }, parameter: 'pagination_token', values: ['short'], message: 'The `pagination_token` query parameter value [short] is not valid' },
  { name: 'a pagination_token the sandbox never issued', path: '/2/dm_events', query: { pagination_token: TOKEN_OF_ANOTHER_SANDBOX }, parameter: 'pagination_token', values: [TOKEN_OF_ANOTHER_SANDBOX] },
  { name: 'an unknown event type', path: '/2/dm_events', query: { event_types: 'MessageCreate,Typing' }, parameter: 'event_types', values: ['Typing'], message: 'The `event_types` query parameter value [Typing] is not one of [MessageCreate,ParticipantsJoin,ParticipantsLeave]' },
  { name: 'an empty event_types list', path: '/2/dm_events', query: { event_types: '' }, parameter: 'event_types', values: [''] },
  { name: 'an unknown dm_event field', path: '/2/dm_events', query: { 'dm_event.fields': 'id,foo' }, parameter: 'dm_event.fields', values: ['foo'], message: `The \`dm_event.fields\` query parameter value [foo] is not one of [${DM_EVENT_FIELDS.join(',')}]` },
  { name: 'an empty dm_event.fields list', path: '/2/dm_events', query: { 'dm_event.fields': '' }, parameter: 'dm_event.fields', values: [''] },
  { name: 'a trailing comma in a fields list', path: '/2/dm_events', query: { 'dm_event.fields': 'id,' }, parameter: 'dm_event.fields', values: [''] },
  { name: 'a value repeated in a fields list (the spec says uniqueItems)', path: '/2/dm_events', query: { 'dm_event.fields': 'id,text,id' }, parameter: 'dm_event.fields', values: ['id'], message: 'The `dm_event.fields` query parameter value [id] is given more than once' },
  { name: 'a tweet expansion on a DM endpoint', path: '/2/dm_events', query: { expansions: 'author_id' }, parameter: 'expansions', values: ['author_id'], message: `The \`expansions\` query parameter value [author_id] is not one of [${DM_EVENT_EXPANSIONS.join(',')}]` },
  { name: 'an unknown user field', path: '/2/dm_events', query: { 'user.fields': 'email' }, parameter: 'user.fields', values: ['email'] },
  { name: 'an unknown media field', path: '/2/dm_events/1', query: { 'media.fields': 'size' }, parameter: 'media.fields', values: ['size'] },
  { name: 'an unknown tweet field', path: '/2/users/me', query: { 'tweet.fields': 'views' }, parameter: 'tweet.fields', values: ['views'] },
  { name: 'an unknown poll field on tweets', path: '/2/tweets', query: { ids: '20', 'poll.fields': 'winner' }, parameter: 'poll.fields', values: ['winner'] },
  { name: 'an unknown place field on tweets', path: '/2/tweets', query: { ids: '20', 'place.fields': 'zip' }, parameter: 'place.fields', values: ['zip'] },
  { name: 'poll.fields on a DM endpoint', path: '/2/dm_events', query: { 'poll.fields': 'id' }, parameter: 'poll.fields', values: ['id'] },
  { name: 'a DM expansion on users', path: '/2/users', query: { ids: '12', expansions: 'sender_id' }, parameter: 'expansions', values: ['sender_id'] },
  { name: 'users without ids', path: '/2/users', parameter: 'ids', values: [], message: 'The `ids` query parameter can not be empty' },
  { name: 'an empty ids list', path: '/2/tweets', query: { ids: '' }, parameter: 'ids', values: [''] },
  { name: '101 ids', path: '/2/users', query: { ids: ids101 }, parameter: 'ids', values: [ids101], message: 'The number of values in the `ids` query parameter list [101] is not between 1 and 100' },
  { name: 'an id that is not digits in ids', path: '/2/tweets', query: { ids: '12,abc' }, parameter: 'ids', values: ['abc'], message: 'The `ids` query parameter value [abc] is not valid' },
  { name: 'an unknown query parameter', path: '/2/dm_events', query: { foo: 'bar' }, parameter: 'foo', values: ['bar'], message: 'The query parameter [foo] is not one of [max_results,pagination_token,event_types,dm_event.fields,expansions,media.fields,user.fields,tweet.fields]' },
];

describe('validation', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  it.each(CASES.map((c) => [c.name, c] as const))('rejects %s with X 400 body naming the parameter', async (_, c) => {
    const answer = await get(sandbox, c.path, { query: c.query });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject(ENVELOPE);
    expect(Object.keys(answer.body).sort()).toEqual(['detail', 'errors', 'title', 'type']);
    const [error] = answer.body.errors;
    expect(error.parameters).toEqual({ [c.parameter]: c.values });
    expect(error.message).toContain(c.parameter);
    if (typeof c.message === 'string') expect(error.message).toBe(c.message);
    else if (c.message) expect(error.message).toMatch(c.message);
  });

  it('rejects a repeated parameter, listing every value', async () => {
    const answer = await get(sandbox, '/2/dm_events?max_results=5&max_results=6');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { parameters: { max_results: ['5', '6'] }, message: 'Duplicate parameters are not allowed: the `max_results` query parameter' },
    ]);
  });

  it('lists every problem of a request, one error each', async () => {
    const answer = await get(sandbox, '/2/dm_conversations/abc/dm_events', {
      query: { max_results: 101, 'dm_event.fields': 'id,nope,zip', foo: '1' },
    });
    expect(answer.body.errors.map((e: { parameters: object }) => Object.keys(e.parameters)[0])).toEqual([
      'id', 'foo', 'max_results', 'dm_event.fields', 'dm_event.fields',
    ]);
  });

  it('carries the rate-limit headers on a 400 (the token was identified first)', async () => {
    const answer = await get(sandbox, '/2/dm_events', { query: { max_results: 0 } });
    expect(answer.status).toBe(400);
    expect(Number(answer.headers['x-rate-limit-remaining'])).toBeGreaterThanOrEqual(0);
    expect(answer.headers['x-rate-limit-limit']).toBeDefined();
  });

  it('accepts every valid parameter at once', async () => {
    const answer = await get(sandbox, '/2/dm_events', {
      query: {
        max_results: 1,
        event_types: 'MessageCreate,ParticipantsJoin,ParticipantsLeave',
        'dm_event.fields': DM_EVENT_FIELDS.join(','),
        expansions: DM_EVENT_EXPANSIONS.join(','),
        'user.fields': 'id',
        'media.fields': 'url',
        'tweet.fields': 'lang',
      },
    });
    expect(answer.status).toBe(200);
  });

  it('answers unknown paths 404 and other methods 405, with problem bodies', async () => {
    const notFound = await get(sandbox, '/2/dm_conversations');
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ title: 'Not Found', type: 'about:blank', status: 404, detail: 'Not Found' });
    const res = await fetch(`${sandbox.url}/2/dm_events`, { method: 'POST', headers: { authorization: 'Bearer sandbox-token' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toEqual({ title: 'Method Not Allowed', type: 'about:blank', status: 405, detail: 'Method Not Allowed' });
  });
});
