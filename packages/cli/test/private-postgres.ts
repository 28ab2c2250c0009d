import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

// A PostgreSQL cluster of one test's own, in a temporary directory on a free loopback port, for
// tests that restart the server: the machine's cluster is shared with every other test and stays
// up. PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres` user.

const run = promisify(execFile);
/** Where Debian puts PostgreSQL 15's server binaries (override with CASARE_PG_BIN). */
const PG_BIN = process.env['CASARE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** Why a private cluster cannot be started here, or undefined when it can. */
export function privatePostgresMissing(): string | undefined {
  for (const binary of ['initdb', 'pg_ctl']) if (!existsSync(join(PG_BIN, binary))) return `${join(PG_BIN, binary)} is missing (set CASARE_PG_BIN)`;
  if (asRoot && !existsSync('/usr/sbin/runuser')) return 'running as root needs runuser to start PostgreSQL as the postgres user';
  return undefined;
}

/** A running private cluster: `url(database)` reaches it; `restart()` is a fast restart; `dispose()` stops and removes it. */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    /** Port it listens on, on 127.0.0.1. */
    readonly port: number,
  ) {}

  /** Initialises a cluster in a temporary directory and starts it (trust authentication, user postgres). */
  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'casare-private-pg-'));
    if (asRoot) {
      await chmod(dir, 0o700);
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PrivatePostgres(dir, await freePort());
    await cluster.pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    await cluster.pgCtl('start');
    return cluster;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** URL of `database` on this cluster. */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /**
   * `pg_ctl stop -m fast`, `downMs` without a server, then start again: every connection is cut,
   * transactions in flight abort, and connecting is refused until the server is back.
   */
  async restart(downMs: number): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    await delay(downMs);
    await this.pgCtl('start');
  }

  /** Stops the server and removes its files. */
  async dispose(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }

  private async pgCtl(action: 'start'): Promise<void> {
    // fsync off: the test is about lost connections, not lost power; a fast shutdown checkpoints anyway.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', '-o', options, action]);
  }

  private async pg(binary: string, args: readonly string[]): Promise<void> {
    const path = join(PG_BIN, binary);
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', path, ...args]);
    else await run(path, [...args]);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}
