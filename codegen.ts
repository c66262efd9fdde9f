/**
 * GraphQL Code Generator: typed documents for the example operations in `schema/operations/*.graphql`, checked against
 * `schema/schema.graphql`, written to `src/generated/`, with their persisted-documents manifest
 * (`persisted-documents.json`, `{ "sha256:<hash>": "<document>" }`, each typed document's `__meta__.hash` its
 * `documentId`; the gateway runs it with `PERSISTED_DOCUMENTS`). `npm run codegen` regenerates them (after `npm run schema`
 * when the schema changed); `test/ecosystem/codegen.test.ts` fails when the committed files drift.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      // The documents come from .graphql files, so the typed documents in `graphql.ts` are what clients import.
      presetConfig: { fragmentMasking: false, skipIndexFile: true, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        // Relative imports end in `.js` and types are imported as types, as NodeNext ESM with verbatimModuleSyntax needs.
        importExtension: '.js',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
