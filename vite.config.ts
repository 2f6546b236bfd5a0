import { defineConfig } from 'vitest/config';

// One config for the whole repository: the test runner settings live here;
// the demo site's build (e2e/demo) is added below it.
export default defineConfig({
  test: {
    include: ['{shared,client,server,e2e,scripts}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
