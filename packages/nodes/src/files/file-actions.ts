import { errorCodeOf, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import type { z } from 'zod';
import { anyValue, boolean, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';
import { copyFileAtomic, resolveInside, writeFileAtomic } from './working-directory.js';

/** A file operation failed in the file system (missing file, existing target, permissions). */
export class FileOperationError extends Error {
  /** Stable code: `FILE_NOT_FOUND`, `FILE_EXISTS`, `FILE_IS_DIRECTORY`, `FILE_ERROR`. */
  readonly code: string;
  constructor(
    /** Node whose operation failed. */
    readonly nodeId: string,
    /** The action, e.g. `Read File`. */
    readonly action: string,
    /** The path as the workflow gave it. */
    readonly path: string,
    /** The file system's error code (`ENOENT`...), when known. */
    readonly systemCode: string | undefined,
    detail: string,
  ) {
    super(`nodes.${nodeId}: ${action} ${JSON.stringify(path)}: ${detail}`);
    this.name = 'FileOperationError';
    this.code =
      systemCode === 'ENOENT' ? 'FILE_NOT_FOUND' : systemCode === 'EEXIST' ? 'FILE_EXISTS' : systemCode === 'EISDIR' ? 'FILE_IS_DIRECTORY' : 'FILE_ERROR';
  }
}

/** The v1 FileSystemSuperNode action names. */
export const FILE_ACTIONS = [
  'Read File',
  'Write File',
  'Append File',
  'Delete File',
  'Copy File',
  'Move File',
  'File Exists',
  'Get File Size',
  'Get File Info',
  'Create Directory',
  'List Files',
  'List Directory',
] as const;

/** One FileSystemSuperNode action name. */
export type FileActionName = (typeof FILE_ACTIONS)[number];

/** Fields every file action understands. */
const common = {
  allow_outside_working_dir: boolean(false),
  encoding: text('utf-8'),
};

const filePath = { file_path: optionalText(), path: optionalText() };
const dirPath = { directory_path: optionalText(), dir_path: optionalText(), path: optionalText() };
const transfer = {
  source_path: optionalText(),
  source: optionalText(),
  dest_path: optionalText(),
  destination: optionalText(),
  destination_path: optionalText(),
  overwrite: boolean(true),
  create_dirs: boolean(true),
};

/** Zod shapes of each action's config (without `action`). */
export const FILE_ACTION_SHAPES = {
  'Read File': { ...common, ...filePath },
  'Write File': { ...common, ...filePath, content: anyValue(), create_dirs: boolean(true), overwrite: boolean(true) },
  'Append File': { ...common, ...filePath, content: anyValue(), create_dirs: boolean(true) },
  'Delete File': { ...common, ...filePath, ignore_missing: boolean(false) },
  'Copy File': { ...common, ...transfer },
  'Move File': { ...common, ...transfer },
  'File Exists': { ...common, ...filePath },
  'Get File Size': { ...common, ...filePath },
  'Get File Info': { ...common, ...filePath },
  'Create Directory': { ...common, ...dirPath },
  'List Files': { ...common, ...dirPath, pattern: optionalText(), recursive: boolean(false) },
  'List Directory': { ...common, ...dirPath, pattern: optionalText(), recursive: boolean(false) },
} satisfies Record<FileActionName, z.ZodRawShape>;

type Params = Readonly<Record<string, unknown>>;

/** The first set field among `names` (aliases), or a `required` error on the first name. */
function pick(params: Params, names: readonly string[]): { field: string; value: string } {
  for (const name of names) {
    const value = params[name];
    if (typeof value === 'string' && value.trim() !== '') return { field: name, value };
  }
  throw new ConfigFieldError(names[0] ?? 'path', 'required');
}

function encodingOf(params: Params): BufferEncoding {
  const raw = params['encoding'];
  const encoding = (typeof raw === 'string' && raw !== '' ? raw : 'utf-8').toLowerCase();
  if (!Buffer.isEncoding(encoding)) throw new ConfigFieldError('encoding', `unknown encoding "${encoding}"`);
  return encoding;
}

function contentOf(params: Params): string {
  return textOf((params['content'] ?? null) as Json);
}

/** Turns a glob (`*.txt`, `report-??.csv`) into an anchored RegExp. */
function globPattern(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'u');
}

/** Runs one file action for a node, paths resolved against its working directory. */
export async function runFileAction(action: FileActionName, params: Params, execution: NodeExecution): Promise<JsonObject> {
  const allowOutside = params['allow_outside_working_dir'] === true;
  const locate = async (names: readonly string[]) => {
    const { field, value } = pick(params, names);
    return { given: value, full: await resolveInside(execution.workingDirectory, value, field, allowOutside) };
  };
  const fail =
    (path: string) =>
    (error: unknown): never => {
      const systemCode = errorCodeOf(error);
      throw new FileOperationError(execution.node.id, action, path, systemCode, (error as Error).message);
    };

  switch (action) {
    case 'Read File': {
      const file = await locate(['file_path', 'path']);
      const content = await readFile(file.full, { encoding: encodingOf(params) }).catch(fail(file.given));
      return { content, size: Buffer.byteLength(content, encodingOf(params)), file_path: file.given, success: true };
    }
    case 'Write File': {
      const file = await locate(['file_path', 'path']);
      const content = contentOf(params);
      if (params['create_dirs'] !== false) await mkdir(join(file.full, '..'), { recursive: true }).catch(fail(file.given));
      if (params['overwrite'] === false && (await exists(file.full)))
        fail(file.given)(Object.assign(new Error('file exists and overwrite is false'), { code: 'EEXIST' }));
      await writeFileAtomic(file.full, content, encodingOf(params)).catch(fail(file.given));
      return { file_path: file.given, bytes_written: Buffer.byteLength(content, encodingOf(params)), success: true };
    }
    case 'Append File': {
      const file = await locate(['file_path', 'path']);
      const content = contentOf(params);
      if (params['create_dirs'] !== false) await mkdir(join(file.full, '..'), { recursive: true }).catch(fail(file.given));
      // Rewrite the whole file atomically rather than append in place: a crash mid-append must not
      // leave half a line behind.
      const before = await readFile(file.full).catch((error: unknown) => {
        if (errorCodeOf(error) === 'ENOENT') return Buffer.alloc(0);
        return fail(file.given)(error);
      });
      const added = Buffer.from(content, encodingOf(params));
      await writeFileAtomic(file.full, Buffer.concat([before, added])).catch(fail(file.given));
      return { file_path: file.given, bytes_written: added.length, success: true };
    }
    case 'Delete File': {
      const file = await locate(['file_path', 'path']);
      const present = await exists(file.full);
      if (!present && params['ignore_missing'] !== true) fail(file.given)(Object.assign(new Error('no such file'), { code: 'ENOENT' }));
      if (present) await rm(file.full).catch(fail(file.given));
      return { file_path: file.given, deleted: present, success: true };
    }
    case 'Copy File':
    case 'Move File': {
      const source = await locate(['source_path', 'source']);
      const destination = await locate(['dest_path', 'destination', 'destination_path']);
      if (params['create_dirs'] !== false) await mkdir(join(destination.full, '..'), { recursive: true }).catch(fail(destination.given));
      if (params['overwrite'] === false && (await exists(destination.full))) {
        fail(destination.given)(Object.assign(new Error('destination exists and overwrite is false'), { code: 'EEXIST' }));
      }
      if (action === 'Copy File') {
        await copyFileAtomic(source.full, destination.full).catch(fail(source.given));
      } else {
        await rename(source.full, destination.full).catch(async (error: unknown) => {
          // Across file systems rename fails: copy atomically, then remove the source.
          if (errorCodeOf(error) !== 'EXDEV') return fail(source.given)(error);
          await copyFileAtomic(source.full, destination.full).catch(fail(source.given));
          await rm(source.full).catch(fail(source.given));
        });
      }
      return { source_path: source.given, dest_path: destination.given, success: true };
    }
    case 'File Exists': {
      const file = await locate(['path', 'file_path']);
      const info = await stat(file.full).catch(() => undefined);
      return { exists: info !== undefined, is_file: info?.isFile() ?? false, is_dir: info?.isDirectory() ?? false };
    }
    case 'Get File Size': {
      const file = await locate(['file_path', 'path']);
      const info = await stat(file.full).catch(fail(file.given));
      return { size: info.size, file_path: file.given };
    }
    case 'Get File Info': {
      const file = await locate(['file_path', 'path']);
      const info = await lstat(file.full).catch(fail(file.given));
      return {
        size: info.size,
        modified: info.mtime.toISOString(),
        created: info.birthtime.toISOString(),
        is_file: info.isFile(),
        is_dir: info.isDirectory(),
        name: basename(file.full),
        extension: extname(file.full),
        file_path: file.given,
      };
    }
    case 'Create Directory': {
      const dir = await locate(['directory_path', 'dir_path', 'path']);
      const existed = await exists(dir.full);
      await mkdir(dir.full, { recursive: true }).catch(fail(dir.given));
      return { dir_path: dir.given, created: !existed, success: true };
    }
    case 'List Files':
    case 'List Directory': {
      const dir = await locate(['dir_path', 'directory_path', 'path']);
      const pattern = typeof params['pattern'] === 'string' && params['pattern'] !== '' ? globPattern(params['pattern']) : undefined;
      const entries = await readdir(dir.full, { withFileTypes: true, recursive: params['recursive'] === true }).catch(fail(dir.given));
      const listed = entries
        .filter((entry) => (action === 'List Files' ? entry.isFile() : true))
        .filter((entry) => !pattern || pattern.test(entry.name))
        .map((entry) => ({ name: relative(dir.full, join(entry.parentPath, entry.name)).split('\\').join('/'), isFile: entry.isFile() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const items = listed.map((entry) => entry.name);
      const files = listed.filter((entry) => entry.isFile).map((entry) => entry.name);
      return { items, files, count: items.length, dir_path: dir.given };
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
