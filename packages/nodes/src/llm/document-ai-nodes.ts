import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { boolean, dict, isJsonArray, isJsonObject, nonEmptyText, number, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { loadPdfText } from '../documents/pdf-nodes.js';
import { resolveInside } from '../files/working-directory.js';
import { checkAgainstSchema, schemaFields, type AnswerReader } from './llm-answer.js';
import { askForJson, llmFieldsWith, wordList, wordsOf } from './llm-call.js';

// Document-AI nodes: classification and extraction of invoices, forms and tables by the model of
// the OpenAI-compatible endpoint, from text. `document` is the text itself, or the path of a .pdf,
// .txt, .md, .csv or .json file of the working directory (a PDF is read with the PDF nodes' text
// extraction). Every answer is checked for the shape the node asked for. ValidateExtractionNode
// checks an extraction against rules and is pure.

const FILE_TYPES = new Set(['.pdf', '.txt', '.md', '.csv', '.json']);
const MAX_DOCUMENT_CHARS = 60_000;

const documentFields = {
  ...llmFieldsWith(0, 'gpt-4o'),
  document: nonEmptyText(),
  allow_outside_working_dir: boolean(false),
};

/** The document's text: the file's, when `document` names a readable file of a known type, else the value itself. */
async function loadDocumentText(execution: NodeExecution, document: string, allowOutside: boolean): Promise<string> {
  const looksLikeFile = !document.includes('\n') && document.length < 1024 && FILE_TYPES.has(extname(document).toLowerCase());
  if (!looksLikeFile) return document;
  const full = await resolveInside(execution.workingDirectory, document, 'document', allowOutside);
  const isFile = await stat(full).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!isFile) throw new ConfigFieldError('document', `"${document}" looks like a file name but no such file is in the working directory`);
  const content = extname(full).toLowerCase() === '.pdf' ? await loadPdfText(execution, full) : await readFile(full, 'utf8');
  if (content.trim() === '') throw new ConfigFieldError('document', `"${document}" holds no text (a scanned PDF needs OCR, which this catalog does not do)`);
  return content;
}

/** The prompt's document part, cut to a size the model takes. */
function documentPart(content: string): string {
  return `Document:\n${content.length > MAX_DOCUMENT_CHARS ? `${content.slice(0, MAX_DOCUMENT_CHARS)}\n[cut]` : content}`;
}

const DEFAULT_DOCUMENT_TYPES = ['invoice', 'receipt', 'purchase_order', 'contract', 'form', 'letter', 'id_document', 'other'];

const classifyDocumentNode = defineNode({
  types: ['ClassifyDocumentNode'],
  config: z.looseObject({ ...documentFields, categories: wordList() }),
  ports: { inputs: ['document', 'categories', 'model'], outputs: ['document_type', 'confidence', 'all_scores', 'success', 'error'] },
  run: async (config, execution) => {
    const given = wordsOf(config.categories, 'categories', false);
    const categories = given.length > 0 ? given : DEFAULT_DOCUMENT_TYPES;
    const content = await loadDocumentText(execution, config.document, config.allow_outside_working_dir);
    const { reader, json } = await askForJson(
      execution,
      config,
      'You classify business documents.',
      `Categories: ${JSON.stringify(categories)}\nAnswer as {"document_type": "<one category>", "confidence": <0..1>, "all_scores": {"<category>": <0..1>}}.\n\n${documentPart(content)}`,
    );
    const documentType = reader.choice(json['document_type'], categories, 'the document type');
    return {
      outputs: { document_type: documentType, confidence: reader.confidence(json), all_scores: reader.dict(json, 'all_scores'), success: true, error: '' },
    };
  },
});

const INVOICE_SCHEMA: JsonObject = {
  vendor_name: 'string',
  invoice_number: 'string',
  invoice_date: 'string',
  due_date: 'string',
  total_amount: 'number',
  currency: 'string',
  subtotal: 'number',
  tax_amount: 'number',
  line_items: 'array',
};

/** Below this confidence, or with a key invoice field not found, an extraction needs a person's review. */
const REVIEW_BELOW = 0.8;

const extractInvoiceNode = defineNode({
  types: ['ExtractInvoiceNode'],
  config: z.looseObject({ ...documentFields, custom_fields: wordList() }),
  ports: {
    inputs: ['document', 'custom_fields', 'model'],
    outputs: [
      'vendor_name',
      'invoice_number',
      'invoice_date',
      'due_date',
      'total_amount',
      'currency',
      'subtotal',
      'tax_amount',
      'line_items',
      'raw_extraction',
      'confidence',
      'needs_review',
      'success',
      'error',
    ],
  },
  run: async (config, execution) => {
    const custom = wordsOf(config.custom_fields, 'custom_fields', false);
    const schema: JsonObject = { ...INVOICE_SCHEMA, ...Object.fromEntries(custom.map((field) => [field, 'any'])) };
    const content = await loadDocumentText(execution, config.document, config.allow_outside_working_dir);
    const { reader, json } = await askForJson(
      execution,
      config,
      'You extract invoice data. Dates as YYYY-MM-DD, amounts as numbers, a field the invoice does not show as null.',
      `Answer as {"fields": ${JSON.stringify(schema)}, "confidence": <0..1>}; each line item as {"description": "...", "quantity": <n>, "unit_price": <n>, "amount": <n>}.\n\n${documentPart(content)}`,
    );
    const fields = reader.dict(json, 'fields');
    const missing = checkAgainstSchema(reader, fields, schema);
    const confidence = reader.confidence(json);
    const pick = (key: string, fallback: Json) => fields[key] ?? fallback;
    return {
      outputs: {
        vendor_name: pick('vendor_name', ''),
        invoice_number: pick('invoice_number', ''),
        invoice_date: pick('invoice_date', ''),
        due_date: pick('due_date', ''),
        total_amount: pick('total_amount', 0),
        currency: pick('currency', ''),
        subtotal: pick('subtotal', 0),
        tax_amount: pick('tax_amount', 0),
        line_items: pick('line_items', []),
        raw_extraction: fields,
        confidence,
        needs_review: confidence < REVIEW_BELOW || missing.includes('vendor_name') || missing.includes('total_amount'),
        success: true,
        error: '',
      },
    };
  },
});

const extractFormNode = defineNode({
  types: ['ExtractFormNode'],
  config: z.looseObject({ ...documentFields, field_schema: dict(), fuzzy_match: boolean(true) }),
  ports: {
    inputs: ['document', 'field_schema', 'fuzzy_match', 'model'],
    outputs: ['extracted_fields', 'unmatched_fields', 'confidence', 'needs_review', 'success', 'error'],
  },
  run: async (config, execution) => {
    if (schemaFields(config.field_schema).size === 0) throw new ConfigFieldError('field_schema', 'required: an object naming the fields to extract');
    const content = await loadDocumentText(execution, config.document, config.allow_outside_working_dir);
    const matching = config.fuzzy_match ? 'A label in the form may be worded differently from the field name.' : 'Match field names to form labels exactly.';
    const { reader, json } = await askForJson(
      execution,
      config,
      `You read filled-in forms. ${matching} A field the form does not fill is null.`,
      `Fields: ${JSON.stringify(config.field_schema)}\nAnswer as {"fields": {<every field>: <value or null>}, "confidence": <0..1>}.\n\n${documentPart(content)}`,
    );
    const fields = reader.dict(json, 'fields');
    const unmatched = checkAgainstSchema(reader, fields, config.field_schema);
    const confidence = reader.confidence(json);
    return {
      outputs: {
        extracted_fields: fields,
        unmatched_fields: unmatched,
        confidence,
        needs_review: confidence < REVIEW_BELOW || unmatched.length > 0,
        success: true,
        error: '',
      },
    };
  },
});

/** A table of the answer, checked: `{"headers": [...], "rows": [[...], ...]}` with rows no wider than the headers. */
function tableOf(reader: AnswerReader, value: Json, index: number): JsonObject {
  if (!isJsonObject(value) || !isJsonArray(value['headers']) || !isJsonArray(value['rows'])) {
    return reader.fail(`has a table ${index} that is not {"headers": [...], "rows": [[...]]}`);
  }
  const headers = value['headers'].map(textOf);
  const rows = value['rows'].map((row, rowIndex) => {
    if (!isJsonArray(row)) return reader.fail(`has a row ${rowIndex} of table ${index} that is not a list`);
    if (row.length > headers.length) return reader.fail(`has a row ${rowIndex} of table ${index} with ${row.length} cells for ${headers.length} headers`);
    return row;
  });
  return { headers, rows };
}

const extractTableNode = defineNode({
  types: ['ExtractTableNode'],
  config: z.looseObject({ ...documentFields, table_hint: text('') }),
  ports: { inputs: ['document', 'table_hint', 'model'], outputs: ['tables', 'row_count', 'column_count', 'confidence', 'success', 'error'] },
  run: async (config, execution) => {
    const content = await loadDocumentText(execution, config.document, config.allow_outside_working_dir);
    const hint = config.table_hint ? `The table wanted: ${config.table_hint}.\n` : '';
    const { reader, json } = await askForJson(
      execution,
      config,
      'You find tables in documents and copy them cell by cell.',
      `${hint}Answer as {"tables": [{"headers": ["..."], "rows": [["cell", ...]]}], "confidence": <0..1>}.\n\n${documentPart(content)}`,
    );
    const tables = reader.list(json, 'tables').map((table, index) => tableOf(reader, table, index));
    const first = tables[0];
    return {
      outputs: {
        tables,
        row_count: first && isJsonArray(first['rows']) ? first['rows'].length : 0,
        column_count: first && isJsonArray(first['headers']) ? first['headers'].length : 0,
        confidence: reader.confidence(json),
        success: true,
        error: '',
      },
    };
  },
});

/** One field's rule: `type` (string, number, date, email), `pattern`, `min`/`max`, `min_length`/`max_length`. */
function ruleProblems(value: Json, rule: JsonObject): string[] {
  const problems: string[] = [];
  const type = typeof rule['type'] === 'string' ? rule['type'] : undefined;
  const asNumber =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : undefined;
  if (type === 'number' && asNumber === undefined) problems.push('is not a number');
  if (type === 'string' && typeof value !== 'string') problems.push('is not text');
  if (type === 'date' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) problems.push('is not a date');
  if (type === 'email' && (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))) problems.push('is not an email address');
  if (typeof rule['min'] === 'number' && asNumber !== undefined && asNumber < rule['min']) problems.push(`is below ${rule['min']}`);
  if (typeof rule['max'] === 'number' && asNumber !== undefined && asNumber > rule['max']) problems.push(`is above ${rule['max']}`);
  const length = textOf(value).length;
  if (typeof rule['min_length'] === 'number' && length < rule['min_length']) problems.push(`is shorter than ${rule['min_length']} characters`);
  if (typeof rule['max_length'] === 'number' && length > rule['max_length']) problems.push(`is longer than ${rule['max_length']} characters`);
  if (typeof rule['pattern'] === 'string' && !new RegExp(rule['pattern']).test(textOf(value))) problems.push(`does not match ${rule['pattern']}`);
  return problems;
}

const validateExtractionNode = defineNode({
  types: ['ValidateExtractionNode'],
  effect: 'pure',
  config: z.looseObject({ extraction: dict(), required_fields: wordList(), confidence_threshold: number(0.8), validation_rules: dict() }),
  ports: {
    inputs: ['extraction', 'required_fields', 'confidence_threshold', 'validation_rules'],
    outputs: ['is_valid', 'needs_review', 'confidence_score', 'validation_errors', 'field_status', 'success', 'error'],
  },
  run: (config) => {
    if (config.confidence_threshold < 0 || config.confidence_threshold > 1) throw new ConfigFieldError('confidence_threshold', 'must be between 0 and 1');
    const required = wordsOf(config.required_fields, 'required_fields', true);
    for (const [field, rule] of Object.entries(config.validation_rules)) {
      if (!isJsonObject(rule)) throw new ConfigFieldError(`validation_rules.${field}`, 'expected an object such as {"type": "number", "min": 0}');
      if (typeof rule['pattern'] === 'string') {
        try {
          new RegExp(rule['pattern']);
        } catch (error) {
          throw new ConfigFieldError(`validation_rules.${field}.pattern`, `not a valid regular expression: ${(error as Error).message}`);
        }
      }
    }
    // An extraction node's whole output, or just its fields: look for the fields where they are.
    const fields = isJsonObject(config.extraction['fields'])
      ? config.extraction['fields']
      : isJsonObject(config.extraction['raw_extraction'])
        ? config.extraction['raw_extraction']
        : config.extraction;
    const confidence = typeof config.extraction['confidence'] === 'number' ? config.extraction['confidence'] : 1;
    const errors: string[] = [];
    const status: Record<string, string> = {};
    for (const field of new Set([...required, ...Object.keys(config.validation_rules)])) {
      const value = fields[field];
      const absent = value === undefined || value === null || value === '';
      if (absent) {
        status[field] = required.includes(field) ? 'missing' : 'empty';
        if (required.includes(field)) errors.push(`${field}: required but missing`);
        continue;
      }
      const rule = config.validation_rules[field];
      const problems = isJsonObject(rule) ? ruleProblems(value, rule) : [];
      status[field] = problems.length === 0 ? 'valid' : 'invalid';
      errors.push(...problems.map((problem) => `${field}: ${problem}`));
    }
    const lowConfidence = confidence < config.confidence_threshold;
    return {
      outputs: {
        is_valid: errors.length === 0,
        needs_review: errors.length > 0 || lowConfidence,
        confidence_score: confidence,
        validation_errors: errors,
        field_status: status,
        success: true,
        error: '',
      },
    };
  },
});

/** Document-AI nodes: classify a document, extract an invoice, a form or tables, validate an extraction. */
export const documentAiNodeHandlers: readonly CatalogNodeHandler[] = [
  classifyDocumentNode,
  extractInvoiceNode,
  extractFormNode,
  extractTableNode,
  validateExtractionNode,
];
