import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCsvNode } from '../browser/read-csv-node.js';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
let workdir: string;

beforeEach(async () => {
  workdir = join(await mkdtemp(join(tmpdir(), 'casare-structured-')), 'work');
  await mkdir(workdir);
});
afterEach(async () => {
  await rm(join(workdir, '..'), { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'f') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());

describe('structured file nodes', () => {
  it('writes and reads JSON files', async () => {
    const data = { name: 'Zoë', items: [1, 2, { deep: true }] };
    expect((await run('WriteJSONFileNode', { file_path: 'out/data.json', data })).outputs).toEqual({
      file_path: 'out/data.json',
      attachment_file: ['out/data.json'],
      success: true,
    });
    expect(await readFile(join(workdir, 'out/data.json'), 'utf8')).toBe(JSON.stringify(data, null, 2));
    await run('WriteJSONFileNode', { file_path: 'ascii.json', data: { name: 'Zoë' }, indent: 0, ensure_ascii: true });
    expect(await readFile(join(workdir, 'ascii.json'), 'utf8')).toBe('{"name":"Zo\\u00eb"}');
    expect((await run('ReadJSONFileNode', { file_path: 'out/data.json' })).outputs).toEqual({ data, success: true });
    await writeFile(join(workdir, 'bad.json'), '{"a": ');
    await expect(run('ReadJSONFileNode', { file_path: 'bad.json' }, 'r')).rejects.toThrow(/^nodes\.r: Read JSON File "bad\.json": invalid JSON/);
    await expect(run('ReadJSONFileNode', { file_path: 'missing.json' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('writes CSV from dictionaries or lists, quoting what needs it', async () => {
    const rows: JsonObject[] = [
      { name: 'Ada', note: 'says "hi", twice' },
      { name: 'Grace', note: 'line\nbreak', extra: 1 },
    ];
    expect((await run('WriteCSVNode', { file_path: 'people.csv', data: rows })).outputs).toMatchObject({ row_count: 2, success: true });
    expect(await readFile(join(workdir, 'people.csv'), 'utf8')).toBe('name,note,extra\nAda,"says ""hi"", twice",\nGrace,"line\nbreak",1\n');
    await run('WriteCSVNode', {
      file_path: 'grid.csv',
      data: [
        [1, 2],
        [3, null],
      ],
      headers: ['a', 'b'],
      delimiter: ';',
    });
    expect(await readFile(join(workdir, 'grid.csv'), 'utf8')).toBe('a;b\n1;2\n3;\n');
    const read = await readCsvNode.execute(aNodeExecution('ReadCSVNode').withConfig({ file_path: 'people.csv' }).inDirectory(workdir).build());
    expect(read.outputs['data']).toEqual([
      { name: 'Ada', note: 'says "hi", twice', extra: '' },
      { name: 'Grace', note: 'line\nbreak', extra: '1' },
    ]);
  });

  it('writes and reads XML files, refusing XML that does not parse', async () => {
    await run('WriteXMLFileNode', { file_path: 'doc.xml', xml_string: '<a><b>1</b></a>' });
    expect(await readFile(join(workdir, 'doc.xml'), 'utf8')).toBe('<?xml version="1.0" encoding="utf-8"?>\n<a><b>1</b></a>');
    const read = await run('ReadXMLFileNode', { file_path: 'doc.xml' });
    expect(read.outputs).toMatchObject({ root_tag: 'a', success: true });
    expect(read.variables).toEqual({ _xml_root: '<?xml version="1.0" encoding="utf-8"?>\n<a><b>1</b></a>' });
    await expect(run('WriteXMLFileNode', { file_path: 'x.xml', xml_string: '<a>' }, 'w')).rejects.toThrow(/^nodes\.w\.config\.xml_string: not well-formed XML/);
  });

  it('names node and field for bad config and keeps paths inside the working directory', async () => {
    await expect(run('WriteJSONFileNode', { file_path: '../escape.json', data: 1 }, 'w')).rejects.toThrow(
      /^nodes\.w\.config\.file_path: "\.\.\/escape\.json" is outside the working directory/,
    );
    await expect(run('WriteCSVNode', { file_path: 'a.csv', data: 'not a list' }, 'c')).rejects.toThrow('nodes.c.config.data: expected a list');
    await expect(run('WriteCSVNode', { file_path: 'a.csv', data: [1, 2] }, 'c')).rejects.toThrow(
      'nodes.c.config.data: expected a list of rows, all dictionaries or all lists',
    );
    await expect(run('ReadJSONFileNode', {}, 'r')).rejects.toThrow('nodes.r.config.file_path: required');
    await expect(run('WriteJSONFileNode', { file_path: 'a.json', indent: 'wide' }, 'w')).rejects.toThrow(/^nodes\.w\.config\.indent: expected a number/);
  });

  it('StructuredDataSuperNode dispatches on action, and names node and field for an unknown one', async () => {
    await run('StructuredDataSuperNode', { action: 'Write JSON', file_path: 'a.json', data: [1, 2] });
    expect((await run('StructuredDataSuperNode', { action: 'read json', file_path: 'a.json' })).outputs).toEqual({ data: [1, 2], success: true });
    await run('StructuredDataSuperNode', { action: 'Write CSV', file_path: 'a.csv', data: [{ x: 1 }] });
    expect((await run('StructuredDataSuperNode', { file_path: 'a.csv' })).outputs).toMatchObject({ data: [{ x: '1' }], row_count: 1 });
    expect((await run('StructuredDataSuperNode', { action: 'Zip Files', zip_path: 'a.zip', files: ['a.json', 'a.csv'] })).outputs['file_count']).toBe(2);
    expect((await run('StructuredDataSuperNode', { action: 'Unzip Files', zip_path: 'a.zip', extract_to: 'out' })).outputs['files']).toEqual([
      'out/a.json',
      'out/a.csv',
    ]);
    expect(catalog.validate([{ id: 'img', type: 'StructuredDataSuperNode', config: { action: 'Shred', source_path: 'a.png' } }])).toMatchObject([
      { path: 'nodes.img.config.action', nodeId: 'img' },
    ]);
  });

  it('declares them world', () => {
    for (const type of ['StructuredDataSuperNode', 'ReadJSONFileNode', 'WriteJSONFileNode', 'WriteCSVNode', 'ReadXMLFileNode', 'WriteXMLFileNode'])
      expect(catalog.effectOf(aWorkflowNode(type))).toBe('world');
  });
});
