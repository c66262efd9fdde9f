/**
 * The gateway as a Federation v2 subgraph behind a supergraph router: a small accounts subgraph (written here, with
 * `@apollo/subgraph`) holds each account's X user by id (`xUser: User`, `User @key(fields: "restId")`), the two are
 * composed with `@theguild/federation-composition`, and Hive Gateway serves the supergraph in process, over HTTP to
 * both subgraphs, forwarding the caller's `Authorization`. The README's federation section shows the same set-up.
 */
import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { assertCompositionSuccess, composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../src/gateway.js';
import { startTracing } from '../../src/observability/tracing.js';
import { useGateway } from '../support/harness.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';
import { listen } from './listen.js';

// The gateway traces, so that a request's trace can be followed from the router's caller to the calls to X.
const receiver = new OtlpReceiver();
const options: Partial<GatewayOptions> = { store: 'memory' };
beforeAll(async () => {
  options.tracing = await startTracing({ endpoint: await receiver.listen() });
});
const h = useGateway({ gateway: options });
const xDm = listen(h);

/** The accounts subgraph: the app's own accounts, each linked to an X user by X's id. */
const ACCOUNTS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    accounts: [Account!]!
  }

  type Account @key(fields: "id") {
    id: ID!
    name: String!
    "The account's X user, resolved by the X DM gateway."
    xUser: User
  }

  type User @key(fields: "restId", resolvable: false) {
    restId: String!
  }
`;

let accounts: Server;
let accountsUrl = '';
let router: ReturnType<typeof createGatewayRuntime>;
let supergraphSdl = '';

/** The three accounts, linked to three of the sandbox's users. */
function accountList() {
  return h.sandbox.users
    .slice(1, 4)
    .map((user, i) => ({ id: `account-${i + 1}`, name: `Account ${i + 1}`, xUserId: user.id }));
}

async function listenOn(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
}

/** The gateway's subgraph SDL, as a router's composition reads it: `_service { sdl }` over HTTP. */
async function gatewaySdl(): Promise<string> {
  const response = await fetch(xDm.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await response.json()) as { data: { _service: { sdl: string } } };
  return body.data._service.sdl;
}

beforeAll(async () => {
  const schema = buildSubgraphSchema({
    typeDefs: parse(ACCOUNTS_SDL),
    resolvers: {
      Query: { accounts: () => accountList() },
      Account: {
        xUser: (account: { xUserId: string }) => ({ __typename: 'User', restId: account.xUserId }),
      },
    },
  });
  accounts = createServer(createYoga({ schema, logging: false }).requestListener);
  accountsUrl = await listenOn(accounts);

  const composed = composeServices([
    { name: 'accounts', typeDefs: parse(ACCOUNTS_SDL), url: accountsUrl },
    { name: 'x-dm', typeDefs: parse(await gatewaySdl()), url: xDm.url },
  ]);
  assertCompositionSuccess(composed);
  supergraphSdl = composed.supergraphSdl;

  router = createGatewayRuntime({
    supergraph: supergraphSdl,
    transports: { http: httpTransport },
    // The caller's credentials go to the subgraphs with the caller's request, and nobody else's; so does its trace.
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({
        authorization: request.headers.get('authorization'),
        traceparent: request.headers.get('traceparent'),
      }),
    },
    logging: false,
  });
});

afterAll(async () => {
  await options.tracing?.shutdown();
  await receiver.close();
  await router?.dispose();
  if (accounts) {
    const closed = new Promise<void>((resolve) => accounts.close(() => resolve()));
    accounts.closeAllConnections();
    await closed;
  }
});

async function viaRouter(query: string, token: string | null, headers: Record<string, string> = {}) {
  const response = await router.fetch('http://router.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as {
    data?: any;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  };
}

describe('the gateway as a federation subgraph', () => {
  it('serves its SDL with User as an entity keyed by restId', async () => {
    const sdl = await gatewaySdl();
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \["@key"\]\)/);
    expect(sdl).toMatch(/type User implements Node\s+@key\(fields: "restId"\)/);
    expect(supergraphSdl).toContain('join__type(graph: X_DM, key: "restId")');
  });

  it('answers a query that crosses both subgraphs: three accounts, three X users, one users lookup', async () => {
    const token = h.sandbox.users[0]!.token;
    const answer = await viaRouter(`{ accounts { id name xUser { restId username name } } }`, token);
    expect(answer.errors).toBeUndefined();
    const users = new Map(h.sandbox.users.map((user) => [user.id, user]));
    expect(answer.data.accounts).toEqual(
      accountList().map((account) => ({
        id: account.id,
        name: account.name,
        xUser: {
          restId: account.xUserId,
          username: users.get(account.xUserId)!.username,
          name: users.get(account.xUserId)!.name,
        },
      })),
    );
    const calls = h.calls();
    expect(calls.map((call) => call.path)).toEqual(['/2/users']);
    expect(calls[0]!.query.ids!.split(',').sort()).toEqual(
      accountList()
        .map((account) => account.xUserId)
        .sort(),
    );
    expect(calls[0]!.authorization === `Bearer ${token}`).toBe(true);
  });

  it("answers the caller's DMs beside the accounts", async () => {
    const me = h.sandbox.users[0]!;
    const answer = await viaRouter(
      `{ accounts { name xUser { username } } dmEvents(first: 2) { nodes { restId text } } }`,
      me.token,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.accounts).toHaveLength(3);
    expect(answer.data.dmEvents.nodes.map((node: { restId: string }) => node.restId)).toEqual(
      h.sandbox
        .visibleEvents(me.id)
        .slice(0, 2)
        .map((event) => event.id),
    );
    expect(h.calls().filter((call) => call.path === '/2/users')).toHaveLength(1);
  });

  it('without credentials: the DM part is UNAUTHENTICATED, the accounts part answers, and X is not called', async () => {
    const eventId = h.sandbox.visibleEvents(h.sandbox.users[0]!.id)[0]!.id;
    const answer = await viaRouter(
      `{ accounts { id name xUser { username } } dmEvent(eventId: "${eventId}") { text } }`,
      null,
    );
    expect(answer.data.accounts.map((account: { id: string; name: string }) => [account.id, account.name])).toEqual(
      accountList().map((account) => [account.id, account.name]),
    );
    expect(answer.data.dmEvent).toBeNull();
    const dmError = answer.errors?.find((error) => error.path?.[0] === 'dmEvent');
    expect(dmError?.extensions?.code).toBe('UNAUTHENTICATED');
    // The X users are X's too: without credentials they are null, each with its error, and the accounts stand.
    expect(answer.data.accounts.map((account: { xUser: unknown }) => account.xUser)).toEqual([null, null, null]);
    expect(answer.errors?.filter((error) => error.extensions?.code !== 'UNAUTHENTICATED')).toEqual([]);
    expect(h.calls()).toEqual([]);
  });

  it("continues the caller's trace: the entities' operation and its users lookup are in it", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    // A caller of its own: the memory keeps the main user's lookups of the tests above, and this one must call X.
    const answer = await viaRouter(`{ accounts { xUser { username } } }`, h.sandbox.users[4]!.token, {
      traceparent: `00-${traceId}-${parentId}-01`,
    });
    expect(answer.errors).toBeUndefined();
    await options.tracing!.flush();
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const operation = spans.find((span) => span.attributes['graphql.operation.type'] === 'query')!;
    expect(operation.parentSpanId).toBe(parentId);
    const lookup = spans.find((span) => span.name === 'GET /2/users')!;
    expect(lookup.parentSpanId).toBe(operation.spanId);
    expect(lookup.attributes['http.response.status_code']).toBe(200);
  });

  it('a failed non-null root field of the gateway nulls the whole answer, as GraphQL says', async () => {
    const answer = await viaRouter(`{ accounts { id } dmEvents(first: 2) { nodes { restId } } }`, null);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]).toMatchObject({ path: ['dmEvents'], extensions: { code: 'UNAUTHENTICATED' } });
    expect(h.calls()).toEqual([]);
  });
});
