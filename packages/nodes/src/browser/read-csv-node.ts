import { readFile } from 'node:fs/promises';
import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, integer, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { resolveInside } from '../files/working-directory.js';

// ReadCSVNode lives beside the browser nodes because robots that fill web forms read their rows
// from CSV files; it follows the file nodes' path rule (inside the working directory by default).

/** A CSV text is not well formed (an unterminated quote). */
export class CsvFormatError extends Error {
  /** Stable code. */
  readonly code = 'CSV_INVALID';
  /** The file will not change by retrying. */
  readonly retryable = false;
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`CSV line ${line}: ${detail}`);
    this.name = 'CsvFormatError';
  }
}

/**
 * Splits CSV text into records of fields (RFC 4180: `"` quotes fields, `""` is a quote inside one,
 * quoted fields may hold the delimiter and line breaks; CRLF and LF both end records). A trailing
 * line break does not make an empty record.
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let quoteLine = 1;
  let fieldStarted = false;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endField = () => {
    record.push(field);
    field = '';
    fieldStarted = false;
  };
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index] as string;
    if (quoted) {
      if (char === '"' && source[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      quoteLine = line;
    } else if (char === delimiter) {
      endField();
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[index + 1] === '\n') index += 1;
      endField();
      records.push(record);
      record = [];
      line += 1;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvFormatError(quoteLine, 'a quoted field is not closed');
  if (fieldStarted || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

/** ReadCSVNode: rows of a CSV file on `data` (dictionaries keyed by the header row, or lists). */
export const readCsvNode: CatalogNodeHandler = defineNode({
  types: ['ReadCSVNode', 'CSVReadNode'],
  config: z.looseObject({
    file_path: optionalText(),
    path: optionalText(),
    delimiter: text(','),
    has_header: boolean(true),
    skip_rows: integer(0),
    max_rows: integer(0),
    encoding: oneOf(['utf-8', 'utf8', 'latin1'], 'utf-8'),
    allow_outside_working_dir: boolean(false),
  }),
  ports: { inputs: ['file_path'], outputs: ['data', 'headers', 'row_count'] },
  run: async (config, execution) => {
    const field = config.file_path !== undefined ? 'file_path' : 'path';
    const requested = config.file_path ?? config.path;
    if (requested === undefined) throw new ConfigFieldError('file_path', 'required');
    if (config.delimiter.length !== 1) throw new ConfigFieldError('delimiter', 'must be one character');
    const path = await resolveInside(execution.workingDirectory, requested, field, config.allow_outside_working_dir);
    const content = await readFile(path, config.encoding === 'latin1' ? 'latin1' : 'utf8');
    const records = parseCsv(content, config.delimiter)
      .slice(config.skip_rows)
      .filter((record) => record.some((value) => value.trim() !== ''));
    const headers = config.has_header ? (records.shift() ?? []).map((name) => name.trim()) : [];
    const limited = config.max_rows > 0 ? records.slice(0, config.max_rows) : records;
    const data: Json[] = config.has_header ? limited.map((record) => Object.fromEntries(headers.map((name, column) => [name, record[column] ?? '']))) : limited;
    return { outputs: { data, headers, row_count: data.length } };
  },
});
