import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeConfigError } from '../catalog/node-config-error.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { CsvFormatError, parseCsv, readCsvNode } from './read-csv-node.js';

describe('parseCsv', () => {
  it('splits records and fields, with quotes, escaped quotes, delimiters and line breaks inside quotes', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', ''],
    ]);
  });

  it('reads other delimiters and ignores a byte order mark', () => {
    expect(parseCsv('\uFEFFa;b\n1;2', ';')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('refuses an unterminated quote, naming its line', () => {
    expect(() => parseCsv('a\n"b,c\n')).toThrow(CsvFormatError);
    expect(() => parseCsv('a\n"b,c\n')).toThrow('CSV line 2');
  });
});

describe('ReadCSVNode', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'casare-csv-'));
    await writeFile(join(directory, 'rows.csv'), 'customer,amount\nACME,10.50\n\nGlobex,"1,200.00"\n');
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const read = (config: Record<string, string | number | boolean>) =>
    readCsvNode.execute(aNodeExecution('ReadCSVNode').withId('read_rows').withConfig(config).inDirectory(directory).build());

  it('reads rows as dictionaries keyed by the header, skipping blank lines', async () => {
    expect((await read({ file_path: 'rows.csv' })).outputs).toEqual({
      data: [
        { customer: 'ACME', amount: '10.50' },
        { customer: 'Globex', amount: '1,200.00' },
      ],
      headers: ['customer', 'amount'],
      row_count: 2,
    });
  });

  it('reads rows as lists without a header, and limits them', async () => {
    expect((await read({ file_path: 'rows.csv', has_header: false, max_rows: 2 })).outputs['data']).toEqual([
      ['customer', 'amount'],
      ['ACME', '10.50'],
    ]);
  });

  it('refuses a path outside the working directory, naming node and field', async () => {
    await expect(read({ file_path: '../rows.csv' })).rejects.toThrow(NodeConfigError);
    await expect(read({ file_path: '../rows.csv' })).rejects.toThrow(/nodes\.read_rows\.config\.file_path: .*outside the working directory/);
  });
});
