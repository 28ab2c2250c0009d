import type { Json, JsonObject } from '@casare-rpa/domain';
import { anyValue, boolean, integer, isJsonArray, isJsonObject, list, nonEmptyText, oneOf, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { googleNodes, listAt, objectAt, itemList, operation, segment, textItems, type GoogleApi } from './google-api.js';

// Google Sheets API v4, one row per v1 type. Writes of values to a fixed range leave the sheet as
// one write would, so their re-run after a crash is harmless; appends, inserts and the structural
// batchUpdate requests have no request id in this API and may repeat once (docs/architecture.md,
// rule 3): the README says which.

const spreadsheet = { spreadsheet_id: nonEmptyText() };
const sheetName = { sheet_name: text('Sheet1') };
const renderOption = { value_render_option: oneOf(['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'], 'FORMATTED_VALUE') };
const inputOption = { value_input_option: oneOf(['USER_ENTERED', 'RAW'], 'USER_ENTERED') };

/** `Sheet1!A1`, quoting a sheet name that is not a plain word. */
function a1(sheet: string, reference: string): string {
  const name = /^[A-Za-z0-9_]+$/.test(sheet) ? sheet : `'${sheet.replace(/'/g, "''")}'`;
  return `${name}!${reference}`;
}

function valuesPath(spreadsheetId: string, range: string, suffix = ''): string {
  return `v4/spreadsheets/${segment(spreadsheetId)}/values/${segment(range)}${suffix}`;
}

/** 0-based index of a column letter (`A` is 0, `AA` is 26). */
function columnIndex(letters: string, field: string): number {
  if (!/^[A-Za-z]{1,3}$/.test(letters)) throw new ConfigFieldError(field, `not a column letter: ${JSON.stringify(letters)}`);
  return [...letters.toUpperCase()].reduce((index, letter) => index * 26 + letter.charCodeAt(0) - 64, 0) - 1;
}

/** Column letter of a 0-based index. */
function columnLetter(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

function atLeast(value: number, least: number, field: string): number {
  if (value < least) throw new ConfigFieldError(field, `must be at least ${least}`);
  return value;
}

/** Rows of cell values: a 2D list, or one row given as a flat list. */
function rowsOf(values: readonly Json[], field: string): Json[][] {
  if (values.length === 0) throw new ConfigFieldError(field, 'must not be empty');
  if (values.every((row) => isJsonArray(row))) return values.map((row) => [...row]);
  if (values.some((cell) => isJsonArray(cell) || isJsonObject(cell)))
    throw new ConfigFieldError(field, 'expected a list of rows (lists) or one row of cell values');
  return [[...values]];
}

async function readValues(api: GoogleApi, spreadsheetId: string, range: string, query: Record<string, string>): Promise<Json[]> {
  return listAt(await api.call('GET', valuesPath(spreadsheetId, range), { query }), 'values');
}

async function writeValues(api: GoogleApi, spreadsheetId: string, range: string, rows: Json[][], valueInputOption: string): Promise<JsonObject> {
  return api.call('PUT', valuesPath(spreadsheetId, range), { query: { valueInputOption }, json: { range, majorDimension: 'ROWS', values: rows } });
}

/** The spreadsheet's sheets' properties (id, title, grid size). */
async function sheetsOf(api: GoogleApi, spreadsheetId: string): Promise<JsonObject> {
  return api.call('GET', `v4/spreadsheets/${segment(spreadsheetId)}`, { query: { fields: 'spreadsheetId,properties,spreadsheetUrl,sheets.properties' } });
}

function sheetProperties(answer: JsonObject): JsonObject[] {
  return listAt(answer, 'sheets').map((sheet) => objectAt(sheet, 'properties'));
}

/** The numeric id of the sheet called `name` (found only while running, so a config error then). */
async function sheetIdOf(api: GoogleApi, spreadsheetId: string, name: string): Promise<number> {
  const found = sheetProperties(await sheetsOf(api, spreadsheetId)).find((properties) => properties['title'] === name);
  if (typeof found?.['sheetId'] !== 'number') throw new ConfigFieldError('sheet_name', `the spreadsheet has no sheet named ${JSON.stringify(name)}`);
  return found['sheetId'];
}

/** One `spreadsheets.batchUpdate`; returns its replies. */
async function batchUpdate(api: GoogleApi, spreadsheetId: string, requests: JsonObject[]): Promise<Json[]> {
  return listAt(await api.call('POST', `v4/spreadsheets/${segment(spreadsheetId)}:batchUpdate`, { json: { requests } }), 'replies');
}

function dimension(kind: 'insertDimension' | 'deleteDimension', sheetId: number, rows: boolean, start: number, count: number): JsonObject {
  const range = { sheetId, dimension: rows ? 'ROWS' : 'COLUMNS', startIndex: start, endIndex: start + atLeast(count, 1, rows ? 'num_rows' : 'num_columns') };
  return { [kind]: kind === 'insertDimension' ? { range, inheritFromBefore: start > 0 } : { range } };
}

/** `r,g,b` (0 to 255 each) as a Sheets color. */
function colorOf(value: string, field: string): JsonObject | undefined {
  if (value.trim() === '') return undefined;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 3 || parts.some((part) => !Number.isFinite(part) || part < 0 || part > 255))
    throw new ConfigFieldError(field, 'expected "r,g,b" with each from 0 to 255');
  const [red, green, blue] = parts.map((part) => part / 255);
  return { red: red ?? 0, green: green ?? 0, blue: blue ?? 0 };
}

const UPDATED = ['updated_range', 'updated_cells'];

const sheetsOperations = [
  operation({
    types: ['SheetsGetRangeNode'],
    fields: { ...spreadsheet, range: nonEmptyText(), ...renderOption, major_dimension: oneOf(['ROWS', 'COLUMNS'], 'ROWS') },
    inputs: ['spreadsheet_id', 'range'],
    outputs: ['values', 'row_count', 'column_count'],
    run: async (config, api) => {
      const values = await readValues(api, config.spreadsheet_id, config.range, {
        valueRenderOption: config.value_render_option,
        majorDimension: config.major_dimension,
      });
      const columns = values.reduce<number>((widest, row) => Math.max(widest, isJsonArray(row) ? row.length : 0), 0);
      return { values, row_count: values.length, column_count: columns };
    },
  }),
  operation({
    types: ['SheetsGetCellNode'],
    fields: { ...spreadsheet, ...sheetName, cell: text('A1'), ...renderOption },
    outputs: ['value', 'formatted_value'],
    run: async (config, api) => {
      const rows = await readValues(api, config.spreadsheet_id, a1(config.sheet_name, config.cell), { valueRenderOption: config.value_render_option });
      const first = isJsonArray(rows[0]) ? rows[0][0] : undefined;
      return { value: first ?? null, formatted_value: first === undefined || first === null ? '' : textOf(first) };
    },
  }),
  operation({
    types: ['SheetsGetRowNode'],
    fields: { ...spreadsheet, ...sheetName, row_num: integer(1), start_col: text('A'), end_col: text('Z'), ...renderOption },
    outputs: ['values', 'cell_count'],
    run: async (config, api) => {
      const row = atLeast(config.row_num, 1, 'row_num');
      columnIndex(config.start_col, 'start_col');
      columnIndex(config.end_col, 'end_col');
      const rows = await readValues(api, config.spreadsheet_id, a1(config.sheet_name, `${config.start_col}${row}:${config.end_col}${row}`), {
        valueRenderOption: config.value_render_option,
      });
      const values = isJsonArray(rows[0]) ? [...rows[0]] : [];
      return { values, cell_count: values.length };
    },
  }),
  operation({
    types: ['SheetsGetColumnNode'],
    fields: { ...spreadsheet, ...sheetName, column: text('A'), start_row: integer(1), end_row: integer(1000), ...renderOption },
    outputs: ['values', 'cell_count'],
    run: async (config, api) => {
      columnIndex(config.column, 'column');
      const range = `${config.column}${atLeast(config.start_row, 1, 'start_row')}:${config.column}${atLeast(config.end_row, config.start_row, 'end_row')}`;
      const columns = await readValues(api, config.spreadsheet_id, a1(config.sheet_name, range), {
        valueRenderOption: config.value_render_option,
        majorDimension: 'COLUMNS',
      });
      const values = isJsonArray(columns[0]) ? [...columns[0]] : [];
      return { values, cell_count: values.length };
    },
  }),
  operation({
    types: ['SheetsWriteRangeNode'],
    fields: { ...spreadsheet, range: nonEmptyText(), values: list(), ...inputOption },
    inputs: ['spreadsheet_id', 'range', 'values'],
    outputs: ['updated_range', 'updated_rows', 'updated_columns', 'updated_cells'],
    run: async (config, api) => {
      const answer = await writeValues(api, config.spreadsheet_id, config.range, rowsOf(config.values, 'values'), config.value_input_option);
      return {
        updated_range: answer['updatedRange'] ?? '',
        updated_rows: answer['updatedRows'] ?? 0,
        updated_columns: answer['updatedColumns'] ?? 0,
        updated_cells: answer['updatedCells'] ?? 0,
      };
    },
  }),
  operation({
    types: ['SheetsWriteCellNode', 'SheetsSetCellNode'],
    fields: { ...spreadsheet, ...sheetName, cell: text('A1'), value: anyValue(), ...inputOption },
    inputs: ['spreadsheet_id', 'sheet_name', 'cell', 'value'],
    outputs: UPDATED,
    run: async (config, api) => {
      const answer = await writeValues(api, config.spreadsheet_id, a1(config.sheet_name, config.cell), [[config.value]], config.value_input_option);
      return { updated_range: answer['updatedRange'] ?? '', updated_cells: answer['updatedCells'] ?? 0 };
    },
  }),
  operation({
    types: ['SheetsUpdateRowNode'],
    fields: { ...spreadsheet, ...sheetName, row_num: integer(1), values: list(), start_col: text('A'), ...inputOption },
    outputs: UPDATED,
    run: async (config, api) => {
      const [row] = rowsOf(config.values, 'values');
      const at = atLeast(config.row_num, 1, 'row_num');
      const end = columnLetter(columnIndex(config.start_col, 'start_col') + (row?.length ?? 1) - 1);
      const range = a1(config.sheet_name, `${config.start_col}${at}:${end}${at}`);
      const answer = await writeValues(api, config.spreadsheet_id, range, [row ?? []], config.value_input_option);
      return { updated_range: answer['updatedRange'] ?? range, updated_cells: answer['updatedCells'] ?? 0 };
    },
  }),
  operation({
    types: ['SheetsAppendRowNode'],
    fields: {
      ...spreadsheet,
      ...sheetName,
      range: text(''),
      values: list(),
      ...inputOption,
      insert_data_option: oneOf(['INSERT_ROWS', 'OVERWRITE'], 'INSERT_ROWS'),
    },
    inputs: ['spreadsheet_id', 'sheet_name', 'range', 'values'],
    outputs: ['updated_range', 'updated_rows', 'updated_cells', 'table_range'],
    run: async (config, api) => {
      const range = config.range || a1(config.sheet_name, 'A:A');
      const answer = await api.call('POST', valuesPath(config.spreadsheet_id, range, ':append'), {
        query: { valueInputOption: config.value_input_option, insertDataOption: config.insert_data_option },
        json: { majorDimension: 'ROWS', values: rowsOf(config.values, 'values') },
      });
      const updates = objectAt(answer, 'updates');
      return {
        updated_range: updates['updatedRange'] ?? '',
        updated_rows: updates['updatedRows'] ?? 0,
        updated_cells: updates['updatedCells'] ?? 0,
        table_range: answer['tableRange'] ?? '',
      };
    },
  }),
  operation({
    types: ['SheetsInsertRowNode'],
    fields: { ...spreadsheet, ...sheetName, row_num: integer(1), values: list(), ...inputOption },
    outputs: ['inserted_row'],
    run: async (config, api) => {
      const at = atLeast(config.row_num, 1, 'row_num');
      await batchUpdate(api, config.spreadsheet_id, [
        dimension('insertDimension', await sheetIdOf(api, config.spreadsheet_id, config.sheet_name), true, at - 1, 1),
      ]);
      if (config.values.length > 0) {
        const [row] = rowsOf(config.values, 'values');
        await writeValues(
          api,
          config.spreadsheet_id,
          a1(config.sheet_name, `A${at}:${columnLetter((row?.length ?? 1) - 1)}${at}`),
          [row ?? []],
          config.value_input_option,
        );
      }
      return { inserted_row: at };
    },
  }),
  operation({
    types: ['SheetsDeleteRowNode'],
    fields: { ...spreadsheet, ...sheetName, row_num: integer(1), num_rows: integer(1) },
    outputs: ['deleted_rows'],
    run: async (config, api) => {
      const sheetId = await sheetIdOf(api, config.spreadsheet_id, config.sheet_name);
      await batchUpdate(api, config.spreadsheet_id, [dimension('deleteDimension', sheetId, true, atLeast(config.row_num, 1, 'row_num') - 1, config.num_rows)]);
      return { deleted_rows: config.num_rows };
    },
  }),
  operation({
    types: ['SheetsInsertColumnNode'],
    fields: { ...spreadsheet, sheet_id: integer(0), column_index: integer(0), num_columns: integer(1) },
    outputs: [],
    run: async (config, api) => {
      await batchUpdate(api, config.spreadsheet_id, [
        dimension('insertDimension', config.sheet_id, false, atLeast(config.column_index, 0, 'column_index'), config.num_columns),
      ]);
      return {};
    },
  }),
  operation({
    types: ['SheetsDeleteColumnNode'],
    fields: { ...spreadsheet, sheet_id: integer(0), start_column: integer(0), num_columns: integer(1) },
    outputs: [],
    run: async (config, api) => {
      await batchUpdate(api, config.spreadsheet_id, [
        dimension('deleteDimension', config.sheet_id, false, atLeast(config.start_column, 0, 'start_column'), config.num_columns),
      ]);
      return {};
    },
  }),
  operation({
    types: ['SheetsClearRangeNode'],
    fields: { ...spreadsheet, range: nonEmptyText() },
    outputs: ['cleared_range'],
    run: async (config, api) => {
      const answer = await api.call('POST', valuesPath(config.spreadsheet_id, config.range, ':clear'), { json: {} });
      return { cleared_range: answer['clearedRange'] ?? config.range };
    },
  }),
  operation({
    types: ['SheetsSearchNode'],
    fields: {
      ...spreadsheet,
      search_value: nonEmptyText(),
      sheet_name: text(''),
      search_range: text(''),
      match_case: boolean(false),
      match_entire_cell: boolean(false),
    },
    outputs: ['results', 'match_count', 'first_match'],
    run: async (config, api) => {
      const titles = sheetProperties(await sheetsOf(api, config.spreadsheet_id))
        .map((properties) => (typeof properties['title'] === 'string' ? properties['title'] : ''))
        .filter((title) => title !== '' && (config.sheet_name === '' || title === config.sheet_name));
      const wanted = config.match_case ? config.search_value : config.search_value.toLowerCase();
      const results: JsonObject[] = [];
      for (const title of titles) {
        const range = config.search_range ? a1(title, config.search_range) : a1(title, 'A1:ZZ');
        const rows = await readValues(api, config.spreadsheet_id, range, { valueRenderOption: 'FORMATTED_VALUE' });
        rows.forEach((row, rowIndex) =>
          (isJsonArray(row) ? row : []).forEach((cell, columnIndexInRow) => {
            const shown = cell === null ? '' : textOf(cell);
            const compared = config.match_case ? shown : shown.toLowerCase();
            if (config.match_entire_cell ? compared !== wanted : !compared.includes(wanted)) return;
            const column = columnLetter(columnIndexInRow);
            results.push({ sheet: title, cell: `${column}${rowIndex + 1}`, row: rowIndex + 1, column, column_index: columnIndexInRow + 1, value: cell });
          }),
        );
      }
      return { results, match_count: results.length, first_match: results[0] ?? null };
    },
  }),
  operation({
    types: ['SheetsGetSheetInfoNode'],
    fields: spreadsheet,
    outputs: ['title', 'sheets', 'sheet_count', 'locale'],
    run: async (config, api) => {
      const answer = await sheetsOf(api, config.spreadsheet_id);
      const sheets = sheetProperties(answer).map((properties) => {
        const grid = objectAt(properties, 'gridProperties');
        return {
          sheet_id: properties['sheetId'] ?? null,
          title: properties['title'] ?? '',
          index: properties['index'] ?? 0,
          row_count: grid['rowCount'] ?? 1000,
          column_count: grid['columnCount'] ?? 26,
          frozen_row_count: grid['frozenRowCount'] ?? 0,
          frozen_column_count: grid['frozenColumnCount'] ?? 0,
        };
      });
      const properties = objectAt(answer, 'properties');
      return { title: properties['title'] ?? '', sheets, sheet_count: sheets.length, locale: properties['locale'] ?? '' };
    },
  }),
  operation({
    types: ['SheetsGetSpreadsheetNode'],
    fields: { ...spreadsheet, include_grid_data: boolean(false) },
    outputs: ['title', 'sheets', 'result'],
    run: async (config, api) => {
      const answer = await api.call('GET', `v4/spreadsheets/${segment(config.spreadsheet_id)}`, { query: { includeGridData: config.include_grid_data } });
      const properties = objectAt(answer, 'properties');
      const sheets = sheetProperties(answer).map((sheet) => sheet['title'] ?? '');
      return { title: properties['title'] ?? '', sheets, result: answer };
    },
  }),
  operation({
    types: ['SheetsCreateSpreadsheetNode'],
    fields: { title: nonEmptyText(), sheets: itemList(), locale: text('en_US') },
    outputs: ['spreadsheet_id', 'spreadsheet_url'],
    run: async (config, api) => {
      const names = textItems(config.sheets);
      const answer = await api.call('POST', 'v4/spreadsheets', {
        json: {
          properties: { title: config.title, locale: config.locale },
          sheets: (names.length > 0 ? names : ['Sheet1']).map((title) => ({ properties: { title } })),
        },
      });
      const id = typeof answer['spreadsheetId'] === 'string' ? answer['spreadsheetId'] : '';
      return { spreadsheet_id: id, spreadsheet_url: answer['spreadsheetUrl'] ?? `https://docs.google.com/spreadsheets/d/${id}` };
    },
  }),
  operation({
    types: ['SheetsAddSheetNode'],
    fields: { ...spreadsheet, sheet_name: nonEmptyText(), row_count: integer(1000), column_count: integer(26) },
    outputs: ['sheet_id', 'sheet_name'],
    run: async (config, api) => {
      const [reply] = await batchUpdate(api, config.spreadsheet_id, [
        { addSheet: { properties: { title: config.sheet_name, gridProperties: { rowCount: config.row_count, columnCount: config.column_count } } } },
      ]);
      const properties = objectAt(objectAt(reply, 'addSheet'), 'properties');
      return { sheet_id: properties['sheetId'] ?? 0, sheet_name: properties['title'] ?? config.sheet_name };
    },
  }),
  operation({
    types: ['SheetsDeleteSheetNode'],
    fields: { ...spreadsheet, sheet_id: integer() },
    outputs: [],
    run: async (config, api) => {
      await batchUpdate(api, config.spreadsheet_id, [{ deleteSheet: { sheetId: config.sheet_id } }]);
      return {};
    },
  }),
  operation({
    types: ['SheetsRenameSheetNode'],
    fields: { ...spreadsheet, sheet_id: integer(), new_name: nonEmptyText() },
    outputs: [],
    run: async (config, api) => {
      await batchUpdate(api, config.spreadsheet_id, [
        { updateSheetProperties: { properties: { sheetId: config.sheet_id, title: config.new_name }, fields: 'title' } },
      ]);
      return {};
    },
  }),
  operation({
    types: ['SheetsDuplicateSheetNode'],
    fields: { ...spreadsheet, source_sheet_id: integer(), new_sheet_name: text(''), insert_index: integer(-1) },
    outputs: ['new_sheet_id', 'new_sheet_name'],
    run: async (config, api) => {
      const request: JsonObject = {
        sourceSheetId: config.source_sheet_id,
        ...(config.new_sheet_name ? { newSheetName: config.new_sheet_name } : {}),
        ...(config.insert_index >= 0 ? { insertSheetIndex: config.insert_index } : {}),
      };
      const [reply] = await batchUpdate(api, config.spreadsheet_id, [{ duplicateSheet: request }]);
      const properties = objectAt(objectAt(reply, 'duplicateSheet'), 'properties');
      return { new_sheet_id: properties['sheetId'] ?? 0, new_sheet_name: properties['title'] ?? '' };
    },
  }),
  operation({
    types: ['SheetsCopySheetNode'],
    fields: { source_spreadsheet_id: nonEmptyText(), source_sheet_id: integer(), destination_spreadsheet_id: nonEmptyText() },
    outputs: ['new_sheet_id', 'new_sheet_name'],
    run: async (config, api) => {
      const copied = await api.call('POST', `v4/spreadsheets/${segment(config.source_spreadsheet_id)}/sheets/${config.source_sheet_id}:copyTo`, {
        json: { destinationSpreadsheetId: config.destination_spreadsheet_id },
      });
      return { new_sheet_id: copied['sheetId'] ?? 0, new_sheet_name: copied['title'] ?? '' };
    },
  }),
  operation({
    types: ['SheetsBatchUpdateNode'],
    // v1 saved the list as `updates` (sheets/) or `data` (sheets_nodes): both are read.
    fields: { ...spreadsheet, updates: list(), data: list(), ...inputOption },
    outputs: ['total_updated_cells', 'total_updated_rows', 'total_updated_columns'],
    run: async (config, api) => {
      const field = config.updates.length > 0 ? 'updates' : 'data';
      const items = config.updates.length > 0 ? config.updates : config.data;
      if (items.length === 0) throw new ConfigFieldError('updates', 'must list at least one {range, values}');
      const data = items.map((item, index) => {
        if (!isJsonObject(item) || typeof item['range'] !== 'string' || !isJsonArray(item['values']))
          throw new ConfigFieldError(`${field}[${index}]`, 'expected {"range": "Sheet1!A1", "values": [[...]]}');
        return { range: item['range'], values: rowsOf(item['values'], `${field}[${index}].values`) };
      });
      const answer = await api.call('POST', `v4/spreadsheets/${segment(config.spreadsheet_id)}/values:batchUpdate`, {
        json: { valueInputOption: config.value_input_option, data },
      });
      return {
        total_updated_cells: answer['totalUpdatedCells'] ?? 0,
        total_updated_rows: answer['totalUpdatedRows'] ?? 0,
        total_updated_columns: answer['totalUpdatedColumns'] ?? 0,
      };
    },
  }),
  operation({
    types: ['SheetsBatchGetNode'],
    fields: { ...spreadsheet, ranges: itemList(), ...renderOption },
    outputs: ['values', 'ranges_count', 'value_ranges'],
    run: async (config, api) => {
      const ranges = textItems(config.ranges);
      if (ranges.length === 0) throw new ConfigFieldError('ranges', 'must list at least one range');
      const answer = await api.call('GET', `v4/spreadsheets/${segment(config.spreadsheet_id)}/values:batchGet`, {
        query: { ranges, valueRenderOption: config.value_render_option },
      });
      const valueRanges = listAt(answer, 'valueRanges').map((range) => ({
        range: (isJsonObject(range) ? range['range'] : undefined) ?? '',
        values: listAt(range, 'values'),
      }));
      return { values: valueRanges.map((range) => range.values), ranges_count: ranges.length, value_ranges: valueRanges };
    },
  }),
  operation({
    types: ['SheetsBatchClearNode'],
    fields: { ...spreadsheet, ranges: itemList() },
    outputs: ['cleared_ranges'],
    run: async (config, api) => {
      const ranges = textItems(config.ranges);
      if (ranges.length === 0) throw new ConfigFieldError('ranges', 'must list at least one range');
      const answer = await api.call('POST', `v4/spreadsheets/${segment(config.spreadsheet_id)}/values:batchClear`, { json: { ranges } });
      return { cleared_ranges: answer['clearedRanges'] ?? ranges };
    },
  }),
  operation({
    types: ['SheetsFormatCellsNode'],
    fields: {
      ...spreadsheet,
      sheet_id: integer(0),
      start_row: integer(0),
      end_row: integer(1),
      start_column: integer(0),
      end_column: integer(1),
      bold: boolean(false),
      italic: boolean(false),
      font_size: integer(10),
      background_color: text(''),
      text_color: text(''),
    },
    inputs: ['spreadsheet_id', 'sheet_id', 'start_row', 'end_row', 'start_column', 'end_column'],
    outputs: [],
    run: async (config, api) => {
      const background = colorOf(config.background_color, 'background_color');
      const foreground = colorOf(config.text_color, 'text_color');
      const textFormat = { bold: config.bold, italic: config.italic, fontSize: config.font_size, ...(foreground ? { foregroundColor: foreground } : {}) };
      await batchUpdate(api, config.spreadsheet_id, [
        {
          repeatCell: {
            range: {
              sheetId: config.sheet_id,
              startRowIndex: config.start_row,
              endRowIndex: atLeast(config.end_row, config.start_row + 1, 'end_row'),
              startColumnIndex: config.start_column,
              endColumnIndex: atLeast(config.end_column, config.start_column + 1, 'end_column'),
            },
            cell: { userEnteredFormat: { textFormat, ...(background ? { backgroundColor: background } : {}) } },
            fields: background ? 'userEnteredFormat(backgroundColor,textFormat)' : 'userEnteredFormat(textFormat)',
          },
        },
      ]);
      return {};
    },
  }),
  operation({
    types: ['SheetsAutoResizeNode'],
    fields: { ...spreadsheet, sheet_id: integer(0), start_index: integer(0), end_index: integer(26), dimension: oneOf(['COLUMNS', 'ROWS'], 'COLUMNS') },
    inputs: ['spreadsheet_id', 'sheet_id', 'start_index', 'end_index'],
    outputs: [],
    run: async (config, api) => {
      const dimensions = {
        sheetId: config.sheet_id,
        dimension: config.dimension,
        startIndex: config.start_index,
        endIndex: atLeast(config.end_index, config.start_index + 1, 'end_index'),
      };
      await batchUpdate(api, config.spreadsheet_id, [{ autoResizeDimensions: { dimensions } }]);
      return {};
    },
  }),
];

/** Google Sheets API nodes: cells, ranges, rows, columns, sheets, spreadsheets, batches, formats. */
export const sheetsNodeHandlers: readonly CatalogNodeHandler[] = googleNodes({ name: 'Sheets', base: 'https://sheets.googleapis.com' }, sheetsOperations);
