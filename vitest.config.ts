import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// Tests import workspace packages through their `source` export condition, so they run against
// src/ without a build; CLI and crash tests spawn the built dist/ (npm test builds first).
//
// `*.exclusive.*test.ts` files disturb the machine for everyone (a PostgreSQL restart): the main run
// leaves them out and `npm test` runs them afterwards, alone, with CASARE_EXCLUSIVE_TESTS=1.
const exclusive = process.env['CASARE_EXCLUSIVE_TESTS'] === '1';
const exclusivePattern = '**/*.exclusive.*test.ts';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in Vite's server (SSR) environment, which ignores `resolve.conditions`: without this
  // line workspace packages resolve to their (possibly stale) dist/.
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    include: exclusive
      ? [`packages/*/src/${exclusivePattern}`, `packages/*/test/${exclusivePattern}`]
      : ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: exclusive ? configDefaults.exclude : [...configDefaults.exclude, exclusivePattern],
    pool: 'forks',
    maxWorkers: exclusive ? 1 : 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
