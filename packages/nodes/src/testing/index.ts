export { aNodeExecution, aWorkflowNode, NodeExecutionBuilder, MemoryNodeLogger } from './node-execution-builder.js';
