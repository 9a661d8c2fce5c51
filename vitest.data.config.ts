import { defineConfig } from 'vitest/config';

// Checks on the real price histories in ../shared/data (or STOCKOPS_DATA_DIR).
// Run by .ci/run; these tests fail, never skip, when the data is absent.
export default defineConfig({
  test: {
    include: ['test/data/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
