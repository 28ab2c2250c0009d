// Test support for every package: an Object Mother for v1 workflow documents, random-friendly
// workflow shapes, and a pure simulator that drives the orchestrator with scripted outcomes. Pure like
// the rest of the domain: no Node built-ins, no test framework, so any package's tests can import it.
export { workflowDoc, WorkflowDocBuilder, type BuiltWorkflowDocument, type SettingsOptions, type VariableOptions } from './workflow-doc-builder.js';
export { buildShape, type ShapeBlock, type WorkflowShape } from './shapes.js';
export { simulateRun, defaultOutcome, type SimulatedRun, type SimulatedStep } from './simulate-run.js';
