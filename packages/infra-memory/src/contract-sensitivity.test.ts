import { describe, expect, it } from 'vitest';
import { checkExactlyOnceByKey, compileProgram, observeScenario, PROPERTIES, SECRET_NAME, SENSITIVE_VARIABLE } from '@casare-rpa/testkit';
import type { CrashPoint, GeneratedScenario, Program, Statement } from '@casare-rpa/testkit';
import { InMemoryHarness } from './in-memory-harness.js';

/*
 * The contract must be able to fail: a world node declared pure joins the stretch after it, so a
 * crash later in that stretch repeats its effect. The same scenario with honest declarations passes.
 */

const add = (variable: 'a' | 'b', amount: number): Statement => ({ kind: 'add', variable, add: amount, failTimes: 0, maxAttempts: 1, log: false });

let counter = 0;
function scenarioOf(crashes: readonly CrashPoint[], declare?: GeneratedScenario['declare']): GeneratedScenario {
  counter += 1;
  const program: Program = { body: [add('a', 1), add('b', 2), add('a', 3)], stopOnError: true, retryCount: 0 };
  return {
    program,
    runId: `sensitivity-${Date.now().toString(36)}-${counter}`,
    input: { document: compileProgram(program), source: 'sensitivity.json' },
    secrets: { [SECRET_NAME]: 'sk-SENSITIVITY-key', [SENSITIVE_VARIABLE]: 'pw-SENSITIVITY-pass' },
    crashes,
    ...(declare ? { declare } : {}),
  };
}

function problemsOf(observation: Awaited<ReturnType<typeof observeScenario>>): string[] {
  return Object.entries(PROPERTIES).flatMap(([property, check]) => check(observation).map((problem) => `${property}: ${problem}`));
}

describe('the contract catches a world node declared pure', () => {
  const harness = new InMemoryHarness();
  const crashInSecondNode: CrashPoint[] = [{ atNodeExecution: 1, phase: 'before-effect' }];

  it('passes with honest declarations', async () => {
    const observation = await observeScenario(harness, scenarioOf(crashInSecondNode));
    expect(problemsOf(observation)).toEqual([]);
  });

  it('fails "every world effect lands once" when TestAddNode is declared pure', async () => {
    const observation = await observeScenario(harness, scenarioOf(crashInSecondNode, { TestAddNode: 'pure' }));
    const problems = checkExactlyOnceByKey(observation);
    // The first add ran in the crashed stretch and again on recovery: its effect landed twice.
    expect(problems.some((problem) => /world effect .*:0\.0 \(n1\) landed 2 times/.test(problem))).toBe(true);
    // And without any crash the record itself shows world nodes before a step's last position.
    expect(problems.some((problem) => problem.includes("only a step's last node may touch the world"))).toBe(true);
  });
});
