import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeForReading,
  executeWorkflowInputSchema,
  RunNotFoundError,
  type PayloadCodec,
  type RunInspector,
  type RunSummary,
  type StepRecord,
} from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { DbosRunRecordReader, type DbosRunRecord } from '@casare-rpa/infra-dbos';
import { parseCommandArgs } from '../cli-args.js';
import { ConsoleTokenRequiredError, startConsoleServer } from '../console/console-server.js';
import type { ConsoleRun, ConsoleRunFilter, ConsoleRunInput, ConsoleRunSource } from '../console/run-source.js';
import { dbosConfigOf, openRunInspector, openServices, payloadCodecOf, type CasareServices } from '../container.js';
import { chooseDurability, type Durability } from '../durability.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import type { CliEnvironment } from '../cli-environment.js';
import { progressReporterFor } from '../progress.js';

/** Port `casare console` listens on unless told otherwise. */
export const CONSOLE_PORT = 8790;

// dist/commands/ and src/commands/ both sit two levels under packages/cli: the assets are built
// into dist/ either way (tests that import src/ serve the built assets).
const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console', 'assets');

/** `casare console [--port P] [--host A] [--token T]`: serves the web console until Ctrl-C. */
export async function consoleCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('console', argv, { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' } }, { names: [], required: 0 });
  if (args.help) {
    cli.stdout.write(HELP.console);
    return ExitCode.success;
  }
  const portText = args.string('port') ?? String(CONSOLE_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a TCP port number (0-65535), not "${portText}"`, 'console');
  const host = args.string('host') ?? '127.0.0.1';
  const token = args.string('token') ?? cli.env['CASARE_CONSOLE_TOKEN'];
  if (token !== undefined && token.length < 16 && token !== '') throw new UsageError('the console token must be at least 16 characters', 'console');
  // The console reads where runs are recorded by default: DBOS when CASARE_DATABASE_URL is set, else the SQLite file.
  const { durability } = chooseDurability(undefined, cli.env, 'console');
  const source: ConsoleRunSource = durability === 'dbos' ? await DbosConsoleRunSource.open(cli) : await InspectorConsoleRunSource.open(cli, durability);
  try {
    const server = await startConsoleServer({ source, host, port, assetsDir: ASSETS_DIR, ...(token === undefined ? {} : { token }) }).catch(
      (error: unknown) => {
        if (error instanceof ConsoleTokenRequiredError) throw new UsageError(error.message, 'console');
        throw error;
      },
    );
    const tokenHint = token === undefined || token === '' ? '' : ' (open it with ?token=<your token> once)';
    cli.stdout.write(`Console on ${server.url}${tokenHint}; Ctrl-C stops it.\n`);
    await cli.interrupted;
    await server.close();
    cli.stdout.write('Console stopped.\n');
    return ExitCode.success;
  } finally {
    await source.close();
  }
}

/**
 * The console's runs, from DBOS: `DbosRunInspector` (steps, cancel: what `casare runs show|cancel`
 * use) and `DbosRunRecordReader` (runs with their inputs, for the graph and the workflow's name).
 * Resume and fork need an executor, as for `casare runs resume|fork`: the same services are opened,
 * on first use only, and the runs they start execute in this process.
 */
class DbosConsoleRunSource implements ConsoleRunSource {
  private services: Promise<CasareServices> | undefined;

  private constructor(
    private readonly cli: CliEnvironment,
    private readonly inspector: RunInspector,
    private readonly reader: DbosRunRecordReader,
    private readonly codec: PayloadCodec,
  ) {}

  static async open(cli: CliEnvironment): Promise<DbosConsoleRunSource> {
    const inspector = await openRunInspector(cli.env);
    try {
      const codec = payloadCodecOf(cli.env, cli.cwd, { create: false });
      return new DbosConsoleRunSource(cli, inspector, await DbosRunRecordReader.open(dbosConfigOf(cli.env)), codec);
    } catch (error) {
      await inspector.close();
      throw error;
    }
  }

  async list(filter: ConsoleRunFilter): Promise<readonly ConsoleRun[]> {
    const limit = filter.limit ?? 100;
    // The workflow's own name lives in each run's input, which DBOS cannot filter by: read more, keep the matches.
    const records = await this.reader.list({
      ...(filter.status === undefined ? {} : { status: filter.status }),
      ...(filter.queue === undefined ? {} : { queueName: filter.queue }),
      limit: filter.workflow === undefined ? limit : Math.max(limit, 1000),
    });
    const runs = (await Promise.all(records.map((record) => this.decoded(record)))).map(consoleRunOf);
    const wanted = filter.workflow?.toLowerCase();
    const matching =
      wanted === undefined
        ? runs
        : runs.filter((run) => [run.workflowTitle, run.sourceFile, run.workflowName].some((name) => name?.toLowerCase().includes(wanted)));
    return matching.slice(0, limit);
  }

  async status(runId: string): Promise<ConsoleRun> {
    const record = await this.reader.record(runId);
    if (record === undefined) throw new RunNotFoundError(runId);
    return consoleRunOf(await this.decoded(record));
  }

  steps(runId: string): Promise<readonly StepRecord[]> {
    return this.inspector.steps(runId);
  }

  async input(runId: string): Promise<ConsoleRunInput | undefined> {
    const record = await this.reader.record(runId);
    if (record === undefined) throw new RunNotFoundError(runId);
    return inputOf(await this.decoded(record));
  }

  /** The record with its input decoded through the payload codec, as the workflow body reads it. */
  private async decoded(record: DbosRunRecord): Promise<DbosRunRecord> {
    if (record.input === undefined) return record;
    return { ...record, input: await decodeForReading(this.codec, record.input, { runId: record.summary.runId, kind: 'run-input' }) };
  }

  cancel(runId: string): Promise<void> {
    return this.inspector.cancel(runId);
  }

  async resume(runId: string): Promise<void> {
    const handle = await (await this.runner()).runner.resume(runId);
    // The run goes on here; its ending is read from the records, not awaited.
    handle.result().catch(() => undefined);
  }

  async fork(runId: string, fromStep: number): Promise<string> {
    const handle = await (await this.runner()).runner.fork(runId, fromStep);
    handle.result().catch(() => undefined);
    return handle.runId;
  }

  async close(): Promise<void> {
    try {
      if (this.services !== undefined) await (await this.services).close();
    } finally {
      await Promise.allSettled([this.inspector.close(), this.reader.close()]);
    }
  }

  private runner(): Promise<CasareServices> {
    this.services ??= (async () => {
      const services = await openServices({ durability: 'dbos', events: progressReporterFor(this.cli.stderr, this.cli.env, true), env: this.cli.env });
      await services.runner.launch();
      return services;
    })();
    return this.services;
  }
}

/**
 * The console's runs from any `RunInspector` (the SQLite file): list, status, steps and input from
 * the inspector, cancel through it, resume and fork through a runner opened on first use, as for
 * `casare runs resume|fork`. Runs of a journal have no queue.
 */
class InspectorConsoleRunSource implements ConsoleRunSource {
  private services: Promise<CasareServices> | undefined;

  private constructor(
    private readonly cli: CliEnvironment,
    private readonly durability: Durability,
    private readonly inspector: RunInspector,
  ) {}

  static async open(cli: CliEnvironment, durability: Durability): Promise<InspectorConsoleRunSource> {
    return new InspectorConsoleRunSource(cli, durability, await openRunInspector(cli.env, durability, cli.cwd));
  }

  async list(filter: ConsoleRunFilter): Promise<readonly ConsoleRun[]> {
    if (filter.queue !== undefined) return [];
    const limit = filter.limit ?? 100;
    const summaries = await this.inspector.list({
      ...(filter.status === undefined ? {} : { status: filter.status }),
      limit: filter.workflow === undefined ? limit : Math.max(limit, 1000),
    });
    // Reading each run's input is a local read for a journal file, so every listed run is named.
    const runs = await Promise.all(summaries.map(async (summary) => consoleRunFrom(summary, recordedInputOf(await this.inspector.input(summary.runId)))));
    const wanted = filter.workflow?.toLowerCase();
    const matching =
      wanted === undefined
        ? runs
        : runs.filter((run) => [run.workflowTitle, run.sourceFile, run.workflowName].some((name) => name?.toLowerCase().includes(wanted)));
    return matching.slice(0, limit);
  }

  async status(runId: string): Promise<ConsoleRun> {
    return consoleRunFrom(await this.inspector.status(runId), await this.input(runId));
  }

  steps(runId: string): Promise<readonly StepRecord[]> {
    return this.inspector.steps(runId);
  }

  async input(runId: string): Promise<ConsoleRunInput | undefined> {
    return recordedInputOf(await this.inspector.input(runId));
  }

  cancel(runId: string): Promise<void> {
    return this.inspector.cancel(runId);
  }

  async resume(runId: string): Promise<void> {
    const handle = await (await this.runner()).runner.resume(runId);
    handle.result().catch(() => undefined);
  }

  async fork(runId: string, fromStep: number): Promise<string> {
    const handle = await (await this.runner()).runner.fork(runId, fromStep);
    handle.result().catch(() => undefined);
    return handle.runId;
  }

  async close(): Promise<void> {
    try {
      if (this.services !== undefined) await (await this.services).close();
    } finally {
      await this.inspector.close();
    }
  }

  private runner(): Promise<CasareServices> {
    this.services ??= (async () => {
      const services = await openServices({
        durability: this.durability,
        events: progressReporterFor(this.cli.stderr, this.cli.env, true),
        env: this.cli.env,
        cwd: this.cli.cwd,
      });
      await services.runner.launch();
      return services;
    })();
    return this.services;
  }
}

/** What a recorded `ExecuteWorkflowInput` says about the workflow; undefined for an input of another shape. */
function recordedInputOf(input: Json | undefined): ConsoleRunInput | undefined {
  const parsed = executeWorkflowInputSchema.safeParse(input);
  if (!parsed.success) return undefined;
  return {
    document: parsed.data.document,
    ...(parsed.data.source === undefined ? {} : { source: parsed.data.source }),
    ...(parsed.data.inputs === undefined ? {} : { inputs: parsed.data.inputs }),
  };
}

/** A summary named by the workflow its input holds. */
function consoleRunFrom(summary: RunSummary, input: ConsoleRunInput | undefined): ConsoleRun {
  const document = typeof input?.document === 'string' ? safeJson(input.document) : input?.document;
  const name = fieldOf(fieldOf(document, 'metadata'), 'name');
  return {
    ...summary,
    ...(typeof name === 'string' && name !== '' ? { workflowTitle: name } : {}),
    ...(input?.source === undefined ? {} : { sourceFile: input.source }),
  };
}

function inputOf(record: DbosRunRecord): ConsoleRunInput | undefined {
  return recordedInputOf(record.input);
}

function consoleRunOf(record: DbosRunRecord): ConsoleRun {
  const run = consoleRunFrom(record.summary, inputOf(record));
  // DBOS routes recovered, resumed and forked runs through its own internal queue: not a queue anyone chose.
  return record.queueName === undefined || record.queueName.startsWith('_dbos_internal') ? run : { ...run, queue: record.queueName };
}

function safeJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

function fieldOf(value: Json | undefined, name: string): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject)[name] : undefined;
}
