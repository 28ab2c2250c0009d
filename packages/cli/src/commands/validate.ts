import { ValidateWorkflowUseCase } from '@casare-rpa/application';
import { WorkflowValidationError, type ValidationIssue } from '@casare-rpa/domain';
import { parseCommandArgs } from '../cli-args.js';
import { createContainer } from '../container.js';
import { ExitCode } from '../errors.js';
import { writeJson } from '../format.js';
import { HELP } from '../help.js';
import type { CliEnvironment } from '../cli-environment.js';
import { printValidationIssues } from '../validation-output.js';
import { loadWorkflowFile } from '../workflow-file.js';

const OPTIONS = { json: { type: 'boolean' } } as const;

/** Validation needs the node catalog only; events go nowhere. */
const NO_EVENTS = { emit: (): void => {} };

/** `casare validate <file>`: every problem with its JSON path and node id; exit 0 valid, 2 invalid. */
export async function validateCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('validate', argv, OPTIONS, { names: ['file'], required: 1 });
  if (args.help) {
    cli.stdout.write(HELP.validate);
    return ExitCode.success;
  }
  const file = await loadWorkflowFile(args.positionals[0] ?? '', cli.cwd, 'validate');
  const container = await createContainer({ durability: 'memory', events: NO_EVENTS, env: cli.env });
  const validator = container.get(ValidateWorkflowUseCase);
  try {
    const workflow = validator.validate(file.document, file.label);
    if (args.flag('json')) {
      writeJson(cli.stdout, { valid: true, file: file.label, issues: [] });
    } else {
      cli.stdout.write(`${file.label}: valid (${workflow.nodes.size} nodes, ${workflow.connections.length} connections)\n`);
    }
    return ExitCode.success;
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) throw error;
    if (args.flag('json')) writeJson(cli.stdout, { valid: false, file: file.label, issues: error.issues.map(issueJson) });
    else printValidationIssues(cli.stdout, error, file.label);
    return ExitCode.usage;
  }
}

/** An issue as `--json` prints it: every member present, `nodeId` null when there is none. */
function issueJson(issue: ValidationIssue): { code: string; path: string; nodeId: string | null; message: string } {
  return { code: issue.code, path: issue.path, nodeId: issue.nodeId ?? null, message: issue.message };
}
