import type { JsonObject } from '@casare-rpa/domain';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { FtpSrv } from 'ftp-srv';
import { Server as SshServer, utils as sshUtils, type Attributes, type SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { FtpError, FTP_CONNECTION_HINT } from './ftp-nodes.js';

const catalog = createNodeCatalog();
let workdir: string;
let ftpRoot: string;
let sftpRoot: string;
let ftpPort: number;
let sftpPort: number;
let ftpServer: FtpSrv;
let sshServer: SshServer;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const quiet = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

/** A small SFTP server on top of ssh2's protocol handlers, serving `root` from the real file system. */
function sftpServe(sftp: SFTPWrapper, root: string): void {
  const { STATUS_CODE, OPEN_MODE } = sshUtils.sftp;
  const handles = new Map<number, { fd?: number; dir?: string[] }>();
  let next = 1;
  const local = (path: string) => join(root, posix.normalize(`/${path}`));
  const handleOf = (buffer: Buffer) => buffer.readUInt32BE(0);
  const newHandle = (value: { fd?: number; dir?: string[] }) => {
    const id = next++;
    handles.set(id, value);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const attrsOf = (stats: Stats): Attributes => ({
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    atime: stats.atimeMs / 1000,
    mtime: stats.mtimeMs / 1000,
  });
  const guard = (reqId: number, action: () => void) => {
    try {
      action();
    } catch (error) {
      sftp.status(reqId, (error as NodeJS.ErrnoException).code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE, (error as Error).message);
    }
  };
  sftp.on('REALPATH', (reqId, path) => sftp.name(reqId, [{ filename: posix.normalize(`/${path}`), longname: path, attrs: {} as Attributes }]));
  sftp.on('OPEN', (reqId, path, flags) =>
    guard(reqId, () => {
      const mode = flags & OPEN_MODE.WRITE ? (flags & OPEN_MODE.TRUNC || flags & OPEN_MODE.CREAT ? 'w' : 'r+') : 'r';
      sftp.handle(reqId, newHandle({ fd: openSync(local(path), mode) }));
    }),
  );
  sftp.on('WRITE', (reqId, handle, offset, data) =>
    guard(reqId, () => (writeSync(handles.get(handleOf(handle))?.fd ?? -1, data, 0, data.length, offset), sftp.status(reqId, STATUS_CODE.OK))),
  );
  sftp.on('READ', (reqId, handle, offset, length) =>
    guard(reqId, () => {
      const buffer = Buffer.alloc(length);
      const read = readSync(handles.get(handleOf(handle))?.fd ?? -1, buffer, 0, length, offset);
      if (read === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, buffer.subarray(0, read));
    }),
  );
  sftp.on('FSTAT', (reqId, handle) => guard(reqId, () => sftp.attrs(reqId, attrsOf(fstatSync(handles.get(handleOf(handle))?.fd ?? -1)))));
  const stat = (reqId: number, path: string) => guard(reqId, () => sftp.attrs(reqId, attrsOf(statSync(local(path)))));
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);
  sftp.on('CLOSE', (reqId, handle) =>
    guard(reqId, () => {
      const entry = handles.get(handleOf(handle));
      if (entry?.fd !== undefined) closeSync(entry.fd);
      handles.delete(handleOf(handle));
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('OPENDIR', (reqId, path) =>
    guard(reqId, () => sftp.handle(reqId, newHandle({ dir: readdirSync(local(path)).map((name) => posix.join(path, name)) }))),
  );
  sftp.on('READDIR', (reqId, handle) =>
    guard(reqId, () => {
      const entry = handles.get(handleOf(handle));
      if (!entry?.dir || entry.dir.length === 0) return sftp.status(reqId, STATUS_CODE.EOF);
      const names = entry.dir.splice(0).map((path) => {
        const stats = statSync(local(path));
        const kind = stats.isDirectory() ? 'd' : '-';
        return { filename: posix.basename(path), longname: `${kind}rw-r--r-- 1 u g ${stats.size} Jan 1 00:00 ${posix.basename(path)}`, attrs: attrsOf(stats) };
      });
      sftp.name(reqId, names);
    }),
  );
  sftp.on('MKDIR', (reqId, path) => guard(reqId, () => (mkdirSync(local(path)), sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('RMDIR', (reqId, path) => guard(reqId, () => (rmdirSync(local(path)), sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('REMOVE', (reqId, path) => guard(reqId, () => (unlinkSync(local(path)), sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('RENAME', (reqId, from, to) => guard(reqId, () => (renameSync(local(from), local(to)), sftp.status(reqId, STATUS_CODE.OK))));
}

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'casare-ftp-'));
  workdir = join(base, 'work');
  ftpRoot = join(base, 'ftp-root');
  sftpRoot = join(base, 'sftp-root');
  await Promise.all([mkdir(workdir), mkdir(ftpRoot), mkdir(sftpRoot)]);

  ftpPort = await freePort();
  ftpServer = new FtpSrv({
    url: `ftp://127.0.0.1:${ftpPort}`,
    pasv_url: '127.0.0.1',
    pasv_min: 40000,
    pasv_max: 40999,
    anonymous: true,
    greeting: 'casare test ftp',
    log: quiet,
  });
  ftpServer.on('login', ({ username, password }, resolve, reject) => {
    if (username === 'anonymous' || (username === 'robot' && password === 'ftp-pass')) resolve({ root: ftpRoot });
    else reject(new Error('bad login'));
  });
  await ftpServer.listen();

  const hostKey = sshUtils.generateKeyPairSync('ed25519').private;
  sshServer = new SshServer({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (context) => {
      if (context.method === 'password' && context.username === 'robot' && context.password === 'sftp-pass') context.accept();
      else context.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => sftpServe(acceptSftp(), sftpRoot));
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => sshServer.listen(0, '127.0.0.1', resolve));
  sftpPort = (sshServer.address() as AddressInfo).port;
}, 30_000);

afterAll(async () => {
  await catalog.releaseRun('run-ftp');
  await catalog.releaseRun('run-sftp');
  await ftpServer.close();
  await new Promise((resolve) => sshServer.close(resolve));
  await rm(join(workdir, '..'), { recursive: true, force: true });
});

function runner(runId: string) {
  let resources: JsonObject = {};
  return async (type: string, config: JsonObject, id = 'ftp') => {
    const outcome = await catalog.execute(
      aNodeExecution(type).withId(id).withConfig(config).inRun(runId).withResources(resources).inDirectory(workdir).build(),
    );
    if (outcome.resources) resources = { ...resources, ...outcome.resources };
    return outcome;
  };
}

describe('FTP nodes against ftp-srv on loopback', () => {
  const run = runner('run-ftp');

  it('connects, uploads, lists, sizes, renames, downloads, deletes and disconnects', async () => {
    const connected = await run('FTPConnectNode', { host: '127.0.0.1', port: ftpPort, username: 'robot', password: 'ftp-pass' });
    expect(connected.outputs).toMatchObject({ connected: true });
    expect(connected.resources?.[FTP_CONNECTION_HINT]).toEqual({
      protocol: 'ftp',
      host: '127.0.0.1',
      port: ftpPort,
      username: 'robot',
      use_tls: false,
      timeout: 30,
      needs_password: true,
    });
    expect(JSON.stringify(connected)).not.toContain('ftp-pass');

    await writeFile(join(workdir, 'invoice.csv'), 'id,total\n1,42\n');
    expect((await run('FTPMakeDirNode', { remote_path: 'in/2026', parents: true })).outputs).toEqual({ created: true });
    expect((await run('FTPUploadNode', { local_path: 'invoice.csv', remote_path: 'in/2026/invoice.csv' })).outputs).toEqual({ uploaded: true, bytes_sent: 14 });
    expect(await readFile(join(ftpRoot, 'in/2026/invoice.csv'), 'utf8')).toBe('id,total\n1,42\n');
    expect((await run('FTPListNode', { remote_path: 'in/2026' })).outputs).toEqual({ items: ['invoice.csv'], count: 1 });
    expect((await run('FTPListNode', { remote_path: 'in/2026', detailed: true })).outputs['items']).toEqual([
      expect.objectContaining({ name: 'invoice.csv', type: 'file', size: 14 }),
    ]);
    expect((await run('FTPGetSizeNode', { remote_path: 'in/2026/invoice.csv' })).outputs).toEqual({ size: 14, found: true });
    expect((await run('FTPGetSizeNode', { remote_path: 'in/2026/nope.csv' })).outputs).toEqual({ size: 0, found: false });
    expect((await run('FTPRenameNode', { old_path: 'in/2026/invoice.csv', new_path: 'in/2026/done.csv' })).outputs).toEqual({ renamed: true });
    expect((await run('FTPDownloadNode', { remote_path: 'in/2026/done.csv', local_path: 'back/done.csv' })).outputs).toEqual({
      downloaded: true,
      bytes_received: 14,
    });
    expect(await readFile(join(workdir, 'back/done.csv'), 'utf8')).toBe('id,total\n1,42\n');
    expect((await run('FTPDeleteNode', { remote_path: 'in/2026/done.csv' })).outputs).toEqual({ deleted: true });
    expect((await run('FTPRemoveDirNode', { remote_path: 'in/2026' })).outputs).toEqual({ removed: true });
    expect(await readdir(join(ftpRoot, 'in'))).toEqual([]);
    const disconnected = await run('FTPDisconnectNode', {});
    expect(disconnected).toEqual({ outputs: { disconnected: true }, resources: { [FTP_CONNECTION_HINT]: null } });
  });

  it('a wrong password fails with FTP_AUTH_FAILED, never showing the password', async () => {
    const failure = await run('FTPConnectNode', { host: '127.0.0.1', port: ftpPort, username: 'robot', password: 'wrong-one' }, 'fc').catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(FtpError);
    expect(failure).toMatchObject({ code: 'FTP_AUTH_FAILED', nodeId: 'fc' });
    expect((failure as Error).message).not.toContain('wrong-one');
  });

  it('after an engine restart, an anonymous connection is reopened from the hint; one with a password says what to do', async () => {
    await run('FTPConnectNode', { host: '127.0.0.1', port: ftpPort });
    await catalog.releaseRun('run-ftp'); // the process that held the connection is gone
    await writeFile(join(ftpRoot, 'public.txt'), 'hello');
    expect((await run('FTPGetSizeNode', { remote_path: 'public.txt' })).outputs).toEqual({ size: 5, found: true });

    const lostRun = runner('run-ftp-lost');
    await lostRun('FTPConnectNode', { host: '127.0.0.1', port: ftpPort, username: 'robot', password: 'ftp-pass' });
    await catalog.releaseRun('run-ftp-lost');
    await expect(lostRun('FTPListNode', {}, 'fl')).rejects.toMatchObject({ code: 'FTP_NOT_CONNECTED', nodeId: 'fl' });
    expect((await lostRun('FTPListNode', { host: '127.0.0.1', port: ftpPort, username: 'robot', password: 'ftp-pass' })).outputs['items']).toContain(
      'public.txt',
    );
    await catalog.releaseRun('run-ftp-lost');
  });

  it('without a connection, or with a local path outside the working directory, fails naming the node', async () => {
    await expect(runner('run-none')('FTPListNode', {}, 'n1')).rejects.toMatchObject({ code: 'FTP_NOT_CONNECTED', nodeId: 'n1' });
    await run('FTPConnectNode', { host: '127.0.0.1', port: ftpPort });
    await expect(run('FTPUploadNode', { local_path: '../secret.txt', remote_path: 'x' }, 'up')).rejects.toThrow('nodes.up.config.local_path');
    await expect(run('FTPDownloadNode', { remote_path: 'missing.bin', local_path: 'missing.bin' }, 'dn')).rejects.toMatchObject({ code: 'FTP_FAILED' });
    expect(await readdir(workdir)).not.toContain('missing.bin');
  });

  it('bad config is reported statically with node id and path', () => {
    expect(catalog.validate([{ id: 'c1', type: 'FTPConnectNode', config: { host: 'h', port: 'twenty-one' } }])).toEqual([
      expect.objectContaining({ nodeId: 'c1', path: 'nodes.c1.config.port' }),
    ]);
  });
});

describe('SFTP nodes against an ssh2 server on loopback', () => {
  const run = runner('run-sftp');

  it('connects with a password and runs the same nodes over SFTP', async () => {
    expect((await run('SFTPConnectNode', { host: '127.0.0.1', port: sftpPort, username: 'robot', password: 'sftp-pass' })).outputs).toMatchObject({
      connected: true,
    });
    await writeFile(join(workdir, 'report.txt'), 'sftp bytes');
    expect((await run('FTPUploadNode', { local_path: 'report.txt', remote_path: 'out/report.txt', create_dirs: true })).outputs).toEqual({
      uploaded: true,
      bytes_sent: 10,
    });
    expect(await readFile(join(sftpRoot, 'out/report.txt'), 'utf8')).toBe('sftp bytes');
    expect((await run('FTPListNode', { remote_path: 'out' })).outputs).toEqual({ items: ['report.txt'], count: 1 });
    expect((await run('FTPGetSizeNode', { remote_path: 'out/report.txt' })).outputs).toEqual({ size: 10, found: true });
    expect((await run('FTPDownloadNode', { remote_path: 'out/report.txt', local_path: 'sftp-copy.txt' })).outputs).toEqual({
      downloaded: true,
      bytes_received: 10,
    });
    expect(await readFile(join(workdir, 'sftp-copy.txt'), 'utf8')).toBe('sftp bytes');
    await run('FTPDeleteNode', { remote_path: 'out/report.txt' });
    await run('FTPRemoveDirNode', { remote_path: 'out' });
    expect(await readdir(sftpRoot)).toEqual([]);
    await run('FTPDisconnectNode', {});
  });

  it('a wrong password fails with FTP_AUTH_FAILED', async () => {
    await expect(run('SFTPConnectNode', { host: '127.0.0.1', port: sftpPort, username: 'robot', password: 'nope' })).rejects.toMatchObject({
      code: 'FTP_AUTH_FAILED',
    });
  });
});
