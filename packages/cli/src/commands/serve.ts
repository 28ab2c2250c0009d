import { CASARE_WORKFLOW, type ExecutionEvent, type ExecutionEvents } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { TRIGGER_EVENT_VARIABLE, type TriggerEvent } from '@casare-rpa/nodes';
import { parseCommandArgs } from '../cli-args.js';
import type { CliEnvironment } from '../cli-environment.js';
import { describeDurability, openServices, type CasareServices } from '../container.js';
import { chooseDurability } from '../durability.js';
import { ExitCode, UsageError } from '../errors.js';
import type { OutputStream } from '../format.js';
import { findRun } from '../find-run.js';
import { HELP } from '../help.js';
import { settleReport } from '../run-output.js';
import { Scheduler } from '../serve/scheduler.js';
import { loadServedWorkflows, withScriptsForbidden, type ServedWorkflow } from '../serve/served-workflows.js';
import { WebhookServer } from '../serve/webhook-server.js';

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  durability: { type: 'string' },
} as const;

/** Port of the webhook endpoints when `--port` is not given (the original engine's). */
export const DEFAULT_SERVE_PORT = 8766;
const SECRET_TEMPLATE = /^\s*\{\{\s*\$secret:([A-Za-z_][\w]*)\s*\}\}\s*$/;

/**
 * `casare serve [--port P] [file or folder]...`: a long-lived executor that arms the schedule and
 * webhook triggers of the workflows it is given and runs what they start. Runs are started through
 * the `DurableRunner` with ids derived from the event (tick instant, delivery id), so any number of
 * serving processes start each event once. Stops on Ctrl-C / SIGTERM; runs in flight stay pending
 * for the next launch of this executor.
 */
export async function serveCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('serve', argv, OPTIONS, { names: Array.from({ length: 1024 }, () => 'file or folder'), required: 1 });
  if (args.help) {
    cli.stdout.write(HELP.serve);
    return ExitCode.success;
  }
  const port = portOf(args.string('port'));
  const host = args.string('host') ?? '127.0.0.1';
  const choice = chooseDurability(args.string('durability'), cli.env, 'serve');
  if (choice.durability === 'memory') {
    cli.stderr.write('casare: serving in memory: runs are not crash-safe and every serving process fires every event\n');
  }
  const services = await openServices({ durability: choice.durability, events: runLines(cli.stdout), env: cli.env, cwd: cli.cwd });
  let server: WebhookServer | undefined;
  let scheduler: Scheduler | undefined;
  try {
    const workflows = await loadServedWorkflows(args.positionals, cli.cwd, services.validateWorkflow);
    await services.runner.launch();
    const start = starter(services, cli);
    server = new WebhookServer(workflows, {
      startRun: (workflow, runId, event) => start(workflow, runId, event, true),
      waitForRun: async (runId) => (await settleReport(services.runner.handle(runId))) as unknown as JsonObject,
      resolveSecret: (value) => resolveSecret(value, cli.env),
    });
    const listening = await server.listen(port, host);
    scheduler = new Scheduler(workflows, {
      startTick: async (workflow, trigger, runId, tickMs, runNumber) => {
        const at = new Date(tickMs).toISOString();
        const event: TriggerEvent = {
          node_id: trigger.nodeId,
          type: 'ScheduleTriggerNode',
          outputs: { trigger_time: at, scheduled_time: at, run_number: runNumber },
        };
        await start(workflow, runId, event, false);
      },
      runIdsWithPrefix: async (prefix) =>
        (await services.runner.list({ workflowName: CASARE_WORKFLOW })).map((run) => run.runId).filter((id) => id.startsWith(prefix)),
      onError: (workflow, trigger, error) =>
        cli.stderr.write(
          `casare: ${workflow.label}: schedule ${trigger.nodeId} could not start a tick: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
    });
    await scheduler.start();
    printArmed(cli.stdout, workflows, `http://${host}:${listening}`);
    const where = describeDurability(choice.durability, cli.env, cli.cwd);
    cli.stdout.write(`casare serve: listening on http://${host}:${listening} (${where}); Ctrl-C stops\n`);
    await cli.interrupted;
    return ExitCode.success;
  } finally {
    scheduler?.stop();
    await server?.close();
    await services.close();
  }
}

/** Starts (or finds) a triggered run; says whether its id existed. */
function starter(services: CasareServices, cli: CliEnvironment) {
  return async (workflow: ServedWorkflow, runId: string, event: TriggerEvent, fromWebhook: boolean): Promise<{ existed: boolean }> => {
    const existed = (await findRun(services.runner, runId)) !== undefined;
    // Runs a webhook starts run what outsiders send: script nodes are refused in them.
    const document: Json = fromWebhook ? withScriptsForbidden(workflow.document) : workflow.document;
    await services.executeWorkflow.start(
      services.runner,
      { document, inputs: { [TRIGGER_EVENT_VARIABLE]: event }, workingDirectory: cli.cwd, source: workflow.label },
      { runId },
    );
    return { existed };
  };
}

function portOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SERVE_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number (0 to 65535, 0 picks a free one), not "${value}"`, 'serve');
  return port;
}

/** A literal, or the value of `CASARE_SECRET_<NAME>` for `{{$secret:NAME}}`. */
function resolveSecret(value: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  const name = SECRET_TEMPLATE.exec(value)?.[1];
  return Promise.resolve(name === undefined ? value : env[`CASARE_SECRET_${name}`]);
}

function printArmed(out: OutputStream, workflows: readonly ServedWorkflow[], base: string): void {
  for (const workflow of workflows) {
    for (const trigger of workflow.schedules) {
      const what =
        trigger.spec.frequency === 'cron'
          ? `cron "${trigger.spec.cron_expression}"`
          : trigger.spec.frequency === 'interval'
            ? `every ${trigger.spec.interval_seconds} s`
            : trigger.spec.frequency;
      out.write(
        `${workflow.label}: schedule ${trigger.nodeId} ${trigger.spec.enabled ? `armed, ${what} (${trigger.spec.timezone}${trigger.spec.catch_up ? ', catches up' : ''})` : 'disabled'}\n`,
      );
    }
    for (const hook of workflow.webhooks) out.write(`${workflow.label}: webhook ${hook.nodeId} armed, ${hook.config.methods} ${base}${hook.path}\n`);
    for (const other of workflow.unarmed) out.write(`${workflow.label}: ${other.type} ${other.nodeId} not armed (casare serve arms schedules and webhooks)\n`);
    if (workflow.schedules.length + workflow.webhooks.length === 0) out.write(`${workflow.label}: no schedule or webhook trigger to arm\n`);
  }
}

/** One line per triggered run that ends, for the operator. */
function runLines(out: OutputStream): ExecutionEvents {
  return {
    emit: (event: ExecutionEvent): void => {
      if (event.type === 'run.completed') out.write(`run ${event.runId} completed\n`);
      else if (event.type === 'run.failed')
        out.write(`run ${event.runId} failed${event.error.nodeId ? ` at node ${event.error.nodeId}` : ''}: ${event.error.message}\n`);
      else if (event.type === 'run.started') out.write(`run ${event.runId} started\n`);
    },
  };
}
