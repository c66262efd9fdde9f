/**
 * A user who revokes the app (X's `oauth.revoke`, taken from the Activity API stream) is forgotten by the media too:
 * their minted URLs stop serving at once, from the cache or otherwise, with no call to X; another user's media of the
 * same DM keep working. With STORE=off, the live loops know the id of a caller with a subscription open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ONLY_TOKEN, type DemoUser } from '../../src/sandbox/index.js';
import { type LiveHarness, subscribeSse, useLiveGateway } from '../live/helpers.js';
import { until } from '../support/until.js';
import { dmMedia, downloadUrlFor, downloads, firstRead as read } from './helpers.js';

const activity = { mode: 'stream', appBearerToken: APP_ONLY_TOKEN } as const;

/**
 * Mints the owner's and another participant's URLs of one DM photo (`know` first makes each caller's id known), loads
 * both (cached), revokes the owner, and checks the owner's URL is refused with no call while the other's is served.
 */
async function revokeAndCheck(h: LiveHarness, know: (user: DemoUser) => Promise<void>): Promise<void> {
  await until(
    'the stream to be held',
    () => h.sandbox.activity.openStreams === 1 && h.gateway.activity.stream!.holding === true,
  );
  const dm = dmMedia(h.sandbox, 'photo');
  await know(dm.owner);
  await know(dm.other);
  const mine = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
  const theirs = await downloadUrlFor(h.gateway, dm.other, dm.event.id);
  h.sandbox.clearRequests();
  expect((await h.gateway.fetch(mine)).status).toBe(200);
  expect((await h.gateway.fetch(theirs)).status).toBe(200);
  expect(downloads(h.sandbox)).toHaveLength(2);
  // Both are cached now: loading them again costs no call.
  expect((await h.gateway.fetch(mine)).status).toBe(200);
  expect(downloads(h.sandbox)).toHaveLength(2);

  h.sandbox.clearRequests();
  h.sandbox.activity.revoke(dm.owner.id);
  // Until the revoke is taken the URL is served from the cache (no call either way); then it is refused.
  await until('the link to be forgotten', async () => (await h.gateway.fetch(mine)).status !== 200);
  expect((await h.gateway.fetch(mine)).status).toBe(404);
  expect((await h.gateway.fetch(mine, { method: 'HEAD', headers: { range: 'bytes=0-7' } })).status).toBe(404);
  // Refused before X: no download, and no call at all with the revoked user's token.
  expect(downloads(h.sandbox)).toHaveLength(0);
  expect(h.sandbox.requests.filter((r) => r.authorization === `Bearer ${dm.owner.token}`)).toHaveLength(0);

  const kept = await h.gateway.fetch(theirs);
  expect(kept.status).toBe(200);
  expect(Buffer.from(await kept.arrayBuffer()).length).toBeGreaterThan(0);
  expect(downloads(h.sandbox)).toHaveLength(0);
}

describe('media of a user who revokes the app', () => {
  const h = useLiveGateway({ gateway: { activity } });

  it("are forgotten: the cached URL answers 404 without a call to X; another user's keep working", async () => {
    await revokeAndCheck(h, (user) => read(h.gateway, user));
  });
});

describe('media of a user who revokes the app, with STORE=off', () => {
  const h = useLiveGateway({ gateway: { activity, store: 'off' } });
  const streams: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const stream of streams) await stream.close();
  });

  it('are forgotten for a caller with a subscription open (the live loops know their id)', async () => {
    const ticks = async () => (await h.gateway.metrics.liveTicks.get()).values[0]?.value ?? 0;
    await revokeAndCheck(h, async (user) => {
      const before = await ticks();
      streams.push(await subscribeSse(h.url, 'subscription { dmEventAdded { text } }', user.token));
      await until(
        "the subscription's first sync",
        async () => h.gateway.live.subscriptions(`Bearer ${user.token}`) === 1 && (await ticks()) > before,
      );
    });
  });
});
