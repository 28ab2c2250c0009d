export { requireExternalService } from './external-service.js';
export { builtTestingScript, runNodeScript, type ChildExit } from './child-process.js';
export { incarnationFiles, readEventsFile, runIncarnationChild, type IncarnationFiles } from './incarnation-files.js';
export {
  CRASH_PHASES,
  type CrashPhase,
  type CrashPoint,
  type CrashReport,
  type LedgerEntry,
  type RunEnding,
  type IncarnationRequest,
  type IncarnationReport,
  type StoreSnapshot,
  type ContractTiming,
  type RunnerSession,
  type DurableRunnerHarness,
  type HarnessFactory,
  type Scenario,
} from './harness.js';
export { durableRunnerContract, CONTRACT_SUITES, ALL_CONTRACT_SUITES, type ContractOptions, type ContractSuiteName } from './contract.js';
export { numRunsFor, crashPropertySuite, regressionSuite } from './contract/crash-properties.js';
export { runIdentitySuite } from './contract/run-identity.js';
export { replaySuite } from './contract/replay.js';
export { stepPolicySuite } from './contract/step-policy.js';
export { durableTimeSuite } from './contract/durable-time.js';
export { runControlSuite } from './contract/run-control.js';
export { signalSuite } from './contract/signals.js';
export type { TestApi, ContractSuite } from './contract/support.js';
export { runIncarnation, endingOf, endingOfError, EventRecorder, type IncarnationOptions } from './incarnation.js';
export { CrashSchedule, type AttemptInfo } from './crash-schedule.js';
export { JsonlFileLedger, MemoryLedger, readLedgerFile, type Ledger } from './ledger.js';
export {
  createTestNodeCatalog,
  MapSecretProvider,
  TestNodeFailure,
  TEST_ACTION_TYPES,
  REAL_EFFECTS,
  realEffectOf,
  type EffectHooks,
  type TestCatalogOptions,
} from './test-nodes.js';
export { DirectContext, runReference } from './reference-run.js';
export {
  observeScenario,
  describeObservation,
  checkSameEnding,
  checkCompletedRanOnce,
  checkExactlyOnceByKey,
  checkRestartExecutesNothing,
  checkNoSecretLeak,
  PROPERTIES,
  type Observation,
} from './scenario.js';
export {
  programArbitrary,
  scenarioArbitrary,
  crashesArbitrary,
  compileProgram,
  estimateAttempts,
  DEFAULT_SCALE,
  SECRET_NAME,
  SENSITIVE_VARIABLE,
  type Program,
  type Statement,
  type Condition,
  type ProgramScale,
  type GeneratedScenario,
} from './workflow-arbitrary.js';
export { regressionScenarios } from './regressions.js';
