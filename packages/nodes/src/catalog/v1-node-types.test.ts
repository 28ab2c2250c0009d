import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentedNodeHandlers } from '../documented-node-handlers.js';

interface V1Types {
  readonly source: { readonly repository: string; readonly path: string; readonly commit: string };
  readonly unsupportedOnPurpose: readonly string[];
  readonly types: ReadonlyArray<{ readonly type: string; readonly category: string; readonly module: string }>;
}

const v1 = JSON.parse(readFileSync(fileURLToPath(new URL('../../v1-node-types.json', import.meta.url)), 'utf8')) as V1Types;
const supported = new Set(documentedNodeHandlers().flatMap((handler) => handler.types));

describe("v1-node-types.json: the original engine's node classes", () => {
  it('lists each class once, with a category and where it came from', () => {
    expect(v1.source.repository).toBe('omerlefaruk/CasareRPA');
    expect(v1.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(new Set(v1.types.map((entry) => entry.type)).size).toBe(v1.types.length);
    for (const entry of v1.types) {
      expect(entry.type).toMatch(/^[A-Z][A-Za-z0-9]*Node$/);
      expect(entry.category).not.toBe('');
    }
  });

  it('prints how many of them the catalog supports (npm run catalog:types gives the detail)', () => {
    const covered = v1.types.filter((entry) => supported.has(entry.type));
    const onPurpose = v1.types.filter((entry) => v1.unsupportedOnPurpose.includes(entry.category));
    console.log(`v1 node types supported: ${covered.length} of ${v1.types.length}; unsupported on purpose (desktop, Office, Windows): ${onPurpose.length}`);
    expect(covered.length).toBeGreaterThan(100);
    // The tier 1 and tier 2 types of issue 15 that this catalog covers stay covered.
    for (const type of [
      'ThrowErrorNode',
      'ValidateNode',
      'TransformNode',
      'RerouteNode',
      'EvalExpressionNode',
      'DataCompareNode',
      'FormatDateTimeNode',
      'TextSuperNode',
      'NewTabNode',
      'GoBackNode',
      'BrowserRunScriptNode',
      'CookieManagementNode',
      'DownloadFileNode',
      'TableScraperNode',
      'FormFillerNode',
      'ForkNode',
      'JoinNode',
      'ParallelForEachNode',
      'SubflowNode',
      'CallSubworkflowNode',
      'ExecuteWorkflowNode',
    ]) {
      expect(supported.has(type)).toBe(true);
    }
  });
});
