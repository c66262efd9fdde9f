/** `src/x/generated/` is what `npm run generate:wire` makes of X's specs in `spec/`: a file that drifts fails here. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  SPEC_VERSIONS,
  VOCABULARY_URL,
  vocabularySource,
  wireTypesOf,
  wireTypesUrl,
} from '../../scripts/generate-wire.js';

describe('generated from X’s specs (run `npm run generate:wire` after updating a spec)', () => {
  for (const version of SPEC_VERSIONS) {
    it(`wire types of spec ${version}`, async () => {
      expect(readFileSync(wireTypesUrl(version), 'utf8')).toBe(await wireTypesOf(version));
    });
  }

  it('the vocabulary of both specs', () => {
    expect(readFileSync(VOCABULARY_URL, 'utf8')).toBe(vocabularySource());
  });
});
