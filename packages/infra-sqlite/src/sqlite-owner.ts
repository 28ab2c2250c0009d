import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { errorCodeOf } from '@casare-rpa/application';

/** Owner tokens held by runners of this process; a token of this process not in here is dead. */
const liveOwners = new Set<string>();

/** State and start time of a process from `/proc/<pid>/stat` (Linux), or undefined where unreadable. */
function processStat(pid: number | 'self'): { readonly state: string; readonly startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

const ownStartTime = processStat('self')?.startTime ?? '';

/** A new owner token `<host>:<pid>:<process start time>:<uuid>`, alive until released or until this process dies. */
export function acquireSqliteOwner(): string {
  const owner = `${hostname()}:${process.pid}:${ownStartTime}:${randomUUID()}`;
  liveOwners.add(owner);
  return owner;
}

/** Ends an owner token of this process. */
export function releaseSqliteOwner(owner: string): void {
  liveOwners.delete(owner);
}

/**
 * Whether the runner holding `owner` may still execute. In this process: while it holds the token.
 * Elsewhere on this host: while its process exists, is not a zombie (killed, not reaped yet) and
 * started when the token says (a reused pid is another process). A token of another host is taken
 * as alive: a journal file is meant for one machine, and taking a run from a live machine would
 * run it twice.
 */
export function isSqliteOwnerAlive(owner: string): boolean {
  const [host, pidText, startTime] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid && startTime === ownStartTime) return liveOwners.has(owner);
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errorCodeOf(error) !== 'EPERM') return false;
  }
  const stat = processStat(pid);
  if (!stat) return true;
  return stat.state !== 'Z' && (startTime === '' || stat.startTime === startTime);
}
