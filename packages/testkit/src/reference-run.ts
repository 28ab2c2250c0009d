import type { Json } from '@casare-rpa/domain';
import {
  type DurableContext,
  type SignalWait,
  type StepAttempt,
  type StepPolicy,
  runBoundedAttempt,
  checkpointModeOf,
  ExecuteWorkflowUseCase,
  runFailureOf,
} from '@casare-rpa/application';
import type { RunEnding, Scenario } from './harness.js';
import { EventRecorder, endingOfError } from './incarnation.js';
import { MemoryLedger } from './ledger.js';
import { createTestNodeCatalog, MapSecretProvider } from './test-nodes.js';

/**
 * A `DurableContext` that records nothing: steps run (with their retries, without waiting, and
 * their timeouts), sleeps return at once. What a run does when nothing ever crashes: the oracle of property 1.
 */
export class DirectContext implements DurableContext {
  readonly recovering = false;
  private nextIndex = 0;

  constructor(readonly runId: string) {}

  async step<T extends Json>(name: string, fn: (attempt: StepAttempt) => Promise<T>, policy?: StepPolicy): Promise<T> {
    const index = this.nextIndex++;
    const maxAttempts = Math.max(1, policy?.maxAttempts ?? 1);
    for (let attempt = 1; ; attempt++) {
      try {
        // Through JSON, as every runner records it.
        const output = await runBoundedAttempt({ stepName: name, timeoutMs: policy?.timeoutMs }, (bounded) =>
          fn({
            index,
            attempt,
            get signal() {
              return bounded.signal;
            },
          }),
        );
        return JSON.parse(JSON.stringify(output)) as T;
      } catch (error) {
        if (attempt >= maxAttempts) throw error;
      }
    }
  }

  sleep(): Promise<void> {
    this.nextIndex++;
    return Promise.resolve();
  }

  now(): Promise<number> {
    this.nextIndex++;
    return Promise.resolve(Date.now());
  }

  /** Nobody signals a reference run: every wait times out at once. */
  waitForSignal(): Promise<SignalWait> {
    this.nextIndex++;
    return Promise.resolve({ kind: 'timeout' });
  }
}

/** Runs a scenario's workflow once, in this process, without durability or crashes. */
export async function runReference(scenario: Scenario): Promise<RunEnding> {
  const catalog = createTestNodeCatalog({ ledger: new MemoryLedger() });
  const useCase = new ExecuteWorkflowUseCase(catalog, new EventRecorder(), new MapSecretProvider(scenario.secrets));
  try {
    // The checkpoint mode `start` records, so the reference runs its steps the way the run did.
    const input = { ...scenario.input, checkpoint: scenario.input.checkpoint ?? checkpointModeOf(scenario.input.document) };
    return { kind: 'result', result: await useCase.execute(new DirectContext(scenario.runId), JSON.parse(JSON.stringify(input)) as Json) };
  } catch (error) {
    const failed = runFailureOf(error);
    return failed ? { kind: 'result', result: failed } : endingOfError(error);
  }
}
