import type { DurableRunner } from '@casare-rpa/application';
import type { SleepLookup } from './progress-reporter.js';

/** How long to look for a sleep's record after the node that asked for it (it is written as the sleep begins). */
const LOOKUP_TRIES = 20;
const LOOKUP_INTERVAL_MS = 100;

/**
 * Finds a durable sleep in a runner's step records: its planned wake time (a recovered run wakes
 * then, not a full sleep later) and length. Polls briefly, since the record is written as the sleep
 * begins, just after the node that asked for it; undefined when no sleep follows that node.
 */
export function sleepLookupOf(runner: Pick<DurableRunner, 'steps'>): SleepLookup {
  return async (runId, stepIndex) => {
    for (let attempt = 0; attempt < LOOKUP_TRIES; attempt += 1) {
      const steps = await runner.steps(runId);
      const sleep = steps.find((step) => step.index === stepIndex && step.kind === 'sleep');
      if (sleep !== undefined) {
        const wakesAt = typeof sleep.output === 'number' ? sleep.output : sleep.completedAt;
        if (wakesAt === undefined) return undefined;
        return { wakesAt, durationMs: wakesAt - (sleep.startedAt ?? wakesAt) };
      }
      // Another step at that index: no sleep came after the node.
      if (steps.some((step) => step.index >= stepIndex)) return undefined;
      await new Promise((resolve) => setTimeout(resolve, LOOKUP_INTERVAL_MS).unref());
    }
    return undefined;
  };
}
