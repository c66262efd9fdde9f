/**
 * The gateway stitched into a larger API with `@graphql-tools/stitch`: the app's own `AppUser` gets `recentDms`, a
 * field delegated to the gateway's `dmEvents`, and the gateway's root fields stay available. Twice: with the gateway's
 * schema in process (its executor answers through `gateway.fetch`, so every request gets the context the gateway
 * creates), and with the gateway as a remote over HTTP (`buildHTTPExecutor`, its schema from introspection). Either
 * way the larger API forwards the caller's Authorization header, and X sees the caller's token.
 */
import { type SubschemaConfig, delegateToSchema } from '@graphql-tools/delegate';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { stitchSchemas } from '@graphql-tools/stitch';
import { schemaFromExecutor } from '@graphql-tools/wrap';
import { OperationTypeNode, print } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema as gatewaySchema } from '../../src/schema/index.js';
import { useGateway } from '../support/harness.js';
import { listen } from './listen.js';

const h = useGateway();
const server = listen(h);

/** The larger API's context, as its own yoga creates it. */
interface AppContext {
  request: Request;
}

/** The caller's Authorization header, forwarded to the gateway. */
function authorizationOf(context: unknown): Record<string, string> {
  const value = (context as Partial<AppContext> | undefined)?.request?.headers.get('authorization');
  return value ? { authorization: value } : {};
}

/** The gateway as a subschema of the larger API. */
type GatewaySubschema = SubschemaConfig<any, any, any, AppContext>;

/** The gateway's schema in process; each request goes through `gateway.fetch` and gets the gateway's own context. */
function inProcess(): GatewaySubschema {
  return {
    schema: gatewaySchema,
    executor: async ({ document, variables, operationName, context }) => {
      const response = await h.gateway.fetch('http://gateway.in-process/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...authorizationOf(context),
        },
        body: JSON.stringify({ query: print(document), variables, operationName }),
      });
      return (await response.json()) as never;
    },
  };
}

/** The gateway as a remote: HTTP to 127.0.0.1, its schema from introspection. */
async function remote(): Promise<GatewaySubschema> {
  const executor = buildHTTPExecutor({ endpoint: server.url, headers: (request) => authorizationOf(request?.context) });
  return { schema: await schemaFromExecutor(executor), executor };
}

/** The larger API: the app's users, each with their X account's latest DMs from the gateway. */
function appApi(gateway: GatewaySubschema) {
  const xUserId = h.sandbox.users[0]!.id;
  const schema = stitchSchemas<AppContext>({
    subschemas: [gateway],
    typeDefs: /* GraphQL */ `
      type Query {
        appUser: AppUser
      }
      type AppUser {
        handle: String!
        xUserId: ID!
        "The latest DMs of the user's X account, from the X DM gateway."
        recentDms(first: Int = 5, after: String): DmEventConnection
      }
    `,
    resolvers: {
      Query: {
        appUser: () => ({ handle: 'demo-app-user', xUserId }),
      },
      AppUser: {
        recentDms: {
          resolve: (_user, args, context, info) =>
            delegateToSchema({
              schema: gateway,
              operation: OperationTypeNode.QUERY,
              fieldName: 'dmEvents',
              args,
              context,
              info,
            }),
        },
      },
    },
  });
  return createYoga<AppContext>({ schema, logging: false, maskedErrors: false });
}

const CROSSING = /* GraphQL */ `
  query AppInbox($first: Int) {
    appUser {
      handle
      xUserId
      recentDms(first: $first) {
        edges {
          cursor
          node {
            restId
            text
            createdAt
            sender {
              restId
              username
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

describe.each([
  ['in process', () => Promise.resolve(inProcess())],
  ['remote over HTTP', remote],
] as const)('stitched, %s', (_name, subschema) => {
  let app: ReturnType<typeof appApi>;

  beforeAll(async () => {
    app = appApi(await subschema());
  });

  async function run(query: string, variables: Record<string, unknown>, token: string | null) {
    const response = await app.fetch('http://app.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...(token !== null && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as {
      data?: any;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
  }

  it('answers an operation that crosses from the app into the gateway, with one call to X and the caller token', async () => {
    const token = h.sandbox.users[0]!.token;
    const answer = await run(CROSSING, { first: 3 }, token);
    expect(answer.errors).toBeUndefined();

    const usernames = new Map(h.sandbox.data.users.map((user) => [user.id, user.username]));
    const expected = h.sandbox.visibleEvents(h.sandbox.users[0]!.id).slice(0, 3);
    const { appUser } = answer.data;
    expect(appUser.handle).toBe('demo-app-user');
    expect(appUser.xUserId).toBe(h.sandbox.users[0]!.id);
    expect(appUser.recentDms.edges.map((edge: any) => edge.node.restId)).toEqual(expected.map((event) => event.id));
    expect(appUser.recentDms.edges.map((edge: any) => edge.node.sender?.username)).toEqual(
      expected.map((event) => (event.sender_id ? usernames.get(event.sender_id) : undefined)),
    );
    expect(appUser.recentDms.pageInfo.hasNextPage).toBe(true);

    const calls = h.calls();
    expect(calls.map((call) => call.path)).toEqual(['/2/dm_events']);
    expect(calls[0]!.query.max_results).toBe('3');
    expect(calls[0]!.query.expansions).toBe('sender_id');
    expect(calls[0]!.authorization === `Bearer ${token}`).toBe(true);
  });

  it("pages on with the gateway's own cursor through the larger API", async () => {
    const token = h.sandbox.users[0]!.token;
    const first = await run(CROSSING, { first: 3 }, token);
    const second = await run(
      `query($after: String) { appUser { recentDms(first: 3, after: $after) { nodes { restId } } } }`,
      { after: first.data.appUser.recentDms.pageInfo.endCursor },
      token,
    );
    expect(second.errors).toBeUndefined();
    const expected = h.sandbox.visibleEvents(h.sandbox.users[0]!.id).slice(3, 6);
    expect(second.data.appUser.recentDms.nodes.map((node: any) => node.restId)).toEqual(
      expected.map((event) => event.id),
    );
  });

  it("keeps the gateway's root fields, and each caller's token goes with that caller's request", async () => {
    const other = h.sandbox.users[1]!;
    const answer = await run(`{ dmEvents(first: 2) { nodes { restId } } }`, {}, other.token);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.dmEvents.nodes.map((node: any) => node.restId)).toEqual(
      h.sandbox
        .visibleEvents(other.id)
        .slice(0, 2)
        .map((event) => event.id),
    );
    const calls = h.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authorization === `Bearer ${other.token}`).toBe(true);
  });

  it("passes the gateway's UNAUTHENTICATED through when the caller sent no token, and X is not called", async () => {
    const answer = await run(CROSSING, { first: 3 }, null);
    expect(answer.data?.appUser?.handle).toBe('demo-app-user');
    expect(answer.data?.appUser?.recentDms ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.calls()).toHaveLength(0);
  });
});
