import type { DurableRunner, StepRecord, NodeEffect, ExecutionEvent, ExecuteWorkflowInput, RunResult } from '@casare-rpa/application';

/*
 * The interface an adapter implements to run `durableRunnerContract`. Everything that crosses it is
 * data, so an adapter can run each incarnation in a real child process and kill it with SIGKILL:
 * crash points are numbers, side effects go to a JSONL ledger file, secrets are a plain map, and what
 * happened comes back as JSON.
 */

/**
 * Where in one node execution a process dies.
 * - `before-effect`: inside the step body, before the node's side effect (the ledger append);
 * - `after-effect`: inside the step body, after the side effect, before the runner records the outcome;
 * - `after-record`: after the runner recorded the step's outcome, before the body moves on.
 */
export type CrashPhase = 'before-effect' | 'after-effect' | 'after-record';

/** Every crash phase, for arbitraries and loops. */
export const CRASH_PHASES: readonly CrashPhase[] = ['before-effect', 'after-effect', 'after-record'];

/**
 * One process death, counted within one process incarnation. Node step-body attempts started in the
 * incarnation are numbered 0, 1, 2...; the crash hits attempt number `atNodeExecution` at `phase`
 * (`after-record`: when the step that attempt belongs to is recorded). An incarnation that never
 * reaches that attempt ends normally.
 */
export interface CrashPoint {
  /** 0-based number of the node step-body attempt, counted from the start of this incarnation. */
  readonly atNodeExecution: number;
  /** Where in that attempt the process dies. */
  readonly phase: CrashPhase;
}

/** What the dying incarnation knew about its crash (written before the kill, e.g. to a file). */
export interface CrashReport extends CrashPoint {
  /** Step index of the node execution in flight. */
  readonly stepIndex: number;
  /** Node id (step name) of the node execution in flight. */
  readonly nodeId: string;
  /** Attempt number (1-based) of the node execution in flight. */
  readonly attempt: number;
}

/**
 * One side effect of a test node, appended (synchronously, one JSON line) to the ledger file before
 * the node returns, so it survives a SIGKILL that follows.
 */
export interface LedgerEntry {
  /** `NodeExecution.idempotencyKey` of the execution (`<runId>:<stepIndex>` or `<runId>:<stepIndex>.<position>`). */
  readonly key: string;
  /** Node that ran. */
  readonly nodeId: string;
  /** `NodeExecution.stepIndex`. */
  readonly stepIndex: number;
  /** `NodeExecution.attempt` (1-based). */
  readonly attempt: number;
  /** True when this attempt succeeded; false when the node failed it on purpose. */
  readonly ok: boolean;
  /** `IncarnationRequest.incarnation` of the process that ran it. */
  readonly incarnation: number;
  /** What the node really touches (`REAL_EFFECTS`), whatever its handler declared. */
  readonly effect: NodeEffect;
  /** Hash of the node's resolved config, data inputs and the variable it reads. */
  readonly inputs: string;
}

/** How a run ended, as data: its `RunResult` (completed or failed) or the error it ended with. */
export type RunEnding =
  | { readonly kind: 'result'; readonly result: RunResult }
  | { readonly kind: 'error'; readonly name: string; readonly code: string | undefined; readonly message: string };

/**
 * One process incarnation of a scenario. `start`: launch the runner, start the run with
 * `ExecuteWorkflowUseCase` under `runId` and wait for it. `recover`: launch the runner (which
 * recovers pending runs) and wait for `handle(runId)`. Build it with the testkit's
 * `runIncarnation(runner, request, ...)`: it wires the use case, the test node catalog, the secrets
 * and the crash schedule; an adapter only supplies the runner and the way to die.
 */
export interface IncarnationRequest {
  /** Identifies the durable store (journal, database) every incarnation of one scenario shares. */
  readonly storeId: string;
  /** 0-based number of this incarnation within the scenario. */
  readonly incarnation: number;
  /** Start the run, or recover it after the previous incarnation died. */
  readonly mode: 'start' | 'recover';
  /** The run id. */
  readonly runId: string;
  /** The workflow argument (document and inputs). */
  readonly input: ExecuteWorkflowInput;
  /** Values the incarnation's `SecretProvider` serves, by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Where this incarnation dies; undefined for none. */
  readonly crash: CrashPoint | undefined;
  /** Absolute path of the JSONL ledger file test nodes append their effects to. */
  readonly ledgerPath: string;
  /** Effects the test nodes declare instead of their real ones (`Scenario.declare`). */
  readonly declare?: Readonly<Record<string, NodeEffect>>;
}

/** What one incarnation reports. A killed child reports what it wrote before dying. */
export interface IncarnationReport {
  /** The crash that ended this incarnation, if one did. */
  readonly crashed: CrashReport | undefined;
  /** How the run ended, when it ended in this incarnation. */
  readonly ending: RunEnding | undefined;
  /** Events the use case emitted in this incarnation, in order (up to the crash). */
  readonly events: readonly ExecutionEvent[];
}

/** What the durable store holds about a run once the scenario is over. */
export interface StoreSnapshot {
  /** `DurableRunner.steps(runId)`. */
  readonly steps: readonly StepRecord[];
  /**
   * Every byte the store persisted for the run (journal dump, or the rows of the system database
   * tables as text), searched for secret values.
   */
  readonly persistedText: string;
}

/** Time as the plain contract tests use it; virtual in memory, real in adapters on a real clock. */
export interface ContractTiming {
  /** Retry interval used by retry tests, ms. */
  readonly retryIntervalMs: number;
  /** Length of a durable sleep in sleep tests, ms; restarts happen in its middle. */
  readonly sleepMs: number;
}

/**
 * A live runner in the test process, for the plain contract tests (bodies are closures there).
 * `restart` simulates the death of the runner's process: the old runner stops as a SIGKILL would
 * stop it (no cleanup, nothing recorded after), a new one over the same store has `setup` applied
 * again, is launched, and recovers pending runs.
 */
export interface RunnerSession {
  /** The current runner (a new object after `restart`). */
  readonly runner: DurableRunner;
  /** The clock the runner sleeps and retries on, ms since the epoch. */
  now(): number;
  /** Lets time pass until `promise` settles (virtual clocks jump to the next wake-up); returns it. */
  settle<T>(promise: Promise<T>): Promise<T>;
  /** Kills the runner, lets `downtimeMs` pass on its clock, then launches a new one. */
  restart(options?: { readonly downtimeMs?: number }): Promise<void>;
  /** Shuts the runner down and releases the store. */
  close(): Promise<void>;
}

/**
 * What an adapter provides to run the contract suite. `runIncarnation` is the only member the
 * generated crash scenarios use; `openSession` serves the plain contract tests.
 */
export interface DurableRunnerHarness {
  /** Timing for the plain tests. */
  readonly timing: ContractTiming;
  /** Generated cases per property when `FC_NUM_RUNS` is not set. */
  readonly defaultNumRuns: number;
  /** Runs one incarnation of a scenario (in a child process for real adapters) and reports it. */
  runIncarnation(request: IncarnationRequest): Promise<IncarnationReport>;
  /** Reads the store after a scenario. */
  inspect(storeId: string, runId: string): Promise<StoreSnapshot>;
  /** Releases a scenario's store (drop its journal); optional. */
  disposeStore?(storeId: string): Promise<void>;
  /** A launched runner in this process with `setup` (body registrations) applied before launch. */
  openSession(setup: (runner: DurableRunner) => void): Promise<RunnerSession>;
  /** Releases everything the harness holds; called once after the suite. */
  dispose?(): Promise<void>;
}

/** Builds a harness; called once per suite, in `beforeAll`. */
export type HarnessFactory = () => DurableRunnerHarness | Promise<DurableRunnerHarness>;

/** A generated scenario: one workflow run with the crashes to inflict on it. */
export interface Scenario {
  /** The run id. */
  readonly runId: string;
  /** The workflow argument. */
  readonly input: ExecuteWorkflowInput;
  /** Secret values by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Crash of incarnation 0, 1, 2... in order (a list, so crashes repeat during recovery). */
  readonly crashes: readonly CrashPoint[];
  /**
   * Effects the test node handlers declare instead of their real ones, by type: a test of the
   * contract itself declares a world node pure to see a property fail. Absent in real scenarios.
   */
  readonly declare?: Readonly<Record<string, NodeEffect>>;
}
