import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadWorkflow } from '@casare-rpa/domain';
import { runReference } from './reference-run.js';
import { programArbitrary, compileProgram, scenarioArbitrary, type Statement } from './workflow-arbitrary.js';

function kinds(statements: readonly Statement[], into = new Set<string>()): Set<string> {
  for (const statement of statements) {
    into.add(statement.kind === 'add' && statement.previous ? `add-${statement.previous}` : statement.kind);
    if (statement.kind === 'if') [statement.then, statement.else].forEach((block) => kinds(block, into));
    if (statement.kind === 'switch') [...statement.cases, statement.default].forEach((block) => kinds(block, into));
    if (statement.kind === 'for' || statement.kind === 'while') kinds(statement.body, into);
    if (statement.kind === 'try') [statement.body, statement.catch ?? [], statement.finally ?? []].forEach((block) => kinds(block, into));
  }
  return into;
}

// The crash properties are only as good as the workflows they run: these tests keep them from
// becoming vacuous (every document invalid, every run failing at once, no structure at all).
describe('workflow arbitraries', () => {
  it('compile to documents the loader accepts', () => {
    fc.assert(
      fc.property(programArbitrary(), (program) => {
        loadWorkflow(compileProgram(program));
      }),
      { numRuns: 300 },
    );
  });

  it('run to a result without durability, most of them to completion, using every construct', async () => {
    const scenarios = fc.sample(scenarioArbitrary(), { numRuns: 200, seed: 1 });
    const endings = await Promise.all(scenarios.map((scenario) => runReference(scenario)));
    expect(endings.filter((ending) => ending.kind === 'error')).toEqual([]);
    const completed = endings.filter((ending) => ending.kind === 'result' && ending.result.status === 'completed').length;
    expect(completed).toBeGreaterThan(100);
    const used = new Set<string>();
    for (const scenario of scenarios) kinds(scenario.program.body, used);
    expect([...used].sort()).toEqual(['add', 'add-template', 'add-wire', 'exit', 'for', 'if', 'secret', 'switch', 'try', 'wait', 'while']);
    expect(scenarios.filter((scenario) => scenario.crashes.length > 1).length).toBeGreaterThan(30);
  });
});
