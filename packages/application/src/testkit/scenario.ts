import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Json } from '@casare-rpa/domain';
import type { StepRecord } from '../ports/durable-runner.js';
import type { DurableRunnerHarness, IncarnationReport, LedgerEntry, RunEnding, Scenario, StoreSnapshot } from './harness.js';
import { readLedgerFile } from './ledger.js';
import { runReference } from './reference-run.js';

/** Everything a scenario produced, as data: what the properties are checked against. */
export interface Observation {
  readonly scenario: Scenario;
  /** Incarnations until the run ended (all but the last crashed). */
  readonly incarnations: readonly IncarnationReport[];
  /** How the run ended. */
  readonly ending: RunEnding;
  /** The extra incarnation that started the same run id again after it ended (property 4). */
  readonly restart: IncarnationReport;
  /** Number of the restart incarnation (its ledger entries carry it). */
  readonly restartIncarnation: number;
  /** Every effect of every incarnation. */
  readonly ledger: readonly LedgerEntry[];
  /** The store after everything. */
  readonly snapshot: StoreSnapshot;
  /** The same workflow run once without durability or crashes. */
  readonly reference: RunEnding;
}

let storeCounter = 0;

/** Runs a scenario through a harness: incarnations until the run ends, one restart, then the store. */
export async function observeScenario(harness: DurableRunnerHarness, scenario: Scenario): Promise<Observation> {
  storeCounter += 1;
  const storeId = `store-${process.pid}-${storeCounter}-${scenario.runId}`;
  const ledgerPath = join(tmpdir(), `casare-ledger-${storeId}.jsonl`);
  rmSync(ledgerPath, { force: true });
  const request = { storeId, runId: scenario.runId, input: scenario.input, secrets: scenario.secrets, ledgerPath };
  try {
    const incarnations: IncarnationReport[] = [];
    let ending: RunEnding | undefined;
    for (let incarnation = 0; ending === undefined; incarnation++) {
      // Every crash consumes one incarnation; one more must finish the run.
      if (incarnation > scenario.crashes.length) throw new Error(`run ${scenario.runId} did not end after ${incarnation} incarnations (last: ${JSON.stringify(incarnations.at(-1)?.crashed)})`);
      const report = await harness.runIncarnation({ ...request, incarnation, mode: incarnation === 0 ? 'start' : 'recover', crash: scenario.crashes[incarnation] });
      incarnations.push(report);
      if (report.crashed) continue;
      if (!report.ending) throw new Error(`incarnation ${incarnation} of run ${scenario.runId} neither crashed nor ended`);
      ending = report.ending;
    }
    const restartIncarnation = incarnations.length;
    const restart = await harness.runIncarnation({ ...request, incarnation: restartIncarnation, mode: 'start', crash: undefined });
    const snapshot = await harness.inspect(storeId, scenario.runId);
    const ledger = readLedgerFile(ledgerPath);
    const reference = await runReference(scenario);
    return { scenario, incarnations, ending, restart, restartIncarnation, ledger, snapshot, reference };
  } finally {
    rmSync(ledgerPath, { force: true });
    await harness.disposeStore?.(storeId);
  }
}

/** Node steps of a run (`ctx.step` records named by a node id of its document), by index. */
function nodeSteps(observation: Observation): readonly StepRecord[] {
  const document = observation.scenario.input.document as { readonly nodes?: Readonly<Record<string, Json>> };
  const nodeIds = new Set(Object.keys(document.nodes ?? {}));
  // The kind too: a node may be called `sleep` or `now`, as the runner's own records are.
  return observation.snapshot.steps.filter((step) => step.kind === 'step' && nodeIds.has(step.name));
}

/** True when a recorded node step's outcome is a success (its last attempt's effect is `ok`). */
function succeeded(step: StepRecord): boolean {
  if (step.status !== 'completed') return false;
  const output = step.output as { readonly error?: Json } | null | undefined;
  return output !== null && output !== undefined && output.error === undefined;
}

function keyOf(observation: Observation, index: number): string {
  return `${observation.scenario.runId}:${index}`;
}

/** Crash reports of all incarnations. */
function crashesOf(observation: Observation) {
  return observation.incarnations.flatMap((report) => (report.crashed ? [report.crashed] : []));
}

/** Property 1: the run ends as an uninterrupted run of the same workflow (variables, logs, outputs, status, error). */
export function checkSameEnding(observation: Observation): readonly string[] {
  if (isDeepStrictEqual(observation.ending, observation.reference)) return [];
  return [`recovered run ended as ${JSON.stringify(observation.ending)}\nbut an uninterrupted run ends as ${JSON.stringify(observation.reference)}`];
}

/**
 * Property 2: every step recorded as completed ran its body (its successful attempt) exactly once,
 * plus once per crash that hit it after its effect and before its record.
 */
export function checkCompletedRanOnce(observation: Observation): readonly string[] {
  const problems: string[] = [];
  const crashes = crashesOf(observation);
  for (const step of nodeSteps(observation)) {
    const key = keyOf(observation, step.index);
    const ok = observation.ledger.filter((entry) => entry.key === key && entry.ok);
    const reruns = crashes.filter((crash) => crash.phase === 'after-effect' && crash.stepIndex === step.index).length;
    if (succeeded(step) && ok.length < 1) problems.push(`step ${step.index} (${step.name}) is recorded as succeeded but its body never succeeded`);
    if (ok.length > 1 + reruns) {
      problems.push(`step ${step.index} (${step.name}) succeeded ${ok.length} times (incarnations ${ok.map((entry) => entry.incarnation).join(', ')}); crashes in flight after its effect: ${reruns}`);
    }
  }
  return problems;
}

/**
 * Property 3: only the step in flight at a crash may run twice, with the same idempotency key; the
 * ledger deduplicated by key holds each succeeded step's effect exactly once and nothing else.
 */
export function checkExactlyOnceByKey(observation: Observation): readonly string[] {
  const problems: string[] = [];
  const steps = nodeSteps(observation);
  const byIndex = new Map(steps.map((step) => [step.index, step]));
  // A crash after the record leaves nothing in flight: that step must replay, never run again.
  const inFlight = new Set(crashesOf(observation).filter((crash) => crash.phase !== 'after-record').map((crash) => crash.stepIndex));
  const okKeys = new Set<string>();
  const perKey = new Map<string, LedgerEntry[]>();
  for (const entry of observation.ledger) perKey.set(entry.key, [...(perKey.get(entry.key) ?? []), entry]);
  for (const [key, entries] of perKey) {
    const first = entries[0] as LedgerEntry;
    if (key !== keyOf(observation, first.stepIndex)) problems.push(`ledger key ${key} does not match its step index ${first.stepIndex}`);
    if (entries.some((entry) => entry.nodeId !== first.nodeId)) problems.push(`key ${key} was used by different nodes: ${[...new Set(entries.map((entry) => entry.nodeId))].join(', ')}`);
    const recorded = byIndex.get(first.stepIndex);
    if (!recorded) problems.push(`key ${key} (${first.nodeId}) has effects but no recorded step`);
    else if (recorded.name !== first.nodeId) problems.push(`key ${key} ran ${first.nodeId} but step ${first.stepIndex} is recorded as ${recorded.name}`);
    const ok = entries.filter((entry) => entry.ok);
    if (ok.length > 0) okKeys.add(key);
    const incarnations = new Set(entries.map((entry) => entry.incarnation));
    if (incarnations.size > 1 && !inFlight.has(first.stepIndex)) {
      problems.push(`step ${first.stepIndex} (${first.nodeId}) ran in incarnations ${[...incarnations].join(', ')} but no crash hit it in flight`);
    }
  }
  const expected = new Set(steps.filter(succeeded).map((step) => keyOf(observation, step.index)));
  for (const key of expected) if (!okKeys.has(key)) problems.push(`succeeded step ${key} has no effect in the ledger`);
  for (const key of okKeys) if (!expected.has(key)) problems.push(`effect ${key} belongs to no succeeded step`);
  return problems;
}

/** Property 4: starting the run id again after it ended executes nothing and returns the same ending. */
export function checkRestartExecutesNothing(observation: Observation): readonly string[] {
  const problems: string[] = [];
  const { restart } = observation;
  if (restart.crashed) problems.push('the restart incarnation crashed');
  if (!isDeepStrictEqual(restart.ending, observation.ending)) problems.push(`starting the run again returned ${JSON.stringify(restart.ending)} instead of ${JSON.stringify(observation.ending)}`);
  const effects = observation.ledger.filter((entry) => entry.incarnation === observation.restartIncarnation);
  if (effects.length > 0) problems.push(`starting the run again executed ${effects.length} node bodies: ${effects.map((entry) => entry.nodeId).join(', ')}`);
  const started = restart.events.filter((event) => event.type === 'node.started');
  if (started.length > 0) problems.push(`starting the run again emitted ${started.length} node.started events`);
  return problems;
}

/** Property 5: no secret value appears in what the store persisted, in any event, or in the result. */
export function checkNoSecretLeak(observation: Observation): readonly string[] {
  const places: Array<[string, string]> = [
    ['the persisted store', observation.snapshot.persistedText],
    ['the events', JSON.stringify([...observation.incarnations.flatMap((report) => report.events), ...observation.restart.events])],
    ['the run ending', JSON.stringify(observation.ending)],
  ];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(observation.scenario.secrets)) {
    for (const [place, text] of places) if (text.includes(value)) problems.push(`secret ${name} appears in ${place}`);
  }
  return problems;
}

/** The five properties, by name, as the contract reports them. */
export const PROPERTIES = {
  'a recovered run ends in the same state as an uninterrupted run': checkSameEnding,
  'every step recorded as completed ran its body exactly once': checkCompletedRanOnce,
  'only the step in flight at a crash runs twice, with the same idempotency key': checkExactlyOnceByKey,
  'starting an existing run id executes nothing': checkRestartExecutesNothing,
  'no secret value appears in the journal or the events': checkNoSecretLeak,
} as const satisfies Record<string, (observation: Observation) => readonly string[]>;

/** A readable account of an observation, for a failing property's report. */
export function describeObservation(observation: Observation): string {
  const crashes = observation.incarnations.map((report, index) => `  incarnation ${index}: ${report.crashed ? `crashed ${JSON.stringify(report.crashed)}` : 'ended'}`);
  const steps = observation.snapshot.steps.map((step) => `  #${step.index} ${step.name} ${step.status}`);
  const ledger = observation.ledger.map((entry) => `  ${entry.key} ${entry.nodeId} attempt ${entry.attempt} ${entry.ok ? 'ok' : 'fail'} (incarnation ${entry.incarnation})`);
  return [`run ${observation.scenario.runId}`, 'incarnations:', ...crashes, 'steps:', ...steps, 'ledger:', ...ledger].join('\n');
}
