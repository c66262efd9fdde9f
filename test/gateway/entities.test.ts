/**
 * `_entities`, as a supergraph router calls it: users by `restId`, looked up in one batch with the caller's token,
 * in the order asked, each missing one as its own error; a bad representation is refused before any call.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway({ gateway: { maxUpstreamRequests: 3 } });

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on User {
        id
        restId
        username
        publicMetrics {
          followersCount
        }
      }
    }
  }
`;

/** `ENTITIES` without `publicMetrics`: only fields a DM answer's includes carry. */
const WITHOUT_METRICS = ENTITIES.replace(/\s*publicMetrics \{[^}]*\}/, '');

const user = (restId: string) => ({ __typename: 'User', restId });

describe('_entities', () => {
  it('looks the users up in one call, with the fields selected, and answers them in the order asked', async () => {
    const [a, b, c] = h.sandbox.users.slice(2, 5);
    const answer = await h.query(ENTITIES, { representations: [user(c!.id), user(a!.id), user(b!.id), user(a!.id)] });
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities.map((entity: any) => [entity.__typename, entity.restId, entity.username])).toEqual(
      [c, a, b, a].map((u) => ['User', u!.id, u!.username]),
    );
    const calls = h.calls();
    expect(calls.map((call) => call.path)).toEqual(['/2/users']);
    expect(calls[0]!.query.ids!.split(',').sort()).toEqual([a!.id, b!.id, c!.id].sort());
    expect(calls[0]!.query['user.fields']!.split(',').sort()).toEqual(['public_metrics', 'username']);
  });

  it('answers a user X does not have as NOT_FOUND in its own place, the others beside it', async () => {
    const [a, b] = h.sandbox.users.slice(2, 4);
    const answer = await h.query(ENTITIES, { representations: [user(a!.id), user('1'), user(b!.id)] });
    const entities = answer.data._entities;
    expect(entities.map((entity: any) => entity?.restId ?? null)).toEqual([a!.id, null, b!.id]);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]).toMatchObject({ path: ['_entities', 1], extensions: { code: 'NOT_FOUND' } });
    expect(h.calls()).toHaveLength(1);
  });

  it.each([
    ['an id that is not an X user id', [{ __typename: 'User', restId: 'x; drop' }]],
    ['a key of the wrong type', [{ __typename: 'User', restId: 12 }]],
    ['a type that is no entity here', [{ __typename: 'DmEvent', restId: '1' }]],
    ['no type', [{ restId: '1' }]],
  ])('refuses %s before any call', async (_name, representations) => {
    const answer = await h.query(ENTITIES, { representations: [user(h.sandbox.users[2]!.id), ...representations] });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'representations' });
    expect(h.calls()).toEqual([]);
  });

  it('counts 100 users a lookup against MAX_UPSTREAM_REQUESTS before any call', async () => {
    const representations = Array.from({ length: 301 }, (_, i) => user(String(1_000_000 + i)));
    const answer = await h.query(ENTITIES, { representations });
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: { estimate: 4, limit: 3 },
    });
    expect(h.calls()).toEqual([]);
  });

  it('is UNAUTHENTICATED without a token, with no call', async () => {
    const answer = await h.query(ENTITIES, { representations: [user(h.sandbox.users[2]!.id)] }, null);
    expect(answer.errors?.[0]).toMatchObject({ path: ['_entities', 0], extensions: { code: 'UNAUTHENTICATED' } });
    expect(h.calls()).toEqual([]);
  });
});

describe('_entities, memory first', () => {
  const m = useGateway({ gateway: { store: 'memory' } });

  it("answers the users the caller's memory knows with the fields selected without a lookup, and looks up the rest", async () => {
    const me = m.sandbox.users[0]!;
    const read = await m.query(`{ dmEvents(first: 30) { nodes { sender { restId username } } } }`);
    const senders = [
      ...new Set(
        read.data.dmEvents.nodes.map((node: any) => node.sender?.restId).filter((id: unknown) => id && id !== me.id),
      ),
    ] as string[];
    expect(senders.length).toBeGreaterThan(1);
    m.sandbox.clearRequests();

    const known = await m.query(WITHOUT_METRICS, {
      representations: senders.map(user),
    });
    expect(known.errors).toBeUndefined();
    const usernames = new Map(m.sandbox.users.map((u) => [u.id, u.username]));
    expect(known.data._entities.map((entity: any) => entity.username)).toEqual(senders.map((id) => usernames.get(id)));
    expect(m.calls()).toEqual([]);

    // Someone no event of the memory's first read (X's newest 100) carried as sender or participant.
    const carried = new Set(
      m.sandbox
        .visibleEvents(me.id)
        .slice(0, 100)
        .flatMap((e) => [e.sender_id, ...(e.participant_ids ?? [])]),
    );
    const stranger = m.sandbox.users.find((u) => !carried.has(u.id))!;
    expect(stranger).toBeDefined();
    const mixed = await m.query(WITHOUT_METRICS, {
      representations: [user(senders[0]!), user(stranger.id)],
    });
    expect(mixed.data._entities.map((entity: any) => entity.restId)).toEqual([senders[0], stranger.id]);
    expect(m.calls().map((call) => [call.path, call.query.ids])).toEqual([['/2/users', stranger.id]]);
  });

  it('costs no call to learn whose token it is: a caller the memory does not know yet gets the users looked up', async () => {
    const newcomer = m.sandbox.users[7]!;
    const answer = await m.query(ENTITIES, { representations: [user(m.sandbox.users[2]!.id)] }, newcomer.token);
    expect(answer.data._entities[0].restId).toBe(m.sandbox.users[2]!.id);
    expect(m.calls().map((call) => call.path)).toEqual(['/2/users']);
  });
});
