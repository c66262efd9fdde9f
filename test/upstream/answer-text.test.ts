import { describe, expect, it } from 'vitest';
import { decodeChunks } from '../../src/upstream/answer-reader.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { serveLocally } from '../support/local-server.js';

/** `text` as UTF-8, cut into chunks at the given byte offsets. */
function chunksOf(text: string, ...cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const ends = [...cuts, bytes.length];
  return ends.map((end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
}

describe('decodeChunks', () => {
  it('keeps a character whole when its bytes are split across chunks', () => {
    const text = '{"text":"a😀b"}';
    const emojiStart = Buffer.byteLength('{"text":"a');
    expect(decodeChunks(chunksOf(text, emojiStart + 1, emojiStart + 3), Buffer.byteLength(text))).toBe(text);
  });

  it('decodes no chunks and one chunk', () => {
    expect(decodeChunks([], 0)).toBe('');
    expect(decodeChunks([Buffer.from('{"a":"é"}')], 10)).toBe('{"a":"é"}');
  });

  it('leaves an earlier text as it was when a later, shorter body is joined in the same buffer', () => {
    const long = `{"data":"${'x'.repeat(5000)}é"}`;
    const first = decodeChunks(chunksOf(long, 10, 3000), Buffer.byteLength(long));
    const second = decodeChunks(chunksOf('{"data":"y"}', 4), 12);
    expect(second).toBe('{"data":"y"}');
    expect(first).toBe(long);
  });

  it('decodes a body larger than the buffer it keeps between answers', () => {
    const huge = `"${'ü'.repeat(3 * 2 ** 20)}"`;
    const size = Buffer.byteLength(huge);
    expect(decodeChunks(chunksOf(huge, 1, size / 2 + 1), size)).toBe(huge);
    expect(decodeChunks(chunksOf('"ok"', 2), 4)).toBe('"ok"');
  });
});

describe('a JSON answer in many chunks', () => {
  // Over several socket reads: a 300 kB page whose multi-byte characters fall on any byte.
  const page = {
    data: Array.from({ length: 2000 }, (_, i) => ({ id: String(i), text: `message ${i} 😀 ñ ${'z'.repeat(i % 97)}` })),
  };
  const json = JSON.stringify(page);
  const local = serveLocally((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const bytes = Buffer.from(request.url === '/2/small' ? '{"data":{"id":"1"}}' : json);
    // Written in odd-sized pieces, so that chunk boundaries cut characters.
    for (let at = 0; at < bytes.length; at += 7_777) response.write(bytes.subarray(at, at + 7_777));
    response.end();
  });

  it('is read whole, and calls after it read their own bodies', async () => {
    const client = new UpstreamClient({ baseUrl: local.baseUrl });
    try {
      const [large, small, again] = await Promise.all([
        client.get({ path: '/2/page', authorization: 'Bearer t' }),
        client.get({ path: '/2/small', authorization: 'Bearer t' }),
        client.get({ path: '/2/page', authorization: 'Bearer t' }),
      ]);
      expect(large.body).toEqual(page);
      expect(small.body).toEqual({ data: { id: '1' } });
      expect(again.body).toEqual(page);
    } finally {
      await client.close();
    }
  });
});
