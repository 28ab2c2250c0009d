import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `source` export condition, so they run against
// src/ without a build; CLI and crash tests spawn the built dist/ (npm test builds first).
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
