/**
 * The docs name the files that hold what they describe: every `src/...` path written in code marks in `docs/*.md`
 * and `README.md` exists, so a file moved or split leaves no doc pointing at a room that is gone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The `src/...` paths a document names in code marks. */
function namedPaths(doc: string): string[] {
  const text = readFileSync(path.join(ROOT, doc), 'utf8');
  return [...new Set([...text.matchAll(/`(src\/[\w./-]+)`/g)].map((match) => match[1]!.replace(/\/$/, '')))];
}

describe('the docs', () => {
  it('name source paths, the memory design its files', () => {
    const named = namedPaths('docs/memory.md');
    expect(named).toContain('src/memory/memory.ts');
    expect(named).toContain('src/memory/sync.ts');
  });

  it.each(DOCS)('%s names only source paths that exist', (doc) => {
    const missing = namedPaths(doc).filter((named) => !existsSync(path.join(ROOT, named)));
    expect(missing).toEqual([]);
  });
});
