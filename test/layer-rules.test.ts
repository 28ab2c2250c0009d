import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the lint config is plain JavaScript without type declarations
import { layerRules } from '../eslint.config.js';

// Proves the layer rules of eslint.config.js bite: each case lints a one-line file placed in a
// layer and expects (or not) a no-restricted-imports error.
const cases: ReadonlyArray<{ file: string; code: string; forbidden: boolean }> = [
  { file: 'packages/domain/src/bad.ts', code: "import { readFileSync } from 'node:fs';", forbidden: true },
  { file: 'packages/domain/src/bad.ts', code: "import 'fs';", forbidden: true },
  { file: 'packages/domain/src/bad.ts', code: "import type { DurableRunner } from '@casare-rpa/application';", forbidden: true },
  { file: 'packages/domain/src/ok.ts', code: "import { z } from 'zod';", forbidden: false },
  { file: 'packages/domain/src/bad.ts', code: 'export const cwd = process.cwd();', forbidden: true },
  { file: 'packages/application/src/bad.ts', code: "import '@casare-rpa/infra-memory';", forbidden: true },
  { file: 'packages/application/src/bad.ts', code: "import { injectable } from 'inversify';", forbidden: true },
  { file: 'packages/application/src/ok.ts', code: "import '@casare-rpa/domain';", forbidden: false },
  { file: 'packages/infra-memory/src/bad.ts', code: "import '@casare-rpa/infra-dbos';", forbidden: true },
  { file: 'packages/infra-dbos/src/bad.ts', code: "import '@casare-rpa/infra-memory';", forbidden: true },
  { file: 'packages/infra-sqlite/src/bad.ts', code: "import '@casare-rpa/infra-memory';", forbidden: true },
  { file: 'packages/infra-sqlite/src/bad.ts', code: "import '@casare-rpa/infra-dbos';", forbidden: true },
  { file: 'packages/infra-sqlite/src/ok.ts', code: "import Database from 'better-sqlite3';", forbidden: false },
  { file: 'packages/infra-memory/src/bad.ts', code: "import '@casare-rpa/infra-sqlite';", forbidden: true },
  { file: 'packages/infra-dbos/src/bad.ts', code: "import '@casare-rpa/infra-sqlite';", forbidden: true },
  { file: 'packages/application/src/bad.ts', code: "import Database from 'better-sqlite3';", forbidden: true },
  { file: 'packages/nodes/src/bad.ts', code: "import '@casare-rpa/infra-sqlite';", forbidden: true },
  { file: 'packages/nodes/src/bad.ts', code: "import '@casare-rpa/infra-dbos';", forbidden: true },
  { file: 'packages/nodes/src/bad.ts', code: "import '@casare-rpa/cli';", forbidden: true },
  { file: 'packages/cli/src/ok.ts', code: "import '@casare-rpa/infra-dbos';", forbidden: false },
  { file: 'packages/application/src/bad.ts', code: "import '@casare-rpa/testkit';", forbidden: true },
  { file: 'packages/testkit/src/bad.ts', code: "import '@casare-rpa/infra-memory';", forbidden: true },
  { file: 'packages/testkit/src/ok.ts', code: "import '@casare-rpa/application';", forbidden: false },
];

describe('layer rules', () => {
  // The real layer rules from eslint.config.js, without the type-aware rules that need a project.
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...(layerRules as [])],
  });

  it.each(cases)('$file: $code -> forbidden=$forbidden', async ({ file, code, forbidden }) => {
    const [result] = await eslint.lintText(code, { filePath: file });
    const layerErrors = (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals');
    expect(layerErrors.length > 0).toBe(forbidden);
  });
});
