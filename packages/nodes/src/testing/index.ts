export { aNodeExecution, NodeExecutionBuilder, MemoryNodeLogger } from './node-execution-builder.js';
