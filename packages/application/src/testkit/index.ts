export { requireExternalService } from './external-service.js';
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
