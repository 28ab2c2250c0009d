import { requireExternalService } from '@casare-rpa/testkit';
import type { JsonObject } from '@casare-rpa/domain';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { popplerInstalled } from '../documents/testing/poppler-probe.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { LLM_KEY, LlmStandIn } from './testing/llm-stand-in.js';

const catalog = createNodeCatalog();
let llm: LlmStandIn;
let workdir: string;

const hasPoppler = requireExternalService('poppler-utils', popplerInstalled(), 'no pdftotext (apt-get install poppler-utils)');

beforeAll(async () => {
  llm = await LlmStandIn.start();
});
afterAll(async () => {
  await llm.server.stop();
});
beforeEach(async () => {
  llm.replies.length = 0;
  llm.server.received.length = 0;
  workdir = await mkdtemp(join(tmpdir(), 'casare-docai-'));
});
afterEach(async () => {
  await rm(workdir, { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'd') =>
  catalog.execute(
    aNodeExecution(type)
      .withId(id)
      .withConfig({ api_key: LLM_KEY, base_url: llm.baseUrl, ...config })
      .inDirectory(workdir)
      .build(),
  );

const INVOICE_TEXT = 'ACME Ltd. Invoice INV-7, 2026-11-02, due 2026-12-02. Widgets 2 x 50.00. Subtotal 100.00 VAT 20.00 Total EUR 120.00';

const invoiceAnswer = (fields: JsonObject, confidence = 0.93) =>
  JSON.stringify({
    fields: {
      vendor_name: 'ACME Ltd.',
      invoice_number: 'INV-7',
      invoice_date: '2026-11-02',
      due_date: '2026-12-02',
      total_amount: 120,
      currency: 'EUR',
      subtotal: 100,
      tax_amount: 20,
      line_items: [{ description: 'Widgets', quantity: 2, unit_price: 50, amount: 100 }],
      ...fields,
    },
    confidence,
  });

describe('ClassifyDocumentNode', () => {
  it('classifies text into the given categories, or the default document types', async () => {
    llm.replies.push('{"document_type": "Invoice", "confidence": 0.9, "all_scores": {"invoice": 0.9}}', '{"document_type": "receipt"}');
    expect((await run('ClassifyDocumentNode', { document: INVOICE_TEXT })).outputs).toEqual({
      document_type: 'invoice',
      confidence: 0.9,
      all_scores: { invoice: 0.9 },
      success: true,
      error: '',
    });
    expect(llm.server.bodyOf(0)).toMatchObject({ model: 'gpt-4o', temperature: 0 });
    expect(llm.messagesOf(0)[1]?.content).toContain('"purchase_order"');
    await expect(run('ClassifyDocumentNode', { document: INVOICE_TEXT, categories: 'invoice, contract' }, 'cd')).rejects.toThrow(
      'nodes.cd: the model\'s answer picks "receipt" as the document type',
    );
  });

  it('reads a text file of the working directory; a missing one is a config error on document', async () => {
    await writeFile(join(workdir, 'letter.txt'), 'Dear Sir, we write about your contract.');
    llm.replies.push('{"document_type": "letter", "confidence": 0.8}');
    await run('ClassifyDocumentNode', { document: 'letter.txt' });
    expect(llm.messagesOf(0)[1]?.content).toContain('Dear Sir, we write about your contract.');
    await expect(run('ClassifyDocumentNode', { document: 'missing.pdf' }, 'cm')).rejects.toThrow(
      'nodes.cm.config.document: "missing.pdf" looks like a file name',
    );
    await expect(run('ClassifyDocumentNode', { document: '../outside.txt' }, 'cm')).rejects.toThrow('nodes.cm.config.document');
  });

  it.skipIf(!hasPoppler)('reads a PDF with the PDF text extraction', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    pdf.addPage([400, 200]).drawText('Invoice INV-9 total 42.00', { x: 20, y: 100, size: 14, font });
    await writeFile(join(workdir, 'scan.pdf'), await pdf.save());
    llm.replies.push('{"document_type": "invoice", "confidence": 0.99}');
    await run('ClassifyDocumentNode', { document: 'scan.pdf' });
    expect(llm.messagesOf(0)[1]?.content).toContain('Invoice INV-9 total 42.00');
  });
});

describe('ExtractInvoiceNode', () => {
  it('returns each invoice field; a low confidence asks for review', async () => {
    llm.replies.push(invoiceAnswer({ po_number: 'PO-1' }), invoiceAnswer({}, 0.5));
    const { outputs } = await run('ExtractInvoiceNode', { document: INVOICE_TEXT, custom_fields: 'po_number' });
    expect(outputs).toMatchObject({
      vendor_name: 'ACME Ltd.',
      invoice_number: 'INV-7',
      total_amount: 120,
      currency: 'EUR',
      line_items: [{ description: 'Widgets', quantity: 2, unit_price: 50, amount: 100 }],
      raw_extraction: expect.objectContaining({ po_number: 'PO-1' }),
      confidence: 0.93,
      needs_review: false,
    });
    expect(llm.messagesOf(0)[1]?.content).toContain('"po_number"');
    expect((await run('ExtractInvoiceNode', { document: INVOICE_TEXT })).outputs['needs_review']).toBe(true);
  });

  it('refuses an amount given as text or a missing field', async () => {
    llm.replies.push(invoiceAnswer({ total_amount: '120.00' }), JSON.stringify({ fields: { vendor_name: 'ACME' } }));
    await expect(run('ExtractInvoiceNode', { document: INVOICE_TEXT }, 'xi')).rejects.toThrow(
      'nodes.xi: the model\'s answer has a "total_amount" that is not of type number',
    );
    await expect(run('ExtractInvoiceNode', { document: INVOICE_TEXT }, 'xi')).rejects.toThrow('has no field "invoice_number"');
  });
});

describe('ExtractFormNode and ExtractTableNode', () => {
  it('extracts the schema fields of a form and lists those the form leaves empty', async () => {
    llm.replies.push('{"fields": {"full_name": "Ada Lovelace", "birth_year": 1815, "phone": null}, "confidence": 0.9}');
    const { outputs } = await run('ExtractFormNode', {
      document: 'Name: Ada Lovelace\nBorn: 1815',
      field_schema: { full_name: 'string', birth_year: 'integer', phone: 'string' },
    });
    expect(outputs).toEqual({
      extracted_fields: { full_name: 'Ada Lovelace', birth_year: 1815, phone: null },
      unmatched_fields: ['phone'],
      confidence: 0.9,
      needs_review: true,
      success: true,
      error: '',
    });
    await expect(run('ExtractFormNode', { document: 'x', field_schema: {} }, 'ef')).rejects.toThrow('nodes.ef.config.field_schema: required');
  });

  it('extracts tables and refuses a row wider than its headers', async () => {
    llm.replies.push(
      '{"tables": [{"headers": ["item", "qty"], "rows": [["bolt", 4], ["nut", 9]]}], "confidence": 0.8}',
      '{"tables": [{"headers": ["item"], "rows": [["bolt", 4]]}]}',
    );
    expect((await run('ExtractTableNode', { document: 'item qty\nbolt 4\nnut 9', table_hint: 'the parts list' })).outputs).toEqual({
      tables: [
        {
          headers: ['item', 'qty'],
          rows: [
            ['bolt', 4],
            ['nut', 9],
          ],
        },
      ],
      row_count: 2,
      column_count: 2,
      confidence: 0.8,
      success: true,
      error: '',
    });
    expect(llm.messagesOf(0)[1]?.content).toContain('The table wanted: the parts list.');
    await expect(run('ExtractTableNode', { document: 'x' }, 'et')).rejects.toThrow(
      "nodes.et: the model's answer has a row 0 of table 0 with 2 cells for 1 headers",
    );
  });
});

describe('ValidateExtractionNode (pure)', () => {
  it('checks required fields, rules and the confidence threshold', async () => {
    expect(catalog.effectOf(aWorkflowNode('ValidateExtractionNode'))).toBe('pure');
    const extraction = { fields: { vendor_name: 'ACME', total_amount: -5, email: 'not-an-address', due_date: '' }, confidence: 0.7 };
    const { outputs } = await run('ValidateExtractionNode', {
      extraction,
      required_fields: 'vendor_name, total_amount, due_date',
      validation_rules: { total_amount: { type: 'number', min: 0 }, email: { type: 'email' }, vendor_name: { pattern: '^[A-Z]+$' } },
    });
    expect(outputs).toEqual({
      is_valid: false,
      needs_review: true,
      confidence_score: 0.7,
      validation_errors: ['total_amount: is below 0', 'due_date: required but missing', 'email: is not an email address'],
      field_status: { vendor_name: 'valid', total_amount: 'invalid', due_date: 'missing', email: 'invalid' },
      success: true,
      error: '',
    });
    expect((await run('ValidateExtractionNode', { extraction: { a: 1 }, required_fields: ['a'] })).outputs).toMatchObject({
      is_valid: true,
      needs_review: false,
      confidence_score: 1,
    });
  });

  it('bad rules or thresholds are config errors naming the field', async () => {
    await expect(
      run('ValidateExtractionNode', { extraction: { a: 1 }, required_fields: ['a'], validation_rules: { a: { pattern: '(' } } }, 've'),
    ).rejects.toThrow('nodes.ve.config.validation_rules.a.pattern');
    await expect(run('ValidateExtractionNode', { extraction: { a: 1 }, required_fields: [] }, 've')).rejects.toThrow('nodes.ve.config.required_fields');
    await expect(run('ValidateExtractionNode', { extraction: { a: 1 }, required_fields: ['a'], confidence_threshold: 2 }, 've')).rejects.toThrow(
      'nodes.ve.config.confidence_threshold',
    );
  });
});
