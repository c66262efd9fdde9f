/**
 * The request body's size limit answers as yoga's own does (413 over it, 400 for a broken `Content-Length`), whether
 * the body declares its length or arrives in chunks, and lets every body within it through unchanged.
 */
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { requestBodyLimit } from '../../src/plugins/body-limit.js';

const LIMIT = 200;
const schema = () =>
  createSchema({
    typeDefs: 'type Query { echo(text: String!): String! }',
    resolvers: { Query: { echo: (_: unknown, { text }: { text: string }) => text } },
  });
const ours = createYoga({
  schema: schema(),
  logging: false,
  maxRequestBodySize: false,
  plugins: [requestBodyLimit(LIMIT)],
});
const yogas = createYoga({ schema: schema(), logging: false, maxRequestBodySize: LIMIT });

const body = (text: string) =>
  JSON.stringify({ query: 'query ($t: String!) { echo(text: $t) }', variables: { t: text } });

/** A body without a declared length: a stream of small chunks. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(body(text));
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, (at += 16)));
    },
  });
}

async function send(yoga: typeof ours, init: { body: string | ReadableStream<Uint8Array>; length?: string }) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  };
  if (init.length !== undefined) headers['content-length'] = init.length;
  const response = await yoga.fetch('http://yoga.test/graphql', {
    method: 'POST',
    headers,
    body: init.body,
    duplex: 'half',
  } as RequestInit);
  const answer = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, data: answer.data, code: answer.errors?.[0]?.extensions?.code };
}

describe('requestBodyLimit', () => {
  const small = 'a'.repeat(20);
  const large = 'é'.repeat(LIMIT);

  it('lets a body within the limit through, declared or chunked', async () => {
    expect(await send(ours, { body: body(small), length: String(Buffer.byteLength(body(small))) })).toEqual({
      status: 200,
      data: { echo: small },
      code: undefined,
    });
    expect(await send(ours, { body: chunked(small) })).toEqual({ status: 200, data: { echo: small }, code: undefined });
  });

  it('refuses a declared length over the limit with 413 before reading it, as yoga does', async () => {
    const mine = await send(ours, { body: body(large), length: String(Buffer.byteLength(body(large))) });
    expect(mine).toEqual({ status: 413, data: undefined, code: 'REQUEST_ENTITY_TOO_LARGE' });
    expect(mine).toEqual(await send(yogas, { body: body(large), length: String(Buffer.byteLength(body(large))) }));
  });

  it('refuses a chunked body once it passes the limit, with 413', async () => {
    expect(await send(ours, { body: chunked(large) })).toEqual({
      status: 413,
      data: undefined,
      code: 'REQUEST_ENTITY_TOO_LARGE',
    });
  });

  it('refuses a Content-Length that is not one number with 400, as yoga does', async () => {
    for (const length of ['12, 12', '-1', 'abc']) {
      const mine = await send(ours, { body: body(small), length });
      expect(mine).toEqual({ status: 400, data: undefined, code: 'BAD_REQUEST' });
      expect(mine).toEqual(await send(yogas, { body: body(small), length }));
    }
  });
});
