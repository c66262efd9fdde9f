/** The size cap of media the gateway serves, and the bound of its byte cache in process. */
import { describe, expect, it } from 'vitest';
import { LocalByteCache } from '../../src/media/byte-cache.js';
import { useGateway } from '../support/harness.js';
import { dmMedia, downloadUrlFor, downloads } from './helpers.js';

const h = useGateway({ gateway: { media: { maxBytes: 100_000 } } });

describe('media size cap', () => {
  it('refuses media larger than maxBytes (502, nothing kept) and serves smaller media', async () => {
    const video = dmMedia(h.sandbox, 'video');
    const big = await downloadUrlFor(h.gateway, video.owner, video.event.id);
    const refused = await h.gateway.fetch(big);
    expect(refused.status).toBe(502);
    expect(await refused.text()).toBe('');
    const photo = dmMedia(h.sandbox, 'photo');
    expect((await h.gateway.fetch(await downloadUrlFor(h.gateway, photo.owner, photo.event.id))).status).toBe(200);
    // Nothing was kept of the refused media: asked again, X is asked again.
    await h.gateway.fetch(big);
    expect(downloads(h.sandbox).filter((r) => r.path.endsWith('.mp4'))).toHaveLength(2);
  });
});

describe('LocalByteCache', () => {
  const media = (size: number) => ({ bytes: Buffer.alloc(size), contentType: 'image/png', etag: `"${size}"` });

  it('keeps at most maxBytes, the least recently used going first, and forgets entries past their age', () => {
    let now = 0;
    const cache = new LocalByteCache(1_000, 60_000, () => now);
    cache.put('a', media(400));
    cache.put('b', media(400));
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    cache.put('c', media(400));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.bytes).toBe(800);
    cache.put('huge', media(1_001));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(800);
    now = 60_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.bytes).toBe(400);
  });
});
