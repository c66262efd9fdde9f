// ESLint for the TypeScript sources: ESLint's recommended rules and typescript-eslint's recommended type-checked
// ones, typed by tsconfig.json. `npm run lint` runs it with `prettier --check`; `npm run format` writes Prettier's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Built output, reports, and what generators write (`npm run generate:wire`, `npm run codegen`).
    ignores: [
      'dist/',
      'coverage/',
      'test-results/',
      '.bench-build/',
      '.scratch/',
      'src/generated/',
      'src/x/generated/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'test/support/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Loaders answer what they already hold at once and the rest with a promise, so that a resolver does not wait a
      // tick for a value in hand; `Promise.all` over such a mix of values and promises is intended (it takes both).
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // A leading underscore marks a parameter or binding kept for its position, as tsc's noUnusedParameters allows.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read GraphQL answers as `any` and let the assertion check their shape: a wrong shape fails the test.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
