/**
 * Link lists (`loadLinkedList`): objects the request knows already come back as a plain list, in the same turn, so the
 * execution below them is not held on a promise; a list with any object to look up waits for the lookup.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/context.js';
import { Loaders } from '../../src/loaders/loaders.js';
import type { SelectionPlan } from '../../src/planner/plan.js';
import { loadLinkedList } from '../../src/schema/links.js';
import type { XSession } from '../../src/upstream/session.js';
import { dialectOf } from '../../src/x/dialect.js';

/** An X session answering users lookups, counting its calls. */
function fakeSession() {
  const calls: string[] = [];
  const session = {
    dialect: dialectOf('tweets'),
    get(path: string, query: Record<string, string | undefined>) {
      calls.push(`${path}?ids=${query.ids}`);
      const ids = query.ids!.split(',');
      return Promise.resolve({ data: ids.map((id) => ({ id, name: `n${id}`, username: `u${id}` })) });
    },
  } as unknown as XSession;
  return { session, calls };
}

/** A DM event's plan whose `participants` are users read with their name. */
const eventPlan: SelectionPlan = {
  children: {
    participants: { children: {}, load: { kind: 'user', fields: ['name'], batch: { 'user.fields': 'name' } } },
  },
};
const info = { path: { key: 'participants' } } as unknown as GraphQLResolveInfo;

function setup() {
  const { session, calls } = fakeSession();
  const loaders = new Loaders(session);
  // The page's own call expanded users 1 and 2 with their names.
  loaders.prime(
    'dm_event',
    { 'user.fields': 'name' },
    {
      includes: {
        users: [
          { id: '1', name: 'n1', username: 'u1' },
          { id: '2', name: 'n2', username: 'u2' },
        ],
      },
    },
  );
  const context = { loaders } as unknown as GatewayContext;
  return { context, calls };
}

const ids = (list: readonly { x: { id: string } }[]) => list.map((p) => p.x.id);

describe('loadLinkedList', () => {
  it('hands back known objects as a plain list, in order, with no call to X', () => {
    const { context, calls } = setup();
    const list = loadLinkedList<{ id: string }>(context, eventPlan, info, ['2', '1']);
    expect(list).not.toBeInstanceOf(Promise);
    expect(ids(list as { x: { id: string } }[])).toEqual(['2', '1']);
    expect(calls).toEqual([]);
  });

  it('waits for the lookup when any object is unknown, and keeps the order', async () => {
    const { context, calls } = setup();
    const list = loadLinkedList<{ id: string }>(context, eventPlan, info, ['2', '3', '1']);
    expect(list).toBeInstanceOf(Promise);
    expect(ids(await list!)).toEqual(['2', '3', '1']);
    expect(calls).toEqual(['/2/users?ids=3']);
  });

  it('is null without ids and empty for an empty list', () => {
    const { context } = setup();
    expect(loadLinkedList(context, eventPlan, info, undefined)).toBeNull();
    expect(loadLinkedList(context, eventPlan, info, [])).toEqual([]);
  });
});
