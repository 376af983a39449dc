import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The machine has two cores and tests start real servers: keep files from starving each other.
    maxWorkers: 2,
    // One temporary folder per run, removed at its end: nothing is left in /tmp.
    globalSetup: ['test/helpers/global-temp.ts'],
    reporters: ['default'],
  },
});
