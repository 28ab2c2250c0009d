import type { FileInfo } from 'basic-ftp';
import { posix } from 'node:path';

/** One remote directory entry, as the list node reports it in detailed mode. */
export interface RemoteEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'link' | 'other';
  readonly size: number;
  readonly modified: string;
}

/** What every FTP node needs from a connection, whatever the protocol (FTP, FTPS or SFTP). */
export interface RemoteSession {
  readonly protocol: 'ftp' | 'sftp';
  upload(localPath: string, remotePath: string, createDirs: boolean): Promise<void>;
  download(remotePath: string, localPath: string): Promise<void>;
  list(remotePath: string): Promise<RemoteEntry[]>;
  delete(remotePath: string): Promise<void>;
  makeDir(remotePath: string, parents: boolean): Promise<void>;
  removeDir(remotePath: string): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;
  /** Size in bytes, or undefined when there is no such file. */
  size(remotePath: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Connection parameters; the password lives only in memory, never in a hint or an outcome. */
export interface RemoteConnection {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly useTls: boolean;
  readonly timeoutSeconds: number;
  readonly privateKey?: string | undefined;
}

/** A server's error code in an FTP reply (550 for "no such file"), when there is one. */
export function ftpReplyCode(error: unknown): number | undefined {
  // basic-ftp's FTPError (matched by name: the library is imported only when a session opens).
  if (!(error instanceof Error) || error.name !== 'FTPError') return undefined;
  const { code } = error as Error & { readonly code?: unknown };
  return typeof code === 'number' ? code : undefined;
}

function entryType(info: FileInfo): RemoteEntry['type'] {
  if (info.isDirectory) return 'directory';
  if (info.isSymbolicLink) return 'link';
  return info.isFile ? 'file' : 'other';
}

/** FTP and FTPS with basic-ftp (passive mode, as basic-ftp always is). */
export async function openFtpSession(connection: RemoteConnection): Promise<{ session: RemoteSession; welcome: string }> {
  const { Client: FtpClient } = await import('basic-ftp');
  const client = new FtpClient(connection.timeoutSeconds * 1000);
  try {
    const reply = await client.access({
      host: connection.host,
      port: connection.port,
      user: connection.username,
      password: connection.password,
      secure: connection.useTls,
    });
    const session: RemoteSession = {
      protocol: 'ftp',
      async upload(localPath, remotePath, createDirs) {
        if (createDirs) {
          const directory = posix.dirname(remotePath);
          // ensureDir changes the working directory; go back so relative paths keep their meaning.
          const home = await client.pwd();
          if (directory !== '.' && directory !== '/') await client.ensureDir(directory);
          await client.cd(home);
        }
        await client.uploadFrom(localPath, remotePath);
      },
      async download(remotePath, localPath) {
        await client.downloadTo(localPath, remotePath);
      },
      async list(remotePath) {
        const entries = await client.list(remotePath || undefined);
        return entries.map((info) => ({
          name: info.name,
          type: entryType(info),
          size: info.size,
          modified: info.modifiedAt?.toISOString() ?? info.rawModifiedAt,
        }));
      },
      async delete(remotePath) {
        await client.remove(remotePath);
      },
      async makeDir(remotePath, parents) {
        if (!parents) {
          await client.send(`MKD ${remotePath}`);
          return;
        }
        const home = await client.pwd();
        await client.ensureDir(remotePath);
        await client.cd(home);
      },
      async removeDir(remotePath) {
        await client.send(`RMD ${remotePath}`);
      },
      async rename(oldPath, newPath) {
        await client.rename(oldPath, newPath);
      },
      async size(remotePath) {
        try {
          return await client.size(remotePath);
        } catch (error) {
          if (ftpReplyCode(error) === 550) return undefined;
          throw error;
        }
      },
      close() {
        client.close();
        return Promise.resolve();
      },
    };
    return { session, welcome: reply.message };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** SFTP over SSH with ssh2-sftp-client. */
export async function openSftpSession(connection: RemoteConnection): Promise<{ session: RemoteSession; welcome: string }> {
  const { default: SftpClient } = await import('ssh2-sftp-client');
  const client = new SftpClient();
  await client.connect({
    host: connection.host,
    port: connection.port,
    username: connection.username,
    ...(connection.privateKey ? { privateKey: connection.privateKey } : { password: connection.password }),
    readyTimeout: connection.timeoutSeconds * 1000,
  });
  const session: RemoteSession = {
    protocol: 'sftp',
    async upload(localPath, remotePath, createDirs) {
      const directory = posix.dirname(remotePath);
      if (createDirs && directory !== '.' && directory !== '/') await client.mkdir(directory, true);
      await client.fastPut(localPath, remotePath);
    },
    async download(remotePath, localPath) {
      await client.fastGet(remotePath, localPath);
    },
    async list(remotePath) {
      const entries = await client.list(remotePath || '.');
      return entries.map((entry) => ({
        name: entry.name,
        type: entry.type === 'd' ? 'directory' : entry.type === 'l' ? 'link' : entry.type === '-' ? 'file' : 'other',
        size: entry.size,
        modified: new Date(entry.modifyTime).toISOString(),
      }));
    },
    async delete(remotePath) {
      await client.delete(remotePath);
    },
    async makeDir(remotePath, parents) {
      await client.mkdir(remotePath, parents);
    },
    async removeDir(remotePath) {
      await client.rmdir(remotePath);
    },
    async rename(oldPath, newPath) {
      await client.rename(oldPath, newPath);
    },
    async size(remotePath) {
      const exists = await client.exists(remotePath);
      if (exists !== '-') return undefined;
      return (await client.stat(remotePath)).size;
    },
    async close() {
      await client.end();
    },
  };
  return { session, welcome: `SFTP ${connection.username}@${connection.host}:${connection.port}` };
}
