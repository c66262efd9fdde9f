/**
 * Validation in both dialects, each against its own spec: the messages list that spec's values, and each dialect
 * refuses the other's names with X's 400 body naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES, dialectOf, type DialectName } from '../../src/x/dialect.js';
import { everything, get, type Query, startSandbox, valuesOf } from './helpers.js';

const envelope = (dialect: DialectName) => ({
  title: 'Invalid Request',
  detail: 'One or more parameters to your request was invalid.',
  type: dialectOf(dialect).problemType('invalid-request'),
});

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
const DM_LIST = 'GET /2/dm_events';

/** Cases both dialects answer alike; the lists a message quotes are the dialect's own. */
function commonCases(dialect: DialectName): Case[] {
  const list = (parameter: string, operation = DM_LIST) => valuesOf(dialect, operation, parameter).join(',');
  const dmParameters = ['max_results', 'pagination_token', 'event_types', ...Object.keys(everything(dialect, DM_LIST))];
  return [
    {
      name: 'an event_id that is not digits',
      path: '/2/dm_events/abc',
      parameter: 'event_id',
      values: ['abc'],
      message: 'The `event_id` query parameter value [abc] is not valid',
    },
    {
      name: 'an event_id of 20 digits',
      path: '/2/dm_events/12345678901234567890',
      parameter: 'event_id',
      values: ['12345678901234567890'],
    },
    {
      name: 'a conversation id of neither form',
      path: '/2/dm_conversations/12-ab/dm_events',
      parameter: 'id',
      values: ['12-ab'],
    },
    {
      name: 'a group conversation id shorter than 15 digits',
      path: '/2/dm_conversations/12345/dm_events',
      parameter: 'id',
      values: ['12345'],
    },
    {
      name: 'a participant_id that is not digits',
      path: '/2/dm_conversations/with/x1/dm_events',
      parameter: 'participant_id',
      values: ['x1'],
    },
    { name: 'a users/{id} that is not digits', path: '/2/users/abc', parameter: 'id', values: ['abc'] },
    {
      name: 'max_results above 100',
      path: '/2/dm_events',
      query: { max_results: 1000 },
      parameter: 'max_results',
      values: ['1000'],
      message: 'The `max_results` query parameter value [1000] is not between 1 and 100',
    },
    {
      name: 'max_results 0',
      path: '/2/dm_events',
      query: { max_results: 0 },
      parameter: 'max_results',
      values: ['0'],
      message: 'The `max_results` query parameter value [0] is not between 1 and 100',
    },
    {
      name: 'max_results not an integer',
      path: '/2/dm_conversations/with/12/dm_events',
      query: { max_results: '1.5' },
      parameter: 'max_results',
      values: ['1.5'],
    },
    {
      name: 'max_results on the by-id endpoint',
      path: '/2/dm_events/123',
      query: { max_results: 5 },
      parameter: 'max_results',
      values: ['5'],
      message: /^The query parameter \[max_results\] is not one of \[event_id,dm_event\.fields,/,
    },
    {
      name: 'a pagination_token shorter than 16',
      path: '/2/dm_events',
      query: { pagination_token: 'short' },
      parameter: 'pagination_token',
      values: ['short'],
      message: 'The `pagination_token` query parameter value [short] is not valid',
    },
    {
      name: 'a pagination_token the sandbox never issued',
      path: '/2/dm_events',
      query: { pagination_token: TOKEN_OF_ANOTHER_SANDBOX },
      parameter: 'pagination_token',
      values: [TOKEN_OF_ANOTHER_SANDBOX],
    },
    {
      name: 'an unknown event type',
      path: '/2/dm_events',
      query: { event_types: 'MessageCreate,Typing' },
      parameter: 'event_types',
      values: ['Typing'],
      message:
        'The `event_types` query parameter value [Typing] is not one of [MessageCreate,ParticipantsJoin,ParticipantsLeave]',
    },
    {
      name: 'an empty event_types list',
      path: '/2/dm_events',
      query: { event_types: '' },
      parameter: 'event_types',
      values: [''],
    },
    {
      name: 'an unknown dm_event field',
      path: '/2/dm_events',
      query: { 'dm_event.fields': 'id,foo' },
      parameter: 'dm_event.fields',
      values: ['foo'],
      message: `The \`dm_event.fields\` query parameter value [foo] is not one of [${list('dm_event.fields')}]`,
    },
    {
      name: 'an empty dm_event.fields list',
      path: '/2/dm_events',
      query: { 'dm_event.fields': '' },
      parameter: 'dm_event.fields',
      values: [''],
    },
    {
      name: 'a trailing comma in a fields list',
      path: '/2/dm_events',
      query: { 'dm_event.fields': 'id,' },
      parameter: 'dm_event.fields',
      values: [''],
    },
    {
      name: 'a value repeated in a fields list (the spec says uniqueItems)',
      path: '/2/dm_events',
      query: { 'dm_event.fields': 'id,text,id' },
      parameter: 'dm_event.fields',
      values: ['id'],
      message: 'The `dm_event.fields` query parameter value [id] is given more than once',
    },
    {
      name: 'a post expansion on a DM endpoint',
      path: '/2/dm_events',
      query: { expansions: 'author_id' },
      parameter: 'expansions',
      values: ['author_id'],
      message: `The \`expansions\` query parameter value [author_id] is not one of [${list('expansions')}]`,
    },
    {
      name: 'an unknown user field',
      path: '/2/dm_events',
      query: { 'user.fields': 'email' },
      parameter: 'user.fields',
      values: ['email'],
    },
    {
      name: 'an unknown media field',
      path: '/2/dm_events/1',
      query: { 'media.fields': 'size' },
      parameter: 'media.fields',
      values: ['size'],
    },
    {
      name: 'an unknown poll field on posts',
      path: '/2/tweets',
      query: { ids: '20', 'poll.fields': 'winner' },
      parameter: 'poll.fields',
      values: ['winner'],
    },
    {
      name: 'an unknown place field on posts',
      path: '/2/tweets',
      query: { ids: '20', 'place.fields': 'zip' },
      parameter: 'place.fields',
      values: ['zip'],
    },
    {
      name: 'poll.fields on a DM endpoint',
      path: '/2/dm_events',
      query: { 'poll.fields': 'id' },
      parameter: 'poll.fields',
      values: ['id'],
    },
    {
      name: 'a DM expansion on users',
      path: '/2/users',
      query: { ids: '12', expansions: 'sender_id' },
      parameter: 'expansions',
      values: ['sender_id'],
    },
    {
      name: 'users without ids',
      path: '/2/users',
      parameter: 'ids',
      values: [],
      message: 'The `ids` query parameter can not be empty',
    },
    { name: 'an empty ids list', path: '/2/tweets', query: { ids: '' }, parameter: 'ids', values: [''] },
    {
      name: '101 ids',
      path: '/2/users',
      query: { ids: ids101 },
      parameter: 'ids',
      values: [ids101],
      message: 'The number of values in the `ids` query parameter list [101] is not between 1 and 100',
    },
    {
      name: 'an id that is not digits in ids',
      path: '/2/tweets',
      query: { ids: '12,abc' },
      parameter: 'ids',
      values: ['abc'],
      message: 'The `ids` query parameter value [abc] is not valid',
    },
    {
      name: 'an unknown query parameter',
      path: '/2/dm_events',
      query: { foo: 'bar' },
      parameter: 'foo',
      values: ['bar'],
      message: `The query parameter [foo] is not one of [${dmParameters.join(',')}]`,
    },
  ];
}

/** Each dialect's own spelling of the same mistake, and every name of the other dialect, refused. */
const DIALECT_CASES: Record<DialectName, Case[]> = {
  tweets: [
    {
      name: 'an unknown tweet field',
      path: '/2/users/me',
      query: { 'tweet.fields': 'views' },
      parameter: 'tweet.fields',
      values: ['views'],
    },
    {
      name: 'the exact list of the DM parameters',
      path: '/2/dm_events',
      query: { foo: 'bar' },
      parameter: 'foo',
      values: ['bar'],
      message:
        'The query parameter [foo] is not one of [max_results,pagination_token,event_types,dm_event.fields,expansions,media.fields,user.fields,tweet.fields]',
    },
    {
      name: 'post.fields on a DM endpoint',
      path: '/2/dm_events',
      query: { 'post.fields': 'text' },
      parameter: 'post.fields',
      values: ['text'],
    },
    {
      name: 'post.fields on posts',
      path: '/2/tweets',
      query: { ids: '20', 'post.fields': 'text' },
      parameter: 'post.fields',
      values: ['text'],
    },
    {
      name: 'expansions=referenced_posts on a DM endpoint',
      path: '/2/dm_events',
      query: { expansions: 'referenced_posts' },
      parameter: 'expansions',
      values: ['referenced_posts'],
    },
    {
      name: 'expansions=referenced_posts on posts',
      path: '/2/tweets',
      query: { ids: '20', expansions: 'referenced_posts' },
      parameter: 'expansions',
      values: ['referenced_posts'],
    },
    {
      name: 'expansions=edit_history_post_ids',
      path: '/2/tweets/20',
      query: { expansions: 'edit_history_post_ids' },
      parameter: 'expansions',
      values: ['edit_history_post_ids'],
    },
    {
      name: 'expansions=username on posts',
      path: '/2/tweets',
      query: { ids: '20', expansions: 'username' },
      parameter: 'expansions',
      values: ['username'],
    },
    {
      name: 'user.fields=subscribes_to_you',
      path: '/2/users/me',
      query: { 'user.fields': 'subscribes_to_you' },
      parameter: 'user.fields',
      values: ['subscribes_to_you'],
    },
    {
      name: 'expansions=pinned_post_id',
      path: '/2/users',
      query: { ids: '12', expansions: 'pinned_post_id' },
      parameter: 'expansions',
      values: ['pinned_post_id'],
    },
    {
      name: 'expansions=affiliation',
      path: '/2/users/me',
      query: { expansions: 'affiliation' },
      parameter: 'expansions',
      values: ['affiliation'],
    },
    {
      name: 'tweet.fields=note_post',
      path: '/2/tweets',
      query: { ids: '20', 'tweet.fields': 'note_post' },
      parameter: 'tweet.fields',
      values: ['note_post'],
    },
    {
      name: 'tweet.fields=article_title',
      path: '/2/tweets',
      query: { ids: '20', 'tweet.fields': 'article_title' },
      parameter: 'tweet.fields',
      values: ['article_title'],
    },
    {
      name: 'tweet.fields=paid_partnership',
      path: '/2/tweets/20',
      query: { 'tweet.fields': 'paid_partnership' },
      parameter: 'tweet.fields',
      values: ['paid_partnership'],
    },
  ],
  posts: [
    {
      name: 'an unknown post field',
      path: '/2/users/me',
      query: { 'post.fields': 'views' },
      parameter: 'post.fields',
      values: ['views'],
    },
    {
      name: 'the exact list of the DM parameters',
      path: '/2/dm_events',
      query: { foo: 'bar' },
      parameter: 'foo',
      values: ['bar'],
      message:
        'The query parameter [foo] is not one of [max_results,pagination_token,event_types,dm_event.fields,expansions,user.fields,post.fields,media.fields]',
    },
    {
      name: 'tweet.fields on a DM endpoint',
      path: '/2/dm_events',
      query: { 'tweet.fields': 'text' },
      parameter: 'tweet.fields',
      values: ['text'],
      message: /^The query parameter \[tweet\.fields\] is not one of /,
    },
    {
      name: 'tweet.fields on posts',
      path: '/2/tweets',
      query: { ids: '20', 'tweet.fields': 'text' },
      parameter: 'tweet.fields',
      values: ['text'],
    },
    {
      name: 'tweet.fields on users',
      path: '/2/users/me',
      query: { 'tweet.fields': 'text' },
      parameter: 'tweet.fields',
      values: ['text'],
    },
    {
      name: 'dm_event.fields=sender_id',
      path: '/2/dm_events',
      query: { 'dm_event.fields': 'text,sender_id' },
      parameter: 'dm_event.fields',
      values: ['sender_id'],
      message:
        'The `dm_event.fields` query parameter value [sender_id] is not one of [attachments,created_at,dm_conversation_id,entities,event_type,id,text]',
    },
    {
      name: 'dm_event.fields=participant_ids',
      path: '/2/dm_events/1',
      query: { 'dm_event.fields': 'participant_ids' },
      parameter: 'dm_event.fields',
      values: ['participant_ids'],
    },
    {
      name: 'dm_event.fields=referenced_tweets',
      path: '/2/dm_conversations/with/12/dm_events',
      query: { 'dm_event.fields': 'referenced_tweets' },
      parameter: 'dm_event.fields',
      values: ['referenced_tweets'],
    },
    {
      name: 'dm_event.fields=referenced_posts (an expansion, not a field)',
      path: '/2/dm_events',
      query: { 'dm_event.fields': 'referenced_posts' },
      parameter: 'dm_event.fields',
      values: ['referenced_posts'],
    },
    {
      name: 'expansions=referenced_tweets.id on a DM endpoint',
      path: '/2/dm_events',
      query: { expansions: 'sender_id,referenced_tweets.id' },
      parameter: 'expansions',
      values: ['referenced_tweets.id'],
      message:
        'The `expansions` query parameter value [referenced_tweets.id] is not one of [attachments.media_keys,participant_ids,referenced_posts,sender_id]',
    },
    {
      name: 'expansions=referenced_tweets.id on posts',
      path: '/2/tweets',
      query: { ids: '20', expansions: 'referenced_tweets.id' },
      parameter: 'expansions',
      values: ['referenced_tweets.id'],
    },
    {
      name: 'expansions=edit_history_tweet_ids',
      path: '/2/tweets/20',
      query: { expansions: 'edit_history_tweet_ids' },
      parameter: 'expansions',
      values: ['edit_history_tweet_ids'],
    },
    {
      name: 'expansions=referenced_tweets.id.author_id',
      path: '/2/tweets',
      query: { ids: '20', expansions: 'referenced_tweets.id.author_id' },
      parameter: 'expansions',
      values: ['referenced_tweets.id.author_id'],
    },
    {
      name: 'expansions=entities.note.mentions.username',
      path: '/2/tweets',
      query: { ids: '20', expansions: 'entities.note.mentions.username' },
      parameter: 'expansions',
      values: ['entities.note.mentions.username'],
    },
    {
      name: 'post.fields=author_id',
      path: '/2/tweets',
      query: { ids: '20', 'post.fields': 'author_id' },
      parameter: 'post.fields',
      values: ['author_id'],
    },
    {
      name: 'post.fields=note_tweet',
      path: '/2/tweets',
      query: { ids: '20', 'post.fields': 'note_tweet' },
      parameter: 'post.fields',
      values: ['note_tweet'],
    },
    {
      name: 'post.fields=edit_history_tweet_ids',
      path: '/2/dm_events',
      query: { 'post.fields': 'edit_history_tweet_ids' },
      parameter: 'post.fields',
      values: ['edit_history_tweet_ids'],
    },
    {
      name: 'post.fields=referenced_tweets',
      path: '/2/tweets/20',
      query: { 'post.fields': 'referenced_tweets' },
      parameter: 'post.fields',
      values: ['referenced_tweets'],
    },
    {
      name: 'post.fields=in_reply_to_user_id',
      path: '/2/tweets/20',
      query: { 'post.fields': 'in_reply_to_user_id' },
      parameter: 'post.fields',
      values: ['in_reply_to_user_id'],
    },
    {
      name: 'user.fields=pinned_tweet_id',
      path: '/2/users',
      query: { ids: '12', 'user.fields': 'pinned_tweet_id' },
      parameter: 'user.fields',
      values: ['pinned_tweet_id'],
    },
    {
      name: 'user.fields=most_recent_tweet_id',
      path: '/2/dm_events',
      query: { 'user.fields': 'most_recent_tweet_id' },
      parameter: 'user.fields',
      values: ['most_recent_tweet_id'],
    },
    {
      name: 'user.fields=affiliation',
      path: '/2/users/me',
      query: { 'user.fields': 'affiliation' },
      parameter: 'user.fields',
      values: ['affiliation'],
    },
    {
      name: 'expansions=pinned_tweet_id',
      path: '/2/users/me',
      query: { expansions: 'pinned_tweet_id' },
      parameter: 'expansions',
      values: ['pinned_tweet_id'],
    },
    {
      name: 'expansions=affiliation.user_id',
      path: '/2/users',
      query: { ids: '12', expansions: 'affiliation.user_id' },
      parameter: 'expansions',
      values: ['affiliation.user_id'],
    },
  ],
};

describe.each(DIALECT_NAMES)('validation (%s dialect)', (dialect) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect });
  });
  afterAll(() => sandbox.close());

  it.each([...commonCases(dialect), ...DIALECT_CASES[dialect]].map((c) => [c.name, c] as const))(
    'rejects %s with X 400 body naming the parameter',
    async (_, c) => {
      const answer = await get(sandbox, c.path, { query: c.query });
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject(envelope(dialect));
      expect(Object.keys(answer.body).sort()).toEqual(['detail', 'errors', 'title', 'type']);
      const [error] = answer.body.errors;
      expect(error.parameters).toEqual({ [c.parameter]: c.values });
      expect(error.message).toContain(c.parameter);
      if (typeof c.message === 'string') expect(error.message).toBe(c.message);
      else if (c.message) expect(error.message).toMatch(c.message);
    },
  );

  it('lists every name of the other dialect in one 400, one error each', async () => {
    const foreign =
      dialect === 'posts'
        ? { 'tweet.fields': 'text', 'dm_event.fields': 'sender_id', expansions: 'referenced_tweets.id' }
        : { 'post.fields': 'text', expansions: 'referenced_posts', 'user.fields': 'subscribes_to_you' };
    const answer = await get(sandbox, '/2/dm_events', { query: foreign });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { parameters: object }) => Object.keys(e.parameters)[0]).sort()).toEqual(
      Object.keys(foreign).sort(),
    );
  });

  it('rejects a repeated parameter, listing every value', async () => {
    const answer = await get(sandbox, '/2/dm_events?max_results=5&max_results=6');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        parameters: { max_results: ['5', '6'] },
        message: 'Duplicate parameters are not allowed: the `max_results` query parameter',
      },
    ]);
  });

  it('lists every problem of a request, one error each', async () => {
    const answer = await get(sandbox, '/2/dm_conversations/abc/dm_events', {
      query: { max_results: 101, 'dm_event.fields': 'id,nope,zip', foo: '1' },
    });
    expect(answer.body.errors.map((e: { parameters: object }) => Object.keys(e.parameters)[0])).toEqual([
      'id',
      'foo',
      'max_results',
      'dm_event.fields',
      'dm_event.fields',
    ]);
  });

  it('carries the rate-limit headers on a 400 (the token was identified first)', async () => {
    const answer = await get(sandbox, '/2/dm_events', { query: { max_results: 0 } });
    expect(answer.status).toBe(400);
    expect(Number(answer.headers['x-rate-limit-remaining'])).toBeGreaterThanOrEqual(0);
    expect(answer.headers['x-rate-limit-limit']).toBeDefined();
  });

  it('accepts every valid parameter at once, on every endpoint: every value its spec lists', async () => {
    const tweet = sandbox.data.tweets[0]!.id!;
    const user = sandbox.users[1]!.id;
    const event = sandbox.visibleEvents(sandbox.users[0]!.id)[0]!;
    const lists = { max_results: 1, event_types: 'MessageCreate,ParticipantsJoin,ParticipantsLeave' };
    const calls: [string, string, Query][] = [
      ['GET /2/dm_events', '/2/dm_events', lists],
      ['GET /2/dm_events/{event_id}', `/2/dm_events/${event.id}`, {}],
      ['GET /2/dm_conversations/{id}/dm_events', `/2/dm_conversations/${event.dm_conversation_id}/dm_events`, lists],
      ['GET /2/dm_conversations/with/{participant_id}/dm_events', `/2/dm_conversations/with/${user}/dm_events`, lists],
      ['GET /2/users', '/2/users', { ids: user }],
      ['GET /2/users/me', '/2/users/me', {}],
      ['GET /2/users/{id}', `/2/users/${user}`, {}],
      ['GET /2/tweets', '/2/tweets', { ids: tweet }],
      ['GET /2/tweets/{id}', `/2/tweets/${tweet}`, {}],
    ];
    for (const [operation, path, query] of calls) {
      const answer = await get(sandbox, path, { query: { ...query, ...everything(dialect, operation) } });
      expect(answer.status, `${operation}: ${answer.text}`).toBe(200);
    }
  });

  it('answers unknown paths 404 and other methods 405 (naming the allowed ones), with problem bodies', async () => {
    const notFound = await get(sandbox, '/2/dm_conversations/with');
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ title: 'Not Found', type: 'about:blank', status: 404, detail: 'Not Found' });
    const res = await fetch(`${sandbox.url}/2/dm_events`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-token' },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toEqual({
      title: 'Method Not Allowed',
      type: 'about:blank',
      status: 405,
      detail: 'Method Not Allowed',
    });
    // The manage endpoints' paths: POST only, and GET or DELETE for one event.
    const allowed = async (method: string, path: string) => {
      const answer = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: { authorization: 'Bearer sandbox-token' },
      });
      await answer.arrayBuffer();
      return [answer.status, answer.headers.get('allow')];
    };
    expect(await allowed('GET', '/2/dm_conversations')).toEqual([405, 'POST']);
    expect(await allowed('GET', '/2/dm_conversations/1-2/messages')).toEqual([405, 'POST']);
    expect(await allowed('DELETE', '/2/dm_conversations/with/1/messages')).toEqual([405, 'POST']);
    expect(await allowed('PUT', '/2/dm_events/1')).toEqual([405, 'GET, DELETE']);
    expect(await allowed('DELETE', '/2/dm_conversations/1-2/dm_events')).toEqual([405, 'GET']);
  });
});
