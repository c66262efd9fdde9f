import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec, type PageRef } from '../../src/paging/cursor.js';

const page: PageRef = { connection: 'dm_events:*', maxResults: 10, size: 3, nextToken: 'NEXT', previousToken: 'PREV' };

describe('CursorCodec', () => {
  it.each([
    ['a short secret', 'shared-secret'],
    ['a secret longer than the hash block (hashed first, as HMAC says)', 'x'.repeat(100)],
  ])('signs with HMAC-SHA256 over the body, a NUL and the caller, with %s', (_name, secret) => {
    const prefix = new CursorCodec(secret).pagePrefix(page, 'Bearer alice');
    const [body, signature] = prefix.split('.');
    const expected = createHmac('sha256', secret).update(`${body}\u0000Bearer alice`).digest().subarray(0, 16);
    expect(signature).toBe(expected.toString('base64url'));
  });

  it('accepts a cursor another gateway with the same secret issued, for the same caller only', () => {
    const issued = `${new CursorCodec('shared-secret').pagePrefix(page, 'Bearer alice')}.2`;
    const other = new CursorCodec('shared-secret');
    expect(other.decode(issued, page.connection, 'after', 'Bearer alice')).toEqual({ index: 2, page });
    expect(() => other.decode(issued, page.connection, 'after', 'Bearer bob')).toThrow(
      /not a cursor of this connection/,
    );
    expect(() => new CursorCodec('another-secret').decode(issued, page.connection, 'after', 'Bearer alice')).toThrow(
      /not a cursor of this connection/,
    );
  });

  it("carries an edge's event id on X's first page only, within that page's span", () => {
    const codec = new CursorCodec('shared-secret');
    const first: PageRef = { ...page, span: { newest: '1870856364397079949', oldest: '1870856364397079000' } };
    const prefix = codec.pagePrefix(first, 'Bearer alice');
    expect(codec.decode(`${prefix}.1.1870856364397079500`, page.connection, 'after', 'Bearer alice')).toEqual({
      index: 1,
      page: first,
      anchor: '1870856364397079500',
    });
    // Not an id, or outside the page: a walk through the list is never started by a cursor edited by hand.
    for (const anchor of ['', 'abc', '1'.repeat(20), '5', '1870856364397079950', '1870856364397078999']) {
      expect(() => codec.decode(`${prefix}.1.${anchor}`, page.connection, 'after', 'Bearer alice')).toThrow(
        /not a cursor of this connection/,
      );
    }
    // A page that stays where it is (fetched with a next token) has no span: its cursors carry no id.
    const tokenPrefix = codec.pagePrefix({ ...page, token: 'TOKEN' }, 'Bearer alice');
    expect(() => codec.decode(`${tokenPrefix}.1.187`, page.connection, 'after', 'Bearer alice')).toThrow(
      /not a cursor of this connection/,
    );
    expect(() => codec.decode(`${prefix}.1.1870856364397079500.2`, page.connection, 'after', 'Bearer alice')).toThrow(
      /not a cursor of this connection/,
    );
  });

  it('signs each cursor on its own: signing one does not change the next', () => {
    const codec = new CursorCodec('shared-secret');
    const first = codec.eventCursor('dm_events:*', '1', 'Bearer alice');
    codec.eventCursor('dm_events:*', '2', 'Bearer bob');
    expect(codec.eventCursor('dm_events:*', '1', 'Bearer alice')).toBe(first);
    expect(codec.decodeEvent(first, 'dm_events:*', 'after', 'Bearer alice')).toBe('1');
  });

  it("asks for a caller's name once, and only when one of their cursors is made or read", () => {
    let asked = 0;
    const cursors = new CursorCodec('shared-secret').forCaller(() => {
      asked += 1;
      return 'caller-hash';
    });
    expect(asked).toBe(0);
    const prefix = cursors.pagePrefix(page);
    expect(cursors.decode(`${prefix}.1`, page.connection, 'after').index).toBe(1);
    expect(asked).toBe(1);
    expect(prefix).toBe(new CursorCodec('shared-secret').pagePrefix(page, 'caller-hash'));
  });
});
