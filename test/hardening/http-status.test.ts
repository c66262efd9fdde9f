/**
 * HTTP status codes, as graphql-yoga implements the GraphQL-over-HTTP spec, checked by experiment through the gateway.
 *
 * With `accept: application/graphql-response+json` a response without `data` (a request error: parse, validation,
 * variable coercion, operation resolution) is a 4xx; a response with `data` (even null, after execution began) is a
 * 200. With `accept: application/json` (the legacy media type) yoga answers GraphQL errors with 200, except where an
 * error itself names an HTTP status (variable coercion, request parsing, methods). Transport problems come first:
 * wrong method 405, unsupported content type 415.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway();

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const JSON_TYPE = 'application/json';

interface Answer {
  status: number;
  contentType: string | null;
  allow: string | null;
  body: any;
}

async function send(
  init: {
    method?: string;
    path?: string;
    body?: string;
    contentType?: string | null;
    accept?: string;
    token?: string | null;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? h.sandbox.users[0]!.token : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? JSON_TYPE;
  headers.accept = init.accept ?? GRAPHQL_RESPONSE;
  const response = await h.gateway.fetch(`http://gateway.test${init.path ?? '/graphql'}`, {
    method: init.method ?? 'POST',
    headers,
    ...(init.body !== undefined && { body: init.body }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    allow: response.headers.get('allow'),
    body,
  };
}

const post = (document: { query?: unknown; variables?: unknown; operationName?: unknown }, accept = GRAPHQL_RESPONSE) =>
  send({ body: JSON.stringify(document), accept });

const get = (params: Record<string, string>, accept = GRAPHQL_RESPONSE) =>
  send({ method: 'GET', path: `/graphql?${new URLSearchParams(params)}`, contentType: null, accept });

const codes = (answer: Answer) => (answer.body.errors ?? []).map((e: any) => e.extensions?.code);

describe('accept: application/graphql-response+json', () => {
  it('a parse error is 400, with no data, as application/graphql-response+json', async () => {
    const answer = await post({ query: '{ dmEvents(' });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(answer.body).not.toHaveProperty('data');
    expect(codes(answer)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(h.calls()).toHaveLength(0);
  });

  it('a validation error is 400, with no data', async () => {
    const answer = await post({ query: '{ dmEvents { nodes { noSuchField } } }' });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toHaveProperty('data');
    expect(codes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(h.calls()).toHaveLength(0);
  });

  it('an argument literal of the wrong type is a validation error: 400, BAD_USER_INPUT', async () => {
    const answer = await post({ query: '{ dmEvents(first: "5") { nodes { restId } } }' });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toHaveProperty('data');
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
  });

  it('a variable of the wrong type fails variable coercion: 400, no data, BAD_USER_INPUT, no call', async () => {
    for (const [query, variables] of [
      ['query($f: Int) { dmEvents(first: $f) { nodes { restId } } }', { f: 'ten' }],
      ['query($f: Int) { dmEvents(first: $f) { nodes { restId } } }', { f: 2 ** 31 }],
      ['query($id: ID!) { dmEvent(eventId: $id) { restId } }', { id: null }],
      ['query($id: ID!) { dmEvent(eventId: $id) { restId } }', {}],
      ['query($t: [DmEventType!]) { dmEvents(eventTypes: $t) { nodes { restId } } }', { t: ['message_create'] }],
    ] as const) {
      const answer = await post({ query, variables });
      expect(answer.status, JSON.stringify(variables)).toBe(400);
      expect(answer.body).not.toHaveProperty('data');
      expect(codes(answer), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
    }
    expect(h.calls()).toHaveLength(0);
  });

  it('a resolver error (BAD_USER_INPUT from a bad id) is 200 with data and the error at its path', async () => {
    const nullable = await post({ query: '{ dmEvent(eventId: "12a") { text } }' });
    expect(nullable.status).toBe(200);
    expect(nullable.body.data).toEqual({ dmEvent: null });
    expect(nullable.body.errors[0]).toMatchObject({ path: ['dmEvent'], extensions: { code: 'BAD_USER_INPUT' } });

    // A non-null root field: the error nulls the whole data, which is still there.
    const nonNull = await post({ query: '{ dmConversation(conversationId: "x") { conversationId } }' });
    expect(nonNull.status).toBe(200);
    expect(nonNull.body).toHaveProperty('data', null);
    expect(codes(nonNull)).toEqual(['BAD_USER_INPUT']);
    expect(h.calls()).toHaveLength(0);
  });

  it('a partial result is 200: the failing field null, the rest of the data kept', async () => {
    const answer = await post({
      query: '{ bad: dmEvent(eventId: "12a") { text } good: dmEvents(first: 2) { nodes { restId } } }',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.bad).toBeNull();
    expect(answer.body.data.good.nodes).toHaveLength(2);
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
  });

  it('no bearer token is an execution error: 200, data null, UNAUTHENTICATED, no call', async () => {
    const answer = await send({ body: JSON.stringify({ query: '{ dmEvents { nodes { restId } } }' }), token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toHaveProperty('data', null);
    expect(codes(answer)).toEqual(['UNAUTHENTICATED']);
    expect(h.calls()).toHaveLength(0);
  });

  it('a query over GET is 200 with data', async () => {
    const answer = await get({ query: '{ dmEvents(first: 1) { nodes { restId } } }' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.dmEvents.nodes).toHaveLength(1);
  });

  it('a GET with variables is 200 too', async () => {
    const answer = await get({
      query: 'query($n: Int) { dmEvents(first: $n) { nodes { restId } } }',
      variables: JSON.stringify({ n: 2 }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.dmEvents.nodes).toHaveLength(2);
  });

  it('a mutation over GET is 405, allowing POST', async () => {
    const answer = await get({ query: 'mutation { anything }' });
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('POST');
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });

  it('a real mutation over GET is 405 too, and sends nothing', async () => {
    const answer = await get({
      query: `mutation { sendDm(input: { participantId: "${h.sandbox.users[1]!.id}", text: "by GET" }) { event { restId } } }`,
    });
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('POST');
    expect(h.calls()).toHaveLength(0);
  });

  it('a mutation of a field the schema lacks is a validation error: 400, no call', async () => {
    const answer = await post({ query: 'mutation { anything }' });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toHaveProperty('data');
    expect(answer.body.errors[0].message).toMatch(/Cannot query field "anything" on type "Mutation"/);
    expect(h.calls()).toHaveLength(0);
  });

  it('an unknown operation name is 400', async () => {
    const answer = await post({ query: 'query A { dmEvents(first: 1) { nodes { restId } } }', operationName: 'B' });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toHaveProperty('data');
    expect(codes(answer)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(h.calls()).toHaveLength(0);
  });

  it('several operations and no operation name is 400', async () => {
    const answer = await post({ query: 'query A { __typename } query B { __typename }' });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
  });

  it('a POST whose content type is not JSON (or GraphQL) is 415', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    for (const contentType of ['text/plain', 'application/xml', 'multipart/mixed', 'application/octet-stream', null]) {
      const answer = await send({ body, contentType });
      expect(answer.status, String(contentType)).toBe(415);
    }
    expect(h.calls()).toHaveLength(0);
  });

  it('a POST as application/graphql (the document as the body) is 200', async () => {
    const answer = await send({ body: '{ __typename }', contentType: 'application/graphql' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ __typename: 'Query' });
  });

  it('a body that is not JSON is 400', async () => {
    const answer = await send({ body: '{ "query": ' });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });

  it('a request without a query, or with a query that is not a string, is 400', async () => {
    expect((await post({})).status).toBe(400);
    expect((await post({ query: 42 })).status).toBe(400);
    expect((await post({ query: { a: 1 } })).status).toBe(400);
  });

  it('a method other than GET and POST is 405, allowing GET and POST', async () => {
    const answer = await send({ method: 'PUT', body: JSON.stringify({ query: '{ __typename }' }) });
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('GET, POST');
  });

  it('an operation refused for its cost is a client error (4xx), not a server error', async () => {
    // 12 events by id: 12 upstream calls, more than MAX_UPSTREAM_REQUESTS (10). Refused before any call.
    const query = `{ ${Array.from({ length: 12 }, (_, i) => `e${i}: dmEvent(eventId: "${i + 1}") { text }`).join(' ')} }`;
    const answer = await post({ query });
    expect(codes(answer)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(h.calls()).toHaveLength(0);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });
});

describe('accept: application/json (legacy)', () => {
  it('a parse error comes with 200', async () => {
    const answer = await post({ query: '{ dmEvents(' }, JSON_TYPE);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(codes(answer)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('a validation error comes with 200', async () => {
    const answer = await post({ query: '{ nope }' }, JSON_TYPE);
    expect(answer.status).toBe(200);
    expect(codes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('a resolver error comes with 200 and data', async () => {
    const answer = await post({ query: '{ dmEvent(eventId: "12a") { text } }' }, JSON_TYPE);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ dmEvent: null });
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
  });

  it('a request without a query comes with 200', async () => {
    const answer = await post({}, JSON_TYPE);
    expect(answer.status).toBe(200);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });

  it("variable coercion keeps the 400 graphql-js gives it (yoga honours an error's own HTTP status)", async () => {
    const answer = await post(
      { query: 'query($f: Int) { dmEvents(first: $f) { nodes { restId } } }', variables: { f: 'ten' } },
      JSON_TYPE,
    );
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
  });

  it('an unknown operation name stays 400', async () => {
    const answer = await post({ query: 'query A { __typename }', operationName: 'B' }, JSON_TYPE);
    expect(answer.status).toBe(400);
  });

  it('a wrong content type stays 415', async () => {
    const answer = await send({
      body: JSON.stringify({ query: '{ __typename }' }),
      contentType: 'text/plain',
      accept: JSON_TYPE,
    });
    expect(answer.status).toBe(415);
  });
});

describe('the contract: every error carries extensions.code', () => {
  it('request-level errors from graphql-js carry a code too', async () => {
    for (const query of ['mutation { anything }', 'subscription { anything }']) {
      const answer = await post({ query });
      for (const error of answer.body.errors) {
        expect(typeof error.extensions?.code, `${query}: ${JSON.stringify(error)}`).toBe('string');
        expect(error.extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
      }
    }
  });
});
