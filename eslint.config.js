// Lint rules, including the layer rules of docs/architecture.md: dependencies point inward only.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const pkg = (name) => `@casare-rpa/${name}`;
const allPackages = ['domain', 'application', 'testkit', 'infra-memory', 'infra-sqlite', 'infra-dbos', 'nodes', 'cli'];

/** A `no-restricted-imports` rule that forbids the given packages (and their subpaths). */
function forbid(packages, message, extraPaths = []) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: extraPaths.map((name) => ({ name, message })),
        patterns: packages.map((name) => ({ group: [name, `${name}/*`], message })),
      },
    ],
  };
}

/** Layer rules: which workspace packages each layer may import. */
export const layerRules = [
  {
    files: ['packages/domain/**/*.ts'],
    ignores: ['packages/domain/**/*.test.ts'],
    rules: forbid(
      [...allPackages.map(pkg), 'inversify', 'reflect-metadata', '@dbos-inc/*', 'playwright-core', 'pg'],
      'domain is pure: it imports no other layer, no I/O library and no Node built-in (docs/architecture.md).',
      nodeBuiltins,
    ),
  },
  {
    // Domain tests may reference Node's types to read fixtures; domain code may not touch its globals.
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['packages/domain/src/**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'globalThis', 'fetch'].map((name) => ({
          name,
          message: 'domain is pure: no I/O, no Node globals (docs/architecture.md).',
        })),
      ],
    },
  },
  {
    files: ['packages/application/**/*.ts'],
    rules: forbid(
      [
        ...allPackages.filter((name) => name !== 'domain' && name !== 'application').map(pkg),
        'inversify',
        'reflect-metadata',
        '@dbos-inc/*',
        'playwright-core',
        'pg',
        'better-sqlite3',
      ],
      'application imports only domain: adapters depend on it, never the reverse (docs/architecture.md).',
    ),
  },
  {
    files: ['packages/testkit/**/*.ts'],
    rules: forbid(
      [
        pkg('infra-memory'),
        pkg('infra-sqlite'),
        pkg('infra-dbos'),
        pkg('nodes'),
        pkg('cli'),
        'inversify',
        '@dbos-inc/*',
        'playwright-core',
        'pg',
        'better-sqlite3',
      ],
      'the testkit checks any adapter through the ports: it imports only domain and application (docs/architecture.md).',
    ),
  },
  {
    files: ['packages/infra-memory/**/*.ts'],
    rules: forbid(
      [pkg('infra-sqlite'), pkg('infra-dbos'), pkg('nodes'), pkg('cli'), 'better-sqlite3', '@dbos-inc/*', 'pg'],
      'an infra package never imports another infra package, nodes or cli.',
    ),
  },
  {
    files: ['packages/infra-sqlite/**/*.ts'],
    rules: forbid(
      [pkg('infra-memory'), pkg('infra-dbos'), pkg('nodes'), pkg('cli'), '@dbos-inc/*', 'pg'],
      'an infra package never imports another infra package, nodes or cli.',
    ),
  },
  {
    files: ['packages/infra-dbos/**/*.ts'],
    rules: forbid(
      [pkg('infra-memory'), pkg('infra-sqlite'), pkg('nodes'), pkg('cli'), 'better-sqlite3'],
      'an infra package never imports another infra package, nodes or cli.',
    ),
  },
  {
    files: ['packages/nodes/**/*.ts'],
    rules: forbid([pkg('infra-memory'), pkg('infra-sqlite'), pkg('infra-dbos'), pkg('cli')], 'nodes never imports an infra package or cli.'),
  },
];

export default tseslint.config(
  { ignores: ['vitest.config.ts', '**/dist/**', '**/node_modules/**', '**/*.cjs', 'packages/*/test/fixtures/**', 'bench-results/**', 'test_output/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'No default exports (CONTRIBUTING.md).' },
        { selector: "CallExpression[callee.name='eval']", message: 'No eval.' },
        { selector: "NewExpression[callee.name='Function']", message: 'No new Function.' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/testkit/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Scripts and benches are plain ES modules: linted without type information.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // ESLint reads its configuration from this file's default export.
    files: ['eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  ...layerRules,
);
