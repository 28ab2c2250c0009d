import { errorCodeOf, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { stringify } from 'csv-stringify/sync';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { anyValue, boolean, integer, isJsonObject, list, nonEmptyText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { LAST_XML_VARIABLE } from '../xml/xml-nodes.js';
import { parseXml, rootOf } from '../xml/xml-document.js';
import { FileOperationError } from './file-actions.js';
import { resolveInside, writeFileAtomic } from './working-directory.js';

// Structured files (v1 structured_data.py and xml_nodes.py): JSON, CSV and XML read and written
// under the working-directory rule, whole files written atomically (a crash leaves the old file or
// the new one), so a re-run after a crash simply writes the same file again.

const common = { file_path: nonEmptyText(), encoding: text('utf-8'), allow_outside_working_dir: boolean(false) };

function encodingOf(value: string): BufferEncoding {
  const encoding = value.toLowerCase();
  if (!Buffer.isEncoding(encoding)) throw new ConfigFieldError('encoding', `unknown encoding "${value}"`);
  return encoding;
}

async function locate(execution: NodeExecution, config: { file_path: string; allow_outside_working_dir: boolean }): Promise<string> {
  return resolveInside(execution.workingDirectory, config.file_path, 'file_path', config.allow_outside_working_dir);
}

function failure(execution: NodeExecution, action: string, path: string) {
  return (error: unknown): never => {
    throw new FileOperationError(execution.node.id, action, path, errorCodeOf(error), error instanceof Error ? error.message : String(error));
  };
}

async function writeWhole(
  execution: NodeExecution,
  action: string,
  config: { file_path: string; allow_outside_working_dir: boolean },
  content: string,
  encoding: BufferEncoding,
): Promise<void> {
  const full = await locate(execution, config);
  await mkdir(dirname(full), { recursive: true }).catch(failure(execution, action, config.file_path));
  await writeFileAtomic(full, content, encoding).catch(failure(execution, action, config.file_path));
}

const readJsonFileNode = defineNode({
  types: ['ReadJSONFileNode'],
  config: z.looseObject(common),
  ports: { inputs: ['file_path'], outputs: ['data', 'success'] },
  async run(config, execution) {
    const full = await locate(execution, config);
    const content = await readFile(full, { encoding: encodingOf(config.encoding) }).catch(failure(execution, 'Read JSON File', config.file_path));
    let data: Json;
    try {
      data = JSON.parse(content) as Json;
    } catch (error) {
      throw new FileOperationError(execution.node.id, 'Read JSON File', config.file_path, undefined, `invalid JSON: ${(error as Error).message}`);
    }
    return { outputs: { data, success: true } };
  },
});

const writeJsonFileNode = defineNode({
  types: ['WriteJSONFileNode'],
  config: z.looseObject({ ...common, data: anyValue(), indent: integer(2), ensure_ascii: boolean(false) }),
  ports: { inputs: ['file_path', 'data'], outputs: ['file_path', 'attachment_file', 'success'] },
  async run(config, execution) {
    let content = JSON.stringify(config.data, null, config.indent > 0 ? config.indent : undefined);
    if (config.ensure_ascii) content = content.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    await writeWhole(execution, 'Write JSON File', config, content, encodingOf(config.encoding));
    return { outputs: { file_path: config.file_path, attachment_file: [config.file_path], success: true } };
  },
});

const writeCsvNode = defineNode({
  types: ['WriteCSVNode'],
  config: z.looseObject({ ...common, data: list(), headers: list(), delimiter: text(','), write_header: boolean(true) }),
  ports: { inputs: ['file_path', 'data', 'headers'], outputs: ['file_path', 'attachment_file', 'row_count', 'success'] },
  async run(config, execution) {
    if (config.delimiter.length === 0) throw new ConfigFieldError('delimiter', 'must not be empty');
    const rows = config.data;
    const dictionaries = rows.length > 0 && rows.every(isJsonObject);
    if (!dictionaries && !rows.every(Array.isArray)) throw new ConfigFieldError('data', 'expected a list of rows, all dictionaries or all lists');
    const headers =
      config.headers.length > 0 ? config.headers.map((header) => textOf(header)) : dictionaries ? [...new Set(rows.flatMap((row) => Object.keys(row)))] : [];
    const cell = (value: Json | undefined): string =>
      value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    const records = rows.map((row) => (dictionaries ? headers.map((header) => cell((row as JsonObject)[header])) : (row as Json[]).map(cell)));
    const content = stringify(config.write_header && headers.length > 0 ? [headers, ...records] : records, { delimiter: config.delimiter });
    await writeWhole(execution, 'Write CSV', config, content, encodingOf(config.encoding));
    return { outputs: { file_path: config.file_path, attachment_file: [config.file_path], row_count: records.length, success: true } };
  },
});

const readXmlFileNode = defineNode({
  types: ['ReadXMLFileNode'],
  config: z.looseObject(common),
  ports: { inputs: ['file_path'], outputs: ['root_tag', 'xml_string', 'success'] },
  async run(config, execution) {
    const full = await locate(execution, config);
    const content = await readFile(full, { encoding: encodingOf(config.encoding) }).catch(failure(execution, 'Read XML File', config.file_path));
    let root;
    try {
      root = rootOf(parseXml(content, 'file_path'));
    } catch (error) {
      throw new FileOperationError(execution.node.id, 'Read XML File', config.file_path, undefined, (error as Error).message.replace(/^file_path: /, ''));
    }
    return { outputs: { root_tag: root.tagName, xml_string: content, success: true }, variables: { [LAST_XML_VARIABLE]: content } };
  },
});

const writeXmlFileNode = defineNode({
  types: ['WriteXMLFileNode'],
  config: z.looseObject({ ...common, xml_string: nonEmptyText(), pretty_print: boolean(true), xml_declaration: boolean(true) }),
  ports: { inputs: ['file_path', 'xml_string'], outputs: ['file_path', 'success'] },
  async run(config, execution) {
    // Refuse to write what no reader could parse; the text itself is kept as given.
    parseXml(config.xml_string, 'xml_string');
    const body = config.xml_string.trimStart();
    const content =
      config.xml_declaration && !body.startsWith('<?xml') ? `<?xml version="1.0" encoding="${config.encoding}"?>\n${config.xml_string}` : config.xml_string;
    await writeWhole(execution, 'Write XML File', config, content, encodingOf(config.encoding));
    return { outputs: { file_path: config.file_path, success: true } };
  },
});

/** Structured file nodes: ReadJSONFileNode, WriteJSONFileNode, WriteCSVNode, ReadXMLFileNode, WriteXMLFileNode. */
export const structuredFileNodeHandlers: readonly CatalogNodeHandler[] = [readJsonFileNode, writeJsonFileNode, writeCsvNode, readXmlFileNode, writeXmlFileNode];
