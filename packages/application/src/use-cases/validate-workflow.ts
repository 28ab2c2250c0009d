import { loadWorkflow, WorkflowValidationError } from '@casare-rpa/domain';
import type { ValidationIssue, Workflow } from '@casare-rpa/domain';
import type { NodeCatalog } from '../ports/node-catalog.js';
import { policyIssues } from '../execution/step-policy.js';

/**
 * Checks a workflow document against a node catalog before anything runs: the loader's issues
 * (schema, graph, unknown types), then each node's config as its handler sees it, then the retry and
 * timeout settings. Every problem comes back in one `WorkflowValidationError`.
 */
export class ValidateWorkflowUseCase {
  constructor(private readonly catalog: NodeCatalog) {}

  /** The loaded workflow, or throws `WorkflowValidationError` with every issue found. */
  validate(document: unknown, source?: string): Workflow {
    const workflow = loadWorkflow(
      document,
      source === undefined ? { knownTypes: this.catalog.knownTypes() } : { knownTypes: this.catalog.knownTypes(), source },
    );
    const nodes = [...workflow.nodes.values()];
    const issues: ValidationIssue[] = [...this.catalog.validate(nodes, (nodeId) => workflow.dataInputs(nodeId).map((connection) => connection.targetPort))];
    for (const node of nodes) issues.push(...policyIssues(node));
    if (issues.length > 0) throw new WorkflowValidationError(issues, source);
    return workflow;
  }
}
