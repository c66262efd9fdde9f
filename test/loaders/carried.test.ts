/**
 * What an answer carries and how a second copy of an object joins the first: the one reading the request's loaders and
 * the caller's memory share, so both know an object with the same fields.
 */
import { describe, expect, it } from 'vitest';
import { type KnownObject, forEachCarried, mergeKnown } from '../../src/loaders/carried.js';
import { dialectOf } from '../../src/x/dialect.js';

describe('forEachCarried', () => {
  it('gives asked objects their fields, included ones those of the dialect, and skips objects without a key', () => {
    const seen: [string, string, string[], boolean][] = [];
    forEachCarried(
      dialectOf('posts'),
      { 'tweet.fields': 'author_id,text', 'user.fields': 'username' },
      {
        data: [{ id: '1', text: 'asked', author_id: '9' }],
        includes: {
          users: [{ id: '9', name: 'n9', username: 'u9' }],
          tweets: [{ id: '2', text: 'included' }],
          media: [{ type: 'photo' }],
        },
      },
      'tweet',
      (kind, id, _object, fields, asked) => seen.push([kind, id, [...fields].sort(), asked]),
    );
    expect(seen).toEqual([
      ['tweet', '1', ['author_id', 'id', 'text'], true],
      ['user', '9', ['id', 'name', 'username'], false],
      // In 2.167 an included post carries no `author_id`, whatever was asked.
      ['tweet', '2', ['id', 'text'], false],
    ]);
  });

  it('reads no `data` when the answer is not a lookup of a kind (a DM page)', () => {
    const kinds: string[] = [];
    forEachCarried(dialectOf('tweets'), {}, { data: [{ id: '5' }] }, undefined, (kind) => kinds.push(kind));
    expect(kinds).toEqual([]);
  });
});

describe('mergeKnown', () => {
  const fields = (...names: string[]) => new Set(names);

  it('takes a copy with every field known before as the whole object', () => {
    const before: KnownObject<Record<string, string>> = {
      value: { id: '1', name: 'old', location: 'gone' },
      fields: fields('id', 'name', 'location'),
    };
    const after = mergeKnown(before, { id: '1', name: 'new' }, fields('id', 'name', 'location', 'url'));
    expect(after.value).toEqual({ id: '1', name: 'new' });
    expect([...after.fields].sort()).toEqual(['id', 'location', 'name', 'url']);
  });

  it('joins two copies asked with different fields, the newer values over the older', () => {
    const before: KnownObject<Record<string, string>> = {
      value: { id: '1', name: 'old', url: 'u' },
      fields: fields('id', 'name', 'url'),
    };
    const after = mergeKnown(before, { id: '1', name: 'new', location: 'l' }, fields('id', 'name', 'location'));
    expect(after.value).toEqual({ id: '1', name: 'new', url: 'u', location: 'l' });
    expect([...after.fields].sort()).toEqual(['id', 'location', 'name', 'url']);
  });

  it('keeps the known set when a copy brings no field it lacked', () => {
    const before: KnownObject<Record<string, string>> = {
      value: { id: '1', name: 'old', url: 'u' },
      fields: fields('id', 'name', 'url'),
    };
    const after = mergeKnown(before, { id: '1', name: 'new' }, fields('id', 'name'));
    expect(after.value).toEqual({ id: '1', name: 'new', url: 'u' });
    expect(after.fields).toBe(before.fields);
  });
});
