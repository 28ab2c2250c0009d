export { isJson, isJsonObject, type Json, type JsonObject } from './json.js';
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
export {
  workflowDocumentSchema,
  workflowMetadataSchema,
  workflowNodeDocumentSchema,
  connectionDocumentSchema,
  variableDocumentSchema,
  workflowSettingsDocumentSchema,
  CHECKPOINT_MODES,
  type CheckpointMode,
  nodePositionSchema,
  type WorkflowDocument,
  type WorkflowDocumentInput,
  type WorkflowNodeDocument,
  type ConnectionDocument,
  type VariableDocument,
  type WorkflowSettingsDocument,
} from './workflow-document.js';
export { DEFAULT_MAX_ITERATIONS } from './control-flow.js';
export { jsonSchema, jsonObjectSchema, nodeErrorSchema, nodeOutcomeSchema, type NodeError, type NodeOutcome } from './node-outcome.js';
export {
  executionStateSchema,
  frameSchema,
  runStatusSchema,
  type ExecutionState,
  type Frame,
  type LoopFrame,
  type TryFrame,
  type ParallelFrame,
} from './execution-state.js';
export { WorkflowValidationError, ExpressionError, RoutingError, type ValidationIssue } from './errors.js';
export { loadWorkflow, DEFAULT_LIMITS, EXEC_OUTPUT_PORTS, type LoadWorkflowOptions, type WorkflowLimits } from './load-workflow.js';
export type { PathSegment } from './json-path.js';
export { ExecutionOrchestrator, applyOutcome, type ControlContext, type ParallelPlan, type ParallelBranch, type BranchRun } from './orchestrator.js';
export { resolveTemplates, evaluateCondition, type TemplateScope } from './templates.js';
export { evaluateExpression } from './expression.js';
