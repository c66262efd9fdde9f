/**
 * `Media.downloadUrl` and `/media/...`: a capability bound to its minting caller's credentials, served as a media
 * server serves it, each call to X counted at the sandbox.
 */
import { describe, expect, it } from 'vitest';
import { RateLimitBook } from '../../src/upstream/rate-limit-book.js';
import { useGateway } from '../support/harness.js';
import { dmMedia, downloadUrlFor, downloads } from './helpers.js';

let clock = Date.now();
const h = useGateway({ gateway: { media: { now: () => clock } } });

/** A GET of a minted URL with no header at all, as an `<img>` makes it (plus `headers`). */
const load = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  h.gateway.fetch(url, { method, headers });

describe('Media.downloadUrl', () => {
  it('is a URL of the gateway that reads nothing: no token, no event, media, conversation or user id', async () => {
    const dm = dmMedia(h.sandbox, 'photo');
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    expect(url).toMatch(/^http:\/\/gateway\.test\/media\/[A-Za-z0-9_-]{48}$/);
    const id = url.slice(url.lastIndexOf('/') + 1);
    const decoded = Buffer.from(id, 'base64url').toString('latin1');
    const secrets = [
      dm.owner.token,
      dm.owner.id,
      dm.other.id,
      dm.event.id,
      dm.event.dm_conversation_id!,
      ...Object.values(dm.ids),
    ];
    for (const secret of secrets) {
      expect(url).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
    // Minting costs no call to X's download endpoint.
    expect(downloads(h.sandbox)).toHaveLength(0);
  });

  it("is null for media that is not a DM's", async () => {
    const answer = await h.query(
      `{ dmEvents(first: 100) { nodes { referencedTweets { attachments { media { url downloadUrl } } } } } }`,
    );
    const media = (answer.data!.dmEvents.nodes as any[]).flatMap((n) =>
      (n.referencedTweets ?? []).flatMap((t: any) => t.attachments?.media ?? []),
    );
    expect(media.length).toBeGreaterThan(0);
    for (const m of media) expect(m.downloadUrl).toBeNull();
  });
});

describe('/media/...', () => {
  it("serves the bytes with no header, fetched once from X with the minting caller's credentials", async () => {
    const dm = dmMedia(h.sandbox, 'photo', 1);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    // Whatever credentials the loading request carries, the download is made with the minting caller's.
    const response = await load(url, { authorization: `Bearer ${dm.outsider.token}` });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // X says only application/octet-stream: the type comes from the resource id's extension.
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBeNull();
    expect(response.headers.get('x-frame-options')).toBeNull();
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(response.headers.get('cache-control')!)![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(900);

    const calls = downloads(h.sandbox);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe(`/2/dm_conversations/media/${dm.ids.dm_id}/${dm.ids.media_id}/${dm.ids.resource_id}`);
    expect(calls[0]!.authorization).toBe(`Bearer ${dm.owner.token}`);
  });

  it('serves bytes already fetched again without a call, 304 for a matching If-None-Match, and HEAD', async () => {
    const dm = dmMedia(h.sandbox, 'photo', 2);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    const first = await load(url);
    const etag = first.headers.get('etag')!;
    const bytes = Buffer.from(await first.arrayBuffer());
    const again = await load(url);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(bytes);
    const notModified = await load(url, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await notModified.text()).toBe('');
    const head = await load(url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(downloads(h.sandbox)).toHaveLength(1);
    // Asked for the same media again within half the URL's life, the caller gets the same URL (browsers cache it).
    expect(await downloadUrlFor(h.gateway, dm.owner, dm.event.id)).toBe(url);
  });

  it('serves byte ranges from the cached bytes (206), and 416 for a range past the end', async () => {
    const dm = dmMedia(h.sandbox, 'video');
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    const whole = Buffer.from(await (await load(url)).arrayBuffer());
    expect(whole.length).toBeGreaterThan(100_000);
    const part = await load(url, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-type')).toBe('video/mp4');
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${whole.length}`);
    expect(part.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(1000, 2000));
    const tail = await load(url, { range: 'bytes=-10' });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(whole.subarray(whole.length - 10));
    const open = await load(url, { range: `bytes=${whole.length - 5}-` });
    expect(open.headers.get('content-range')).toBe(`bytes ${whole.length - 5}-${whole.length - 1}/${whole.length}`);
    // A range of bytes that changed since (another ETag) is answered whole.
    const stale = await load(url, { range: 'bytes=0-9', 'if-range': '"another"' });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('content-length')).toBe(String(whole.length));
    const fresh = await load(url, { range: 'bytes=0-9', 'if-range': part.headers.get('etag')! });
    expect(fresh.status).toBe(206);
    const past = await load(url, { range: `bytes=${whole.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    expect(downloads(h.sandbox)).toHaveLength(1);
  });

  it('shares one call among loads of the same media that arrive while it is fetched', async () => {
    const dm = dmMedia(h.sandbox, 'video', 1);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => load(url, i % 2 ? { range: 'bytes=0-99' } : {})),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 206, 200, 206, 200]);
    expect(downloads(h.sandbox)).toHaveLength(1);
  });

  it('logs each media request without its link, its token or any id', async () => {
    const dm = dmMedia(h.sandbox, 'photo', 8);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    await load(url);
    const lines = h.logLines().filter((line) => line.msg === 'media request');
    expect(lines.length).toBeGreaterThan(0);
    const text = JSON.stringify(lines);
    for (const secret of [
      url.slice(url.lastIndexOf('/') + 1),
      dm.owner.token,
      dm.event.id,
      dm.ids.media_id,
      dm.ids.resource_id,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(lines.at(-1)).toMatchObject({
      route: 'media',
      status: 200,
      source: 'x',
      upstream: [{ endpoint: '/2/dm_conversations/media/:id/:id/:id', status: 200 }],
    });
  });

  it('answers a tampered or unknown link 404 and an expired one 410, without any call to X', async () => {
    const dm = dmMedia(h.sandbox, 'photo', 3);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    const id = url.slice(url.lastIndexOf('/') + 1);
    const flip = (index: number) => {
      const bytes = Buffer.from(id, 'base64url');
      bytes[index]! ^= 1;
      return `http://gateway.test/media/${bytes.toString('base64url')}`;
    };
    for (const bad of [
      flip(0),
      flip(14),
      flip(35),
      `${url}x`,
      url.slice(0, -1),
      `http://gateway.test/media/${'A'.repeat(48)}`,
      `http://gateway.test/media/${id}/..`,
      `http://gateway.test/media/..%2F..%2F2%2Fdm_events`,
      `http://gateway.test/media/`,
    ]) {
      const response = await load(bad);
      expect(response.status, bad).toBe(404);
      expect(await response.text()).toBe('');
    }
    clock += 900_001;
    try {
      const expired = await load(url);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toBe('');
    } finally {
      clock -= 900_001;
    }
    expect(downloads(h.sandbox)).toHaveLength(0);
  });

  it('gives max-age no longer than the link has left', async () => {
    const dm = dmMedia(h.sandbox, 'photo', 4);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    clock += 600_000;
    try {
      const response = await load(url);
      expect(response.headers.get('cache-control')).toMatch(/^private, max-age=(300|299)$/);
    } finally {
      clock -= 600_000;
    }
  });

  it("is bound to its minting caller: another caller's link to the same media is fetched with theirs, and X decides", async () => {
    const dm = dmMedia(h.sandbox, 'photo', 5);
    const mine = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    expect((await load(mine)).status).toBe(200);
    // The other participant: their own link, their own call with their own token (bytes are not shared across callers).
    const theirs = await downloadUrlFor(h.gateway, dm.other, dm.event.id);
    expect(theirs).not.toBe(mine);
    expect((await load(theirs)).status).toBe(200);
    // Someone outside the conversation, given a link of their own for it: X refuses them.
    const outsider = await h.gateway.media.mint(
      `Bearer ${dm.outsider.token}`,
      RateLimitBook.keyOf(`Bearer ${dm.outsider.token}`),
      dm.ids,
      'http://gateway.test',
    );
    const refused = await load(outsider);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe('');
    expect(downloads(h.sandbox).map((r) => [r.authorization, r.status])).toEqual([
      [`Bearer ${dm.owner.token}`, 200],
      [`Bearer ${dm.other.token}`, 200],
      [`Bearer ${dm.outsider.token}`, 403],
    ]);
  });

  it("maps X's 404, 429 and 5xx to bare statuses that leak nothing", async () => {
    const dm = dmMedia(h.sandbox, 'photo', 6);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    for (const [status, expected] of [
      [500, 502],
      [502, 502],
      [503, 503],
      [504, 504],
    ] as const) {
      // The gateway retries X's 502, 503 and 504 twice, as every GET.
      h.sandbox.injectFaults({ type: 'status', status }, status === 500 ? 1 : 3);
      const response = await load(url);
      expect(response.status, String(status)).toBe(expected);
      expect(await response.text()).toBe('');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    // A deleted message's media is gone at X: 404.
    const gone = dmMedia(h.sandbox, 'photo', 7);
    const goneUrl = await downloadUrlFor(h.gateway, gone.owner, gone.event.id);
    h.sandbox.deleteEvent(gone.event.id);
    const missing = await load(goneUrl);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('');

    h.sandbox.injectFaults({ type: 'status', status: 429 });
    const limited = await load(url);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The download's budget is spent: the next load fails fast without a call, and DM lookups go on (another family).
    const before = downloads(h.sandbox).length;
    expect((await load(url)).status).toBe(429);
    expect(downloads(h.sandbox)).toHaveLength(before);
    expect((await h.query(`{ dmEvent(eventId: "${dm.event.id}") { restId } }`)).data).toEqual({
      dmEvent: { restId: dm.event.id },
    });
  });

  it('counts the download in /metrics, by its folded endpoint, and each media request by status and source', async () => {
    const text = await (await h.gateway.fetch('http://gateway.test/metrics')).text();
    expect(text).toMatch(
      /gateway_upstream_requests_total\{endpoint="\/2\/dm_conversations\/media\/:id\/:id\/:id",status="200"\} [1-9]/,
    );
    expect(text).toMatch(/gateway_media_requests_total\{status="200",source="memory"\} [1-9]/);
    expect(text).toMatch(/gateway_media_requests_total\{status="410",source="none"\} 1/);
    // No id of any media in any label.
    expect(text).not.toMatch(/dm_conversations\/media\/\d/);
  });

  it('refuses other methods', async () => {
    const dm = dmMedia(h.sandbox, 'photo', 0);
    const url = await downloadUrlFor(h.gateway, dm.owner, dm.event.id);
    const response = await load(url, {}, 'DELETE');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it("answers a page's CORS preflight and lets it read the bytes (a canvas, a fetch with Range)", async () => {
    const dm = dmMedia(h.sandbox, 'photo', 0);
    // The other participant: the main user's download budget was spent above.
    const url = await downloadUrlFor(h.gateway, dm.other, dm.event.id);
    const origin = 'http://frontend.test';
    const preflight = await load(
      url,
      { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('range');
    const response = await load(url, { origin, range: 'bytes=0-3' });
    expect(response.status).toBe(206);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  });
});
