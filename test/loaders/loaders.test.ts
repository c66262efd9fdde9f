/** The request's loaders: batches of at most 100 ids, one call per kind per batch, field sets that only grow. */
import { describe, expect, it } from 'vitest';
import { Loaders } from '../../src/loaders/loaders.js';
import type { SelectionPlan } from '../../src/planner/plan.js';
import type { XSession } from '../../src/upstream/session.js';
import { dialectOf } from '../../src/x/dialect.js';

function fakeSession() {
  const calls: { path: string; query: Record<string, string | undefined> }[] = [];
  const session = {
    dialect: dialectOf('tweets'),
    get(path: string, query: Record<string, string | undefined>) {
      calls.push({ path, query });
      // X answers in its own order, leaves missing ids out and names them in `errors`.
      const ids = query.ids!.split(',').reverse();
      return Promise.resolve({
        data: ids
          .filter((id) => id !== '404')
          .map((id) => ({ id, name: `n${id}`, username: `u${id}`, location: `l${id}` })),
        errors: ids.includes('404')
          ? [
              {
                type: 'https://api.twitter.com/2/problems/resource-not-found',
                title: 'Not Found Error',
                detail: 'Could not find user with ids: [404].',
                resource_type: 'user',
                resource_id: '404',
              },
            ]
          : undefined,
      });
    },
  } as unknown as XSession;
  return { session, calls };
}

const userPlan = (fields: string[]): SelectionPlan => ({
  children: {},
  load: { kind: 'user', fields, batch: fields.length ? { 'user.fields': fields.join(',') } : {} },
});

describe('Loaders', () => {
  it('look up 250 ids in three calls of at most 100, each id once, results in key order', async () => {
    const { session, calls } = fakeSession();
    const loaders = new Loaders(session);
    const ids = Array.from({ length: 250 }, (_, i) => String(i + 1));
    const users = await Promise.all([...ids, ...ids].map((id) => loaders.load<{ id: string }>(userPlan(['name']), id)));
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.query.ids!.split(',').length)).toEqual([100, 100, 50]);
    expect(users.map((user) => user!.x.id)).toEqual([...ids, ...ids]);
  });

  it('ask once for the union of the fields every waiting selection reads', async () => {
    const { session, calls } = fakeSession();
    const loaders = new Loaders(session);
    await Promise.all([loaders.load(userPlan(['name']), '1'), loaders.load(userPlan(['location']), '2')]);
    expect(calls).toEqual([{ path: '/2/users', query: { 'user.fields': 'location,name', ids: '1,2' } }]);
  });

  it('answer from what an earlier answer carried when it has every field, and look up again when it does not', async () => {
    const { session, calls } = fakeSession();
    const loaders = new Loaders(session);
    loaders.prime(
      'dm_event',
      { 'user.fields': 'location' },
      { includes: { users: [{ id: '7', name: 'n', username: 'u', location: 'here' }] } },
    );
    expect(await loaders.load(userPlan(['location', 'name']), '7')).toMatchObject({ x: { location: 'here' } });
    expect(calls).toHaveLength(0);
    await loaders.load(userPlan(['description']), '7');
    expect(calls).toHaveLength(1);
  });

  it("turn X's not-found into NOT_FOUND for that id only", async () => {
    const { session } = fakeSession();
    const loaders = new Loaders(session);
    const [missing, found] = await Promise.allSettled([
      loaders.load(userPlan(['name']), '404'),
      loaders.load(userPlan(['name']), '5'),
    ]);
    expect(missing).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND' } });
    expect(found).toMatchObject({ status: 'fulfilled', value: { x: { id: '5' } } });
  });
});
