/** `src/upstream/generated/x-api.ts` is what openapi-typescript makes of `spec/x-openapi-dm.json` (`npm run generate:wire`). */
import { readFileSync } from 'node:fs';
import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

describe('generated wire types', () => {
  it('match X’s OpenAPI spec (run `npm run generate:wire` after updating the spec)', async () => {
    const generated = COMMENT_HEADER + astToString(await openapiTS(new URL('../../spec/x-openapi-dm.json', import.meta.url)));
    const committed = readFileSync(new URL('../../src/upstream/generated/x-api.ts', import.meta.url), 'utf8');
    expect(committed).toBe(generated);
  });
});
