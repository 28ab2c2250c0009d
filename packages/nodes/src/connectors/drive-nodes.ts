import type { Json, JsonObject } from '@casare-rpa/domain';
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { boolean, integer, isJsonObject, list, nonEmptyText, oneOf, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { FileOperationError } from '../files/file-actions.js';
import { resolveInside } from '../files/working-directory.js';
import { batchStatus, eachOf, googleNodes, type BatchResult, idList, listAt, itemList, operation, segment, type GoogleApi, type Query } from './google-api.js';

// Google Drive API v3, one row per v1 type. A file or folder a node creates (upload, copy, create
// folder) carries the run's idempotency key in its appProperties; before creating, the node asks
// Drive for a file with that key, so the re-run of a step that crashed after Drive made the file
// returns that file instead of a second one. Sharing with the same person twice is the same
// permission in Drive; renames, moves and deletes leave Drive as one call would.

const FILES = 'drive/v3/files';
const FOLDER = 'application/vnd.google-apps.folder';
const WORKSPACE = 'application/vnd.google-apps.';
const KEY = 'casareIdempotencyKey';
const FILE_FIELDS = 'id,name,mimeType,size,createdTime,modifiedTime,webViewLink,webContentLink,parents,description,starred,trashed,shared';
const LIST_FIELDS = `nextPageToken,files(${FILE_FIELDS})`;

const fileId = { file_id: nonEmptyText() };
const localFiles = { allow_outside_working_dir: boolean(false) };
const batchFields = { file_ids: itemList(), continue_on_error: boolean(true) };
const mimeTypes = [
  '',
  FOLDER,
  `${WORKSPACE}document`,
  `${WORKSPACE}spreadsheet`,
  `${WORKSPACE}presentation`,
  'application/pdf',
  'image/jpeg',
  'image/png',
  'application/zip',
] as const;

/** Text as a Drive query string literal. */
function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The file this step made before a crash (found by its idempotency key), if any. */
async function madeBefore(api: GoogleApi, key: string): Promise<JsonObject | undefined> {
  const query = `appProperties has { key=${quoted(KEY)} and value=${quoted(key)} } and trashed=false`;
  const [first] = listAt(await api.call('GET', FILES, { query: { q: query, fields: `files(${FILE_FIELDS})`, pageSize: 1 } }), 'files');
  return isJsonObject(first) ? first : undefined;
}

/** Makes a file once per idempotency key: `create` receives the appProperties to set. */
async function createOnce(api: GoogleApi, key: string, create: (appProperties: JsonObject) => Promise<JsonObject>): Promise<JsonObject> {
  return (await madeBefore(api, key)) ?? create({ [KEY]: key });
}

function summary(file: Json | undefined): JsonObject {
  const f = isJsonObject(file) ? file : {};
  return {
    id: f['id'] ?? '',
    name: f['name'] ?? '',
    mimeType: f['mimeType'] ?? '',
    size: Number(f['size'] ?? 0),
    createdTime: f['createdTime'] ?? '',
    modifiedTime: f['modifiedTime'] ?? '',
    parents: f['parents'] ?? [],
    webViewLink: f['webViewLink'] ?? '',
    starred: f['starred'] ?? false,
    trashed: f['trashed'] ?? false,
  };
}

/** Files matching Drive query clauses, `most` at the most; also whether more remain. */
async function findFiles(api: GoogleApi, clauses: readonly string[], most: number, orderBy?: string): Promise<{ files: JsonObject[]; more: boolean }> {
  if (most < 1 || most > 1000) throw new ConfigFieldError('max_results', 'must be between 1 and 1000');
  const files: JsonObject[] = [];
  let pageToken: Json | undefined;
  do {
    const query: Query = {
      q: clauses.join(' and '),
      fields: LIST_FIELDS,
      pageSize: Math.min(most - files.length, 1000),
      orderBy,
      pageToken: typeof pageToken === 'string' ? pageToken : undefined,
    };
    const page = await api.call('GET', FILES, { query });
    files.push(...listAt(page, 'files').map(summary));
    pageToken = page['nextPageToken'];
  } while (typeof pageToken === 'string' && files.length < most);
  return { files: files.slice(0, most), more: typeof pageToken === 'string' };
}

function filterClauses(mimeType: string, includeTrashed: boolean): string[] {
  return [...(mimeType ? [`mimeType = ${quoted(mimeType)}`] : []), ...(includeTrashed ? [] : ['trashed = false'])];
}

/** A Drive folder id, from an id or a share URL. */
function folderIdOf(value: string): string {
  const match = /\/folders\/([A-Za-z0-9_-]+)/.exec(value) ?? /[?&]id=([A-Za-z0-9_-]+)/.exec(value);
  return match?.[1] ?? value.trim();
}

/** A Drive name as one safe local path segment. */
function localName(name: string): string {
  const cleaned = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_').replace(/^[. ]+|[. ]+$/g, '');
  return cleaned === '' ? '_' : cleaned;
}

interface Download {
  readonly id: string;
  readonly name: string;
  /** Subfolder of the destination, for the files of a subfolder of a folder downloaded whole. */
  readonly dir?: string;
}

/** Downloads files into a working-directory folder, `parallel` at a time; names made unique. */
async function downloadAll(api: GoogleApi, files: readonly Download[], folder: string, parallel: number, allowOutside: boolean) {
  const taken = new Set<string>();
  const targets = files.map((file) => {
    const name = localName(file.name || file.id);
    const wanted = join(folder, file.dir ?? '', name);
    const path = taken.has(wanted) ? join(folder, file.dir ?? '', `${basename(name, extname(name))}_${localName(file.id)}${extname(name)}`) : wanted;
    taken.add(path);
    return { file, path };
  });
  const paths: string[] = [];
  const failures: JsonObject[] = [];
  let next = 0;
  const worker = async () => {
    for (let target = targets[next++]; target; target = targets[next++]) {
      try {
        paths.push(await api.download(`${FILES}/${segment(target.file.id)}`, { alt: 'media' }, target.path, 'destination_folder', allowOutside));
      } catch (error) {
        if (error instanceof ConfigFieldError) throw error;
        failures.push({ file_id: target.file.id, name: target.file.name, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, 64)) }, worker));
  return { file_paths: paths.sort(), downloaded_count: paths.length, failed_count: failures.length, failures };
}

/**
 * The files of a folder that can be downloaded as they are (Docs, Sheets and Slides cannot), with
 * those of its subfolders when `recursive`; 1000 a folder at the most.
 */
async function downloadableIn(api: GoogleApi, folderId: string, recursive: boolean): Promise<Download[]> {
  const found: Download[] = [];
  const queue = [{ id: folderId, dir: '' }];
  for (let folder = queue.shift(); folder; folder = queue.shift()) {
    const { files } = await findFiles(api, [`${quoted(folder.id)} in parents`, 'trashed = false'], 1000);
    for (const file of files) {
      const [id, name, type] = [textOf(file['id'] ?? ''), textOf(file['name'] ?? ''), textOf(file['mimeType'] ?? '')];
      if (type === FOLDER && recursive) queue.push({ id, dir: join(folder.dir, localName(name)) });
      else if (!type.startsWith(WORKSPACE)) found.push({ id, name, dir: folder.dir });
    }
  }
  return found;
}

async function move(api: GoogleApi, id: string, folderId: string): Promise<JsonObject> {
  const current = await api.call('GET', `${FILES}/${segment(id)}`, { query: { fields: 'parents' } });
  const old = listAt(current, 'parents').map((parent) => textOf(parent));
  return api.call('PATCH', `${FILES}/${segment(id)}`, { query: { addParents: folderId, removeParents: old.join(','), fields: 'id,parents' }, json: {} });
}

async function copy(api: GoogleApi, id: string, key: string, metadata: JsonObject): Promise<JsonObject> {
  return createOnce(api, key, (appProperties) =>
    api.call('POST', `${FILES}/${segment(id)}/copy`, { query: { fields: 'id,name' }, json: { ...metadata, appProperties } }),
  );
}

/** Runs `each` on every id of a batch node's `file_ids` (100 at the most). */
function eachFile(config: { file_ids: readonly Json[]; continue_on_error: boolean }, each: (id: string, index: number) => Promise<JsonObject>) {
  return eachOf(idList(config.file_ids, 'file_ids', 100), config.continue_on_error, (id) => ({ file_id: id }), each);
}

/** The outputs of a batch node: how many were done (`doneName`), how many failed, each result. */
function batchOutputs(batch: BatchResult, doneName: string): JsonObject {
  return { [doneName]: batch.done, failed_count: batch.failed, results: batch.results, ...batchStatus(batch, 'files') };
}

const EXPORT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  csv: 'text/csv',
  txt: 'text/plain',
  html: 'text/html',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  rtf: 'application/rtf',
  epub: 'application/epub+zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  svg: 'image/svg+xml',
  tsv: 'text/tab-separated-values',
};
const EXPORT_FORMATS = Object.keys(EXPORT_TYPES) as [string, ...string[]];

const driveOperations = [
  operation({
    types: ['DriveUploadFileNode'],
    fields: { file_path: nonEmptyText(), folder_id: text(''), file_name: text(''), mime_type: text(''), description: text(''), ...localFiles },
    inputs: ['file_path', 'folder_id', 'file_name', 'mime_type', 'description'],
    outputs: ['file_id', 'name', 'web_view_link'],
    run: async (config, api) => {
      const local = await resolveInside(api.execution.workingDirectory, config.file_path, 'file_path', config.allow_outside_working_dir);
      await stat(local).catch((error: NodeJS.ErrnoException) => {
        throw new FileOperationError(api.execution.node.id, 'Drive Upload', config.file_path, error.code, error.message);
      });
      const name = config.file_name || basename(local);
      const file = await createOnce(api, api.execution.idempotencyKey, async (appProperties) => {
        const metadata: JsonObject = {
          name,
          appProperties,
          ...(config.folder_id ? { parents: [config.folder_id] } : {}),
          ...(config.description ? { description: config.description } : {}),
        };
        const form = new FormData();
        form.append('metadata', new Blob([JSON.stringify(metadata)], { type: 'application/json; charset=UTF-8' }));
        form.append('file', await openAsBlob(local, { type: config.mime_type || 'application/octet-stream' }), name);
        return api.call('POST', `upload/${FILES}`, { query: { uploadType: 'multipart', fields: 'id,name,webViewLink' }, form });
      });
      return { file_id: file['id'] ?? '', name: file['name'] ?? name, web_view_link: textOf(file['webViewLink'] ?? '') };
    },
  }),
  operation({
    types: ['DriveDownloadFileNode'],
    fields: { ...fileId, destination_path: nonEmptyText(), ...localFiles },
    inputs: ['file_id', 'destination_path'],
    outputs: ['file_path'],
    run: async (config, api) => ({
      file_path: await api.download(
        `${FILES}/${segment(config.file_id)}`,
        { alt: 'media' },
        config.destination_path,
        'destination_path',
        config.allow_outside_working_dir,
      ),
    }),
  }),
  operation({
    types: ['DriveExportFileNode'],
    fields: { ...fileId, destination_path: nonEmptyText(), export_format: oneOf(EXPORT_FORMATS, 'pdf'), ...localFiles },
    inputs: ['file_id', 'destination_path', 'export_format'],
    outputs: ['file_path', 'original_name', 'original_type'],
    run: async (config, api) => {
      const file = await api.call('GET', `${FILES}/${segment(config.file_id)}`, { query: { fields: 'id,name,mimeType' } });
      const type = textOf(file['mimeType'] ?? '');
      if (!type.startsWith(WORKSPACE))
        throw new ConfigFieldError('file_id', `${type || 'the file'} is not a Google Docs, Sheets or Slides file: use DriveDownloadFileNode`);
      const path = extname(config.destination_path) ? config.destination_path : `${config.destination_path}.${config.export_format}`;
      const saved = await api.download(
        `${FILES}/${segment(config.file_id)}/export`,
        { mimeType: EXPORT_TYPES[config.export_format] },
        path,
        'destination_path',
        config.allow_outside_working_dir,
      );
      return { file_path: saved, original_name: file['name'] ?? '', original_type: type };
    },
  }),
  operation({
    types: ['DriveDownloadFolderNode'],
    fields: { folder_id: nonEmptyText(), destination_folder: nonEmptyText(), ...localFiles },
    inputs: ['folder_id', 'destination_folder'],
    outputs: ['file_paths', 'downloaded_count'],
    run: async (config, api) => {
      const files = await downloadableIn(api, folderIdOf(config.folder_id), false);
      const done = await downloadAll(api, files, config.destination_folder, 4, config.allow_outside_working_dir);
      return { file_paths: done.file_paths, downloaded_count: done.downloaded_count };
    },
  }),
  operation({
    types: ['DriveBatchDownloadNode'],
    fields: { files: list(), folder_id: text(''), destination_folder: nonEmptyText(), max_concurrent_downloads: integer(8), ...localFiles },
    inputs: ['files', 'folder_id', 'destination_folder'],
    outputs: ['file_paths', 'downloaded_count', 'failed_count'],
    run: async (config, api) => {
      const listed = config.files.flatMap((file): Download[] =>
        isJsonObject(file) && typeof file['id'] === 'string' && !textOf(file['mimeType'] ?? file['mime_type'] ?? '').startsWith(WORKSPACE)
          ? [{ id: file['id'], name: textOf(file['name'] ?? file['id']) }]
          : [],
      );
      if (config.files.length === 0 && config.folder_id === '')
        throw new ConfigFieldError('files', 'give a list of files (objects with id and name) or a folder_id');
      const files = config.files.length > 0 ? listed : await downloadableIn(api, folderIdOf(config.folder_id), true);
      const done = await downloadAll(api, files, config.destination_folder, config.max_concurrent_downloads, config.allow_outside_working_dir);
      return {
        file_paths: done.file_paths,
        downloaded_count: done.downloaded_count,
        failed_count: done.failed_count,
        ...(done.failed_count > 0 ? { success: false, error: `${done.failed_count} files failed to download` } : {}),
      };
    },
  }),
  operation({
    types: ['DriveGetFileNode'],
    fields: fileId,
    outputs: [
      'file_id',
      'name',
      'mime_type',
      'size',
      'created_time',
      'modified_time',
      'web_view_link',
      'web_content_link',
      'parents',
      'description',
      'starred',
      'trashed',
      'shared',
    ],
    run: async (config, api) => {
      const f = await api.call('GET', `${FILES}/${segment(config.file_id)}`, { query: { fields: FILE_FIELDS } });
      return {
        file_id: f['id'] ?? config.file_id,
        name: f['name'] ?? '',
        mime_type: f['mimeType'] ?? '',
        size: Number(f['size'] ?? 0),
        created_time: f['createdTime'] ?? '',
        modified_time: f['modifiedTime'] ?? '',
        web_view_link: f['webViewLink'] ?? '',
        web_content_link: f['webContentLink'] ?? '',
        parents: f['parents'] ?? [],
        description: f['description'] ?? '',
        starred: f['starred'] ?? false,
        trashed: f['trashed'] ?? false,
        shared: f['shared'] ?? false,
      };
    },
  }),
  operation({
    types: ['DriveCopyFileNode'],
    fields: { ...fileId, new_name: text(''), folder_id: text('') },
    outputs: ['new_file_id', 'name'],
    run: async (config, api) => {
      const copied = await copy(api, config.file_id, api.execution.idempotencyKey, {
        ...(config.new_name ? { name: config.new_name } : {}),
        ...(config.folder_id ? { parents: [config.folder_id] } : {}),
      });
      return { new_file_id: copied['id'] ?? '', name: copied['name'] ?? '' };
    },
  }),
  operation({
    types: ['DriveMoveFileNode'],
    fields: { ...fileId, folder_id: nonEmptyText() },
    outputs: ['file_id', 'new_parents'],
    run: async (config, api) => {
      const moved = await move(api, config.file_id, config.folder_id);
      return { file_id: moved['id'] ?? config.file_id, new_parents: moved['parents'] ?? [config.folder_id] };
    },
  }),
  operation({
    types: ['DriveRenameFileNode'],
    fields: { ...fileId, new_name: nonEmptyText() },
    outputs: ['file_id', 'name'],
    run: async (config, api) => {
      const renamed = await api.call('PATCH', `${FILES}/${segment(config.file_id)}`, { query: { fields: 'id,name' }, json: { name: config.new_name } });
      return { file_id: renamed['id'] ?? config.file_id, name: renamed['name'] ?? config.new_name };
    },
  }),
  operation({
    types: ['DriveDeleteFileNode'],
    fields: { ...fileId, permanent: boolean(false) },
    outputs: ['file_id'],
    run: async (config, api) => {
      if (config.permanent) await api.call('DELETE', `${FILES}/${segment(config.file_id)}`);
      else await api.call('PATCH', `${FILES}/${segment(config.file_id)}`, { query: { fields: 'id' }, json: { trashed: true } });
      return { file_id: config.file_id };
    },
  }),
  operation({
    types: ['DriveCreateFolderNode'],
    fields: { folder_name: nonEmptyText(), parent_id: text(''), description: text('') },
    outputs: ['folder_id', 'folder_name', 'web_view_link'],
    run: async (config, api) => {
      const folder = await createOnce(api, api.execution.idempotencyKey, (appProperties) =>
        api.call('POST', FILES, {
          query: { fields: 'id,name,webViewLink' },
          json: {
            name: config.folder_name,
            mimeType: FOLDER,
            appProperties,
            ...(config.parent_id ? { parents: [config.parent_id] } : {}),
            ...(config.description ? { description: config.description } : {}),
          },
        }),
      );
      return { folder_id: folder['id'] ?? '', folder_name: folder['name'] ?? config.folder_name, web_view_link: folder['webViewLink'] ?? '' };
    },
  }),
  operation({
    types: ['DriveListFilesNode'],
    fields: {
      folder_id: text(''),
      query: text(''),
      mime_type: oneOf(mimeTypes, ''),
      max_results: integer(100),
      order_by: oneOf(['name', 'name desc', 'modifiedTime', 'modifiedTime desc', 'createdTime', 'createdTime desc'], 'name'),
      include_trashed: boolean(false),
    },
    outputs: ['files', 'file_count', 'has_more', 'folder_id'],
    run: async (config, api) => {
      const clauses = [
        ...(config.folder_id ? [`${quoted(folderIdOf(config.folder_id))} in parents`] : []),
        ...(config.query ? [`(${config.query})`] : []),
        ...filterClauses(config.mime_type, config.include_trashed),
      ];
      const { files, more } = await findFiles(api, clauses, config.max_results, config.order_by);
      return { files, file_count: files.length, has_more: more, folder_id: config.folder_id };
    },
  }),
  operation({
    types: ['DriveSearchFilesNode'],
    fields: { query: nonEmptyText(), mime_type: oneOf(mimeTypes, ''), max_results: integer(100), include_trashed: boolean(false) },
    outputs: ['files', 'file_count'],
    run: async (config, api) => {
      const { files } = await findFiles(api, [`(${config.query})`, ...filterClauses(config.mime_type, config.include_trashed)], config.max_results);
      return { files, file_count: files.length };
    },
  }),
  operation({
    types: ['DriveShareFileNode'],
    fields: {
      ...fileId,
      email: text(''),
      role: oneOf(['reader', 'writer', 'commenter', 'owner'], 'reader'),
      permission_type: oneOf(['user', 'group', 'domain', 'anyone'], 'user'),
      domain: text(''),
      send_notification: boolean(true),
      email_message: text(''),
      transfer_ownership: boolean(false),
    },
    inputs: ['file_id', 'email', 'role', 'permission_type', 'domain'],
    outputs: ['permission_id', 'permission'],
    run: async (config, api) => {
      const personal = config.permission_type === 'user' || config.permission_type === 'group';
      if (personal && config.email === '') throw new ConfigFieldError('email', `required for permission_type ${config.permission_type}`);
      if (config.permission_type === 'domain' && config.domain === '') throw new ConfigFieldError('domain', 'required for permission_type domain');
      const query: Query = {
        sendNotificationEmail: config.send_notification,
        emailMessage: config.send_notification ? config.email_message : undefined,
        transferOwnership: config.transfer_ownership || undefined,
        fields: 'id,type,role,emailAddress,domain,displayName',
      };
      const permission = await api.call('POST', `${FILES}/${segment(config.file_id)}/permissions`, {
        query,
        json: {
          role: config.role,
          type: config.permission_type,
          ...(personal ? { emailAddress: config.email } : {}),
          ...(config.permission_type === 'domain' ? { domain: config.domain } : {}),
        },
      });
      return { permission_id: permission['id'] ?? '', permission };
    },
  }),
  operation({
    types: ['DriveRemoveShareNode', 'DriveRemovePermissionNode'],
    fields: { ...fileId, permission_id: nonEmptyText() },
    outputs: [],
    run: async (config, api) => {
      await api.call('DELETE', `${FILES}/${segment(config.file_id)}/permissions/${segment(config.permission_id)}`);
      return {};
    },
  }),
  operation({
    types: ['DriveGetPermissionsNode'],
    fields: { ...fileId, include_permissions_for_view: boolean(false) },
    inputs: ['file_id'],
    outputs: ['permissions', 'count'],
    run: async (config, api) => {
      const answer = await api.call('GET', `${FILES}/${segment(config.file_id)}/permissions`, {
        query: {
          fields: 'permissions(id,type,role,emailAddress,domain,displayName,photoLink,expirationTime,deleted,pendingOwner)',
          includePermissionsForView: config.include_permissions_for_view ? 'published' : undefined,
        },
      });
      const permissions = listAt(answer, 'permissions');
      return { permissions, count: permissions.length };
    },
  }),
  operation({
    types: ['DriveCreateShareLinkNode'],
    fields: {
      ...fileId,
      access_type: oneOf(['anyone', 'anyoneWithLink'], 'anyone'),
      link_role: oneOf(['reader', 'writer', 'commenter'], 'reader'),
      allow_file_discovery: boolean(false),
    },
    inputs: ['file_id'],
    outputs: ['share_link', 'permission_id'],
    run: async (config, api) => {
      // Drive's type is `anyone` either way; "with link" only means the file is not discoverable.
      const permission = await api.call('POST', `${FILES}/${segment(config.file_id)}/permissions`, {
        query: { fields: 'id' },
        json: { type: 'anyone', role: config.link_role, allowFileDiscovery: config.access_type === 'anyone' && config.allow_file_discovery },
      });
      const file = await api.call('GET', `${FILES}/${segment(config.file_id)}`, { query: { fields: 'webViewLink' } });
      return { share_link: file['webViewLink'] ?? '', permission_id: permission['id'] ?? '' };
    },
  }),
  operation({
    types: ['DriveBatchDeleteNode'],
    fields: batchFields,
    inputs: ['file_ids'],
    outputs: ['deleted_count', 'failed_count', 'results'],
    run: async (config, api) => {
      const batch = await eachFile(config, async (id) => {
        await api.call('DELETE', `${FILES}/${segment(id)}`);
        return {};
      });
      return batchOutputs(batch, 'deleted_count');
    },
  }),
  operation({
    types: ['DriveBatchMoveNode'],
    fields: { ...batchFields, folder_id: nonEmptyText() },
    inputs: ['file_ids', 'folder_id'],
    outputs: ['moved_count', 'failed_count', 'results'],
    run: async (config, api) => {
      const batch = await eachFile(config, async (id) => {
        await move(api, id, config.folder_id);
        return { new_parent: config.folder_id };
      });
      return batchOutputs(batch, 'moved_count');
    },
  }),
  operation({
    types: ['DriveBatchCopyNode'],
    fields: { ...batchFields, folder_id: nonEmptyText(), preserve_name: boolean(true) },
    inputs: ['file_ids', 'folder_id'],
    outputs: ['copied_count', 'failed_count', 'new_file_ids', 'results'],
    run: async (config, api) => {
      const batch = await eachFile(config, async (id, index) => {
        const name = config.preserve_name ? textOf((await api.call('GET', `${FILES}/${segment(id)}`, { query: { fields: 'name' } }))['name'] ?? '') : '';
        const copied = await copy(api, id, `${api.execution.idempotencyKey}.${index}`, { parents: [config.folder_id], ...(name ? { name } : {}) });
        return { new_file_id: copied['id'] ?? '', name: copied['name'] ?? '' };
      });
      const newIds = batch.results.flatMap((result) => (result['success'] === true ? [result['new_file_id'] ?? ''] : []));
      return { ...batchOutputs(batch, 'copied_count'), new_file_ids: newIds };
    },
  }),
];

/** Google Drive API nodes: upload, download, export, copy, move, rename, delete, folders, search, sharing, batches. */
export const driveNodeHandlers: readonly CatalogNodeHandler[] = googleNodes({ name: 'Drive', base: 'https://www.googleapis.com' }, driveOperations);
