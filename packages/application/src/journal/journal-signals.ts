import type { Json, JsonObject } from '@casare-rpa/domain';
import { RunEndedError, RunNotFoundError } from '../errors.js';
import type { SignalWait } from '../ports/durable-context.js';
import type { SignalDelivery, SignalOptions } from '../ports/durable-runner.js';
import { RecordedStepInvalidError } from '../use-cases/step-outcomes.js';
import { cloneJson } from './journal-records.js';
import type { JournalStore } from './journal-store.js';

/**
 * `DurableRunner.signal` over a journal store, shared by the journal runner and the journal
 * adapters' `RunInspector`s (a process that runs no workflow delivers the same way): keeps the
 * signal or says why not. The run that waits sees it from its own process (at once when it is this
 * one, at its next poll otherwise).
 */
export function deliverJournalSignal(
  store: JournalStore,
  runId: string,
  name: string,
  value: Json,
  options: SignalOptions | undefined,
  now: number,
): SignalDelivery {
  const signalId = options?.signalId;
  const kept = store.addSignal(runId, { name, value: cloneJson(value), ...(signalId === undefined ? {} : { signalId }), sentAt: now });
  switch (kept.outcome) {
    case 'kept':
      return { delivered: true };
    case 'duplicate':
      return { delivered: false, reason: 'duplicate' };
    case 'no-run':
      throw new RunNotFoundError(runId);
    case 'ended':
      throw new RunEndedError(runId, kept.status, `signal "${name}"`);
  }
}

/** What a journal records as the output of a wait's step: the `SignalWait` as JSON. */
export function waitOutputOf(wait: SignalWait): JsonObject {
  return wait.kind === 'received' ? { kind: 'received', value: cloneJson(wait.value) } : { kind: 'timeout' };
}

/** The `SignalWait` a recorded wait (its step's output) holds; `RecordedStepInvalidError` when it holds none. */
export function signalWaitOf(name: string, output: Json | undefined): SignalWait {
  if (typeof output === 'object' && output !== null && !Array.isArray(output)) {
    const recorded = output as { readonly kind?: Json; readonly value?: Json };
    if (recorded.kind === 'received') return { kind: 'received', value: cloneJson(recorded.value ?? null) };
    if (recorded.kind === 'timeout') return { kind: 'timeout' };
  }
  throw new RecordedStepInvalidError(name, `a wait for a signal recorded ${JSON.stringify(output ?? null)}, not a received value or a timeout`);
}
