import type { RunHandle } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import type { CliEnvironment } from './cli-environment.js';
import { openServices, type CasareServices } from './container.js';
import type { Durability } from './durability.js';
import type { ExitCode } from './errors.js';
import type { OutputStream } from './format.js';
import { INTERRUPTED, untilInterrupted } from './interrupt.js';
import { progressReporterFor } from './progress.js';
import type { ProgressReporter } from './progress-reporter.js';
import { exitCodeOf, printReport, printReportJson, settleReport, type PrintOptions, type RunReport } from './run-output.js';
import { sleepLookupOf } from './sleep-lookup.js';

/** How a command opens the executor it follows runs on. */
export interface RunSessionOptions {
  /** Which runner adapter to open. */
  readonly durability: Durability;
  /** `--json`: stdout carries the result object only, progress goes to stderr. */
  readonly json: boolean;
  /** Prefix progress lines with the run id (several runs are followed at once). Default false. */
  readonly showRunIds?: boolean;
}

/**
 * Work done with the services before the runner is launched, e.g. validating the workflow: what
 * fails here fails before any database is touched. Its result is handed to the session's work.
 */
export type PrepareSession<P> = (services: CasareServices) => P | Promise<P>;

/** What a command's work is given: the services with their runner launched, and how to wait for runs. */
export interface RunSession {
  readonly services: CasareServices;
  /** Progress of the runs this process executes, live on a terminal. */
  readonly reporter: ProgressReporter;
  /** Where lines about the runs go: stderr with `--json`, else stdout. */
  readonly progress: OutputStream;
  /**
   * Waits for the runs and reports how each ended, once their progress is printed. Undefined when
   * the user interrupted first: `interruptedNote` is written to stderr and the runner is left as a
   * crash would leave it (a clean shutdown could record half-finished steps as failures).
   */
  readonly follow: (handles: readonly RunHandle<Json>[], interruptedNote: string) => Promise<readonly RunReport[] | undefined>;
}

/**
 * The sequence every command that executes runs in this process goes through: open the services with
 * a progress reporter, `prepare`, launch the runner (which resumes this executor's interrupted runs),
 * let `work` start and follow runs, and close everything, unless the user interrupted a run.
 */
export function withRunSession(cli: CliEnvironment, options: RunSessionOptions, work: (session: RunSession) => Promise<ExitCode>): Promise<ExitCode>;
export function withRunSession<P>(
  cli: CliEnvironment,
  options: RunSessionOptions & { readonly prepare: PrepareSession<P> },
  work: (session: RunSession, prepared: P) => Promise<ExitCode>,
): Promise<ExitCode>;
export async function withRunSession(
  cli: CliEnvironment,
  options: RunSessionOptions & { readonly prepare?: PrepareSession<unknown> },
  work: (session: RunSession, prepared: unknown) => Promise<ExitCode>,
): Promise<ExitCode> {
  const progress = options.json ? cli.stderr : cli.stdout;
  const reporter = progressReporterFor(progress, cli.env, options.showRunIds ?? false);
  const services = await openServices({ durability: options.durability, events: reporter, env: cli.env, cwd: cli.cwd });
  let interrupted = false;
  try {
    const prepared = await options.prepare?.(services);
    await services.runner.launch();
    reporter.watchSleeps(sleepLookupOf(services.runner));
    const session: RunSession = {
      services,
      reporter,
      progress,
      follow: async (handles, interruptedNote) => {
        const reports = await untilSettled(cli, handles, interruptedNote);
        if (reports === undefined) {
          interrupted = true;
          return undefined;
        }
        await reporter.idle();
        return reports;
      },
    };
    return await work(session, prepared);
  } finally {
    if (!interrupted) await services.close();
  }
}

/**
 * Waits for the runs unless the user interrupts first (Ctrl-C, SIGTERM); then writes
 * `interruptedNote` to stderr and resolves undefined. The runs are not stopped: see `untilInterrupted`.
 */
export async function untilSettled(
  cli: CliEnvironment,
  handles: readonly RunHandle<Json>[],
  interruptedNote: string,
): Promise<readonly RunReport[] | undefined> {
  const reports = await untilInterrupted(Promise.all(handles.map((handle) => settleReport(handle))), cli.interrupted);
  if (reports !== INTERRUPTED) return reports;
  cli.stderr.write(`\ncasare: ${interruptedNote}\n`);
  return undefined;
}

/** Prints how one run ended (one JSON object with `--json`, else for people) and returns the command's exit code. */
export function printRunEnd(cli: CliEnvironment, json: boolean, report: RunReport, options: PrintOptions = {}): ExitCode {
  if (json) printReportJson(cli.stdout, report);
  else printReport(cli.stdout, report, options);
  return exitCodeOf(report);
}
