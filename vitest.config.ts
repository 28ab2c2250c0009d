import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `source` export condition, so they run against
// src/ without a build; CLI and crash tests spawn the built dist/ (npm test builds first).
export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in Vite's server (SSR) environment, which ignores `resolve.conditions`: without this
  // line workspace packages resolve to their (possibly stale) dist/.
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
