import {
  BROWSER_SESSIONS,
  CHILD_RUNS,
  DecodingRunInspector,
  DURABLE_RUNNER,
  EXECUTION_EVENTS,
  ExecuteWorkflowUseCase,
  NODE_CATALOG,
  PAYLOAD_CODEC,
  SECRET_PROVIDER,
  TASK_INBOX,
  ValidateWorkflowUseCase,
  type AnswerSealer,
  type TaskInbox,
  type BrowserSessions,
  type ChildRuns,
  type DurableRunner,
  type ExecutionEvents,
  type NodeCatalog,
  type PayloadCodec,
  type RunInspector,
  type SecretProvider,
} from '@casare-rpa/application';
import { dbosRunnerConfigFromEnv, redactDatabaseUrl, type DbosRunnerConfig } from '@casare-rpa/infra-dbos/config';
import { inMemoryModule } from '@casare-rpa/infra-memory';
import { InMemoryTaskInbox } from '@casare-rpa/infra-memory';
import { SqliteRunInspector, SqliteTaskInbox, sqliteContainerModule, sqliteRunnerConfigFromEnv, type SqliteRunnerConfig } from '@casare-rpa/infra-sqlite';
import { browserContainerModule, childWorkflowContainerModule, nodesContainerModule } from '@casare-rpa/nodes';
import { Container } from 'inversify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AesAnswerSealer } from './aes-answer-sealer.js';
import type { Durability } from './durability.js';
import { createDefaultPayloadCodec, createProcessPayloadCodec, defaultKeyFileBeside } from './encryption/default-payload-codec.js';
import { EnvSecretProvider } from './env-secret-provider.js';
import { ExecuteWorkflowChildRuns } from './execute-workflow-child-runs.js';

/** What the composition root needs to know to build the object graph of one command. */
export interface CompositionOptions {
  /** Which `DurableRunner` adapter to load. */
  readonly durability: Durability;
  /** Where execution events go (the CLI's progress reporter). */
  readonly events: ExecutionEvents;
  /** The process environment: DBOS and SQLite configuration (`CASARE_DATABASE_URL`, `CASARE_SQLITE_PATH`, ...) and `CASARE_SECRET_*`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory a relative `CASARE_SQLITE_PATH` and the default `.casare/casare.db` resolve against (default: the process's). */
  readonly cwd?: string;
}

/**
 * The one composition root of casare-rpa: an inversify container with the chosen durability
 * adapter (infra-sqlite, infra-dbos or infra-memory), the node catalog (nodes), the CLI's event sink and secret
 * provider, and the use cases of application (plain classes, built here by factories). Nothing else
 * in the repository builds the object graph.
 */
export async function createContainer(options: CompositionOptions): Promise<Container> {
  const container = new Container();
  // DBOS Transact is imported only when it is the durability: a SQLite or in-memory process starts
  // without paying for it (docs/architecture.md, "Layers").
  const durabilityModule =
    options.durability === 'dbos'
      ? (await import('@casare-rpa/infra-dbos')).dbosContainerModule(dbosConfigOf(options.env))
      : options.durability === 'sqlite'
        ? sqliteContainerModule(sqliteConfigOf(options.env, options.cwd ?? process.cwd()))
        : inMemoryModule;
  await container.loadAsync(durabilityModule, nodesContainerModule, browserContainerModule(), childWorkflowContainerModule);
  container.bind<ChildRuns>(CHILD_RUNS).toConstantValue(new ExecuteWorkflowChildRuns());
  container.bind<ExecutionEvents>(EXECUTION_EVENTS).toConstantValue(options.events);
  container.bind<SecretProvider>(SECRET_PROVIDER).toConstantValue(new EnvSecretProvider(options.env));
  const cwd = options.cwd ?? process.cwd();
  container
    .bind<PayloadCodec>(PAYLOAD_CODEC)
    .toConstantValue(options.durability === 'memory' ? createProcessPayloadCodec() : payloadCodecOf(options.env, cwd, { create: true }));
  const sealer = answerSealerOf(options.env, options.durability, cwd);
  container
    .bind(ExecuteWorkflowUseCase)
    .toDynamicValue(
      (context) =>
        new ExecuteWorkflowUseCase(
          context.get<NodeCatalog>(NODE_CATALOG),
          context.get<ExecutionEvents>(EXECUTION_EVENTS),
          context.get<SecretProvider>(SECRET_PROVIDER),
          context.get<PayloadCodec>(PAYLOAD_CODEC),
          { inbox: context.get<TaskInbox>(TASK_INBOX), sealer },
        ),
    )
    .inSingletonScope();
  container
    .bind(ValidateWorkflowUseCase)
    .toDynamicValue((context) => new ValidateWorkflowUseCase(context.get<NodeCatalog>(NODE_CATALOG)))
    .inSingletonScope();
  return container;
}

/** DBOS configuration from the environment the CLI was given (not necessarily `process.env`). */
export function dbosConfigOf(env: Readonly<Record<string, string | undefined>>): DbosRunnerConfig {
  return dbosRunnerConfigFromEnv(env);
}

/**
 * The payload codec of runs recorded in SQLite or DBOS: page hints' session state sealed with
 * AES-256-GCM, the key from `CASARE_ENCRYPTION_KEY`, `CASARE_ENCRYPTION_KEY_FILE`, or
 * `.casare/encryption.key` beside the SQLite file (the same default for DBOS runs). `create` makes
 * the key file on first use; commands that only read runs pass false.
 *
 * @throws EncryptionKeyError when `CASARE_ENCRYPTION_KEY` is not a 32-byte key.
 */
export function payloadCodecOf(env: Readonly<Record<string, string | undefined>>, cwd: string, options: { readonly create: boolean }): PayloadCodec {
  return createDefaultPayloadCodec({ env, defaultKeyFile: defaultKeyFileBeside(sqliteConfigOf(env, cwd).path), create: options.create });
}

/** SQLite configuration from the environment the CLI was given, relative paths against `cwd`. */
export function sqliteConfigOf(env: Readonly<Record<string, string | undefined>>, cwd: string): SqliteRunnerConfig {
  return sqliteRunnerConfigFromEnv(env, cwd);
}

/** The services a command works with, resolved from the container. */
export interface CasareServices {
  readonly runner: DurableRunner;
  readonly executeWorkflow: ExecuteWorkflowUseCase;
  readonly validateWorkflow: ValidateWorkflowUseCase;
  /** Stops the runner and closes any browser left open; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Builds the graph and resolves what a command needs. The workflow body is registered on the
 * runner here, before anyone can `launch()` it: DBOS only recovers runs of registered workflows.
 */
export async function openServices(options: CompositionOptions): Promise<CasareServices> {
  const container = await createContainer(options);
  const runner = container.get<DurableRunner>(DURABLE_RUNNER);
  const executeWorkflow = container.get(ExecuteWorkflowUseCase);
  executeWorkflow.registerWith(runner);
  const validateWorkflow = container.get(ValidateWorkflowUseCase);
  // The child workflow node's port needs the use case that needs the catalog that holds the node.
  const childRuns = container.get<ChildRuns>(CHILD_RUNS);
  if (childRuns instanceof ExecuteWorkflowChildRuns) childRuns.attach({ runner, executeWorkflow, validateWorkflow });
  const browsers = container.isBound(BROWSER_SESSIONS) ? container.get<BrowserSessions>(BROWSER_SESSIONS) : undefined;
  let closed: Promise<void> | undefined;
  return {
    runner,
    executeWorkflow,
    validateWorkflow,
    close: () =>
      (closed ??= (async () => {
        try {
          await runner.shutdown();
        } finally {
          await browsers?.closeAll();
        }
      })()),
  };
}

/**
 * Read-only access to recorded runs (list, show, cancel) that does not make this process an
 * executor: nothing is recovered or dispatched, so inspecting never touches a run in flight. Step
 * outputs and inputs come decoded through the payload codec; without the key (none is created
 * here) sealed values read `[encrypted]`.
 */
export async function openRunInspector(
  env: Readonly<Record<string, string | undefined>>,
  durability: Durability = 'dbos',
  cwd = process.cwd(),
): Promise<RunInspector> {
  const codec = payloadCodecOf(env, cwd, { create: false });
  if (durability === 'sqlite') {
    const config = sqliteConfigOf(env, cwd);
    return new DecodingRunInspector(await SqliteRunInspector.open(config.path, { busyTimeoutMs: config.busyTimeoutMs }), codec);
  }
  const { DbosRunInspector } = await import('@casare-rpa/infra-dbos');
  return new DecodingRunInspector(await DbosRunInspector.open(dbosConfigOf(env)), codec);
}

/**
 * The sealer of secret task answers: `CASARE_TASK_KEY`, else (SQLite) a key file next to the journal,
 * so `casare tasks answer` and the `casare run` that consumes the answer share it.
 */
export function answerSealerOf(env: Readonly<Record<string, string | undefined>>, durability: Durability, cwd: string): AnswerSealer {
  return AesAnswerSealer.load(env, durability === 'sqlite' ? join(dirname(sqliteConfigOf(env, cwd).path), 'task-answers.key') : undefined);
}

/**
 * The task inbox of `durability`, for `casare tasks`: the SQLite journal's (empty when the file does
 * not exist yet: opening it creates nothing), or DBOS's in PostgreSQL.
 */
export async function openTaskInbox(env: Readonly<Record<string, string | undefined>>, durability: Durability, cwd: string): Promise<TaskInbox> {
  if (durability === 'sqlite') {
    const config = sqliteConfigOf(env, cwd);
    return existsSync(config.path) ? SqliteTaskInbox.open(config.path, { busyTimeoutMs: config.busyTimeoutMs }) : new InMemoryTaskInbox();
  }
  if (durability === 'memory') return new InMemoryTaskInbox();
  const { DbosTaskInbox } = await import('@casare-rpa/infra-dbos');
  return DbosTaskInbox.open(dbosConfigOf(env));
}

/** Where runs of `durability` are recorded, for the line a command prints about a run (no password shown). */
export function describeDurability(durability: Durability, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  if (durability === 'dbos') {
    const dbos = dbosConfigOf(env);
    return `durable in ${redactDatabaseUrl(dbos.databaseUrl)}, executor ${dbos.executorId}`;
  }
  if (durability === 'sqlite') {
    const sqlite = sqliteConfigOf(env, cwd);
    return `durable in ${sqlite.path}, executor ${sqlite.executorId}`;
  }
  return 'in memory, not crash-safe';
}
