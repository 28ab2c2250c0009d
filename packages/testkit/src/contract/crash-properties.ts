import fc from 'fast-check';
import type { DurableRunnerHarness } from '../harness.js';
import { describeObservation, observeScenario, PROPERTIES, type Observation } from '../scenario.js';
import { regressionScenarios } from '../regressions.js';
import { scenarioArbitrary, type GeneratedScenario, type ProgramScale } from '../workflow-arbitrary.js';
import type { TestApi } from './support.js';

/** Generated cases per property: `FC_NUM_RUNS`, else the harness's default. */
export function numRunsFor(harness: DurableRunnerHarness): number {
  const fromEnv = Number(process.env['FC_NUM_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : harness.defaultNumRuns;
}

/** Named crash scenarios (past bugs and corner cases), each checked against all five properties. */
export function regressionSuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('regressions (named crash scenarios, all five properties)', () => {
    for (const scenario of regressionScenarios()) {
      test.it(
        scenario.name,
        async () => {
          const observation = await observeScenario(use(), scenario);
          const problems = Object.entries(PROPERTIES).flatMap(([property, check]) => check(observation).map((problem) => `${property}: ${problem}`));
          const crashed = observation.incarnations.filter((report) => report.crashed).length;
          if (crashed !== scenario.crashes.length) problems.push(`expected ${scenario.crashes.length} crashes, ${crashed} happened`);
          if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${describeObservation(observation)}`);
        },
        300_000,
      );
    }
  });
}

/**
 * The five crash properties (docs/architecture.md, "How the contract suite checks it") on workflows
 * fast-check generates, with crashes at the points it chooses. `FC_SEED` replays a run.
 */
export function crashPropertySuite(test: TestApi, use: () => DurableRunnerHarness, scale: ProgramScale, timeoutMs: number): void {
  // Every property replays the same seed, so each generated case runs once and is checked five
  // times: an adapter that spawns processes pays for the scenarios, not for the properties.
  const seed = Number(process.env['FC_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  const observations = new Map<string, Promise<Observation>>();
  const observe = (scenario: GeneratedScenario): Promise<Observation> => {
    let observation = observations.get(scenario.runId);
    if (!observation) {
      observation = observeScenario(use(), scenario);
      observations.set(scenario.runId, observation);
    }
    return observation;
  };
  test.describe('crash properties (generated workflows, crashes at arbitrary points)', () => {
    test.afterAll(() => {
      observations.clear();
      return Promise.resolve();
    });
    for (const [property, check] of Object.entries(PROPERTIES)) {
      test.it(
        property,
        async () => {
          const harness = use();
          await fc.assert(
            fc.asyncProperty(scenarioArbitrary(scale), async (scenario) => {
              const observation = await observe(scenario);
              const problems = check(observation);
              if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${describeObservation(observation)}`);
            }),
            { numRuns: numRunsFor(harness), seed },
          );
        },
        timeoutMs,
      );
    }
  });
}
