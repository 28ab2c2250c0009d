export type { Json, JsonObject } from './json.js';
export {
  Workflow,
  EXEC_INPUT_PORT,
  EXEC_OUTPUT_PORT,
  isExecConnection,
  type WorkflowNode,
  type Connection,
  type VariableDeclaration,
  type WorkflowSettings,
  type WorkflowMetadata,
} from './workflow.js';
export { controlKindOf, isLoopStart, DEFAULT_MAX_ITERATIONS, type ControlKind } from './control-flow.js';
export { jsonSchema, nodeErrorSchema, nodeOutcomeSchema, type NodeError, type NodeOutcome } from './node-outcome.js';
export {
  executionStateSchema,
  frameSchema,
  runStatusSchema,
  type ExecutionState,
  type Frame,
  type LoopFrame,
  type TryFrame,
} from './execution-state.js';
export { WorkflowValidationError, ExpressionError, type ValidationIssue } from './errors.js';
export { loadWorkflow, DEFAULT_LIMITS, type LoadWorkflowOptions, type WorkflowLimits } from './load-workflow.js';
export { ExecutionOrchestrator, applyOutcome, type ControlContext } from './orchestrator.js';
export { resolveTemplates, evaluateCondition, type TemplateScope } from './templates.js';
