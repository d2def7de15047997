import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores on CI: keep parallelism modest so external tools (openssl, pdfsig) are not starved.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
