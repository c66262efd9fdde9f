import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports" map: Node loads its CommonJS entry for the libraries, while Vite would pick its
    // "module" entry for our sources. Two copies of graphql cannot share a schema, so both get the one Node loads.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/log-capture.ts'],
    // Gateways made without the harness log warnings and errors only; the harness logs everything into the capture.
    env: { LOG_LEVEL: 'warn' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
