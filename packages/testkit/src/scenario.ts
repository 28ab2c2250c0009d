import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Json } from '@casare-rpa/domain';
import type { DurableRunnerHarness, IncarnationReport, LedgerEntry, RunEnding, Scenario, StoreSnapshot } from './harness.js';
import { readLedgerFile } from './ledger.js';
import { recordedNodesOf } from '@casare-rpa/application';
import { realEffectOf } from './test-nodes.js';
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
  const request = {
    storeId,
    runId: scenario.runId,
    input: scenario.input,
    secrets: scenario.secrets,
    ledgerPath,
    ...(scenario.declare ? { declare: scenario.declare } : {}),
  };
  try {
    const incarnations: IncarnationReport[] = [];
    let ending: RunEnding | undefined;
    for (let incarnation = 0; ending === undefined; incarnation++) {
      // Every crash consumes one incarnation; one more must finish the run.
      if (incarnation > scenario.crashes.length)
        throw new Error(`run ${scenario.runId} did not end after ${incarnation} incarnations (last: ${JSON.stringify(incarnations.at(-1)?.crashed)})`);
      const report = await harness.runIncarnation({
        ...request,
        incarnation,
        mode: incarnation === 0 ? 'start' : 'recover',
        crash: scenario.crashes[incarnation],
      });
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

/** One node execution the store recorded, with where it sits. */
interface RecordedExecution {
  readonly stepIndex: number;
  readonly position: number;
  /** Number of node executions its step recorded. */
  readonly stepSize: number;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly succeeded: boolean;
}

/** Node types of the scenario's document, by node id. */
function nodeTypesOf(observation: Observation): ReadonlyMap<string, string> {
  const document = observation.scenario.input.document as { readonly nodes?: Readonly<Record<string, { readonly node_type?: Json }>> };
  return new Map(Object.entries(document.nodes ?? {}).map(([id, node]) => [id, typeof node.node_type === 'string' ? node.node_type : '']));
}

/** Every node execution recorded in the run's steps (both checkpoint formats), in order. */
function recordedExecutions(observation: Observation): readonly RecordedExecution[] {
  const types = nodeTypesOf(observation);
  const executions: RecordedExecution[] = [];
  for (const step of observation.snapshot.steps) {
    // The kind too: a node may be called `sleep` or `now`, as the runner's own records are.
    if (step.kind !== 'step' || !types.has(step.name)) continue;
    const nodes = recordedNodesOf(step);
    nodes.forEach((node, position) =>
      executions.push({
        stepIndex: step.index,
        position,
        stepSize: nodes.length,
        nodeId: node.nodeId,
        nodeType: types.get(node.nodeId) ?? '',
        succeeded: node.outcome.error === undefined,
      }),
    );
  }
  return executions;
}

/** The idempotency keys a recorded execution may have run with: positional, or bare when it ends its step. */
function keysOf(observation: Observation, execution: RecordedExecution): readonly string[] {
  const bare = `${observation.scenario.runId}:${execution.stepIndex}`;
  const positional = `${bare}.${execution.position}`;
  return execution.position === execution.stepSize - 1 ? [bare, positional] : [positional];
}

/** Step index a ledger key belongs to. */
function stepOfKey(key: string): number {
  const tail = key.slice(key.lastIndexOf(':') + 1);
  return Number(tail.split('.')[0]);
}

/** Crash reports of all incarnations. */
function crashesOf(observation: Observation) {
  return observation.incarnations.flatMap((report) => (report.crashed ? [report.crashed] : []));
}

/** Ledger entries grouped by idempotency key, in append order. */
function entriesByKey(observation: Observation): ReadonlyMap<string, readonly LedgerEntry[]> {
  const perKey = new Map<string, LedgerEntry[]>();
  for (const entry of observation.ledger) perKey.set(entry.key, [...(perKey.get(entry.key) ?? []), entry]);
  return perKey;
}

/** Property 1: the run ends as an uninterrupted run of the same workflow (variables, logs, outputs, status, error). */
export function checkSameEnding(observation: Observation): readonly string[] {
  if (isDeepStrictEqual(observation.ending, observation.reference)) return [];
  return [`recovered run ended as ${JSON.stringify(observation.ending)}\nbut an uninterrupted run ends as ${JSON.stringify(observation.reference)}`];
}

/**
 * Property 2: every recorded node execution ran (its successful attempt is in the ledger), and a
 * completed step never runs again: a step's nodes ran in more than one incarnation only when a crash
 * hit that step in flight, and each attempt of a node succeeded at most once per such crash.
 */
export function checkCompletedRanOnce(observation: Observation): readonly string[] {
  const problems: string[] = [];
  const crashes = crashesOf(observation);
  const inFlight = (stepIndex: number): number => crashes.filter((crash) => crash.phase !== 'after-record' && crash.stepIndex === stepIndex).length;
  const perKey = entriesByKey(observation);
  for (const execution of recordedExecutions(observation)) {
    if (!execution.succeeded) continue;
    const ok = keysOf(observation, execution).flatMap((key) => (perKey.get(key) ?? []).filter((entry) => entry.ok && entry.nodeId === execution.nodeId));
    if (ok.length < 1)
      problems.push(`step ${execution.stepIndex} node ${execution.nodeId} (position ${execution.position}) is recorded as succeeded but never succeeded`);
  }
  const incarnationsPerStep = new Map<number, Set<number>>();
  for (const entry of observation.ledger) {
    const seen = incarnationsPerStep.get(entry.stepIndex) ?? new Set<number>();
    seen.add(entry.incarnation);
    incarnationsPerStep.set(entry.stepIndex, seen);
  }
  for (const [stepIndex, incarnations] of incarnationsPerStep) {
    if (incarnations.size > 1 + inFlight(stepIndex)) {
      problems.push(`step ${stepIndex} ran in incarnations ${[...incarnations].join(', ')} but ${inFlight(stepIndex)} crash(es) hit it in flight`);
    }
  }
  for (const [key, entries] of perKey) {
    const attempts = new Map<number, number>();
    for (const entry of entries) if (entry.ok) attempts.set(entry.attempt, (attempts.get(entry.attempt) ?? 0) + 1);
    for (const [attempt, count] of attempts) {
      if (count > 1 + inFlight(stepOfKey(key)))
        problems.push(`${key} attempt ${attempt} succeeded ${count} times with ${inFlight(stepOfKey(key))} crash(es) in flight`);
    }
  }
  return problems;
}

/**
 * Property 3: every world effect lands exactly once; only the one in flight at a crash may land
 * twice, with the same key and the same inputs; in a step only its last node touches the world.
 */
export function checkExactlyOnceByKey(observation: Observation): readonly string[] {
  const problems: string[] = [];
  const crashes = crashesOf(observation);
  const perKey = entriesByKey(observation);
  const runPrefix = `${observation.scenario.runId}:`;
  const worldKeys = new Set<string>();
  for (const [key, entries] of perKey) {
    const first = entries[0] as LedgerEntry;
    if (!key.startsWith(runPrefix) || stepOfKey(key) !== first.stepIndex) problems.push(`ledger key ${key} does not match its step index ${first.stepIndex}`);
    if (entries.some((entry) => entry.nodeId !== first.nodeId))
      problems.push(`key ${key} was used by different nodes: ${[...new Set(entries.map((entry) => entry.nodeId))].join(', ')}`);
    if (entries.some((entry) => entry.inputs !== first.inputs)) problems.push(`key ${key} (${first.nodeId}) ran with different inputs`);
    if (first.effect !== 'world') continue;
    const ok = entries.filter((entry) => entry.ok);
    if (ok.length > 0) worldKeys.add(key);
    const allowed =
      1 + crashes.filter((crash) => crash.phase === 'after-effect' && crash.stepIndex === first.stepIndex && crash.nodeId === first.nodeId).length;
    if (ok.length > allowed) {
      problems.push(
        `world effect ${key} (${first.nodeId}) landed ${ok.length} times (incarnations ${ok.map((entry) => entry.incarnation).join(', ')}); crashes after it in flight: ${allowed - 1}`,
      );
    }
  }
  const expected = new Set<string>();
  for (const execution of recordedExecutions(observation)) {
    if (realEffectOf(execution.nodeType) !== 'world') continue;
    if (execution.position !== execution.stepSize - 1) {
      problems.push(
        `step ${execution.stepIndex} runs world node ${execution.nodeId} at position ${execution.position} of ${execution.stepSize}: only a step's last node may touch the world`,
      );
    }
    if (!execution.succeeded) continue;
    const keys = keysOf(observation, execution);
    const landed = keys.find((key) => worldKeys.has(key));
    if (landed === undefined) problems.push(`succeeded world node ${execution.nodeId} of step ${execution.stepIndex} has no effect in the ledger`);
    else expected.add(landed);
  }
  for (const key of worldKeys) if (!expected.has(key)) problems.push(`world effect ${key} belongs to no succeeded node execution`);
  return problems;
}

/** Property 4: starting the run id again after it ended executes nothing and returns the same ending. */
export function checkRestartExecutesNothing(observation: Observation): readonly string[] {
  const problems: string[] = [];
  const { restart } = observation;
  if (restart.crashed) problems.push('the restart incarnation crashed');
  if (!isDeepStrictEqual(restart.ending, observation.ending))
    problems.push(`starting the run again returned ${JSON.stringify(restart.ending)} instead of ${JSON.stringify(observation.ending)}`);
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
  'every recorded node ran, and a completed step never runs again': checkCompletedRanOnce,
  'every world effect lands once; only the one in flight at a crash repeats, with the same key and inputs': checkExactlyOnceByKey,
  'starting an existing run id executes nothing': checkRestartExecutesNothing,
  'no secret value appears in the journal or the events': checkNoSecretLeak,
} as const satisfies Record<string, (observation: Observation) => readonly string[]>;

/** A readable account of an observation, for a failing property's report. */
export function describeObservation(observation: Observation): string {
  const crashes = observation.incarnations.map(
    (report, index) => `  incarnation ${index}: ${report.crashed ? `crashed ${JSON.stringify(report.crashed)}` : 'ended'}`,
  );
  const steps = observation.snapshot.steps.map(
    (step) =>
      `  #${step.index} ${step.name} ${step.status} [${recordedNodesOf(step)
        .map((node) => node.nodeId)
        .join(' ')}]`,
  );
  const ledger = observation.ledger.map(
    (entry) => `  ${entry.key} ${entry.nodeId} ${entry.effect} attempt ${entry.attempt} ${entry.ok ? 'ok' : 'fail'} (incarnation ${entry.incarnation})`,
  );
  return [`run ${observation.scenario.runId}`, 'incarnations:', ...crashes, 'steps:', ...steps, 'ledger:', ...ledger].join('\n');
}
