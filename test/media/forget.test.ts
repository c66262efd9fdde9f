/**
 * A user who revokes the app (X's `oauth.revoke`, taken from the Activity API stream) is forgotten by the media too:
 * their minted URLs stop serving at once, from the cache or otherwise, with no call to X; another user's media of the
 * same DM keep working.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import type { DemoUser } from '../../src/sandbox/index.js';
import { APP_ONLY_TOKEN } from '../../src/sandbox/index.js';
import { useLiveGateway } from '../live/helpers.js';
import { until } from '../support/until.js';
import { dmMedia, downloadUrlFor, downloads } from './helpers.js';

const h = useLiveGateway({ gateway: { activity: { mode: 'stream', appBearerToken: APP_ONLY_TOKEN } } });

/** A first read of the user's DMs, as any client's list makes it: memory ties the token to the user's id. */
async function read(gateway: Gateway, user: DemoUser): Promise<void> {
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query: '{ dmEvents(first: 5) { nodes { restId } } }' }),
  });
  expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
}

describe('media of a user who revokes the app', () => {
  it("are forgotten: the cached URL answers 404 without a call to X; another user's keep working", async () => {
    await until(
      'the stream to be held',
      () => h.sandbox.activity.openStreams === 1 && h.gateway.activity.stream!.holding === true,
    );
    const dm = dmMedia(h.sandbox, 'photo');
    await read(h.gateway, dm.owner);
    await read(h.gateway, dm.other);
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
    const after = await h.gateway.fetch(mine);
    expect(after.status).toBe(404);
    expect((await h.gateway.fetch(mine, { method: 'HEAD', headers: { range: 'bytes=0-7' } })).status).toBe(404);
    // Refused before X: no download, and no call at all with the revoked user's token.
    expect(downloads(h.sandbox)).toHaveLength(0);
    expect(h.sandbox.requests.filter((r) => r.authorization === `Bearer ${dm.owner.token}`)).toHaveLength(0);

    const kept = await h.gateway.fetch(theirs);
    expect(kept.status).toBe(200);
    expect(Buffer.from(await kept.arrayBuffer()).length).toBeGreaterThan(0);
    expect(downloads(h.sandbox)).toHaveLength(0);
  });
});
