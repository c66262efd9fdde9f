/** Which URLs the gateway will download from: X's DM media URLs with valid ids, and nothing else. */
import { describe, expect, it } from 'vitest';
import { contentTypeOf, downloadPath, parseTonUrl } from '../../src/media/ids.js';

const TON = 'https://ton.twitter.com/1.1/ton/data/dm';

describe('parseTonUrl', () => {
  it("reads the three ids of X's DM media URL", () => {
    expect(parseTonUrl(`${TON}/1582838273423667201/1582838263483224064/oP5p359h.jpg`)).toEqual({
      dm_id: '1582838273423667201',
      media_id: '1582838263483224064',
      resource_id: 'oP5p359h.jpg',
    });
  });

  it('refuses every other URL: other hosts, paths, traversal, encodings, queries, odd ids', () => {
    for (const url of [
      undefined,
      null,
      '',
      'https://pbs.twimg.com/media/Fxyz.jpg',
      'http://ton.twitter.com/1.1/ton/data/dm/1/2/a.jpg',
      'https://ton.twitter.com.evil.test/1.1/ton/data/dm/1/2/a.jpg',
      'https://evil.test/1.1/ton/data/dm/1/2/a.jpg',
      'https://user@ton.twitter.com/1.1/ton/data/dm/1/2/a.jpg',
      `${TON}/1/2/../../../2/users/me`,
      `${TON}/../2/a.jpg`,
      `${TON}/1/2/..`,
      `${TON}/1/2/a.jpg/extra`,
      `${TON}/1/2/a%2F..%2Fb.jpg`,
      `${TON}/1/2/a.jpg?x=1`,
      `${TON}/1/2/a.jpg#f`,
      `${TON}/x1/2/a.jpg`,
      `${TON}/1/2x/a.jpg`,
      `${TON}/12345678901234567890/2/a.jpg`,
      `${TON}/1/2/noextension`,
      `${TON}/1/2/a.b.jpg`,
      `${TON}/1/2/.jpg`,
      `${TON}/1/2/a .jpg`,
    ]) {
      expect(parseTonUrl(url as string), String(url)).toBeUndefined();
    }
  });
});

describe('downloadPath', () => {
  it("is X's download endpoint for valid ids, and throws for any other", () => {
    expect(downloadPath({ dm_id: '1', media_id: '2', resource_id: 'a.jpg' })).toBe(
      '/2/dm_conversations/media/1/2/a.jpg',
    );
    expect(() => downloadPath({ dm_id: '1', media_id: '2', resource_id: '../../x' })).toThrow();
    expect(() => downloadPath({ dm_id: '1/..', media_id: '2', resource_id: 'a.jpg' })).toThrow();
  });
});

describe('contentTypeOf', () => {
  it("takes X's media type, else the extension's, and never serves anything else as what it claims", () => {
    expect(contentTypeOf('a.jpg', 'application/octet-stream')).toBe('image/jpeg');
    expect(contentTypeOf('a.MP4', undefined)).toBe('video/mp4');
    expect(contentTypeOf('a.png', 'image/png; charset=binary')).toBe('image/png');
    expect(contentTypeOf('a.jpg', 'text/html')).toBe('image/jpeg');
    expect(contentTypeOf('a.svg', 'image/svg+xml')).toBe('application/octet-stream');
    expect(contentTypeOf('a.html', undefined)).toBe('application/octet-stream');
  });
});
