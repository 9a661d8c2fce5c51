import { defineConfig } from 'vitest/config';

// Unit and integration tests: small fixtures the project makes itself, no ../shared.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/data/**'],
    testTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['core/**/*.ts', 'adapters/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 80 },
    },
  },
});
