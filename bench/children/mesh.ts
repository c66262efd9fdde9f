/**
 * Arm D: GraphQL Mesh over X's OpenAPI spec (`spec/x-openapi-2.159-dm.json`). `@omnigraph/openapi` turns the spec into an
 * executable schema whose resolvers call the upstream (Mesh's own HTTP transport and fetch); graphql-yoga, the same
 * server arm C runs on, serves it. This is Mesh's single-source runtime without a gateway's extra plugins: the
 * cheapest Mesh there is. The caller's Authorization is forwarded with Mesh's `{context.headers.authorization}`.
 */
import { type Server, createServer } from 'node:http';
import { resolve } from 'node:path';
import { createYoga } from 'graphql-yoga';
import { meshOperation } from '../lib/mesh-query.js';
import { fail, runChild, upstreamArg } from './child.js';

const upstream = upstreamArg();
let operation: string;
let server: Server;
try {
  const { loadGraphQLSchemaFromOpenAPI } = await import('@omnigraph/openapi');
  const schema = await loadGraphQLSchemaFromOpenAPI('X', {
    // The bench starts every child in the project's root (and runs it bundled, away from this file).
    source: resolve('spec/x-openapi-2.159-dm.json'),
    endpoint: upstream,
    operationHeaders: { authorization: '{context.headers.authorization}' },
  });
  operation = meshOperation(schema);
  const yoga = createYoga({
    schema,
    landingPage: false,
    graphiql: false,
    context: ({ request }) => ({ headers: { authorization: request.headers.get('authorization') ?? undefined } }),
  });
  server = createServer((req, res) => void yoga(req, res));
} catch (error) {
  fail(`GraphQL Mesh did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

await runChild(server, { info: { operation } });
