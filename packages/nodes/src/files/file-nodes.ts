import { isAbsolute, normalize, sep } from 'node:path';
import { z } from 'zod';
import { isJsonObject } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { FILE_ACTIONS, FILE_ACTION_SHAPES, runFileAction, type FileActionName } from './file-actions.js';

// File nodes: FileSystemSuperNode (one node, an `action` field) and the single-purpose v1 nodes.
// Paths are relative to the run's working directory and may not leave it unless the node sets
// `allow_outside_working_dir: true`; whole-file writes are atomic (temporary file + rename).

const byLowerName = new Map<string, FileActionName>(FILE_ACTIONS.map((name) => [name.toLowerCase(), name]));

/** Accepts the action in any letter case (`write file`, `WRITE FILE`), as the v1 editor did. */
function normaliseAction(config: unknown): unknown {
  if (!isJsonObject(config) || typeof config['action'] !== 'string') return config;
  const canonical = byLowerName.get(config['action'].trim().toLowerCase());
  return canonical ? { ...config, action: canonical } : config;
}

/** Config fields that hold paths, in every action. */
const PATH_FIELDS = ['file_path', 'path', 'directory_path', 'dir_path', 'source_path', 'source', 'dest_path', 'destination', 'destination_path'];

/**
 * A relative path whose `..` parts climb above its start leaves any working directory: refuse it
 * before the run (the run-time check also covers absolute paths and symlinks).
 */
function refuseClimbingPaths(config: Readonly<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  if (config['allow_outside_working_dir'] === true || config['allow_outside_working_dir'] === 'true') return;
  for (const field of PATH_FIELDS) {
    const value = config[field];
    if (typeof value !== 'string' || value.includes('{{') || isAbsolute(value)) continue;
    const normalised = normalize(value);
    if (normalised === '..' || normalised.startsWith(`..${sep}`)) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        input: value,
        message: `"${value}" is outside the working directory; set allow_outside_working_dir: true on the node to allow it`,
      });
    }
  }
}

function actionSchema<A extends FileActionName>(action: A) {
  return z.looseObject({ action: z.literal(action), ...FILE_ACTION_SHAPES[action] }).superRefine(refuseClimbingPaths);
}

const superNodeConfig = z.preprocess(
  normaliseAction,
  z.discriminatedUnion(
    'action',
    [
      actionSchema('Read File'),
      actionSchema('Write File'),
      actionSchema('Append File'),
      actionSchema('Delete File'),
      actionSchema('Copy File'),
      actionSchema('Move File'),
      actionSchema('File Exists'),
      actionSchema('Get File Size'),
      actionSchema('Get File Info'),
      actionSchema('Create Directory'),
      actionSchema('List Files'),
      actionSchema('List Directory'),
    ],
    { error: `expected one of ${FILE_ACTIONS.map((name) => JSON.stringify(name)).join(', ')}` },
  ),
);

const OUTPUTS: Record<FileActionName, readonly string[]> = {
  'Read File': ['content', 'size', 'file_path', 'success'],
  'Write File': ['file_path', 'bytes_written', 'success'],
  'Append File': ['file_path', 'bytes_written', 'success'],
  'Delete File': ['file_path', 'deleted', 'success'],
  'Copy File': ['source_path', 'dest_path', 'success'],
  'Move File': ['source_path', 'dest_path', 'success'],
  'File Exists': ['exists', 'is_file', 'is_dir'],
  'Get File Size': ['size', 'file_path'],
  'Get File Info': ['size', 'modified', 'created', 'is_file', 'is_dir', 'name', 'extension', 'file_path'],
  'Create Directory': ['dir_path', 'created', 'success'],
  'List Files': ['items', 'files', 'count', 'dir_path'],
  'List Directory': ['items', 'files', 'count', 'dir_path'],
};

const fileSystemSuperNode = defineNode({
  types: ['FileSystemSuperNode'],
  config: superNodeConfig,
  ports: {
    inputs: ['file_path', 'path', 'content', 'source_path', 'dest_path', 'directory_path'],
    outputs: [...new Set(Object.values(OUTPUTS).flat())],
  },
  run: async (config, execution) => ({ outputs: await runFileAction(config.action, config, execution) }),
});

/** A single-purpose v1 file node: the super node's action with its fields, no `action` field. */
function singleActionNode(types: readonly string[], action: FileActionName): CatalogNodeHandler {
  return defineNode({
    types,
    config: z.looseObject(FILE_ACTION_SHAPES[action]).superRefine(refuseClimbingPaths),
    ports: { inputs: Object.keys(FILE_ACTION_SHAPES[action]), outputs: OUTPUTS[action] },
    run: async (config, execution) => ({ outputs: await runFileAction(action, config, execution) }),
  });
}

/** File nodes: FileSystemSuperNode and the single-purpose read/write/append/exists/delete/copy/move/list nodes. */
export const fileNodeHandlers: readonly CatalogNodeHandler[] = [
  fileSystemSuperNode,
  singleActionNode(['ReadFileNode'], 'Read File'),
  singleActionNode(['WriteFileNode'], 'Write File'),
  singleActionNode(['AppendFileNode'], 'Append File'),
  singleActionNode(['DeleteFileNode'], 'Delete File'),
  singleActionNode(['CopyFileNode'], 'Copy File'),
  singleActionNode(['MoveFileNode'], 'Move File'),
  singleActionNode(['FileExistsNode'], 'File Exists'),
  singleActionNode(['GetFileSizeNode'], 'Get File Size'),
  singleActionNode(['GetFileInfoNode'], 'Get File Info'),
  singleActionNode(['CreateDirectoryNode'], 'Create Directory'),
  singleActionNode(['ListFilesNode'], 'List Files'),
  singleActionNode(['ListDirectoryNode'], 'List Directory'),
];
