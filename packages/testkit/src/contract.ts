import type { DurableRunnerHarness, HarnessFactory } from './harness.js';
import { crashPropertySuite, regressionSuite } from './contract/crash-properties.js';
import { durableTimeSuite } from './contract/durable-time.js';
import { replaySuite } from './contract/replay.js';
import { runControlSuite } from './contract/run-control.js';
import { runIdentitySuite } from './contract/run-identity.js';
import { signalSuite } from './contract/signals.js';
import { stepPolicySuite } from './contract/step-policy.js';
import type { ContractSuite, TestApi } from './contract/support.js';
import { DEFAULT_SCALE, type ProgramScale } from './workflow-arbitrary.js';

/** The capability suites of the contract, by name; `durableRunnerContract` runs the ones asked for. */
export const CONTRACT_SUITES = {
  runs: runIdentitySuite,
  replay: replaySuite,
  'step-policy': stepPolicySuite,
  time: durableTimeSuite,
  control: runControlSuite,
  signals: signalSuite,
  regressions: regressionSuite,
} as const satisfies Record<string, ContractSuite>;

/** A suite of the contract: the plain capability suites, or `'crash-properties'` (generated workflows). */
export type ContractSuiteName = keyof typeof CONTRACT_SUITES | 'crash-properties';

/** Every suite, in the order they run. */
export const ALL_CONTRACT_SUITES: readonly ContractSuiteName[] = [...(Object.keys(CONTRACT_SUITES) as Array<keyof typeof CONTRACT_SUITES>), 'crash-properties'];

/** Options of `durableRunnerContract`. */
export interface ContractOptions {
  /** Size of generated workflows (smaller for adapters that spawn a process per incarnation). */
  readonly scale?: ProgramScale;
  /**
   * The suites to run: an adapter still growing into the port opts into the capabilities it has.
   * @default ALL_CONTRACT_SUITES
   */
  readonly suites?: readonly ContractSuiteName[];
  /**
   * Timeout of each property test, ms.
   * @default 600_000
   */
  readonly propertyTimeoutMs?: number;
}

/**
 * The durable-runner contract: a suite per capability of the `DurableRunner` port (run ids,
 * replay, step policy, durable time, cancel/resume/fork, durable waits for signals), the named regression scenarios and the
 * five crash properties on generated workflows. An adapter runs it from a short test file; its
 * harness (`DurableRunnerHarness`) says how to start the runner and how to kill it.
 *
 * @example
 * import * as vitest from 'vitest';
 * import { durableRunnerContract } from '@casare-rpa/testkit';
 *
 * durableRunnerContract(vitest, 'InMemoryDurableRunner', () => new InMemoryHarness());
 * // or only some capabilities:
 * durableRunnerContract(vitest, 'MyRunner', () => new MyHarness(), { suites: ['runs', 'replay'] });
 */
export function durableRunnerContract(test: TestApi, name: string, makeHarness: HarnessFactory, options: ContractOptions = {}): void {
  const suites = new Set(options.suites ?? ALL_CONTRACT_SUITES);
  test.describe(`DurableRunner contract: ${name}`, () => {
    let harness: DurableRunnerHarness | undefined;
    const use = (): DurableRunnerHarness => {
      if (!harness) throw new Error('harness not built');
      return harness;
    };
    test.beforeAll(async () => {
      harness = await makeHarness();
    }, 120_000);
    test.afterAll(async () => {
      await harness?.dispose?.();
    }, 120_000);
    for (const [suite, register] of Object.entries(CONTRACT_SUITES)) {
      if (suites.has(suite as ContractSuiteName)) register(test, use);
    }
    if (suites.has('crash-properties')) {
      crashPropertySuite(test, use, options.scale ?? DEFAULT_SCALE, options.propertyTimeoutMs ?? 600_000);
    }
  });
}
