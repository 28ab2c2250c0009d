import { errorCodeOf, type NodeExecution } from '@casare-rpa/application';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { z } from 'zod';
import { boolean, list, nonEmptyText, oneOf, optionalText } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { resolveInside } from '../files/working-directory.js';

// ZipFilesNode / UnzipFilesNode on yazl and yauzl. Every path is under the working-directory rule;
// an archive entry may never land outside `extract_to` (zip slip): yauzl refuses absolute and `..`
// names, and each target is checked again against the real path of the destination (a symlink
// already inside it cannot lead out). All entries are checked before the first byte is written.

/** An archive is unusable: an entry escaping the destination, a corrupt file. */
export class ArchiveError extends Error {
  constructor(
    /** Stable code: `ARCHIVE_ENTRY_OUTSIDE` (zip slip) or `ARCHIVE_INVALID`. */
    readonly code: 'ARCHIVE_ENTRY_OUTSIDE' | 'ARCHIVE_INVALID',
    /** Node that failed. */
    readonly nodeId: string,
    /** The archive path as the workflow gave it. */
    readonly archive: string,
    detail: string,
  ) {
    super(`nodes.${nodeId}: ${archive}: ${detail}`);
    this.name = 'ArchiveError';
  }
  /** The same archive fails the same way on every retry. */
  readonly retryable = false;
}

const pathRule = { allow_outside_working_dir: boolean(false) };

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** A `*`/`?` pattern in the last path segment (`reports/*.csv`), as v1's glob mode used most. */
function lastSegmentPattern(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`, 'u');
}

async function sourcesOf(
  execution: NodeExecution,
  config: { source_path?: string | undefined; files: readonly unknown[]; base_dir?: string | undefined; allow_outside_working_dir: boolean },
) {
  const inside = (path: string, field: string) => resolveInside(execution.workingDirectory, path, field, config.allow_outside_working_dir);
  let base = config.base_dir ? await inside(config.base_dir, 'base_dir') : undefined;
  let files: string[] = [];
  if (config.files.length > 0) {
    files = await Promise.all(config.files.map((file, index) => inside(textOf(file as never), `files[${index}]`)));
  } else if (config.source_path) {
    const source = config.source_path;
    if (/[*?]/.test(basename(source))) {
      if (/[*?]/.test(dirname(source))) throw new ConfigFieldError('source_path', 'only the last part of the path may hold * or ?');
      const directory = await inside(dirname(source), 'source_path');
      const pattern = lastSegmentPattern(basename(source));
      const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
      files = entries
        .filter((entry) => entry.isFile() && pattern.test(entry.name))
        .map((entry) => join(directory, entry.name))
        .sort();
      base ??= directory;
    } else {
      const full = await inside(source, 'source_path');
      const info = await stat(full).catch(() => undefined);
      if (!info) throw new ConfigFieldError('source_path', `"${source}" not found`);
      if (info.isDirectory()) {
        files = await filesUnder(full);
        base ??= full;
      } else {
        files = [full];
      }
    }
  }
  if (files.length === 0) throw new ConfigFieldError('source_path', "no files to zip: give source_path (a folder, a file or dir/*.ext) or a 'files' list");
  return { files, base };
}

const zipFilesNode = defineNode({
  types: ['ZipFilesNode'],
  config: z.looseObject({
    ...pathRule,
    zip_path: nonEmptyText(),
    source_path: optionalText(),
    files: list(),
    base_dir: optionalText(),
    compression: oneOf(['ZIP_DEFLATED', 'ZIP_STORED'], 'ZIP_DEFLATED'),
  }),
  ports: { inputs: ['zip_path', 'source_path', 'files', 'base_dir'], outputs: ['zip_path', 'attachment_file', 'file_count', 'success'] },
  async run(config, execution) {
    const target = await resolveInside(execution.workingDirectory, config.zip_path, 'zip_path', config.allow_outside_working_dir);
    const { files, base } = await sourcesOf(execution, config);
    const zip = new yazl.ZipFile();
    let count = 0;
    for (const file of files) {
      if (file === target) continue;
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue; // v1 skipped missing files
      const inBase = base !== undefined && !relative(base, file).startsWith('..');
      const name = (inBase ? relative(base, file) : basename(file)).split(sep).join('/');
      zip.addFile(file, name, { compress: config.compression === 'ZIP_DEFLATED', mtime: info.mtime });
      count += 1;
    }
    zip.end();
    await mkdir(dirname(target), { recursive: true });
    // Written next to the target and renamed over it: a crash leaves no half archive behind.
    const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
    try {
      await pipeline(zip.outputStream, createWriteStream(temporary));
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { outputs: { zip_path: config.zip_path, attachment_file: [config.zip_path], file_count: count, success: true } };
  },
});

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => (error ? reject(error) : resolve(zip)));
  });
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

const unzipFilesNode = defineNode({
  types: ['UnzipFilesNode'],
  config: z.looseObject({ ...pathRule, zip_path: nonEmptyText(), extract_to: nonEmptyText() }),
  ports: { inputs: ['zip_path', 'extract_to'], outputs: ['extract_to', 'files', 'file_count', 'success'] },
  async run(config, execution) {
    const archive = await resolveInside(execution.workingDirectory, config.zip_path, 'zip_path', config.allow_outside_working_dir);
    const destination = await resolveInside(execution.workingDirectory, config.extract_to, 'extract_to', config.allow_outside_working_dir);
    const refuse = (code: 'ARCHIVE_ENTRY_OUTSIDE' | 'ARCHIVE_INVALID', detail: string) => new ArchiveError(code, execution.node.id, config.zip_path, detail);
    const zip = await openZip(archive).catch((error: unknown) => {
      if (errorCodeOf(error) === 'ENOENT') throw new ConfigFieldError('zip_path', `"${config.zip_path}" not found`);
      throw refuse('ARCHIVE_INVALID', (error as Error).message);
    });
    try {
      const entries = await readEntries(zip).catch((error: unknown) => {
        const message = (error as Error).message;
        throw refuse(
          /^(absolute path|invalid relative path|invalid characters)/.test(message) ? 'ARCHIVE_ENTRY_OUTSIDE' : 'ARCHIVE_INVALID',
          `entry refused, nothing extracted: ${message}`,
        );
      });
      const targets: string[] = [];
      for (const entry of entries) {
        const target = await resolveInside(destination, entry.fileName, 'extract_to', false).catch(() => {
          throw refuse('ARCHIVE_ENTRY_OUTSIDE', `entry "${entry.fileName}" would land outside ${config.extract_to}; nothing extracted`);
        });
        targets.push(target);
      }
      const extracted: string[] = [];
      for (const [index, entry] of entries.entries()) {
        const target = targets[index]!;
        if (entry.fileName.endsWith('/')) {
          await mkdir(target, { recursive: true });
          continue;
        }
        await mkdir(dirname(target), { recursive: true });
        await pipeline(await openEntry(zip, entry), createWriteStream(target));
        extracted.push(relative(execution.workingDirectory, target).split(sep).join('/'));
      }
      return { outputs: { extract_to: config.extract_to, files: extracted, file_count: extracted.length, success: true } };
    } finally {
      zip.close();
    }
  },
});

/** Archive nodes: ZipFilesNode and UnzipFilesNode. */
export const zipNodeHandlers: readonly CatalogNodeHandler[] = [zipFilesNode, unzipFilesNode];
