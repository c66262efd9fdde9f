/**
 * `jsonBytes` writes what `JSON.stringify` writes, byte for byte; the plugin serving it answers exactly as yoga's own
 * processor would (status, media type, body) for every `Accept` it takes, and leaves the rest to yoga.
 */
import { GraphQLError } from 'graphql';
import { type Plugin, createSchema, createYoga, processRegularResult } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { jsonByteAnswers, jsonBytes } from '../../src/plugins/json-bytes.js';

const same = (value: unknown) => expect(jsonBytes(value).toString('utf8')).toBe(JSON.stringify(value));

describe('jsonBytes', () => {
  it('writes scalars, escapes and non-Latin-1 text as JSON.stringify does', () => {
    for (const value of [
      null,
      true,
      false,
      0,
      -1.5,
      1e21,
      'plain',
      'quote " backslash \\ newline \n tab \t \u0001',
      '😀 emoji é ü 中文',
      '\ud800 lone surrogate',
    ]) {
      same(value);
    }
    same({ a: 1, 'odd key "with" quotes': 'x', nested: { deeper: [1, 'two', { three: null }] } });
  });

  it('leaves out what JSON.stringify leaves out, and writes null where it does', () => {
    same({ kept: 1, gone: undefined, fn: () => 1, symbol: Symbol('s'), list: [undefined, () => 1, Symbol('t'), 2] });
    same([Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it('honours toJSON and class instances like JSON.stringify', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    same({ when: new Date('2024-01-02T03:04:05.678Z'), point: new Point(1, 2), custom: { toJSON: () => 'replaced' } });
  });

  it('writes long lists and items too large to stringify whole (an answer of many events), unchanged', () => {
    const event = (i: number) => ({
      id: String(i),
      text: `message ${i} 😀 ${'é'.repeat(200)}`,
      sender: { name: 'Zoë', description: 'x'.repeat(500) },
      list: Array.from({ length: 30 }, (_, j) => ({ j, tag: `#${j}` })),
    });
    const answer = {
      data: { dmEvents: { edges: Array.from({ length: 300 }, (_, i) => ({ cursor: `c${i}`, node: event(i) })) } },
    };
    same(answer);
    // An item beyond the unit size, holding lists of its own: written piece by piece.
    same([
      {
        conversations: Array.from({ length: 50 }, (_, i) => ({
          events: Array.from({ length: 20 }, (_, j) => event(i * 100 + j)),
        })),
      },
    ]);
  });

  it('returns a buffer of its own each time: a later answer never changes an earlier one', () => {
    const first = jsonBytes({ a: 'first' });
    jsonBytes({ a: 'other' });
    jsonBytes({ a: 'x'.repeat(1_000_000) });
    expect(first.toString()).toBe('{"a":"first"}');
  });
});

describe('jsonByteAnswers', () => {
  const typeDefs = /* GraphQL */ `
    type Query {
      hello: String
      fails: String
      list(n: Int!): [String!]!
    }
  `;
  const resolvers = {
    Query: {
      hello: () => 'héllo 😀',
      fails: () => {
        throw new GraphQLError('refused', { extensions: { code: 'BAD_USER_INPUT' } });
      },
      list: (_: unknown, { n }: { n: number }) => Array.from({ length: n }, (_, i) => `item ${i} 😀`),
    },
  };
  /** Whether each answer's processor, once every plugin before this one had its say, was still yoga's own. */
  const servedByYoga: boolean[] = [];
  const watch: Plugin = {
    onResultProcess: ({ resultProcessor }) => {
      servedByYoga.push(resultProcessor === processRegularResult);
    },
  };
  const plain = createYoga({ schema: createSchema({ typeDefs, resolvers }), logging: false });
  const bytes = createYoga({
    schema: createSchema({ typeDefs, resolvers }),
    logging: false,
    plugins: [jsonByteAnswers(), watch],
  });

  async function answer(yoga: typeof plain, query: string, accept?: string) {
    const response = await yoga.fetch('http://yoga.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accept !== undefined && { accept }) },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  }

  const accepts = [
    undefined,
    '*/*',
    'application/json',
    'application/graphql-response+json',
    'application/graphql-response+json, application/json',
    'application/json;q=0.9, application/graphql-response+json',
    'application/*',
    'text/html, application/json',
    'application/json; charset=utf-8',
  ];

  it('serves answers without errors itself, and leaves answers with errors to yoga', async () => {
    servedByYoga.length = 0;
    await answer(bytes, '{ hello }');
    await answer(bytes, '{ list(n: 3) }');
    await answer(bytes, '{ hello fails }');
    expect(servedByYoga).toEqual([false, false, true]);
  });

  for (const accept of accepts) {
    it(`answers as yoga does with accept ${accept ?? '(none)'}`, async () => {
      for (const query of ['{ hello }', '{ list(n: 2000) }', '{ hello fails }', '{ nope }']) {
        expect(await answer(bytes, query, accept)).toEqual(await answer(plain, query, accept));
      }
    });
  }

  it('leaves event streams, multipart and refused media types to yoga', async () => {
    for (const accept of ['text/event-stream', 'multipart/mixed', 'application/json; charset=latin1', 'image/png']) {
      const mine = await answer(bytes, '{ hello }', accept);
      const theirs = await answer(plain, '{ hello }', accept);
      expect({ status: mine.status, type: mine.type }).toEqual({ status: theirs.status, type: theirs.type });
      if (accept === 'text/event-stream') expect(mine.body).toContain('"hello":"héllo 😀"');
    }
  });
});
