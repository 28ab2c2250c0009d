import { errorCodeOf, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import { boolean, isJsonArray, isJsonObject, list, nonEmptyText, number, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { commaList, messageIdFor } from '../email/smtp-nodes.js';
import { FileOperationError } from '../files/file-actions.js';
import { resolveInside } from '../files/working-directory.js';
import { downloadToFile, httpUrl } from '../http/http-transfer.js';
import { callConnector, requiredToken } from './connector-api.js';

// Google Workspace REST APIs (Gmail, Sheets, Drive) with an OAuth access token from a secret.
// Obtaining and refreshing the token (OAuth2TokenExchangeNode, a service account) is the
// workflow's business; `api_base_url` lets tests point a node at a local stand-in.

const googleFields = { access_token: optionalText(), api_base_url: optionalText(), timeout: number(60) };

type GoogleConfig = z.output<z.ZodObject<typeof googleFields>>;

function googleError(body: JsonObject): string | undefined {
  return isJsonObject(body['error']) && typeof body['error']['message'] === 'string' ? body['error']['message'] : undefined;
}

async function google(
  execution: NodeExecution,
  config: GoogleConfig,
  service: string,
  defaultBase: string,
  path: string,
  request: { method?: 'GET' | 'POST' | 'PUT'; json?: Json; form?: FormData },
) {
  const token = requiredToken(config.access_token, 'access_token');
  return callConnector(execution, {
    service,
    base: config.api_base_url ?? defaultBase,
    path,
    shownPath: path.split('?')[0] ?? path,
    headers: { authorization: `Bearer ${token}` },
    timeoutSeconds: config.timeout,
    errorOf: googleError,
    ...request,
  });
}

const gmailSendEmailNode = defineNode({
  types: ['GmailSendEmailNode'],
  config: z.looseObject({
    ...googleFields,
    to: nonEmptyText(),
    cc: text(''),
    bcc: text(''),
    subject: text(''),
    body: text(''),
    body_type: oneOf(['plain', 'html'], 'plain'),
  }),
  ports: { inputs: ['to', 'cc', 'bcc', 'subject', 'body', 'body_type'], outputs: ['message_id', 'thread_id', 'success', 'error'] },
  run: async (config, execution) => {
    // Gmail keeps the Message-ID header, so a re-sent mail after a crash is the same message.
    const raw = await new MailComposer({
      to: commaList(config.to),
      cc: commaList(config.cc),
      bcc: commaList(config.bcc),
      subject: config.subject,
      messageId: messageIdFor(execution.idempotencyKey, undefined),
      ...(config.body_type === 'html' ? { html: config.body } : { text: config.body }),
    })
      .compile()
      .build();
    const answer = await google(execution, config, 'Gmail', 'https://gmail.googleapis.com', 'gmail/v1/users/me/messages/send', {
      json: { raw: raw.toString('base64url') },
    });
    return { outputs: { message_id: answer['id'] ?? '', thread_id: answer['threadId'] ?? '', success: true, error: '' } };
  },
});

const SHEETS = 'https://sheets.googleapis.com';
const sheetsFields = { ...googleFields, spreadsheet_id: nonEmptyText(), range: nonEmptyText() };

function valuesPath(spreadsheetId: string, range: string, suffix = ''): string {
  return `v4/spreadsheets/${encodeURIComponent(spreadsheetId)}/values/${encodeURIComponent(range)}${suffix}`;
}

/** Rows of cell values: a 2D list, or one row given as a flat list. */
function rowsOf(values: readonly Json[], field: string): Json[][] {
  if (values.length === 0) throw new ConfigFieldError(field, 'must not be empty');
  if (values.every((row) => isJsonArray(row))) return values.map((row) => [...row]);
  if (values.some((cell) => isJsonArray(cell) || isJsonObject(cell)))
    throw new ConfigFieldError(field, 'expected a list of rows (lists) or one row of cell values');
  return [[...values]];
}

const sheetsGetRangeNode = defineNode({
  types: ['SheetsGetRangeNode'],
  config: z.looseObject({
    ...sheetsFields,
    value_render_option: oneOf(['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'], 'FORMATTED_VALUE'),
    major_dimension: oneOf(['ROWS', 'COLUMNS'], 'ROWS'),
  }),
  ports: { inputs: ['spreadsheet_id', 'range'], outputs: ['values', 'row_count', 'column_count', 'success', 'error'] },
  run: async (config, execution) => {
    const query = `?valueRenderOption=${config.value_render_option}&majorDimension=${config.major_dimension}`;
    const answer = await google(execution, config, 'Sheets', SHEETS, valuesPath(config.spreadsheet_id, config.range, query), { method: 'GET' });
    const values = isJsonArray(answer['values']) ? answer['values'] : [];
    const columns = values.reduce<number>((widest, row) => Math.max(widest, isJsonArray(row) ? row.length : 0), 0);
    return { outputs: { values: [...values], row_count: values.length, column_count: columns, success: true, error: '' } };
  },
});

const writeFields = { ...sheetsFields, values: list(), value_input_option: oneOf(['USER_ENTERED', 'RAW'], 'USER_ENTERED') };

const sheetsWriteRangeNode = defineNode({
  types: ['SheetsWriteRangeNode'],
  // Writing the same values to the same range twice leaves the sheet as once: a re-run is harmless.
  config: z.looseObject(writeFields),
  ports: { inputs: ['spreadsheet_id', 'range', 'values'], outputs: ['updated_range', 'updated_rows', 'updated_columns', 'updated_cells', 'success', 'error'] },
  run: async (config, execution) => {
    const rows = rowsOf(config.values, 'values');
    const answer = await google(
      execution,
      config,
      'Sheets',
      SHEETS,
      valuesPath(config.spreadsheet_id, config.range, `?valueInputOption=${config.value_input_option}`),
      {
        method: 'PUT',
        json: { range: config.range, majorDimension: 'ROWS', values: rows },
      },
    );
    return {
      outputs: {
        updated_range: answer['updatedRange'] ?? '',
        updated_rows: answer['updatedRows'] ?? 0,
        updated_columns: answer['updatedColumns'] ?? 0,
        updated_cells: answer['updatedCells'] ?? 0,
        success: true,
        error: '',
      },
    };
  },
});

const sheetsAppendRowNode = defineNode({
  types: ['SheetsAppendRowNode'],
  config: z.looseObject({ ...writeFields, insert_data_option: oneOf(['INSERT_ROWS', 'OVERWRITE'], 'INSERT_ROWS') }),
  ports: { inputs: ['spreadsheet_id', 'range', 'values'], outputs: ['updated_range', 'updated_rows', 'success', 'error'] },
  run: async (config, execution) => {
    const rows = rowsOf(config.values, 'values');
    const query = `:append?valueInputOption=${config.value_input_option}&insertDataOption=${config.insert_data_option}`;
    const answer = await google(execution, config, 'Sheets', SHEETS, valuesPath(config.spreadsheet_id, config.range, query), {
      json: { majorDimension: 'ROWS', values: rows },
    });
    const updates = isJsonObject(answer['updates']) ? answer['updates'] : {};
    return { outputs: { updated_range: updates['updatedRange'] ?? '', updated_rows: updates['updatedRows'] ?? 0, success: true, error: '' } };
  },
});

const driveUploadFileNode = defineNode({
  types: ['DriveUploadFileNode'],
  config: z.looseObject({
    ...googleFields,
    file_path: nonEmptyText(),
    folder_id: text(''),
    file_name: text(''),
    mime_type: text(''),
    description: text(''),
    allow_outside_working_dir: boolean(false),
  }),
  ports: { inputs: ['file_path', 'folder_id', 'file_name', 'mime_type', 'description'], outputs: ['file_id', 'name', 'web_view_link', 'success', 'error'] },
  run: async (config, execution) => {
    const local = await resolveInside(execution.workingDirectory, config.file_path, 'file_path', config.allow_outside_working_dir);
    await stat(local).catch((error: unknown) => {
      throw new FileOperationError(
        execution.node.id,
        'Drive Upload',
        config.file_path,
        errorCodeOf(error),
        error instanceof Error ? error.message : String(error),
      );
    });
    const name = config.file_name || basename(local);
    const metadata: JsonObject = {
      name,
      ...(config.folder_id ? { parents: [config.folder_id] } : {}),
      ...(config.description ? { description: config.description } : {}),
    };
    const form = new FormData();
    form.append('metadata', new Blob([JSON.stringify(metadata)], { type: 'application/json; charset=UTF-8' }));
    const blob = await openAsBlob(local, { type: config.mime_type || 'application/octet-stream' });
    form.append('file', blob, name);
    const answer = await google(
      execution,
      config,
      'Drive',
      'https://www.googleapis.com',
      'upload/drive/v3/files?uploadType=multipart&fields=id,name,webViewLink',
      { form },
    );
    return {
      outputs: { file_id: answer['id'] ?? '', name: answer['name'] ?? name, web_view_link: textOf(answer['webViewLink'] ?? ''), success: true, error: '' },
    };
  },
});

const driveDownloadFileNode = defineNode({
  types: ['DriveDownloadFileNode'],
  config: z.looseObject({ ...googleFields, file_id: nonEmptyText(), destination_path: nonEmptyText(), allow_outside_working_dir: boolean(false) }),
  ports: { inputs: ['file_id', 'destination_path'], outputs: ['file_path', 'success', 'error'] },
  run: async (config, execution) => {
    const token = requiredToken(config.access_token, 'access_token');
    const url = httpUrl(
      `${(config.api_base_url ?? 'https://www.googleapis.com').replace(/\/+$/, '')}/drive/v3/files/${encodeURIComponent(config.file_id)}?alt=media`,
      'api_base_url',
    );
    const { file_path } = await downloadToFile(execution, url, new Headers({ authorization: `Bearer ${token}` }), config.timeout, {
      savePath: config.destination_path,
      overwrite: true,
      createDirs: true,
      allowOutside: config.allow_outside_working_dir,
      field: 'destination_path',
    });
    return { outputs: { file_path, success: true, error: '' } };
  },
});

/** Google Workspace nodes: GmailSendEmailNode, SheetsGetRange/WriteRange/AppendRow, DriveUploadFileNode, DriveDownloadFileNode. */
export const googleNodeHandlers: readonly CatalogNodeHandler[] = [
  gmailSendEmailNode,
  sheetsGetRangeNode,
  sheetsWriteRangeNode,
  sheetsAppendRowNode,
  driveUploadFileNode,
  driveDownloadFileNode,
];
