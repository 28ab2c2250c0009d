import type { Json, JsonObject } from '@casare-rpa/domain';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { googleNodeHandlers } from './google-nodes.js';

// Every Google type against a local stand-in of the Gmail, Sheets and Drive REST APIs. A case names
// the answers the stand-in gives (by method and path), the calls the node must make, in order, with
// the query and JSON body parts that matter, and the outputs it must return.

const TOKEN = 'ya29.google-secret';
const RUN = 'run-g';
const STEP = 3;
const KEY = `${RUN}:${STEP}`;
const MESSAGE_ID = `casare.${RUN}.${STEP}@casare-rpa.invalid`;

interface Received {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly body: string;
}

interface Expected {
  /** `METHOD /path`, the path decoded. */
  readonly call: string;
  readonly query?: Record<string, string>;
  readonly json?: Json;
}

type Answer = Json | number | ((query: URLSearchParams) => Json);

interface Case {
  readonly type: string;
  readonly config: JsonObject;
  /** Answers by `METHOD /path`; a number is a bodiless status, a function answers by query. */
  readonly answers?: Record<string, Answer>;
  readonly sent: readonly Expected[];
  readonly outputs: JsonObject;
  /** The calls may arrive in any order (parallel downloads). */
  readonly anyOrder?: boolean;
  readonly check?: (received: readonly Received[]) => void | Promise<void>;
}

const catalog = createNodeCatalog();
let server: Server;
let base: string;
let workdir: string;
let received: Received[] = [];
let answers: Record<string, Answer> = {};

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const entry = {
        method: request.method ?? '',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      const send = (status: number, body?: Json) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
      if (request.headers.authorization !== `Bearer ${TOKEN}`)
        return send(401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } });
      const answer = answers[`${entry.method} ${entry.path}`];
      if (answer === undefined) return send(404, { error: { code: 404, message: `no such thing: ${entry.method} ${entry.path}` } });
      if (typeof answer === 'number') return send(answer);
      return send(200, typeof answer === 'function' ? answer(entry.query) : answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  workdir = await mkdtemp(join(tmpdir(), 'casare-google-'));
  await writeFile(join(workdir, 'note.txt'), 'attached note');
  await writeFile(join(workdir, 'report.pdf'), '%PDF-drive');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  answers = {};
});

const exercised = new Set<string>();

function execute(type: string, config: JsonObject, id = 'c', token = TOKEN) {
  exercised.add(type);
  return catalog.execute(
    aNodeExecution(type)
      .withId(id)
      .withConfig({ access_token: token, api_base_url: base, ...config })
      .inRun(RUN, STEP)
      .inDirectory(workdir)
      .build(),
  );
}

function queryHas(request: Received, expected: Expected): boolean {
  return Object.entries(expected.query ?? {}).every(([name, value]) => request.query.get(name) === value);
}

async function runCase(row: Case): Promise<void> {
  answers = row.answers ?? {};
  const { outputs } = await execute(row.type, row.config);
  expect(outputs).toMatchObject({ success: true, error: '', ...row.outputs });
  const calls = received.map((request) => `${request.method} ${request.path}`);
  const wanted = row.sent.map((expected) => expected.call);
  if (row.anyOrder) expect([...calls].sort()).toEqual([...wanted].sort());
  else expect(calls).toEqual(wanted);
  for (const [index, expected] of row.sent.entries()) {
    const request = row.anyOrder
      ? received.find((candidate) => `${candidate.method} ${candidate.path}` === expected.call && queryHas(candidate, expected))
      : received[index];
    if (expected.query) expect(Object.fromEntries(request?.query ?? [])).toMatchObject(expected.query);
    if (expected.json !== undefined) expect(JSON.parse(request?.body ?? 'null')).toMatchObject(expected.json as object);
  }
  await row.check?.(received);
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The RFC 822 text of the message a Gmail request sent (`raw`, or a draft's `message.raw`). */
function rawOf(request: Received | undefined): string {
  const body = JSON.parse(request?.body ?? '{}') as { raw?: string; message?: { raw?: string } };
  return Buffer.from(body.raw ?? body.message?.raw ?? '', 'base64url').toString('utf8');
}

const M = '/gmail/v1/users/me';
const LOOKUP = { call: `GET ${M}/messages`, query: { q: `rfc822msgid:${MESSAGE_ID}` } };
const sentRaw = (received: readonly Received[]) => rawOf(received.find((request) => request.method === 'POST'));

const gmailCases: Case[] = [
  {
    type: 'GmailSendEmailNode',
    config: { to: 'a@example.com, b@example.com', subject: 'Hi', body: 'Hello' },
    answers: { [`GET ${M}/messages`]: { resultSizeEstimate: 0 }, [`POST ${M}/messages/send`]: { id: 'm1', threadId: 't1' } },
    sent: [LOOKUP, { call: `POST ${M}/messages/send`, json: { raw: expect.any(String) } }],
    outputs: { message_id: 'm1', thread_id: 't1' },
    check: (all) => {
      const raw = sentRaw(all);
      expect(raw).toContain(`Message-ID: <${MESSAGE_ID}>`);
      expect(raw).toContain('To: a@example.com, b@example.com');
      expect(raw).toContain('Subject: Hi');
    },
  },
  {
    type: 'GmailSendWithAttachmentNode',
    config: { to: 'a@example.com', subject: 'Files', body: 'see attached', attachments: 'note.txt' },
    answers: { [`GET ${M}/messages`]: {}, [`POST ${M}/messages/send`]: { id: 'm2', threadId: 't2' } },
    sent: [LOOKUP, { call: `POST ${M}/messages/send` }],
    outputs: { message_id: 'm2' },
    check: (all) => {
      const raw = sentRaw(all);
      expect(raw).toContain('filename=note.txt');
      expect(raw).toContain(Buffer.from('attached note').toString('base64'));
    },
  },
  {
    type: 'GmailCreateDraftNode',
    config: { to: 'a@example.com', subject: 'Draft', body: '<b>later</b>', body_type: 'html' },
    answers: { [`GET ${M}/drafts`]: { drafts: [] }, [`POST ${M}/drafts`]: { id: 'd1', message: { id: 'm3' } } },
    sent: [
      { call: `GET ${M}/drafts`, query: { q: `rfc822msgid:${MESSAGE_ID}` } },
      { call: `POST ${M}/drafts`, json: { message: { raw: expect.any(String) } } },
    ],
    outputs: { draft_id: 'd1', message_id: 'm3' },
    check: (all) => expect(sentRaw(all)).toContain('Content-Type: text/html'),
  },
  {
    type: 'GmailSendDraftNode',
    config: { draft_id: 'd1' },
    answers: { [`POST ${M}/drafts/send`]: { id: 'm4', threadId: 't4' } },
    sent: [{ call: `POST ${M}/drafts/send`, json: { id: 'd1' } }],
    outputs: { message_id: 'm4', thread_id: 't4' },
  },
  {
    type: 'GmailReplyToEmailNode',
    config: { thread_id: 't1', message_id: 'm1', body: 'Thanks' },
    answers: {
      [`GET ${M}/messages/m1`]: {
        payload: {
          headers: [
            { name: 'Subject', value: 'Invoice 42' },
            { name: 'From', value: 'bob@example.com' },
            { name: 'Message-ID', value: '<orig@example.com>' },
          ],
        },
      },
      [`GET ${M}/messages`]: {},
      [`POST ${M}/messages/send`]: { id: 'm5', threadId: 't1' },
    },
    sent: [{ call: `GET ${M}/messages/m1`, query: { format: 'metadata' } }, LOOKUP, { call: `POST ${M}/messages/send`, json: { threadId: 't1' } }],
    outputs: { message_id: 'm5', thread_id: 't1' },
    check: (all) => {
      const raw = sentRaw(all);
      expect(raw).toContain('In-Reply-To: <orig@example.com>');
      expect(raw).toContain('Subject: Re: Invoice 42');
      expect(raw).toContain('To: bob@example.com');
    },
  },
  {
    type: 'GmailForwardEmailNode',
    config: { message_id: 'm1', to: 'carol@example.com', additional_body: 'FYI' },
    answers: {
      [`GET ${M}/messages/m1`]: { raw: b64('Subject: Invoice 42\r\nFrom: bob@example.com\r\n\r\nthe original') },
      [`GET ${M}/messages`]: {},
      [`POST ${M}/messages/send`]: { id: 'm6', threadId: 't6' },
    },
    sent: [{ call: `GET ${M}/messages/m1`, query: { format: 'raw' } }, LOOKUP, { call: `POST ${M}/messages/send` }],
    outputs: { message_id: 'm6' },
    check: (all) => {
      const raw = sentRaw(all);
      expect(raw).toContain('Subject: Fwd: Invoice 42');
      expect(raw).toContain('message/rfc822');
      expect(raw).toContain('FYI');
    },
  },
  {
    type: 'GmailBatchSendNode',
    config: {
      emails: [
        { to: 'a@example.com', subject: 'one', body: 'x' },
        { to: 'b@example.com', subject: 'two', body: 'y' },
      ],
    },
    answers: { [`GET ${M}/messages`]: {}, [`POST ${M}/messages/send`]: { id: 'mb', threadId: 'tb' } },
    sent: [
      { call: `GET ${M}/messages`, query: { q: `rfc822msgid:casare.${RUN}.${STEP}.0@casare-rpa.invalid` } },
      { call: `POST ${M}/messages/send` },
      { call: `GET ${M}/messages`, query: { q: `rfc822msgid:casare.${RUN}.${STEP}.1@casare-rpa.invalid` } },
      { call: `POST ${M}/messages/send` },
    ],
    outputs: {
      sent_count: 2,
      failed_count: 0,
      results: [
        { to: 'a@example.com', success: true },
        { to: 'b@example.com', success: true },
      ],
    },
  },
  {
    type: 'GmailGetEmailNode',
    config: { message_id: 'm1' },
    answers: {
      [`GET ${M}/messages/m1`]: {
        snippet: 'Hello',
        labelIds: ['INBOX'],
        payload: {
          mimeType: 'multipart/mixed',
          headers: [
            { name: 'Subject', value: 'Report' },
            { name: 'From', value: 'bob@example.com' },
          ],
          parts: [
            { mimeType: 'text/plain', body: { data: b64('Hello body') } },
            { mimeType: 'application/pdf', filename: 'a.pdf', body: { attachmentId: 'att1', size: 5 } },
          ],
        },
      },
    },
    sent: [{ call: `GET ${M}/messages/m1`, query: { format: 'full' } }],
    outputs: {
      subject: 'Report',
      from: 'bob@example.com',
      body: 'Hello body',
      snippet: 'Hello',
      labels: ['INBOX'],
      attachments: [{ filename: 'a.pdf', mimeType: 'application/pdf', size: 5, attachmentId: 'att1' }],
    },
  },
  {
    type: 'GmailListEmailsNode',
    config: { max_results: 5 },
    answers: { [`GET ${M}/messages`]: { messages: [{ id: 'm1', threadId: 't1' }], nextPageToken: 'p2' } },
    sent: [{ call: `GET ${M}/messages`, query: { maxResults: '5', labelIds: 'INBOX' } }],
    outputs: { messages: [{ id: 'm1', threadId: 't1' }], count: 1, next_page_token: 'p2' },
  },
  {
    type: 'GmailSearchEmailsNode',
    config: { query: 'from:bob' },
    answers: { [`GET ${M}/messages`]: { resultSizeEstimate: 0 } },
    sent: [{ call: `GET ${M}/messages`, query: { q: 'from:bob', maxResults: '10' } }],
    outputs: { messages: [], count: 0, next_page_token: '' },
  },
  {
    type: 'GmailGetThreadNode',
    config: { thread_id: 't1' },
    answers: { [`GET ${M}/threads/t1`]: { snippet: 'latest', messages: [{ id: 'm1' }, { id: 'm2' }] } },
    sent: [{ call: `GET ${M}/threads/t1` }],
    outputs: { count: 2, snippet: 'latest' },
  },
  {
    type: 'GmailGetAttachmentNode',
    config: { message_id: 'm1', attachment_id: 'att1', save_path: 'mail/a.pdf' },
    answers: { [`GET ${M}/messages/m1/attachments/att1`]: { size: 5, data: b64('%PDF-') } },
    sent: [{ call: `GET ${M}/messages/m1/attachments/att1` }],
    outputs: { saved: true, size: 5, save_path: 'mail/a.pdf', filename: 'a.pdf', attachment_data: '' },
    check: async () => expect(await readFile(join(workdir, 'mail/a.pdf'), 'utf8')).toBe('%PDF-'),
  },
  {
    type: 'GmailModifyLabelsNode',
    config: { message_id: 'm1', add_labels: ['L1'], remove_labels: ['INBOX'] },
    answers: { [`POST ${M}/messages/m1/modify`]: { id: 'm1', labelIds: ['L1'] } },
    sent: [{ call: `POST ${M}/messages/m1/modify`, json: { addLabelIds: ['L1'], removeLabelIds: ['INBOX'] } }],
    outputs: { labels: ['L1'] },
  },
  {
    type: 'GmailAddLabelNode',
    config: { message_id: 'm1', label_ids: 'L1, L2' },
    answers: { [`POST ${M}/messages/m1/modify`]: { labelIds: ['INBOX', 'L1', 'L2'] } },
    sent: [{ call: `POST ${M}/messages/m1/modify`, json: { addLabelIds: ['L1', 'L2'], removeLabelIds: [] } }],
    outputs: { labels: ['INBOX', 'L1', 'L2'] },
  },
  ...(
    [
      ['GmailRemoveLabelNode', { label_ids: ['L1'] }, { addLabelIds: [], removeLabelIds: ['L1'] }],
      ['GmailMarkAsReadNode', {}, { addLabelIds: [], removeLabelIds: ['UNREAD'] }],
      ['GmailMarkAsUnreadNode', {}, { addLabelIds: ['UNREAD'], removeLabelIds: [] }],
      ['GmailArchiveEmailNode', {}, { addLabelIds: [], removeLabelIds: ['INBOX'] }],
      ['GmailStarEmailNode', { star: 'false' }, { addLabelIds: [], removeLabelIds: ['STARRED'] }],
    ] as const
  ).map(([type, extra, json]): Case => ({
    type,
    config: { message_id: 'm1', ...extra },
    answers: { [`POST ${M}/messages/m1/modify`]: { labelIds: [] } },
    sent: [{ call: `POST ${M}/messages/m1/modify`, json }],
    outputs: {},
  })),
  ...['GmailMoveToTrashNode', 'GmailTrashEmailNode'].map((type): Case => ({
    type,
    config: { message_id: 'm1' },
    answers: { [`POST ${M}/messages/m1/trash`]: { id: 'm1', labelIds: ['TRASH'] } },
    sent: [{ call: `POST ${M}/messages/m1/trash` }],
    outputs: {},
  })),
  {
    type: 'GmailDeleteEmailNode',
    config: { message_id: 'm1' },
    answers: { [`DELETE ${M}/messages/m1`]: 204 },
    sent: [{ call: `DELETE ${M}/messages/m1` }],
    outputs: {},
  },
  {
    type: 'GmailBatchModifyNode',
    config: { message_ids: ['m1', 'm2'], add_labels: ['L1'] },
    answers: { [`POST ${M}/messages/batchModify`]: 204 },
    sent: [{ call: `POST ${M}/messages/batchModify`, json: { ids: ['m1', 'm2'], addLabelIds: ['L1'], removeLabelIds: [] } }],
    outputs: { modified_count: 2 },
  },
  {
    type: 'GmailBatchDeleteNode',
    config: { message_ids: '["m1"]' },
    answers: { [`POST ${M}/messages/batchDelete`]: 204 },
    sent: [{ call: `POST ${M}/messages/batchDelete`, json: { ids: ['m1'] } }],
    outputs: { deleted_count: 1 },
  },
  {
    type: 'GmailGetLabelsNode',
    config: {},
    answers: { [`GET ${M}/labels`]: { labels: [{ id: 'INBOX', name: 'INBOX', type: 'system' }] } },
    sent: [{ call: `GET ${M}/labels` }],
    outputs: { labels: [{ id: 'INBOX', name: 'INBOX', type: 'system' }], count: 1 },
  },
];

const S = '/v4/spreadsheets/sh1';
const SHEETS: JsonObject = {
  sheets: [
    { properties: { sheetId: 7, title: 'Sheet1', index: 0, gridProperties: { rowCount: 100, columnCount: 5 } } },
    { properties: { sheetId: 8, title: 'Other' } },
  ],
};
const batch = (requests: Json) => ({ call: `POST ${S}:batchUpdate`, json: { requests } });
const noReplies = { [`POST ${S}:batchUpdate`]: { replies: [{}] } };

const sheetsCases: Case[] = [
  {
    type: 'SheetsGetRangeNode',
    config: { spreadsheet_id: 'sh1', range: 'Sheet1!A1:B2' },
    answers: { [`GET ${S}/values/Sheet1!A1:B2`]: { range: 'Sheet1!A1:B2', values: [['a', 'b'], ['1']] } },
    sent: [{ call: `GET ${S}/values/Sheet1!A1:B2`, query: { valueRenderOption: 'FORMATTED_VALUE', majorDimension: 'ROWS' } }],
    outputs: { values: [['a', 'b'], ['1']], row_count: 2, column_count: 2 },
  },
  {
    type: 'SheetsGetCellNode',
    config: { spreadsheet_id: 'sh1', cell: 'B2', value_render_option: 'unformatted_value' },
    answers: { [`GET ${S}/values/Sheet1!B2`]: { values: [[42]] } },
    sent: [{ call: `GET ${S}/values/Sheet1!B2`, query: { valueRenderOption: 'UNFORMATTED_VALUE' } }],
    outputs: { value: 42, formatted_value: '42' },
  },
  {
    type: 'SheetsGetRowNode',
    config: { spreadsheet_id: 'sh1', row_num: '3', end_col: 'C' },
    answers: { [`GET ${S}/values/Sheet1!A3:C3`]: { values: [['x', 'y']] } },
    sent: [{ call: `GET ${S}/values/Sheet1!A3:C3` }],
    outputs: { values: ['x', 'y'], cell_count: 2 },
  },
  {
    type: 'SheetsGetColumnNode',
    config: { spreadsheet_id: 'sh1', sheet_name: 'My Data', column: 'B', end_row: 10 },
    answers: { [`GET ${S}/values/'My Data'!B1:B10`]: { values: [['h', '1', '2']] } },
    sent: [{ call: `GET ${S}/values/'My Data'!B1:B10`, query: { majorDimension: 'COLUMNS' } }],
    outputs: { values: ['h', '1', '2'], cell_count: 3 },
  },
  {
    type: 'SheetsWriteRangeNode',
    config: {
      spreadsheet_id: 'sh1',
      range: 'Sheet1!A1:B2',
      values: [
        ['a', 'b'],
        [1, 2],
      ],
    },
    answers: { [`PUT ${S}/values/Sheet1!A1:B2`]: { updatedRange: 'Sheet1!A1:B2', updatedRows: 2, updatedColumns: 2, updatedCells: 4 } },
    sent: [
      {
        call: `PUT ${S}/values/Sheet1!A1:B2`,
        query: { valueInputOption: 'USER_ENTERED' },
        json: {
          majorDimension: 'ROWS',
          values: [
            ['a', 'b'],
            [1, 2],
          ],
        },
      },
    ],
    outputs: { updated_range: 'Sheet1!A1:B2', updated_rows: 2, updated_columns: 2, updated_cells: 4 },
  },
  ...(
    [
      ['SheetsWriteCellNode', 7, 'USER_ENTERED'],
      ['SheetsSetCellNode', 'x', 'RAW'],
    ] as const
  ).map(([type, value, option]): Case => ({
    type,
    config: { spreadsheet_id: 'sh1', cell: 'C3', value, value_input_option: option },
    answers: { [`PUT ${S}/values/Sheet1!C3`]: { updatedRange: 'Sheet1!C3', updatedCells: 1 } },
    sent: [{ call: `PUT ${S}/values/Sheet1!C3`, query: { valueInputOption: option }, json: { values: [[value]] } }],
    outputs: { updated_range: 'Sheet1!C3', updated_cells: 1 },
  })),
  {
    type: 'SheetsUpdateRowNode',
    config: { spreadsheet_id: 'sh1', row_num: 2, values: ['a', 'b', 'c'], start_col: 'B' },
    answers: { [`PUT ${S}/values/Sheet1!B2:D2`]: { updatedRange: 'Sheet1!B2:D2', updatedCells: 3 } },
    sent: [{ call: `PUT ${S}/values/Sheet1!B2:D2`, json: { values: [['a', 'b', 'c']] } }],
    outputs: { updated_range: 'Sheet1!B2:D2', updated_cells: 3 },
  },
  {
    type: 'SheetsAppendRowNode',
    config: { spreadsheet_id: 'sh1', values: ['x', 3] },
    answers: {
      [`POST ${S}/values/Sheet1!A:A:append`]: { tableRange: 'Sheet1!A1:B2', updates: { updatedRange: 'Sheet1!A3:B3', updatedRows: 1, updatedCells: 2 } },
    },
    sent: [{ call: `POST ${S}/values/Sheet1!A:A:append`, query: { insertDataOption: 'INSERT_ROWS' }, json: { majorDimension: 'ROWS', values: [['x', 3]] } }],
    outputs: { updated_range: 'Sheet1!A3:B3', updated_rows: 1, updated_cells: 2, table_range: 'Sheet1!A1:B2' },
  },
  {
    type: 'SheetsInsertRowNode',
    config: { spreadsheet_id: 'sh1', row_num: 2, values: ['n1', 'n2'] },
    answers: { [`GET ${S}`]: SHEETS, ...noReplies, [`PUT ${S}/values/Sheet1!A2:B2`]: { updatedCells: 2 } },
    sent: [
      { call: `GET ${S}` },
      batch([{ insertDimension: { range: { sheetId: 7, dimension: 'ROWS', startIndex: 1, endIndex: 2 }, inheritFromBefore: true } }]),
      { call: `PUT ${S}/values/Sheet1!A2:B2`, json: { values: [['n1', 'n2']] } },
    ],
    outputs: { inserted_row: 2 },
  },
  {
    type: 'SheetsDeleteRowNode',
    config: { spreadsheet_id: 'sh1', sheet_name: 'Other', row_num: 3, num_rows: 2 },
    answers: { [`GET ${S}`]: SHEETS, ...noReplies },
    sent: [{ call: `GET ${S}` }, batch([{ deleteDimension: { range: { sheetId: 8, dimension: 'ROWS', startIndex: 2, endIndex: 4 } } }])],
    outputs: { deleted_rows: 2 },
  },
  {
    type: 'SheetsInsertColumnNode',
    config: { spreadsheet_id: 'sh1', sheet_id: 7, column_index: 1, num_columns: 2 },
    answers: noReplies,
    sent: [batch([{ insertDimension: { range: { sheetId: 7, dimension: 'COLUMNS', startIndex: 1, endIndex: 3 } } }])],
    outputs: {},
  },
  {
    type: 'SheetsDeleteColumnNode',
    config: { spreadsheet_id: 'sh1', sheet_id: 7 },
    answers: noReplies,
    sent: [batch([{ deleteDimension: { range: { sheetId: 7, dimension: 'COLUMNS', startIndex: 0, endIndex: 1 } } }])],
    outputs: {},
  },
  {
    type: 'SheetsClearRangeNode',
    config: { spreadsheet_id: 'sh1', range: 'Sheet1!A1:C9' },
    answers: { [`POST ${S}/values/Sheet1!A1:C9:clear`]: { clearedRange: 'Sheet1!A1:C9' } },
    sent: [{ call: `POST ${S}/values/Sheet1!A1:C9:clear` }],
    outputs: { cleared_range: 'Sheet1!A1:C9' },
  },
  {
    type: 'SheetsSearchNode',
    config: { spreadsheet_id: 'sh1', search_value: 'bob' },
    answers: {
      [`GET ${S}`]: SHEETS,
      [`GET ${S}/values/Sheet1!A1:ZZ`]: { values: [['name'], ['Bob'], ['alice']] },
      [`GET ${S}/values/Other!A1:ZZ`]: { values: [['', 'bobby']] },
    },
    sent: [{ call: `GET ${S}` }, { call: `GET ${S}/values/Sheet1!A1:ZZ` }, { call: `GET ${S}/values/Other!A1:ZZ` }],
    outputs: {
      match_count: 2,
      first_match: { sheet: 'Sheet1', cell: 'A2', row: 2, column: 'A', column_index: 1, value: 'Bob' },
      results: [expect.anything(), { sheet: 'Other', cell: 'B1' }],
    },
  },
  {
    type: 'SheetsGetSheetInfoNode',
    config: { spreadsheet_id: 'sh1' },
    answers: { [`GET ${S}`]: { properties: { title: 'Budget', locale: 'en_US' }, ...SHEETS } },
    sent: [{ call: `GET ${S}` }],
    outputs: { title: 'Budget', locale: 'en_US', sheet_count: 2, sheets: [{ sheet_id: 7, title: 'Sheet1', row_count: 100, column_count: 5 }, { sheet_id: 8 }] },
  },
  {
    type: 'SheetsGetSpreadsheetNode',
    config: { spreadsheet_id: 'sh1' },
    answers: { [`GET ${S}`]: { properties: { title: 'Budget' }, ...SHEETS } },
    sent: [{ call: `GET ${S}`, query: { includeGridData: 'false' } }],
    outputs: { title: 'Budget', sheets: ['Sheet1', 'Other'] },
  },
  {
    type: 'SheetsCreateSpreadsheetNode',
    config: { title: 'New', sheets: ['A', 'B'] },
    answers: { 'POST /v4/spreadsheets': { spreadsheetId: 'new1', spreadsheetUrl: 'https://docs.google.com/spreadsheets/d/new1/edit' } },
    sent: [
      {
        call: 'POST /v4/spreadsheets',
        json: { properties: { title: 'New', locale: 'en_US' }, sheets: [{ properties: { title: 'A' } }, { properties: { title: 'B' } }] },
      },
    ],
    outputs: { spreadsheet_id: 'new1', spreadsheet_url: 'https://docs.google.com/spreadsheets/d/new1/edit' },
  },
  {
    type: 'SheetsAddSheetNode',
    config: { spreadsheet_id: 'sh1', sheet_name: 'Q3' },
    answers: { [`POST ${S}:batchUpdate`]: { replies: [{ addSheet: { properties: { sheetId: 9, title: 'Q3' } } }] } },
    sent: [batch([{ addSheet: { properties: { title: 'Q3', gridProperties: { rowCount: 1000, columnCount: 26 } } } }])],
    outputs: { sheet_id: 9, sheet_name: 'Q3' },
  },
  {
    type: 'SheetsDeleteSheetNode',
    config: { spreadsheet_id: 'sh1', sheet_id: 9 },
    answers: noReplies,
    sent: [batch([{ deleteSheet: { sheetId: 9 } }])],
    outputs: {},
  },
  {
    type: 'SheetsRenameSheetNode',
    config: { spreadsheet_id: 'sh1', sheet_id: 9, new_name: 'Q4' },
    answers: noReplies,
    sent: [batch([{ updateSheetProperties: { properties: { sheetId: 9, title: 'Q4' }, fields: 'title' } }])],
    outputs: {},
  },
  {
    type: 'SheetsDuplicateSheetNode',
    config: { spreadsheet_id: 'sh1', source_sheet_id: 7, new_sheet_name: 'Copy' },
    answers: { [`POST ${S}:batchUpdate`]: { replies: [{ duplicateSheet: { properties: { sheetId: 10, title: 'Copy' } } }] } },
    sent: [batch([{ duplicateSheet: { sourceSheetId: 7, newSheetName: 'Copy' } }])],
    outputs: { new_sheet_id: 10, new_sheet_name: 'Copy' },
  },
  {
    type: 'SheetsCopySheetNode',
    config: { source_spreadsheet_id: 'sh1', source_sheet_id: 7, destination_spreadsheet_id: 'sh2' },
    answers: { [`POST ${S}/sheets/7:copyTo`]: { sheetId: 11, title: 'Copy of Sheet1' } },
    sent: [{ call: `POST ${S}/sheets/7:copyTo`, json: { destinationSpreadsheetId: 'sh2' } }],
    outputs: { new_sheet_id: 11, new_sheet_name: 'Copy of Sheet1' },
  },
  {
    type: 'SheetsBatchUpdateNode',
    config: {
      spreadsheet_id: 'sh1',
      data: [
        { range: 'A1', values: [[1]] },
        { range: 'B1', values: [2] },
      ],
    },
    answers: { [`POST ${S}/values:batchUpdate`]: { totalUpdatedCells: 2, totalUpdatedRows: 1, totalUpdatedColumns: 2 } },
    sent: [
      {
        call: `POST ${S}/values:batchUpdate`,
        json: {
          valueInputOption: 'USER_ENTERED',
          data: [
            { range: 'A1', values: [[1]] },
            { range: 'B1', values: [[2]] },
          ],
        },
      },
    ],
    outputs: { total_updated_cells: 2, total_updated_rows: 1, total_updated_columns: 2 },
  },
  {
    type: 'SheetsBatchGetNode',
    config: { spreadsheet_id: 'sh1', ranges: ['A1:A2', 'B1'] },
    answers: { [`GET ${S}/values:batchGet`]: { valueRanges: [{ range: 'Sheet1!A1:A2', values: [['1'], ['2']] }, { range: 'Sheet1!B1' }] } },
    sent: [{ call: `GET ${S}/values:batchGet` }],
    outputs: { ranges_count: 2, values: [[['1'], ['2']], []], value_ranges: [{ range: 'Sheet1!A1:A2' }, { range: 'Sheet1!B1', values: [] }] },
    check: (all) => expect(all[0]?.query.getAll('ranges')).toEqual(['A1:A2', 'B1']),
  },
  {
    type: 'SheetsBatchClearNode',
    config: { spreadsheet_id: 'sh1', ranges: 'A1, B1' },
    answers: { [`POST ${S}/values:batchClear`]: { clearedRanges: ['Sheet1!A1', 'Sheet1!B1'] } },
    sent: [{ call: `POST ${S}/values:batchClear`, json: { ranges: ['A1', 'B1'] } }],
    outputs: { cleared_ranges: ['Sheet1!A1', 'Sheet1!B1'] },
  },
  {
    type: 'SheetsFormatCellsNode',
    config: { spreadsheet_id: 'sh1', sheet_id: 7, end_row: 2, end_column: 3, bold: true, background_color: '255,0,0' },
    answers: noReplies,
    sent: [
      batch([
        {
          repeatCell: {
            range: { sheetId: 7, startRowIndex: 0, endRowIndex: 2, startColumnIndex: 0, endColumnIndex: 3 },
            cell: { userEnteredFormat: { textFormat: { bold: true, italic: false, fontSize: 10 }, backgroundColor: { red: 1, green: 0, blue: 0 } } },
          },
        },
      ]),
    ],
    outputs: {},
  },
  {
    type: 'SheetsAutoResizeNode',
    config: { spreadsheet_id: 'sh1', sheet_id: 7, end_index: 5 },
    answers: noReplies,
    sent: [batch([{ autoResizeDimensions: { dimensions: { sheetId: 7, dimension: 'COLUMNS', startIndex: 0, endIndex: 5 } } }])],
    outputs: {},
  },
];

const F = '/drive/v3/files';
const keyLookup = (key: string) => ({
  call: `GET ${F}`,
  query: { q: `appProperties has { key='casareIdempotencyKey' and value='${key}' } and trashed=false` },
});

const driveCases: Case[] = [
  {
    type: 'DriveUploadFileNode',
    config: { file_path: 'report.pdf', folder_id: 'folder-9', mime_type: 'application/pdf' },
    answers: { [`GET ${F}`]: { files: [] }, 'POST /upload/drive/v3/files': { id: 'drv-1', name: 'report.pdf', webViewLink: 'https://drive.example/drv-1' } },
    sent: [keyLookup(KEY), { call: 'POST /upload/drive/v3/files', query: { uploadType: 'multipart' } }],
    outputs: { file_id: 'drv-1', name: 'report.pdf', web_view_link: 'https://drive.example/drv-1' },
    check: (all) => {
      expect(all[1]?.contentType).toMatch(/^multipart\/form-data/);
      expect(all[1]?.body).toContain('"parents":["folder-9"]');
      expect(all[1]?.body).toContain(`"appProperties":{"casareIdempotencyKey":"${KEY}"}`);
      expect(all[1]?.body).toContain('%PDF-drive');
    },
  },
  {
    type: 'DriveDownloadFileNode',
    config: { file_id: 'drv-1', destination_path: 'in/drive.json' },
    answers: { [`GET ${F}/drv-1`]: { note: 'the file bytes' } },
    sent: [{ call: `GET ${F}/drv-1`, query: { alt: 'media' } }],
    outputs: { file_path: 'in/drive.json' },
    check: async () => expect(JSON.parse(await readFile(join(workdir, 'in/drive.json'), 'utf8'))).toEqual({ note: 'the file bytes' }),
  },
  {
    type: 'DriveExportFileNode',
    config: { file_id: 'doc-1', destination_path: 'out/report', export_format: 'PDF' },
    answers: {
      [`GET ${F}/doc-1`]: { id: 'doc-1', name: 'Report', mimeType: 'application/vnd.google-apps.document' },
      [`GET ${F}/doc-1/export`]: { pdf: true },
    },
    sent: [{ call: `GET ${F}/doc-1` }, { call: `GET ${F}/doc-1/export`, query: { mimeType: 'application/pdf' } }],
    outputs: { file_path: 'out/report.pdf', original_name: 'Report', original_type: 'application/vnd.google-apps.document' },
    check: async () => expect(await readFile(join(workdir, 'out/report.pdf'), 'utf8')).toBe('{"pdf":true}'),
  },
  {
    type: 'DriveDownloadFolderNode',
    config: { folder_id: 'https://drive.google.com/drive/folders/fold1', destination_folder: 'dl' },
    answers: {
      [`GET ${F}`]: {
        files: [
          { id: 'f1', name: 'a.txt', mimeType: 'text/plain' },
          { id: 'f2', name: 'Doc', mimeType: 'application/vnd.google-apps.document' },
          { id: 'f3', name: 'a.txt', mimeType: 'text/plain' },
        ],
      },
      [`GET ${F}/f1`]: 'one',
      [`GET ${F}/f3`]: 'three',
    },
    sent: [{ call: `GET ${F}`, query: { q: "'fold1' in parents and trashed = false" } }, { call: `GET ${F}/f1` }, { call: `GET ${F}/f3` }],
    anyOrder: true,
    outputs: { file_paths: ['dl/a.txt', 'dl/a_f3.txt'], downloaded_count: 2 },
    check: async () => expect(await readFile(join(workdir, 'dl/a_f3.txt'), 'utf8')).toBe('"three"'),
  },
  {
    type: 'DriveGetFileNode',
    config: { file_id: 'drv-1' },
    answers: { [`GET ${F}/drv-1`]: { id: 'drv-1', name: 'r.pdf', mimeType: 'application/pdf', size: '1234', parents: ['p1'], shared: true } },
    sent: [{ call: `GET ${F}/drv-1` }],
    outputs: { file_id: 'drv-1', name: 'r.pdf', mime_type: 'application/pdf', size: 1234, parents: ['p1'], shared: true, trashed: false },
  },
  {
    type: 'DriveCopyFileNode',
    config: { file_id: 'drv-1', new_name: 'copy.pdf' },
    answers: { [`GET ${F}`]: { files: [] }, [`POST ${F}/drv-1/copy`]: { id: 'drv-2', name: 'copy.pdf' } },
    sent: [keyLookup(KEY), { call: `POST ${F}/drv-1/copy`, json: { name: 'copy.pdf', appProperties: { casareIdempotencyKey: KEY } } }],
    outputs: { new_file_id: 'drv-2', name: 'copy.pdf' },
  },
  {
    type: 'DriveMoveFileNode',
    config: { file_id: 'drv-1', folder_id: 'p2' },
    answers: { [`GET ${F}/drv-1`]: { parents: ['p1'] }, [`PATCH ${F}/drv-1`]: { id: 'drv-1', parents: ['p2'] } },
    sent: [{ call: `GET ${F}/drv-1` }, { call: `PATCH ${F}/drv-1`, query: { addParents: 'p2', removeParents: 'p1' } }],
    outputs: { file_id: 'drv-1', new_parents: ['p2'] },
  },
  {
    type: 'DriveRenameFileNode',
    config: { file_id: 'drv-1', new_name: 'n.pdf' },
    answers: { [`PATCH ${F}/drv-1`]: { id: 'drv-1', name: 'n.pdf' } },
    sent: [{ call: `PATCH ${F}/drv-1`, json: { name: 'n.pdf' } }],
    outputs: { file_id: 'drv-1', name: 'n.pdf' },
  },
  {
    type: 'DriveDeleteFileNode',
    config: { file_id: 'drv-1' },
    answers: { [`PATCH ${F}/drv-1`]: { id: 'drv-1' } },
    sent: [{ call: `PATCH ${F}/drv-1`, json: { trashed: true } }],
    outputs: { file_id: 'drv-1' },
  },
  {
    type: 'DriveDeleteFileNode',
    config: { file_id: 'drv-1', permanent: true },
    answers: { [`DELETE ${F}/drv-1`]: 204 },
    sent: [{ call: `DELETE ${F}/drv-1` }],
    outputs: { file_id: 'drv-1' },
  },
  {
    type: 'DriveCreateFolderNode',
    config: { folder_name: 'Reports', parent_id: 'p1' },
    answers: { [`GET ${F}`]: { files: [] }, [`POST ${F}`]: { id: 'fold-2', name: 'Reports', webViewLink: 'https://drive.example/fold-2' } },
    sent: [keyLookup(KEY), { call: `POST ${F}`, json: { name: 'Reports', mimeType: 'application/vnd.google-apps.folder', parents: ['p1'] } }],
    outputs: { folder_id: 'fold-2', folder_name: 'Reports', web_view_link: 'https://drive.example/fold-2' },
  },
  {
    type: 'DriveListFilesNode',
    config: { folder_id: 'p1', mime_type: 'application/pdf', max_results: 2 },
    answers: {
      [`GET ${F}`]: {
        files: [
          { id: 'a', name: 'a.pdf' },
          { id: 'b', name: 'b.pdf' },
        ],
        nextPageToken: 'tok',
      },
    },
    sent: [{ call: `GET ${F}`, query: { q: "'p1' in parents and mimeType = 'application/pdf' and trashed = false", pageSize: '2', orderBy: 'name' } }],
    outputs: { files: [{ id: 'a', name: 'a.pdf' }, { id: 'b' }], file_count: 2, has_more: true, folder_id: 'p1' },
  },
  {
    type: 'DriveSearchFilesNode',
    config: { query: "name contains 'x'" },
    answers: { [`GET ${F}`]: { files: [] } },
    sent: [{ call: `GET ${F}`, query: { q: "(name contains 'x') and trashed = false", pageSize: '100' } }],
    outputs: { files: [], file_count: 0 },
  },
  {
    type: 'DriveShareFileNode',
    config: { file_id: 'drv-1', email: 'amy@example.com', role: 'writer' },
    answers: { [`POST ${F}/drv-1/permissions`]: { id: 'perm-1', type: 'user', role: 'writer' } },
    sent: [
      {
        call: `POST ${F}/drv-1/permissions`,
        query: { sendNotificationEmail: 'true' },
        json: { role: 'writer', type: 'user', emailAddress: 'amy@example.com' },
      },
    ],
    outputs: { permission_id: 'perm-1', permission: { id: 'perm-1', type: 'user', role: 'writer' } },
  },
  ...['DriveRemoveShareNode', 'DriveRemovePermissionNode'].map((type): Case => ({
    type,
    config: { file_id: 'drv-1', permission_id: 'perm-1' },
    answers: { [`DELETE ${F}/drv-1/permissions/perm-1`]: 204 },
    sent: [{ call: `DELETE ${F}/drv-1/permissions/perm-1` }],
    outputs: {},
  })),
  {
    type: 'DriveGetPermissionsNode',
    config: { file_id: 'drv-1', include_permissions_for_view: true },
    answers: { [`GET ${F}/drv-1/permissions`]: { permissions: [{ id: 'perm-1', role: 'owner' }] } },
    sent: [{ call: `GET ${F}/drv-1/permissions`, query: { includePermissionsForView: 'published' } }],
    outputs: { permissions: [{ id: 'perm-1', role: 'owner' }], count: 1 },
  },
  {
    type: 'DriveCreateShareLinkNode',
    config: { file_id: 'drv-1', access_type: 'anyoneWithLink' },
    answers: { [`POST ${F}/drv-1/permissions`]: { id: 'anyoneWithLink' }, [`GET ${F}/drv-1`]: { webViewLink: 'https://drive.example/drv-1' } },
    sent: [{ call: `POST ${F}/drv-1/permissions`, json: { type: 'anyone', role: 'reader', allowFileDiscovery: false } }, { call: `GET ${F}/drv-1` }],
    outputs: { share_link: 'https://drive.example/drv-1', permission_id: 'anyoneWithLink' },
  },
  {
    type: 'DriveBatchMoveNode',
    config: { file_ids: ['a'], folder_id: 'p2' },
    answers: { [`GET ${F}/a`]: { parents: ['p1'] }, [`PATCH ${F}/a`]: { id: 'a', parents: ['p2'] } },
    sent: [{ call: `GET ${F}/a` }, { call: `PATCH ${F}/a`, query: { addParents: 'p2', removeParents: 'p1' } }],
    outputs: { moved_count: 1, failed_count: 0, results: [{ file_id: 'a', success: true, new_parent: 'p2' }] },
  },
  {
    type: 'DriveBatchCopyNode',
    config: { file_ids: ['a'], folder_id: 'p2' },
    answers: { [`GET ${F}/a`]: { name: 'a.pdf' }, [`GET ${F}`]: { files: [] }, [`POST ${F}/a/copy`]: { id: 'a2', name: 'a.pdf' } },
    sent: [
      { call: `GET ${F}/a`, query: { fields: 'name' } },
      keyLookup(`${KEY}.0`),
      { call: `POST ${F}/a/copy`, json: { parents: ['p2'], name: 'a.pdf', appProperties: { casareIdempotencyKey: `${KEY}.0` } } },
    ],
    outputs: { copied_count: 1, failed_count: 0, new_file_ids: ['a2'] },
  },
];

/** A folder with a subfolder, for the downloads of a whole folder. */
const folderTree = (query: URLSearchParams): Json =>
  query.get('q')?.startsWith("'fold1'")
    ? {
        files: [
          { id: 'f1', name: 'a.txt', mimeType: 'text/plain' },
          { id: 'sub', name: 'Sub', mimeType: 'application/vnd.google-apps.folder' },
        ],
      }
    : { files: [{ id: 'f4', name: 'deep.txt', mimeType: 'text/plain' }] };

/** Whole-folder downloads, and batch nodes whose items partly fail (the failures are in the results, success is false). */
const batchCases: Case[] = [
  {
    type: 'DriveBatchDownloadNode',
    config: { folder_id: 'https://drive.google.com/drive/u/0/folders/fold1', destination_folder: 'tree' },
    answers: { [`GET ${F}`]: folderTree, [`GET ${F}/f1`]: 'one', [`GET ${F}/f4`]: 'four' },
    sent: [
      { call: `GET ${F}`, query: { q: "'fold1' in parents and trashed = false" } },
      { call: `GET ${F}`, query: { q: "'sub' in parents and trashed = false" } },
      { call: `GET ${F}/f1` },
      { call: `GET ${F}/f4` },
    ],
    anyOrder: true,
    outputs: { file_paths: ['tree/Sub/deep.txt', 'tree/a.txt'], downloaded_count: 2, failed_count: 0 },
    check: async () => expect(await readFile(join(workdir, 'tree/Sub/deep.txt'), 'utf8')).toBe('"four"'),
  },
  {
    type: 'DriveBatchDeleteNode',
    config: { file_ids: ['a', 'gone'] },
    answers: { [`DELETE ${F}/a`]: 204 },
    sent: [{ call: `DELETE ${F}/a` }, { call: `DELETE ${F}/gone` }],
    outputs: {
      success: false,
      error: '1 files failed',
      deleted_count: 1,
      failed_count: 1,
      results: [
        { file_id: 'a', success: true },
        { file_id: 'gone', success: false },
      ],
    },
  },
  {
    type: 'DriveBatchDownloadNode',
    config: {
      files: [
        { id: 'f1', name: 'a.txt' },
        { id: 'g1', name: 'Sheet', mimeType: 'application/vnd.google-apps.spreadsheet' },
        { id: 'gone', name: 'b.txt' },
      ],
      destination_folder: 'batch',
    },
    answers: { [`GET ${F}/f1`]: 'one' },
    sent: [{ call: `GET ${F}/f1` }, { call: `GET ${F}/gone` }],
    anyOrder: true,
    outputs: { success: false, error: '1 files failed to download', file_paths: ['batch/a.txt'], downloaded_count: 1, failed_count: 1 },
  },
];

describe('Gmail nodes (local Gmail API stand-in)', () => {
  it.each(gmailCases.map((row) => [row.type, row] as const))('%s sends its request and returns its outputs', async (_type, row) => runCase(row));

  it('a re-run after a crash finds the mail the step sent (rfc822msgid) and sends nothing', async () => {
    await runCase({
      type: 'GmailSendEmailNode',
      config: { to: 'a@example.com', subject: 'Hi', body: 'again' },
      answers: { [`GET ${M}/messages`]: { messages: [{ id: 'm-old', threadId: 't-old' }] } },
      sent: [LOOKUP],
      outputs: { message_id: 'm-old', thread_id: 't-old' },
    });
  });

  it('bad config fields are errors naming node and JSON path', async () => {
    expect(catalog.validate([{ id: 'g1', type: 'GmailGetEmailNode', config: { message_id: 'm1', format: 'pretty' } }])).toEqual([
      expect.objectContaining({ nodeId: 'g1', path: 'nodes.g1.config.format' }),
    ]);
    await expect(execute('GmailBatchSendNode', { emails: [42] }, 'gb')).rejects.toThrow('nodes.gb.config.emails[0]');
    await expect(execute('GmailSendWithAttachmentNode', { to: 'a@example.com', attachments: ['missing.pdf'] }, 'ga')).rejects.toThrow(
      'nodes.ga.config.attachments: no such file: missing.pdf',
    );
    await expect(execute('GmailSearchEmailsNode', { query: 'x', max_results: 900 }, 'gs')).rejects.toThrow('nodes.gs.config.max_results');
    await expect(execute('GmailAddLabelNode', { message_id: 'm1', label_ids: [] }, 'gl')).rejects.toThrow('nodes.gl.config.label_ids');
    expect(received).toEqual([]);
  });
});

describe('Sheets nodes (local Sheets API stand-in)', () => {
  it.each(sheetsCases.map((row) => [row.type, row] as const))('%s sends its request and returns its outputs', async (_type, row) => runCase(row));

  it('bad config fields are errors naming node and JSON path', async () => {
    expect(catalog.validate([{ id: 's1', type: 'SheetsGetRangeNode', config: { spreadsheet_id: 'sh1', range: 'A1', major_dimension: 'DIAGONAL' } }])).toEqual([
      expect.objectContaining({ nodeId: 's1', path: 'nodes.s1.config.major_dimension' }),
    ]);
    await expect(execute('SheetsGetRowNode', { spreadsheet_id: 'sh1', row_num: 0 }, 'sr')).rejects.toThrow('nodes.sr.config.row_num: must be at least 1');
    await expect(execute('SheetsUpdateRowNode', { spreadsheet_id: 'sh1', values: [], start_col: 'B' }, 'su')).rejects.toThrow(
      'nodes.su.config.values: must not be empty',
    );
    await expect(execute('SheetsBatchUpdateNode', { spreadsheet_id: 'sh1', updates: [{ range: 'A1' }] }, 'sb')).rejects.toThrow('nodes.sb.config.updates[0]');
    await expect(execute('SheetsFormatCellsNode', { spreadsheet_id: 'sh1', background_color: 'red' }, 'sf')).rejects.toThrow(
      'nodes.sf.config.background_color',
    );
    expect(received).toEqual([]);
    answers = { [`GET ${S}`]: SHEETS };
    await expect(execute('SheetsDeleteRowNode', { spreadsheet_id: 'sh1', sheet_name: 'Nope' }, 'sd')).rejects.toThrow(
      'nodes.sd.config.sheet_name: the spreadsheet has no sheet named "Nope"',
    );
  });
});

describe('Drive nodes (local Drive API stand-in)', () => {
  it.each([...driveCases, ...batchCases].map((row) => [row.type, row] as const))('%s sends its request and returns its outputs', async (_type, row) =>
    runCase(row),
  );

  it('a re-run after a crash finds the folder the step made (appProperties) and makes none', async () => {
    await runCase({
      type: 'DriveCreateFolderNode',
      config: { folder_name: 'Reports' },
      answers: { [`GET ${F}`]: { files: [{ id: 'fold-old', name: 'Reports', webViewLink: 'https://drive.example/fold-old' }] } },
      sent: [keyLookup(KEY)],
      outputs: { folder_id: 'fold-old', folder_name: 'Reports' },
    });
  });

  it('bad config fields are errors naming node and JSON path', async () => {
    expect(catalog.validate([{ id: 'd1', type: 'DriveShareFileNode', config: { file_id: 'x', role: 'king' } }])).toEqual([
      expect.objectContaining({ nodeId: 'd1', path: 'nodes.d1.config.role' }),
    ]);
    await expect(execute('DriveUploadFileNode', { file_path: '/etc/passwd' }, 'du')).rejects.toThrow('nodes.du.config.file_path');
    await expect(execute('DriveDownloadFileNode', { file_id: 'drv-1', destination_path: '../out.bin' }, 'dd')).rejects.toThrow(
      'nodes.dd.config.destination_path',
    );
    await expect(execute('DriveBatchDeleteNode', { file_ids: [] }, 'db')).rejects.toThrow('nodes.db.config.file_ids: must list at least one id');
    await expect(execute('DriveShareFileNode', { file_id: 'x', permission_type: 'domain' }, 'ds')).rejects.toThrow('nodes.ds.config.domain');
    await expect(execute('DriveBatchDownloadNode', { destination_folder: 'x' }, 'dbd')).rejects.toThrow('nodes.dbd.config.files');
    expect(received).toEqual([]);
    answers = { [`GET ${F}/plain`]: { id: 'plain', name: 'a.pdf', mimeType: 'application/pdf' } };
    await expect(execute('DriveExportFileNode', { file_id: 'plain', destination_path: 'x.pdf' }, 'de')).rejects.toThrow('nodes.de.config.file_id');
  });
});

describe('every Google node', () => {
  it('a refused or missing token fails naming the token field, never showing the token', async () => {
    for (const type of ['GmailGetLabelsNode', 'SheetsGetSheetInfoNode', 'DriveGetFileNode']) {
      const failure = await execute(type, { spreadsheet_id: 'sh1', file_id: 'drv-1' }, 'g', 'expired-token').catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'CONNECTOR_AUTH_FAILED', status: 401, nodeId: 'g' });
      expect((failure as Error).message).toContain('invalid authentication credentials');
      expect((failure as Error).message).not.toContain('expired-token');
    }
    await expect(execute('GmailGetLabelsNode', {}, 'nt', '')).rejects.toThrow('nodes.nt.config.access_token: required');
  });

  it('is exercised by a test of this file', () => {
    const types = googleNodeHandlers.flatMap((handler) => handler.types);
    expect(types).toHaveLength(74);
    expect(types.filter((type) => !exercised.has(type))).toEqual([]);
  });
});
