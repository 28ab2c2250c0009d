import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeConfigError } from '../catalog/node-config-error.js';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { FileOperationError } from './file-actions.js';
import { writeFileAtomic } from './working-directory.js';

const catalog = createNodeCatalog();
let workdir: string;
let outside: string;

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'casare-files-'));
  workdir = join(root, 'work');
  outside = join(root, 'outside');
  await mkdir(workdir);
  await mkdir(outside);
});

afterEach(async () => {
  await rm(join(workdir, '..'), { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'fs') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());
const fs = (config: JsonObject, id = 'fs') => run('FileSystemSuperNode', config, id);

describe('FileSystemSuperNode', () => {
  it('runs the batch 2.1 sequence of actions relative to the working directory', async () => {
    const dir = 'test_output/node_tests_v2';
    expect((await fs({ action: 'Create Directory', directory_path: dir })).outputs).toEqual({ dir_path: dir, created: true, success: true });
    expect((await fs({ action: 'Write File', file_path: `${dir}/test.txt`, content: 'Hello World!' })).outputs).toMatchObject({ bytes_written: 12 });
    expect((await fs({ action: 'File Exists', path: `${dir}/test.txt` })).outputs).toEqual({ exists: true, is_file: true, is_dir: false });
    expect((await fs({ action: 'Read File', file_path: `${dir}/test.txt` })).outputs).toMatchObject({ content: 'Hello World!', size: 12 });
    await fs({ action: 'Append File', file_path: `${dir}/test.txt`, content: '\nAppended!' });
    await fs({ action: 'Copy File', source_path: `${dir}/test.txt`, dest_path: `${dir}/test_copy.txt` });
    expect((await fs({ action: 'List Directory', dir_path: dir })).outputs).toMatchObject({ items: ['test.txt', 'test_copy.txt'], count: 2 });
    await fs({ action: 'Move File', source_path: `${dir}/test_copy.txt`, dest_path: `${dir}/test_moved.txt` });
    expect((await fs({ action: 'Delete File', file_path: `${dir}/test_moved.txt` })).outputs).toMatchObject({ deleted: true });
    expect(await readdir(join(workdir, dir))).toEqual(['test.txt']);
    expect(await readFile(join(workdir, dir, 'test.txt'), 'utf8')).toBe('Hello World!\nAppended!');
  });

  it('accepts the action in any letter case', async () => {
    await fs({ action: 'write file', file_path: 'a.txt', content: 'x' });
    expect(await readFile(join(workdir, 'a.txt'), 'utf8')).toBe('x');
  });

  it('gives file size and info, and lists files matching a pattern', async () => {
    await writeFile(join(workdir, 'a.csv'), '1,2');
    await writeFile(join(workdir, 'b.txt'), 'hello');
    await mkdir(join(workdir, 'sub'));
    expect((await fs({ action: 'Get File Size', file_path: 'b.txt' })).outputs['size']).toBe(5);
    expect((await fs({ action: 'Get File Info', file_path: 'a.csv' })).outputs).toMatchObject({ name: 'a.csv', extension: '.csv', is_file: true });
    expect((await fs({ action: 'List Files', dir_path: '.', pattern: '*.csv' })).outputs['items']).toEqual(['a.csv']);
    expect((await fs({ action: 'List Directory', dir_path: '.' })).outputs).toMatchObject({ items: ['a.csv', 'b.txt', 'sub'], files: ['a.csv', 'b.txt'] });
  });

  it('names node and field for a missing path and an unknown action', async () => {
    await expect(fs({ action: 'Read File' }, 'reader')).rejects.toThrow('nodes.reader.config.file_path: required');
    await expect(fs({ action: 'Shred File', file_path: 'a' }, 'reader')).rejects.toThrow(/^nodes\.reader\.config\.action: expected one of "Read File"/);
    await expect(fs({ action: 'Write File', file_path: 'a.txt', overwrite: 'maybe' }, 'w')).rejects.toThrow(
      'nodes.w.config.overwrite: expected true or false, got "maybe"',
    );
  });

  it('fails with a stable code when a file is missing or a target exists', async () => {
    await expect(fs({ action: 'Read File', file_path: 'missing.txt' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', nodeId: 'fs' });
    await expect(fs({ action: 'Delete File', file_path: 'missing.txt' })).rejects.toThrow(FileOperationError);
    expect((await fs({ action: 'Delete File', file_path: 'missing.txt', ignore_missing: true })).outputs['deleted']).toBe(false);
    await writeFile(join(workdir, 'a.txt'), 'a');
    await writeFile(join(workdir, 'b.txt'), 'b');
    await expect(fs({ action: 'Copy File', source_path: 'a.txt', dest_path: 'b.txt', overwrite: false })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
  });
});

describe('the working-directory rule', () => {
  it.each([
    ['Read File', { file_path: '../outside/secret.txt' }, 'file_path'],
    ['Write File', { file_path: 'a/../../outside/x.txt', content: 'x' }, 'file_path'],
    ['Copy File', { source_path: 'a.txt', dest_path: '../outside/a.txt' }, 'dest_path'],
    ['List Directory', { dir_path: '..' }, 'dir_path'],
    ['File Exists', { path: '/etc/passwd' }, 'path'],
  ])('%s refuses a path outside the working directory, naming node and field', async (action, config, field) => {
    await writeFile(join(workdir, 'a.txt'), 'a');
    const error = await fs({ action, ...config }, 'escape').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeConfigError);
    expect((error as NodeConfigError).message).toMatch(new RegExp(`^nodes\\.escape\\.config\\.${field}: ".*" is outside the working directory`));
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a symlink inside the working directory that leads out', async () => {
    await symlink(outside, join(workdir, 'link'));
    await expect(fs({ action: 'Write File', file_path: 'link/x.txt', content: 'x' }, 'sneaky')).rejects.toThrow(
      /^nodes\.sneaky\.config\.file_path: "link\/x\.txt" is outside the working directory/,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a climbing relative path before the run, in static validation', () => {
    const issues = catalog.validate([
      { id: 'fs', type: 'FileSystemSuperNode', config: { action: 'Read File', file_path: 'a/../../secret.txt' } },
      { id: 'copy', type: 'CopyFileNode', config: { source_path: 'a.txt', dest_path: '../a.txt' } },
      { id: 'allowed', type: 'ReadFileNode', config: { file_path: '../a.txt', allow_outside_working_dir: true } },
      { id: 'templated', type: 'ReadFileNode', config: { file_path: '{{dir}}/../a.txt' } },
      { id: 'inside', type: 'ReadFileNode', config: { file_path: 'a/../b.txt' } },
    ]);
    expect(issues.map((issue) => [issue.nodeId, issue.path])).toEqual([
      ['fs', 'nodes.fs.config.file_path'],
      ['copy', 'nodes.copy.config.dest_path'],
    ]);
    expect(issues[0]?.message).toBe('"a/../../secret.txt" is outside the working directory; set allow_outside_working_dir: true on the node to allow it');
  });

  it('allows it when the node sets allow_outside_working_dir: true', async () => {
    await fs({ action: 'Write File', file_path: '../outside/x.txt', content: 'x', allow_outside_working_dir: true });
    expect(await readFile(join(outside, 'x.txt'), 'utf8')).toBe('x');
  });

  it('accepts an absolute path inside the working directory', async () => {
    await fs({ action: 'Write File', file_path: join(workdir, 'abs.txt'), content: 'x' });
    expect(await readFile(join(workdir, 'abs.txt'), 'utf8')).toBe('x');
  });
});

describe('atomic writes', () => {
  it('replace the file in one rename: a reader of the old file still sees all of it, and no temporary file stays', async () => {
    const target = join(workdir, 'report.txt');
    await writeFile(target, 'old complete content');
    const before = await stat(target);
    const reader = await open(target, 'r');
    try {
      await fs({ action: 'Write File', file_path: 'report.txt', content: 'new content' });
      expect(await reader.readFile('utf8')).toBe('old complete content');
    } finally {
      await reader.close();
    }
    expect(await readFile(target, 'utf8')).toBe('new content');
    expect((await stat(target)).ino).not.toBe(before.ino);
    expect(await readdir(workdir)).toEqual(['report.txt']);
  });

  it('append rewrites atomically too', async () => {
    const target = join(workdir, 'log.txt');
    await writeFile(target, 'line 1\n');
    const before = await stat(target);
    await fs({ action: 'Append File', file_path: 'log.txt', content: 'line 2\n' });
    expect(await readFile(target, 'utf8')).toBe('line 1\nline 2\n');
    expect((await stat(target)).ino).not.toBe(before.ino);
  });

  it('a failed write leaves the old content and no temporary file', async () => {
    await mkdir(join(workdir, 'taken'));
    await writeFile(join(workdir, 'taken', 'keep.txt'), 'keep');
    // Renaming a file over a non-empty directory fails after the bytes were written.
    await expect(writeFileAtomic(join(workdir, 'taken'), 'data')).rejects.toThrow();
    expect(await readdir(workdir)).toEqual(['taken']);
    expect(await readFile(join(workdir, 'taken', 'keep.txt'), 'utf8')).toBe('keep');
  });
});

describe('single-purpose file nodes', () => {
  it('write, append, read, exist, copy, move, list and delete', async () => {
    await run('WriteFileNode', { file_path: 'out/a.txt', content: 'A' });
    await run('AppendFileNode', { file_path: 'out/a.txt', content: 'B' });
    expect((await run('ReadFileNode', { file_path: 'out/a.txt' })).outputs['content']).toBe('AB');
    expect((await run('FileExistsNode', { path: 'out/a.txt' })).outputs['exists']).toBe(true);
    await run('CopyFileNode', { source_path: 'out/a.txt', dest_path: 'out/b.txt' });
    await run('MoveFileNode', { source_path: 'out/b.txt', dest_path: 'out/c.txt' });
    expect((await run('ListDirectoryNode', { dir_path: 'out' })).outputs['items']).toEqual(['a.txt', 'c.txt']);
    await run('DeleteFileNode', { file_path: 'out/c.txt' });
    expect((await run('FileExistsNode', { file_path: 'out/c.txt' })).outputs['exists']).toBe(false);
  });

  it('writes structured content as JSON', async () => {
    await run('WriteFileNode', { file_path: 'data.json', content: { a: [1] } });
    expect(await readFile(join(workdir, 'data.json'), 'utf8')).toBe('{"a":[1]}');
  });

  it('refuses `..` with node id and field', async () => {
    await expect(run('ReadFileNode', { file_path: '../x' }, 'read_it')).rejects.toThrow(/^nodes\.read_it\.config\.file_path: "\.\.\/x" is outside/);
  });
});
