import { randomUUID } from 'node:crypto';
import { copyFile, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigFieldError } from '../catalog/node-config-error.js';

/**
 * The rule for paths in file nodes: a path is relative to the run's working directory, and a path
 * that leaves it (`../x`, an absolute path elsewhere, or a symlink pointing out) is refused unless
 * the node sets `allow_outside_working_dir: true`. The refusal is a config error on the path field.
 */
export async function resolveInside(workingDirectory: string, path: string, field: string, allowOutside: boolean): Promise<string> {
  if (path.trim() === '') throw new ConfigFieldError(field, 'required');
  if (path.includes('\0')) throw new ConfigFieldError(field, 'must not contain a NUL character');
  const root = resolve(workingDirectory);
  const full = resolve(root, path);
  if (allowOutside) return full;
  const refuse = () => new ConfigFieldError(field, `"${path}" is outside the working directory; set allow_outside_working_dir: true on the node to allow it`);
  if (!isInside(root, full)) throw refuse();
  // Lexically inside, but a symlinked directory on the way could still lead out: compare real paths.
  const realRoot = await realpath(root).catch(() => root);
  const realTarget = await realpathOfNearestExisting(full);
  if (!isInside(realRoot, realTarget)) throw refuse();
  return full;
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Real path of `target`, resolving the longest prefix that exists (the rest cannot be a link yet). */
async function realpathOfNearestExisting(target: string): Promise<string> {
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(existing), ...rest.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return target;
      rest.push(basename(existing));
      existing = parent;
    }
  }
}

function temporarySibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomUUID().slice(0, 8)}.tmp`);
}

/**
 * Writes a whole file atomically: the bytes go to a temporary file in the same directory, are
 * flushed, and the temporary file is renamed over the target. A crash leaves the old file or the
 * new one, never half of either.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, encoding: BufferEncoding = 'utf8'): Promise<void> {
  const temporary = temporarySibling(target);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await (typeof data === 'string' ? handle.writeFile(data, { encoding }) : handle.writeFile(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Copies a file atomically (copy to a temporary sibling of the destination, then rename). */
export async function copyFileAtomic(source: string, destination: string): Promise<void> {
  const temporary = temporarySibling(destination);
  try {
    await copyFile(source, temporary);
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
