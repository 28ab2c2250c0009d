import type { WorkflowValidationError } from '@casare-rpa/domain';
import type { OutputStream } from './format.js';

/** Prints every issue of an invalid workflow, one line each: JSON path, node id, message, code. */
export function printValidationIssues(out: OutputStream, error: WorkflowValidationError, label = error.source): void {
  const count = error.issues.length;
  out.write(`${label ?? 'workflow'}: invalid, ${count} problem${count === 1 ? '' : 's'}:\n`);
  for (const issue of error.issues) {
    const node = issue.nodeId ? ` (node ${issue.nodeId})` : '';
    out.write(`  ${issue.path || '(root)'}${node}: ${issue.message} [${issue.code}]\n`);
  }
}
