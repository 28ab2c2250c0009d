import type { JsonObject } from '@casare-rpa/domain';
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
let workdir: string;

beforeEach(async () => {
  workdir = join(await mkdtemp(join(tmpdir(), 'casare-office-')), 'work');
  await mkdir(workdir);
});
afterEach(async () => {
  await rm(join(workdir, '..'), { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'o') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());

describe('Excel nodes on .xlsx files (exceljs)', () => {
  it('creates a workbook, writes cells, reads them and a range back, and the file is a real workbook', async () => {
    const opened = await run('ExcelOpenNode', { file_path: 'book.xlsx', create_if_missing: true });
    expect(opened.outputs).toEqual({ workbook: { file_path: 'book.xlsx' }, app: null, success: true });
    const workbook = opened.outputs['workbook']!;
    await run('ExcelWriteCellNode', { workbook, cell: 'A1', value: 'name' });
    await run('ExcelWriteCellNode', { workbook, cell: 'B1', value: 'age' });
    await run('ExcelWriteCellNode', { workbook, sheet: 1, cell: 'A2', value: 'Ada' });
    await run('ExcelWriteCellNode', { workbook, sheet: 'Sheet1', cell: 'b2', value: 36 });
    expect((await run('ExcelReadCellNode', { workbook, cell: 'B2' })).outputs).toEqual({ value: 36, success: true });
    expect((await run('ExcelGetRangeNode', { workbook, range: 'A1:B3' })).outputs).toEqual({
      data: [
        ['name', 'age'],
        ['Ada', 36],
        [null, null],
      ],
      rows: 3,
      columns: 2,
      success: true,
    });
    expect((await run('ExcelCloseNode', { workbook })).outputs).toEqual({ success: true });
    const check = new ExcelJS.Workbook();
    await check.xlsx.readFile(join(workdir, 'book.xlsx'));
    expect(check.getWorksheet('Sheet1')?.getCell('A2').value).toBe('Ada');
  });

  it('reads formulas as their results from a workbook made elsewhere', async () => {
    const made = new ExcelJS.Workbook();
    const sheet = made.addWorksheet('Data');
    sheet.getCell('A1').value = 2;
    sheet.getCell('A2').value = { formula: 'A1*21', result: 42 };
    await made.xlsx.writeFile(join(workdir, 'made.xlsx'));
    expect((await run('ExcelReadCellNode', { file_path: 'made.xlsx', sheet: 'Data', cell: 'A2' })).outputs['value']).toBe(42);
  });

  it('names node and field for bad config', async () => {
    await expect(run('ExcelReadCellNode', { file_path: 'x.xlsx', cell: 'A0' }, 'r')).rejects.toThrow(
      'nodes.r.config.cell: expected a cell reference such as A1',
    );
    await expect(run('ExcelGetRangeNode', { file_path: 'x.xlsx', range: 'A1-B2' }, 'g')).rejects.toThrow(
      'nodes.g.config.range: expected a range such as A1:C10',
    );
    await expect(run('ExcelOpenNode', { file_path: 'missing.xlsx' }, 'o')).rejects.toMatchObject({ code: 'OFFICE_FILE_ERROR', nodeId: 'o' });
    await run('ExcelOpenNode', { file_path: 'b.xlsx', create_if_missing: true });
    await expect(run('ExcelReadCellNode', { file_path: 'b.xlsx', sheet: 'Nope', cell: 'A1' }, 'r')).rejects.toThrow(
      'nodes.r.config.sheet: no sheet named "Nope" (sheets: Sheet1)',
    );
    await expect(run('ExcelReadCellNode', { cell: 'A1' }, 'r')).rejects.toThrow(/^nodes\.r\.config\.workbook: required/);
    await expect(run('ExcelOpenNode', { file_path: '../out.xlsx' }, 'o')).rejects.toThrow(
      /^nodes\.o\.config\.file_path: "\.\.\/out\.xlsx" is outside the working directory/,
    );
  });
});

describe('Word nodes on .docx files (mammoth)', () => {
  it('opens a document and gets its text and word count', async () => {
    const doc = new Document({ sections: [{ children: [new Paragraph('Invoice 42'), new Paragraph('Total due: 10 EUR')] }] });
    await writeFile(join(workdir, 'letter.docx'), await Packer.toBuffer(doc));
    const opened = await run('WordOpenNode', { file_path: 'letter.docx' });
    const text = await run('WordGetTextNode', { document: opened.outputs['document']! });
    expect(text.outputs).toEqual({ text: 'Invoice 42\n\nTotal due: 10 EUR\n\n', word_count: 6, success: true });
    expect((await run('WordCloseNode', {})).outputs).toEqual({ success: true });
  });

  it('fails clearly on a file that is not a document', async () => {
    await writeFile(join(workdir, 'fake.docx'), 'not a zip');
    await expect(run('WordGetTextNode', { file_path: 'fake.docx' }, 'w')).rejects.toMatchObject({ code: 'OFFICE_FILE_ERROR', nodeId: 'w' });
    await expect(run('WordOpenNode', {}, 'w')).rejects.toThrow('nodes.w.config.file_path: required');
  });
});
