export type { DurableContext, StepAttempt, StepPolicy, SignalWait, SignalWaitOptions } from './ports/durable-context.js';
export {
  DURABLE_RUNNER,
  SLEEP_STEP_NAME,
  NOW_STEP_NAME,
  type DurableRunner,
  type WorkflowBody,
  type RunHandle,
  type RunStatus,
  type RunSummary,
  type RunFilter,
  type StartOptions,
  type StepRecord,
  type StepKind,
  type SignalOptions,
  type SignalDelivery,
} from './ports/durable-runner.js';
export { NODE_CATALOG, NODE_HANDLER, type NodeCatalog, type NodeHandler, type NodeEffect, type NodeExecution, type NodeLogger } from './ports/node-catalog.js';
export { EXECUTION_EVENTS, type ExecutionEvents, type ExecutionEvent, type NodeLogLine } from './ports/execution-events.js';
export { SECRET_PROVIDER, type SecretProvider } from './ports/secret-provider.js';
export { BROWSER_SESSIONS, type BrowserSessions } from './ports/browser-sessions.js';
export { PAYLOAD_CODEC, PLAIN_PAYLOAD_CODEC, type PayloadCodec, type PayloadCipher, type PayloadContext, type PayloadKind } from './ports/payload-codec.js';
export { SealedHintsCodec, maskSealed, SEALED_KEY, ENCRYPTED_MARKER, type SealedHintsCodecOptions } from './use-cases/sealed-hints-codec.js';
export { DecodingRunInspector, decodeForReading } from './use-cases/decoding-run-inspector.js';
export {
  CasareError,
  NondeterminismError,
  ParallelNestingError,
  PayloadDecryptError,
  RunCancelledError,
  RunNotFoundError,
  RunEndedError,
  SignalWaitInvalidError,
  checkedWaitTimeoutMs,
  RunnerStateError,
  WorkflowNotRegisteredError,
  findErrorWithCode,
  hasErrorCode,
  errorCodeOf,
  type CasareErrorCode,
} from './errors.js';
export { CHILD_RUNS, type ChildRuns, type ChildRunRequest, type ChildRunResult } from './ports/child-runs.js';
export {
  CASARE_WORKFLOW,
  executeWorkflowInputSchema,
  RunFailedError,
  runFailureOf,
  settleRun,
  type ExecuteWorkflowInput,
  type RunResult,
} from './use-cases/run-result.js';
export {
  ExecuteWorkflowUseCase,
  NodeAttemptError,
  SecretNotFoundError,
  OutcomeInvalidError,
  DEFAULT_CHECKPOINT_MODE,
  checkpointModeOf,
} from './use-cases/execute-workflow.js';
export { idempotencyKeyOf, NO_TASK_DEADLINE_MS, type HumanTaskServices } from './use-cases/run-execution.js';
export {
  TASK_INBOX,
  ANSWER_SEALER,
  taskSignalName,
  type TaskInbox,
  type AnswerSealer,
  type HumanTask,
  type HumanTaskRequest,
  type HumanTaskRecord,
  type HumanTaskField,
  type HumanTaskFieldType,
  type HumanTaskFilter,
  type HumanTaskStatus,
  type HumanTaskTimeoutAction,
  type TaskAnswer,
} from './ports/task-inbox.js';
export {
  AnswerTaskUseCase,
  TaskAnswerInvalidError,
  TaskClosedError,
  TaskNotFoundError,
  validateTaskAnswer,
  type RawTaskAnswer,
  type TaskAnswerIssue,
} from './use-cases/human-tasks.js';
export { recordedNodesOf, RecordedStepInvalidError, type RecordedNode } from './use-cases/step-outcomes.js';
export { ValidateWorkflowUseCase } from './use-cases/validate-workflow.js';
export { FindRecoverableRunsUseCase, type RecoverableRuns, type RecoveringExecutor } from './use-cases/find-recoverable-runs.js';
export { REDACTED } from './execution/redaction.js';
export { StepTimeoutError, runBoundedAttempt } from './execution/step-timeout.js';
export type { RunInspector, RunInspectorFilter } from './ports/run-inspector.js';
export { systemClock, type Clock } from './journal/clock.js';
export type {
  JournalStore,
  JournalRunRecord,
  NewJournalRun,
  JournalStep,
  JournalStepKind,
  JournalError,
  JournalEnding,
  JournalClaim,
  JournalSignal,
  JournalSignalOutcome,
  JournalWait,
  JournalWaitEnd,
} from './journal/journal-store.js';
export { deliverJournalSignal, signalWaitOf, waitOutputOf } from './journal/journal-signals.js';
export { cloneJson, runSummaryOf, stepRecordOf } from './journal/journal-records.js';
export { JournalDurableRunner, JournalWriteError, type JournalDurableRunnerOptions, type StepPhase, type StepPoint } from './journal/journal-durable-runner.js';
