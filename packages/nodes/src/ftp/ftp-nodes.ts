import { errorCodeOf, type NodeExecution } from '@casare-rpa/application';
import type { JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { boolean, integer, isJsonObject, nonEmptyText, optionalInteger, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { FileOperationError } from '../files/file-actions.js';
import { resolveInside } from '../files/working-directory.js';
import { openFtpSession, openSftpSession, type RemoteConnection, type RemoteSession } from './remote-sessions.js';

// FTP, FTPS and SFTP nodes. FTPConnectNode / SFTPConnectNode open the run's connection; the other
// nodes use it. A connection is a resource of the process, never checkpointed: the run's state
// keeps a hint (host, port, user, protocol; no password) and a node that finds no live connection
// (the engine restarted after a crash) reconnects from it when no password is needed, or when the
// node itself carries host/username/password. Local paths stay inside the working directory.

/** An FTP or SFTP exchange failed. */
export class FtpError extends Error {
  constructor(
    /** Node that failed. */
    readonly nodeId: string,
    /** `FTP_NOT_CONNECTED`, `FTP_AUTH_FAILED` or `FTP_FAILED`. */
    readonly code: 'FTP_NOT_CONNECTED' | 'FTP_AUTH_FAILED' | 'FTP_FAILED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(`nodes.${nodeId}: ${message}`, options);
    this.name = 'FtpError';
  }
}

/** Resource hint key of the run's FTP or SFTP connection. */
export const FTP_CONNECTION_HINT = 'ftp:connection';

const sessions = new Map<string, RemoteSession>();

async function closeRun(runId: string): Promise<void> {
  const session = sessions.get(runId);
  sessions.delete(runId);
  await session?.close().catch(() => undefined);
}

const connectionFields = {
  host: optionalText(),
  port: optionalInteger(),
  username: optionalText(),
  password: optionalText(),
  timeout: integer(30),
  use_tls: boolean(false),
  passive: boolean(true),
  private_key_path: optionalText(),
  allow_outside_working_dir: boolean(false),
};

type ConnectionConfig = z.output<z.ZodObject<typeof connectionFields>>;

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isAuthFailure(error: unknown): boolean {
  const text = describeFailure(error).toLowerCase();
  return (
    text.includes('530') || text.includes('authentication') || text.includes('login incorrect') || text.includes('all configured authentication methods failed')
  );
}

async function openSession(execution: NodeExecution, protocol: 'ftp' | 'sftp', config: ConnectionConfig): Promise<{ session: RemoteSession; welcome: string }> {
  if (!config.host) throw new ConfigFieldError('host', 'required');
  if (config.timeout <= 0) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
  const port = config.port ?? (protocol === 'sftp' ? 22 : 21);
  if (port < 1 || port > 65535) throw new ConfigFieldError('port', 'must be a port number between 1 and 65535');
  const privateKey = config.private_key_path
    ? await readFile(await resolveInside(execution.workingDirectory, config.private_key_path, 'private_key_path', config.allow_outside_working_dir), 'utf8')
    : undefined;
  const connection: RemoteConnection = {
    host: config.host,
    port,
    username: config.username ?? (protocol === 'ftp' ? 'anonymous' : ''),
    password: config.password ?? '',
    useTls: config.use_tls,
    timeoutSeconds: config.timeout,
    privateKey,
  };
  if (!config.passive) execution.logger.warn('passive: false is not supported; FTP data connections are passive');
  try {
    return await (protocol === 'sftp' ? openSftpSession(connection) : openFtpSession(connection));
  } catch (error) {
    throw new FtpError(
      execution.node.id,
      isAuthFailure(error) ? 'FTP_AUTH_FAILED' : 'FTP_FAILED',
      `${protocol.toUpperCase()} connection to ${connection.host}:${port} as ${connection.username || '(no user)'} failed: ${describeFailure(error)}`,
      { cause: error },
    );
  }
}

function connectNode(types: readonly string[], protocol: 'ftp' | 'sftp'): CatalogNodeHandler {
  const handler = defineNode({
    types,
    config: z.looseObject(connectionFields),
    ports: { inputs: ['host', 'port', 'username', 'password'], outputs: ['connected', 'server_message'] },
    run: async (config, execution) => {
      const { session, welcome } = await openSession(execution, protocol, config);
      await closeRun(execution.runId);
      sessions.set(execution.runId, session);
      const hint: JsonObject = {
        protocol,
        host: config.host ?? '',
        port: config.port ?? (protocol === 'sftp' ? 22 : 21),
        username: config.username ?? '',
        use_tls: config.use_tls,
        timeout: config.timeout,
        needs_password: Boolean(config.password) || Boolean(config.private_key_path),
      };
      return { outputs: { connected: true, server_message: welcome }, resources: { [FTP_CONNECTION_HINT]: hint } };
    },
  });
  return { ...handler, releaseRun: closeRun };
}

/**
 * The run's live session; after an engine restart it is reopened from the hint, or from the
 * node's own host/username/password when it carries them.
 */
async function sessionFor(execution: NodeExecution, config: ConnectionConfig): Promise<RemoteSession> {
  const live = sessions.get(execution.runId);
  if (live) return live;
  const hint = execution.resources[FTP_CONNECTION_HINT];
  const protocol = isJsonObject(hint) && hint['protocol'] === 'sftp' ? 'sftp' : 'ftp';
  if (config.host) {
    const { session } = await openSession(execution, protocol, config);
    sessions.set(execution.runId, session);
    return session;
  }
  if (!isJsonObject(hint))
    throw new FtpError(execution.node.id, 'FTP_NOT_CONNECTED', 'no FTP connection in this run: run FTPConnectNode or SFTPConnectNode first');
  if (hint['needs_password'] === true) {
    throw new FtpError(
      execution.node.id,
      'FTP_NOT_CONNECTED',
      `the connection to ${JSON.stringify(hint['host'])} was lost (the engine restarted) and its password is never stored in the run; give this node host, username and password to reconnect`,
    );
  }
  const { session } = await openSession(execution, protocol, {
    ...config,
    host: typeof hint['host'] === 'string' ? hint['host'] : undefined,
    port: typeof hint['port'] === 'number' ? hint['port'] : undefined,
    username: typeof hint['username'] === 'string' && hint['username'] !== '' ? hint['username'] : undefined,
    use_tls: hint['use_tls'] === true,
  });
  sessions.set(execution.runId, session);
  return session;
}

/** Runs one remote operation; server failures become `FtpError`s naming the node and the path. */
async function remote<T>(execution: NodeExecution, what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof FtpError || error instanceof ConfigFieldError || error instanceof FileOperationError) throw error;
    throw new FtpError(execution.node.id, 'FTP_FAILED', `${what} failed: ${describeFailure(error)}`, { cause: error });
  }
}

function operationNode<S extends z.ZodRawShape>(
  types: readonly string[],
  shape: S,
  ports: { inputs: readonly string[]; outputs: readonly string[] },
  body: (config: z.output<z.ZodObject<S & typeof connectionFields>>, session: RemoteSession, execution: NodeExecution) => Promise<NodeOutcome>,
): CatalogNodeHandler {
  const handler = defineNode({
    types,
    config: z.looseObject({ ...connectionFields, ...shape }),
    ports,
    run: async (config, execution) => {
      const parsed = config as z.output<z.ZodObject<S & typeof connectionFields>>;
      return body(parsed, await sessionFor(execution, parsed as ConnectionConfig), execution);
    },
  });
  return { ...handler, releaseRun: closeRun };
}

const uploadNode = operationNode(
  ['FTPUploadNode'],
  { local_path: nonEmptyText(), remote_path: nonEmptyText(), binary_mode: boolean(true), create_dirs: boolean(false) },
  { inputs: ['local_path', 'remote_path'], outputs: ['uploaded', 'bytes_sent'] },
  async (config, session, execution) => {
    const local = await resolveInside(execution.workingDirectory, config.local_path, 'local_path', config.allow_outside_working_dir);
    const size = await stat(local).then(
      (info) => info.size,
      (error: unknown) => {
        throw new FileOperationError(
          execution.node.id,
          'FTP Upload',
          config.local_path,
          errorCodeOf(error),
          error instanceof Error ? error.message : String(error),
        );
      },
    );
    await remote(execution, `uploading ${config.local_path} to ${config.remote_path}`, () => session.upload(local, config.remote_path, config.create_dirs));
    return { outputs: { uploaded: true, bytes_sent: size } };
  },
);

const downloadNode = operationNode(
  ['FTPDownloadNode'],
  { remote_path: nonEmptyText(), local_path: nonEmptyText(), binary_mode: boolean(true), overwrite: boolean(false) },
  { inputs: ['remote_path', 'local_path'], outputs: ['downloaded', 'bytes_received'] },
  async (config, session, execution) => {
    const local = await resolveInside(execution.workingDirectory, config.local_path, 'local_path', config.allow_outside_working_dir);
    if (
      !config.overwrite &&
      (await stat(local).then(
        () => true,
        () => false,
      ))
    ) {
      throw new FileOperationError(execution.node.id, 'FTP Download', config.local_path, 'EEXIST', 'the file exists and overwrite is false');
    }
    await mkdir(dirname(local), { recursive: true });
    // Into a temporary sibling, renamed at the end: a crash mid-transfer leaves no half file.
    const temporary = join(dirname(local), `.${basename(local)}.${randomUUID().slice(0, 8)}.part`);
    try {
      await remote(execution, `downloading ${config.remote_path}`, () => session.download(config.remote_path, temporary));
      await rename(temporary, local);
    } finally {
      await rm(temporary, { force: true });
    }
    return { outputs: { downloaded: true, bytes_received: (await stat(local)).size } };
  },
);

const listNode = operationNode(
  ['FTPListNode'],
  { remote_path: text(''), detailed: boolean(false) },
  { inputs: ['remote_path'], outputs: ['items', 'count'] },
  async (config, session, execution) => {
    const entries = await remote(execution, `listing ${config.remote_path || '.'}`, () => session.list(config.remote_path));
    const items = config.detailed ? entries.map((entry) => ({ ...entry })) : entries.map((entry) => entry.name);
    return { outputs: { items, count: items.length } };
  },
);

const deleteNode = operationNode(
  ['FTPDeleteNode'],
  { remote_path: nonEmptyText() },
  { inputs: ['remote_path'], outputs: ['deleted'] },
  async (config, session, execution) => {
    await remote(execution, `deleting ${config.remote_path}`, () => session.delete(config.remote_path));
    return { outputs: { deleted: true } };
  },
);

const makeDirNode = operationNode(
  ['FTPMakeDirNode'],
  { remote_path: nonEmptyText(), parents: boolean(false) },
  { inputs: ['remote_path'], outputs: ['created'] },
  async (config, session, execution) => {
    await remote(execution, `creating directory ${config.remote_path}`, () => session.makeDir(config.remote_path, config.parents));
    return { outputs: { created: true } };
  },
);

const removeDirNode = operationNode(
  ['FTPRemoveDirNode'],
  { remote_path: nonEmptyText() },
  { inputs: ['remote_path'], outputs: ['removed'] },
  async (config, session, execution) => {
    await remote(execution, `removing directory ${config.remote_path}`, () => session.removeDir(config.remote_path));
    return { outputs: { removed: true } };
  },
);

const renameNode = operationNode(
  ['FTPRenameNode'],
  { old_path: nonEmptyText(), new_path: nonEmptyText() },
  { inputs: ['old_path', 'new_path'], outputs: ['renamed'] },
  async (config, session, execution) => {
    await remote(execution, `renaming ${config.old_path} to ${config.new_path}`, () => session.rename(config.old_path, config.new_path));
    return { outputs: { renamed: true } };
  },
);

const getSizeNode = operationNode(
  ['FTPGetSizeNode'],
  { remote_path: nonEmptyText() },
  { inputs: ['remote_path'], outputs: ['size', 'found'] },
  async (config, session, execution) => {
    const size = await remote(execution, `reading the size of ${config.remote_path}`, () => session.size(config.remote_path));
    return { outputs: { size: size ?? 0, found: size !== undefined } };
  },
);

const disconnectHandler = defineNode({
  types: ['FTPDisconnectNode'],
  config: z.looseObject({}),
  ports: { outputs: ['disconnected'] },
  run: async (_config, execution) => {
    await closeRun(execution.runId);
    return { outputs: { disconnected: true }, resources: { [FTP_CONNECTION_HINT]: null } };
  },
});

/** FTP/FTPS (basic-ftp) and SFTP (ssh2-sftp-client) nodes: connect, upload, download, list, delete, directories, rename, size, disconnect. */
export const ftpNodeHandlers: readonly CatalogNodeHandler[] = [
  connectNode(['FTPConnectNode'], 'ftp'),
  connectNode(['SFTPConnectNode'], 'sftp'),
  uploadNode,
  downloadNode,
  listNode,
  deleteNode,
  makeDirNode,
  removeDirNode,
  renameNode,
  getSizeNode,
  { ...disconnectHandler, releaseRun: closeRun },
];
