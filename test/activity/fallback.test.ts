/**
 * Where X refuses a user's Activity API subscriptions (its cap is full: any 4xx), that user is polled as before and
 * the refusal is counted; near the gateway's own cap the user idle longest loses their subscriptions first.
 */
import { describe, expect, it } from 'vitest';
import { APP_ONLY_TOKEN } from '../../src/sandbox/index.js';
import { sleep, subscribeSse, useLiveGateway } from '../live/helpers.js';

const h = useLiveGateway({
  sandbox: { activity: { maxSubscriptions: 2 } },
  gateway: { activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN } },
});
const h2 = useLiveGateway({
  gateway: { activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN, maxSubscriptions: 4 } },
});
const QUERY = 'subscription { dmEventAdded { text } }';

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}
const held = (userId: string) =>
  [...h.sandbox.activity.subscriptions.values()].filter((s) => s.filter.user_id === userId).length;
const held2 = (userId: string) =>
  [...h2.sandbox.activity.subscriptions.values()].filter((s) => s.filter.user_id === userId).length;
const refusals = async () =>
  (await h.gateway.metrics.activityRefusals.get()).values.reduce((sum, v) => sum + v.value, 0);

describe('polling as the fallback', () => {
  it('polls a user X refused to subscribe, counts the refusal, and delivers their news all the same', async () => {
    const first = h.sandbox.users[1]!;
    const second = h.sandbox.users[2]!;
    const a = await subscribeSse(h.url, QUERY, first.token);
    await until(() => held(first.id) === 2);
    const b = await subscribeSse(h.url, QUERY, second.token);
    await until(async () => (await refusals()) >= 1);
    expect(held(second.id)).toBe(0);
    const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(second.id))!;
    const other = conversation.participantIds.find((p) => p !== second.id)!;
    const lookups = () =>
      h.sandbox.requests.filter((r) => r.path === '/2/dm_events' && r.authorization === `Bearer ${second.token}`)
        .length;
    const before = lookups();
    h.sandbox.addMessage(conversation.id, other, 'found by polling');
    await b.waitFor(1);
    expect(b.received[0]).toEqual({ data: { dmEventAdded: { text: 'found by polling' } } });
    expect(lookups()).toBeGreaterThan(before);
    await Promise.all([a.close(), b.close()]);
  });

  it('drops the subscriptions of the user idle longest when the app nears its cap', async () => {
    const users = [h2.sandbox.users[3]!, h2.sandbox.users[4]!, h2.sandbox.users[5]!];
    // Two users take the gateway's cap of 4, and leave (idle); the first left first.
    for (const user of users.slice(0, 2)) {
      const s = await subscribeSse(h2.url, QUERY, user.token);
      await until(() => held2(user.id) === 2);
      await s.close();
      await until(() => h2.gateway.live.subscriptions(`Bearer ${user.token}`) === 0);
      await sleep(5);
    }
    const third = await subscribeSse(h2.url, QUERY, users[2]!.token);
    await until(() => held2(users[2]!.id) === 2);
    expect(held2(users[0]!.id)).toBe(0);
    expect(held2(users[1]!.id)).toBe(2);
    // Deleted with the app's token, never a user's.
    const deletions = h2.sandbox.requests.filter(
      (r) => r.method === 'DELETE' && r.path.startsWith('/2/activity/subscriptions/'),
    );
    expect(deletions.length).toBe(2);
    for (const r of deletions) expect(r.authorization).toBe(`Bearer ${APP_ONLY_TOKEN}`);
    await third.close();
  });
});
