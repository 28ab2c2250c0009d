import { z } from 'zod';
import { zipNodeHandlers } from '../archive/zip-nodes.js';
import { readCsvNode } from '../browser/read-csv-node.js';
import { imageConvertNode } from '../documents/image-nodes.js';
import { oneOf } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { structuredFileNodeHandlers } from './structured-file-nodes.js';

// StructuredDataSuperNode: the v1 actions, each run by the simple node's own handler.

/** The v1 StructuredDataSuperNode actions this catalog runs. */
export const STRUCTURED_DATA_ACTIONS = ['Read CSV', 'Write CSV', 'Read JSON', 'Write JSON', 'Zip Files', 'Unzip Files', 'Image Convert'] as const;

function handlerOf(type: string, handlers: readonly CatalogNodeHandler[]): CatalogNodeHandler {
  const handler = handlers.find((candidate) => candidate.types.includes(type));
  if (!handler) throw new Error(`no handler for ${type}`);
  return handler;
}

const byAction: Record<(typeof STRUCTURED_DATA_ACTIONS)[number], CatalogNodeHandler> = {
  'Read CSV': readCsvNode,
  'Write CSV': handlerOf('WriteCSVNode', structuredFileNodeHandlers),
  'Read JSON': handlerOf('ReadJSONFileNode', structuredFileNodeHandlers),
  'Write JSON': handlerOf('WriteJSONFileNode', structuredFileNodeHandlers),
  'Zip Files': handlerOf('ZipFilesNode', zipNodeHandlers),
  'Unzip Files': handlerOf('UnzipFilesNode', zipNodeHandlers),
  'Image Convert': imageConvertNode,
};

/** StructuredDataSuperNode: CSV, JSON, ZIP and image actions on one node (world: it reads or writes files). */
export const structuredDataSuperNode: CatalogNodeHandler = defineNode({
  types: ['StructuredDataSuperNode'],
  config: z.looseObject({ action: oneOf(STRUCTURED_DATA_ACTIONS, 'Read CSV') }),
  ports: {
    inputs: ['file_path', 'data', 'headers', 'zip_path', 'source_path', 'files', 'extract_to'],
    outputs: [
      'data',
      'headers',
      'row_count',
      'file_path',
      'attachment_file',
      'success',
      'zip_path',
      'file_count',
      'extract_to',
      'files',
      'output_path',
      'format',
    ],
  },
  run: (config, execution) => byAction[config.action].execute(execution),
});
