import type { NodeExecution } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import type ExcelJS from 'exceljs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { anyValue, boolean, isJsonObject, nonEmptyText, optionalText } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { resolveInside, writeFileAtomic } from '../files/working-directory.js';

// The v1 Excel and Word nodes drove Office through COM; here they work on the files themselves
// (exceljs, mammoth), so they run on a Linux server. The `workbook`/`document` handle is JSON
// (`{ file_path }`), never an open object: each node reads the file, and a write saves it at once,
// atomically, so a crash never leaves a half-saved workbook and there is nothing to reopen.

/** An Excel or Word file could not be read or written. */
export class OfficeFileError extends Error {
  /** Stable code. */
  readonly code = 'OFFICE_FILE_ERROR';
  constructor(
    /** Node that failed. */
    readonly nodeId: string,
    /** The file as the workflow gave it. */
    readonly path: string,
    detail: string,
  ) {
    super(`nodes.${nodeId}: ${path}: ${detail}`);
    this.name = 'OfficeFileError';
  }
}

const pathRule = { allow_outside_working_dir: boolean(false) };

/** The file a node works on: its `workbook`/`document` handle, else its `file_path`. */
function fileOf(handle: Json, filePath: string | undefined, field: string): string {
  if (isJsonObject(handle) && typeof handle['file_path'] === 'string') return handle['file_path'];
  if (typeof handle === 'string' && handle.trim() !== '') return handle;
  if (filePath) return filePath;
  throw new ConfigFieldError(field, 'required: wire the handle of an Open node, or set file_path');
}

async function locate(execution: NodeExecution, path: string, field: string, allowOutside: boolean): Promise<string> {
  return resolveInside(execution.workingDirectory, path, field, allowOutside);
}

/** A new workbook; exceljs is imported on first use, so a process that runs no Excel node never loads it. */
async function newWorkbook(): Promise<ExcelJS.Workbook> {
  const { default: excel } = await import('exceljs');
  return new excel.Workbook();
}

async function loadWorkbook(execution: NodeExecution, given: string, full: string): Promise<ExcelJS.Workbook> {
  const workbook = await newWorkbook();
  try {
    await workbook.xlsx.readFile(full);
  } catch (error) {
    throw new OfficeFileError(execution.node.id, given, `cannot read the workbook: ${(error as Error).message}`);
  }
  return workbook;
}

async function saveWorkbook(workbook: ExcelJS.Workbook, full: string): Promise<void> {
  const bytes = await workbook.xlsx.writeBuffer();
  await mkdir(dirname(full), { recursive: true });
  await writeFileAtomic(full, new Uint8Array(bytes));
}

/** v1 `sheet`: a 1-based index or a name. */
function sheetOf(workbook: ExcelJS.Workbook, sheet: Json, create: boolean): ExcelJS.Worksheet {
  const bySpelling = typeof sheet === 'number' || (typeof sheet === 'string' && /^\d+$/.test(sheet.trim())) ? Number(sheet) : undefined;
  if (bySpelling !== undefined) {
    const found = workbook.worksheets[bySpelling - 1];
    if (found) return found;
    if (create && workbook.worksheets.length === 0) return workbook.addWorksheet('Sheet1');
    throw new ConfigFieldError('sheet', `the workbook has no sheet number ${bySpelling} (it has ${workbook.worksheets.length})`);
  }
  const name = typeof sheet === 'string' ? sheet : 'Sheet1';
  const found = workbook.getWorksheet(name);
  if (found) return found;
  if (create) return workbook.addWorksheet(name);
  throw new ConfigFieldError('sheet', `no sheet named "${name}" (sheets: ${workbook.worksheets.map((ws) => ws.name).join(', ')})`);
}

const CELL = /^[A-Za-z]{1,3}[1-9]\d{0,6}$/;
const cellField = nonEmptyText().refine((cell) => CELL.test(cell.trim()), { error: 'expected a cell reference such as A1' });
const rangeField = nonEmptyText().refine((range) => /^[A-Za-z]{1,3}[1-9]\d{0,6}(:[A-Za-z]{1,3}[1-9]\d{0,6})?$/.test(range.trim()), {
  error: 'expected a range such as A1:C10',
});

/** A cell's value as JSON: formulas give their result, dates ISO text, rich text its plain text. */
function cellValue(value: ExcelJS.CellValue): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if ('result' in value) return cellValue(value.result);
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('text' in value) return String(value.text);
    if ('error' in value) return String(value.error);
    return null;
  }
  return value;
}

const excelOpenNode = defineNode({
  types: ['ExcelOpenNode'],
  config: z.looseObject({ ...pathRule, file_path: nonEmptyText(), create_if_missing: boolean(false), visible: boolean(false) }),
  ports: { inputs: ['file_path'], outputs: ['workbook', 'app', 'success'] },
  async run(config, execution) {
    const full = await locate(execution, config.file_path, 'file_path', config.allow_outside_working_dir);
    const exists = await stat(full).then(
      () => true,
      () => false,
    );
    if (!exists) {
      if (!config.create_if_missing) throw new OfficeFileError(execution.node.id, config.file_path, 'not found (set create_if_missing: true to create it)');
      const workbook = await newWorkbook();
      workbook.addWorksheet('Sheet1');
      await saveWorkbook(workbook, full);
    } else {
      await loadWorkbook(execution, config.file_path, full);
    }
    return { outputs: { workbook: { file_path: config.file_path }, app: null, success: true } };
  },
});

const excelReadCellNode = defineNode({
  types: ['ExcelReadCellNode'],
  config: z.looseObject({ ...pathRule, workbook: anyValue(), file_path: optionalText(), sheet: anyValue(), cell: cellField }),
  ports: { inputs: ['workbook', 'sheet', 'cell'], outputs: ['value', 'success'] },
  async run(config, execution) {
    const given = fileOf(config.workbook, config.file_path, 'workbook');
    const workbook = await loadWorkbook(execution, given, await locate(execution, given, 'workbook', config.allow_outside_working_dir));
    const value = cellValue(sheetOf(workbook, config.sheet ?? 1, false).getCell(config.cell.trim().toUpperCase()).value);
    return { outputs: { value, success: true } };
  },
});

const excelWriteCellNode = defineNode({
  types: ['ExcelWriteCellNode'],
  config: z.looseObject({ ...pathRule, workbook: anyValue(), file_path: optionalText(), sheet: anyValue(), cell: cellField, value: anyValue() }),
  ports: { inputs: ['workbook', 'sheet', 'cell', 'value'], outputs: ['success'] },
  async run(config, execution) {
    const given = fileOf(config.workbook, config.file_path, 'workbook');
    const full = await locate(execution, given, 'workbook', config.allow_outside_working_dir);
    const workbook = await loadWorkbook(execution, given, full);
    const value = config.value;
    sheetOf(workbook, config.sheet ?? 1, true).getCell(config.cell.trim().toUpperCase()).value =
      value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
    await saveWorkbook(workbook, full);
    return { outputs: { success: true } };
  },
});

const excelGetRangeNode = defineNode({
  types: ['ExcelGetRangeNode'],
  config: z.looseObject({ ...pathRule, workbook: anyValue(), file_path: optionalText(), sheet: anyValue(), range: rangeField }),
  ports: { inputs: ['workbook', 'sheet', 'range'], outputs: ['data', 'rows', 'columns', 'success'] },
  async run(config, execution) {
    const given = fileOf(config.workbook, config.file_path, 'workbook');
    const workbook = await loadWorkbook(execution, given, await locate(execution, given, 'workbook', config.allow_outside_working_dir));
    const worksheet = sheetOf(workbook, config.sheet ?? 1, false);
    const [from, to = from] = config.range.trim().toUpperCase().split(':') as [string, string?];
    const start = worksheet.getCell(from);
    const end = worksheet.getCell(to);
    const [top, bottom] = [Math.min(Number(start.row), Number(end.row)), Math.max(Number(start.row), Number(end.row))];
    const [left, right] = [Math.min(Number(start.col), Number(end.col)), Math.max(Number(start.col), Number(end.col))];
    const data: Json[][] = [];
    for (let row = top; row <= bottom; row += 1) {
      const values: Json[] = [];
      for (let col = left; col <= right; col += 1) values.push(cellValue(worksheet.getCell(row, col).value));
      data.push(values);
    }
    return { outputs: { data, rows: data.length, columns: right - left + 1, success: true } };
  },
});

const excelCloseNode = defineNode({
  types: ['ExcelCloseNode'],
  effect: 'pure',
  config: z.looseObject({ workbook: anyValue(), app: anyValue(), save: boolean(true), quit_app: boolean(true) }),
  ports: { inputs: ['workbook', 'app'], outputs: ['success'] },
  // Every write already saved the file; there is no open workbook or Excel process to close.
  run: () => ({ outputs: { success: true } }),
});

const wordOpenNode = defineNode({
  types: ['WordOpenNode'],
  config: z.looseObject({ ...pathRule, file_path: nonEmptyText(), create_if_missing: boolean(false), visible: boolean(false) }),
  ports: { inputs: ['file_path'], outputs: ['document', 'app', 'success'] },
  async run(config, execution) {
    const full = await locate(execution, config.file_path, 'file_path', config.allow_outside_working_dir);
    if (
      !(await stat(full).then(
        () => true,
        () => false,
      ))
    ) {
      throw new OfficeFileError(execution.node.id, config.file_path, 'not found (creating Word documents is not supported here)');
    }
    return { outputs: { document: { file_path: config.file_path }, app: null, success: true } };
  },
});

const wordGetTextNode = defineNode({
  types: ['WordGetTextNode'],
  config: z.looseObject({ ...pathRule, document: anyValue(), file_path: optionalText() }),
  ports: { inputs: ['document'], outputs: ['text', 'word_count', 'success'] },
  async run(config, execution) {
    const given = fileOf(config.document, config.file_path, 'document');
    const full = await locate(execution, given, 'document', config.allow_outside_working_dir);
    try {
      const { default: mammoth } = await import('mammoth');
      const { value } = await mammoth.extractRawText({ path: full });
      const words = value.split(/\s+/).filter((word) => word !== '');
      return { outputs: { text: value, word_count: words.length, success: true } };
    } catch (error) {
      throw new OfficeFileError(execution.node.id, given, `cannot read the document: ${(error as Error).message}`);
    }
  },
});

const wordCloseNode = defineNode({
  types: ['WordCloseNode'],
  effect: 'pure',
  config: z.looseObject({ document: anyValue(), app: anyValue(), save: boolean(true), quit_app: boolean(true) }),
  ports: { inputs: ['document', 'app'], outputs: ['success'] },
  run: () => ({ outputs: { success: true } }),
});

/** Excel (exceljs) and Word (mammoth) nodes on the files themselves, no Office needed. */
export const officeFileNodeHandlers: readonly CatalogNodeHandler[] = [
  excelOpenNode,
  excelReadCellNode,
  excelWriteCellNode,
  excelGetRangeNode,
  excelCloseNode,
  wordOpenNode,
  wordGetTextNode,
  wordCloseNode,
];
