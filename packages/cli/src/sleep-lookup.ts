import { AsyncResource } from 'node:async_hooks';
import type { DurableRunner } from '@casare-rpa/application';
import type { SleepLookup } from './progress-reporter.js';

/** How long to look for a sleep's record after the node that asked for it (it is written as the sleep begins). */
const LOOKUP_TRIES = 20;
const LOOKUP_INTERVAL_MS = 100;

/**
 * Finds a durable sleep in a runner's step records: its planned wake time (a recovered run wakes
 * then, not a full sleep later) and length. Polls briefly, since the record is written as the sleep
 * begins, just after the node that asked for it; undefined when no sleep follows that node.
 * The lookup is bound to the caller's async context: events are emitted from inside the workflow
 * body, and a runner call made in the body's context (DBOS keeps it in AsyncLocalStorage) would be
 * recorded as a step of the run and shift every step index after it.
 */
export function sleepLookupOf(runner: Pick<DurableRunner, 'steps'>): SleepLookup {
  return AsyncResource.bind(async (runId: string, stepIndex: number) => {
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
  });
}
