import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
let root: string;
let workdir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'casare-zip-'));
  workdir = join(root, 'work');
  await mkdir(join(workdir, 'docs', 'sub'), { recursive: true });
  await writeFile(join(workdir, 'docs', 'a.txt'), 'alpha');
  await writeFile(join(workdir, 'docs', 'b.csv'), '1,2');
  await writeFile(join(workdir, 'docs', 'sub', 'c.txt'), 'gamma');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'z') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());

/** A real archive whose entry names are patched after writing: yazl itself refuses such names. */
async function craftedArchive(entries: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const swaps: [Buffer, Buffer][] = [];
  for (const [name, content] of Object.entries(entries)) {
    const placeholder = name.replace(/\.\./g, 'XX').replace(/^\//, 'Y');
    swaps.push([Buffer.from(placeholder), Buffer.from(name)]);
    zip.addBuffer(Buffer.from(content), placeholder);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  for (const [from, to] of swaps) {
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) to.copy(bytes, at);
  }
  return bytes;
}

describe('ZipFilesNode and UnzipFilesNode', () => {
  it('zips a folder keeping its structure and unzips it elsewhere', async () => {
    expect((await run('ZipFilesNode', { zip_path: 'out/docs.zip', source_path: 'docs' })).outputs).toEqual({
      zip_path: 'out/docs.zip',
      attachment_file: ['out/docs.zip'],
      file_count: 3,
      success: true,
    });
    const unzipped = await run('UnzipFilesNode', { zip_path: 'out/docs.zip', extract_to: 'copy' });
    expect(unzipped.outputs).toEqual({ extract_to: 'copy', files: ['copy/a.txt', 'copy/b.csv', 'copy/sub/c.txt'], file_count: 3, success: true });
    expect(await readFile(join(workdir, 'copy', 'sub', 'c.txt'), 'utf8')).toBe('gamma');
  });

  it('zips a pattern and a list of files', async () => {
    await run('ZipFilesNode', { zip_path: 'txt.zip', source_path: 'docs/*.txt', compression: 'ZIP_STORED' });
    expect((await run('UnzipFilesNode', { zip_path: 'txt.zip', extract_to: 'txt' })).outputs['files']).toEqual(['txt/a.txt']);
    await run('ZipFilesNode', { zip_path: 'list.zip', files: ['docs/b.csv', 'docs/sub/c.txt'] });
    expect((await run('UnzipFilesNode', { zip_path: 'list.zip', extract_to: 'list' })).outputs['files']).toEqual(['list/b.csv', 'list/c.txt']);
  });

  it.each([
    ['a parent-directory entry', { 'ok.txt': 'fine', '../../evil.txt': 'pwned' }],
    ['an absolute entry', { [`/${'tmp'}/casare-evil.txt`]: 'pwned' }],
  ])('refuses zip slip through %s and extracts nothing', async (_label, entries) => {
    await writeFile(join(workdir, 'evil.zip'), await craftedArchive(entries));
    await expect(run('UnzipFilesNode', { zip_path: 'evil.zip', extract_to: 'dest' }, 'unzip')).rejects.toMatchObject({
      code: 'ARCHIVE_ENTRY_OUTSIDE',
      nodeId: 'unzip',
    });
    expect(await readdir(root)).toEqual(['work']);
    expect(await readdir(workdir)).not.toContain('dest');
  });

  it('refuses an entry that would follow a symlink out of the destination', async () => {
    await mkdir(join(root, 'outside'));
    await mkdir(join(workdir, 'dest'));
    await symlink(join(root, 'outside'), join(workdir, 'dest', 'link'));
    await writeFile(join(workdir, 'sly.zip'), await craftedArchive({ 'link/evil.txt': 'pwned' }));
    await expect(run('UnzipFilesNode', { zip_path: 'sly.zip', extract_to: 'dest' })).rejects.toMatchObject({ code: 'ARCHIVE_ENTRY_OUTSIDE' });
    expect(await readdir(join(root, 'outside'))).toEqual([]);
  });

  it('names node and field for bad config', async () => {
    await expect(run('ZipFilesNode', { zip_path: 'a.zip', source_path: 'docs', compression: 'RAR' }, 'z')).rejects.toThrow(
      /^nodes\.z\.config\.compression: expected one of "ZIP_DEFLATED"/,
    );
    await expect(run('ZipFilesNode', { zip_path: 'a.zip' }, 'z')).rejects.toThrow(/^nodes\.z\.config\.source_path: no files to zip/);
    await expect(run('ZipFilesNode', { zip_path: '../a.zip', source_path: 'docs' }, 'z')).rejects.toThrow(
      /^nodes\.z\.config\.zip_path: "\.\.\/a\.zip" is outside the working directory/,
    );
    await expect(run('UnzipFilesNode', { zip_path: 'none.zip', extract_to: 'x' }, 'u')).rejects.toThrow('nodes.u.config.zip_path: "none.zip" not found');
    await writeFile(join(workdir, 'junk.zip'), 'not a zip');
    await expect(run('UnzipFilesNode', { zip_path: 'junk.zip', extract_to: 'x' }, 'u')).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
  });
});
