/** The sandbox's DM media: ton.twitter.com URLs, and real bytes at X's download endpoint for participants only. */
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { dmMedia } from '../media/helpers.js';

let sandbox: Sandbox;
let base: string;
beforeAll(async () => {
  sandbox = createSandbox({ seed: 42 });
  base = await sandbox.listen();
});
afterAll(() => sandbox.close());

const get = (path: string, token?: string) =>
  fetch(`${base}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
const pathOf = (ids: { dm_id: string; media_id: string; resource_id: string }) =>
  `/2/dm_conversations/media/${ids.dm_id}/${ids.media_id}/${ids.resource_id}`;

describe('sandbox DM media', () => {
  it("gives every DM's media its own ton.twitter.com URL, in X's form", () => {
    const keys = sandbox.data.events.flatMap((e) => e.attachments?.media_keys ?? []);
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      const media = sandbox.data.media.find((m) => m.media_key === key)!;
      expect(media.url).toMatch(
        /^https:\/\/ton\.twitter\.com\/1\.1\/ton\/data\/dm\/\d{1,19}\/\d{1,19}\/[A-Za-z0-9]{8}\.(png|mp4)$/,
      );
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('serves a valid PNG per photo to a participant, as application/octet-stream', async () => {
    const dm = dmMedia(sandbox, 'photo');
    const response = await get(pathOf(dm.ids), dm.owner.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('x-rate-limit-remaining')).not.toBeNull();
    const png = Buffer.from(await response.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // The IDAT chunk inflates to one filter byte and three bytes a pixel per row.
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLength))).toHaveLength(height * (1 + width * 3));
    // The other participant may load it too, and gets the same bytes.
    const again = Buffer.from(await (await get(pathOf(dm.ids), dm.other.token)).arrayBuffer());
    expect(again).toEqual(png);
  });

  it('serves a few hundred kB that begin as an MP4 file per video', async () => {
    const dm = dmMedia(sandbox, 'video');
    const bytes = Buffer.from(await (await get(pathOf(dm.ids), dm.owner.token)).arrayBuffer());
    expect(bytes.length).toBeGreaterThan(200_000);
    expect(bytes.subarray(4, 8).toString('ascii')).toBe('ftyp');
  });

  it('refuses anyone else: 403 for an outsider, 401 without a token, 404 for media no event has', async () => {
    const dm = dmMedia(sandbox, 'photo', 1);
    const outsider = await get(pathOf(dm.ids), dm.outsider.token);
    expect(outsider.status).toBe(403);
    expect(((await outsider.json()) as { type: string }).type).toMatch(/not-authorized-for-resource$/);
    expect((await get(pathOf(dm.ids))).status).toBe(401);
    expect((await get(pathOf({ ...dm.ids, resource_id: 'AAAAAAAA.png' }), dm.owner.token)).status).toBe(404);
    expect((await get(pathOf({ ...dm.ids, dm_id: '1' }), dm.owner.token)).status).toBe(404);
    const other = dmMedia(sandbox, 'photo', 2);
    // Another event's media, under this event's id: not this event's media.
    expect(
      (
        await get(
          pathOf({ ...dm.ids, media_id: other.ids.media_id, resource_id: other.ids.resource_id }),
          dm.owner.token,
        )
      ).status,
    ).toBe(404);
  });

  it('gives a photo sent with an uploaded media id a ton.twitter.com URL naming its message, served to its participants', async () => {
    const main = sandbox.users[0]!;
    const friend = sandbox.users[3]!;
    const sent = await fetch(`${base}/2/dm_conversations/with/${friend.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${main.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'look', attachments: [{ media_id: '1146654567674912999' }] }),
    });
    const eventId = ((await sent.json()) as { data: { dm_event_id: string } }).data.dm_event_id;
    const media = sandbox.data.media.find((m) => m.media_key === '3_1146654567674912999')!;
    expect(media.url).toMatch(
      new RegExp(`^https://ton\\.twitter\\.com/1\\.1/ton/data/dm/${eventId}/1146654567674912999/[A-Za-z0-9]{8}\\.png$`),
    );
    const resource = media.url!.split('/').pop()!;
    const path = pathOf({ dm_id: eventId, media_id: '1146654567674912999', resource_id: resource });
    expect((await get(path, friend.token)).status).toBe(200);
    expect((await get(path, sandbox.users[9]!.token)).status).toBe(403);
  });

  it('keeps the download on a budget of its own', async () => {
    const dm = dmMedia(sandbox, 'photo', 3);
    sandbox.setRateLimit(1, 60_000, 'dm-media');
    try {
      expect((await get(pathOf(dm.ids), dm.owner.token)).status).toBe(200);
      expect((await get(pathOf(dm.ids), dm.owner.token)).status).toBe(429);
      expect((await get('/2/dm_events', dm.owner.token)).status).toBe(200);
    } finally {
      sandbox.setRateLimit(300, 900_000, 'dm-media');
    }
  });
});
