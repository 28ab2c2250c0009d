import type { NodeExecution } from '@casare-rpa/application';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type * as PdfLib from 'pdf-lib';
import type { PDFDocument } from 'pdf-lib';
import { z } from 'zod';
import { boolean, integer, list, nonEmptyText, oneOf, optionalInteger, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { resolveInside, writeFileAtomic } from '../files/working-directory.js';

// PDF nodes. Page work (info, merge, split, extract) is pdf-lib, pure JavaScript. Text and page
// images come from Debian's poppler-utils (`pdftotext`, `pdftoppm`, installed by scripts/setup.sh),
// run with a timeout and no shell; nothing is downloaded. Outputs are written atomically.

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 120_000;

/** A PDF could not be read or written, or poppler is missing. */
export class PdfError extends Error {
  constructor(
    /** Stable code: `PDF_INVALID`, `PDF_ENCRYPTED` or `PDF_TOOL_MISSING`. */
    readonly code: 'PDF_INVALID' | 'PDF_ENCRYPTED' | 'PDF_TOOL_MISSING',
    /** Node that failed. */
    readonly nodeId: string,
    detail: string,
  ) {
    super(`nodes.${nodeId}: ${detail}`);
    this.name = 'PdfError';
  }
  /** The same file fails the same way on every retry. */
  readonly retryable = false;
}

const pathRule = { allow_outside_working_dir: boolean(false) };

function inside(execution: NodeExecution, path: string, field: string, allowOutside: boolean): Promise<string> {
  return resolveInside(execution.workingDirectory, path, field, allowOutside);
}

/** pdf-lib, imported on first use: a process that runs no PDF node never loads it. */
async function pdfLib(): Promise<typeof PdfLib> {
  return import('pdf-lib');
}

async function loadPdf(execution: NodeExecution, full: string, given: string): Promise<PDFDocument> {
  const bytes = await readFile(full).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigFieldError('file_path', `"${given}" not found`);
    throw error;
  });
  try {
    const { PDFDocument } = await pdfLib();
    return await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (error) {
    const message = (error as Error).message;
    throw new PdfError(/encrypt/i.test(message) ? 'PDF_ENCRYPTED' : 'PDF_INVALID', execution.node.id, `${given}: ${message}`);
  }
}

async function savePdf(document: PDFDocument, full: string): Promise<void> {
  await mkdir(dirname(full), { recursive: true });
  await writeFileAtomic(full, await document.save());
}

async function poppler(execution: NodeExecution, tool: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(tool, [...args], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, signal: execution.signal });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PdfError('PDF_TOOL_MISSING', execution.node.id, `${tool} is not installed (Debian: apt-get install poppler-utils; scripts/setup.sh does it)`);
    }
    const raw = (error as { stderr?: unknown }).stderr;
    const stderr = (typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '').trim();
    throw new PdfError(/password|encrypt/i.test(stderr) ? 'PDF_ENCRYPTED' : 'PDF_INVALID', execution.node.id, `${tool}: ${stderr || (error as Error).message}`);
  }
}

function pageRange(start: number | undefined, end: number | undefined, count: number): [number, number] {
  const first = Math.max(1, Math.min(start ?? 1, count));
  const last = Math.max(first, Math.min(end ?? count, count));
  return [first, last];
}

const readPdfTextNode = defineNode({
  types: ['ReadPDFTextNode'],
  config: z.looseObject({
    ...pathRule,
    file_path: nonEmptyText(),
    start_page: optionalInteger(),
    end_page: optionalInteger(),
    password: text(''),
    page_separator: text('\n\n'),
    preserve_layout: boolean(false),
  }),
  ports: { inputs: ['file_path', 'start_page', 'end_page', 'password'], outputs: ['text', 'page_count', 'pages', 'is_encrypted', 'success'] },
  async run(config, execution) {
    const full = await inside(execution, config.file_path, 'file_path', config.allow_outside_working_dir);
    const password = config.password ? ['-upw', config.password] : [];
    const info = await poppler(execution, 'pdfinfo', [...password, full]);
    const count = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0);
    const encrypted = /^Encrypted:\s+yes/m.test(info);
    const [first, last] = pageRange(config.start_page, config.end_page, count);
    const pages: string[] = [];
    for (let page = first; page <= last && count > 0; page += 1) {
      const layout = config.preserve_layout ? ['-layout'] : [];
      const textOfPage = await poppler(execution, 'pdftotext', [...password, ...layout, '-f', String(page), '-l', String(page), '-enc', 'UTF-8', full, '-']);
      pages.push(textOfPage.replace(/\f$/, '').trimEnd());
    }
    return { outputs: { text: pages.join(config.page_separator), page_count: count, pages, is_encrypted: encrypted, success: true } };
  },
});

const getPdfInfoNode = defineNode({
  types: ['GetPDFInfoNode'],
  config: z.looseObject({ ...pathRule, file_path: nonEmptyText() }),
  ports: {
    inputs: ['file_path'],
    outputs: ['page_count', 'title', 'author', 'subject', 'creator', 'producer', 'creation_date', 'modification_date', 'is_encrypted', 'success'],
  },
  async run(config, execution) {
    const full = await inside(execution, config.file_path, 'file_path', config.allow_outside_working_dir);
    const document = await loadPdf(execution, full, config.file_path);
    return {
      outputs: {
        page_count: document.getPageCount(),
        title: document.getTitle() ?? '',
        author: document.getAuthor() ?? '',
        subject: document.getSubject() ?? '',
        creator: document.getCreator() ?? '',
        producer: document.getProducer() ?? '',
        creation_date: document.getCreationDate()?.toISOString() ?? '',
        modification_date: document.getModificationDate()?.toISOString() ?? '',
        is_encrypted: document.isEncrypted,
        success: true,
      },
    };
  },
});

const mergePdfsNode = defineNode({
  types: ['MergePDFsNode'],
  config: z.looseObject({
    ...pathRule,
    input_files: list().refine((files) => files.length > 0, { error: 'must list at least one PDF' }),
    output_path: nonEmptyText(),
  }),
  ports: { inputs: ['input_files', 'output_path'], outputs: ['output_path', 'page_count', 'success'] },
  async run(config, execution) {
    const merged = await (await pdfLib()).PDFDocument.create();
    for (const [index, file] of config.input_files.entries()) {
      const given = textOf(file);
      const source = await loadPdf(execution, await inside(execution, given, `input_files[${index}]`, config.allow_outside_working_dir), given);
      for (const page of await merged.copyPages(source, source.getPageIndices())) merged.addPage(page);
    }
    await savePdf(merged, await inside(execution, config.output_path, 'output_path', config.allow_outside_working_dir));
    return { outputs: { output_path: config.output_path, page_count: merged.getPageCount(), success: true } };
  },
});

const splitPdfNode = defineNode({
  types: ['SplitPDFNode'],
  config: z.looseObject({ ...pathRule, input_file: nonEmptyText(), output_dir: nonEmptyText(), filename_pattern: text('page_{n}.pdf') }),
  ports: { inputs: ['input_file', 'output_dir'], outputs: ['output_files', 'page_count', 'success'] },
  async run(config, execution) {
    if (!config.filename_pattern.includes('{n}')) throw new ConfigFieldError('filename_pattern', 'must contain {n} (the page number)');
    const source = await loadPdf(execution, await inside(execution, config.input_file, 'input_file', config.allow_outside_working_dir), config.input_file);
    const outputs: string[] = [];
    for (const index of source.getPageIndices()) {
      const name = config.filename_pattern.replace(/\{n\}/g, String(index + 1));
      const target = await inside(execution, join(config.output_dir, name), 'filename_pattern', config.allow_outside_working_dir);
      const single = await (await pdfLib()).PDFDocument.create();
      single.addPage((await single.copyPages(source, [index]))[0]);
      await savePdf(single, target);
      outputs.push(relative(execution.workingDirectory, target).split(sep).join('/'));
    }
    return { outputs: { output_files: outputs, page_count: outputs.length, success: true } };
  },
});

const extractPdfPagesNode = defineNode({
  types: ['ExtractPDFPagesNode'],
  config: z.looseObject({
    ...pathRule,
    input_file: nonEmptyText(),
    output_path: nonEmptyText(),
    pages: list().refine((pages) => pages.length > 0, { error: 'must list at least one page number' }),
  }),
  ports: { inputs: ['input_file', 'output_path', 'pages'], outputs: ['output_path', 'page_count', 'success'] },
  async run(config, execution) {
    const source = await loadPdf(execution, await inside(execution, config.input_file, 'input_file', config.allow_outside_working_dir), config.input_file);
    const indices = config.pages.map((page, index) => {
      const number = Number(page);
      if (!Number.isInteger(number) || number < 1) throw new ConfigFieldError(`pages[${index}]`, 'expected a page number (1 or more)');
      return number - 1;
    });
    // As in v1, numbers past the end are skipped.
    const kept = indices.filter((index) => index < source.getPageCount());
    const extracted = await (await pdfLib()).PDFDocument.create();
    for (const page of await extracted.copyPages(source, kept)) extracted.addPage(page);
    await savePdf(extracted, await inside(execution, config.output_path, 'output_path', config.allow_outside_working_dir));
    return { outputs: { output_path: config.output_path, page_count: extracted.getPageCount(), success: true } };
  },
});

const pdfToImagesNode = defineNode({
  types: ['PDFToImagesNode'],
  config: z.looseObject({
    ...pathRule,
    input_file: nonEmptyText(),
    output_dir: nonEmptyText(),
    start_page: optionalInteger(),
    end_page: optionalInteger(),
    dpi: integer(200).refine((dpi) => dpi >= 10 && dpi <= 1200, { error: 'expected 10 to 1200' }),
    format: oneOf(['png', 'jpg', 'jpeg'], 'png'),
  }),
  ports: { inputs: ['input_file', 'output_dir', 'start_page', 'end_page'], outputs: ['output_files', 'page_count', 'success'] },
  async run(config, execution) {
    const input = await inside(execution, config.input_file, 'input_file', config.allow_outside_working_dir);
    const outputDir = await inside(execution, config.output_dir, 'output_dir', config.allow_outside_working_dir);
    const count = (await loadPdf(execution, input, config.input_file)).getPageCount();
    const [first, last] = pageRange(config.start_page, config.end_page, count);
    await mkdir(outputDir, { recursive: true });
    // Rendered into a scratch directory, then each image renamed into place: no half-written image.
    const scratch = await mkdtemp(join(outputDir, '.pdf-images-'));
    try {
      const jpeg = config.format !== 'png';
      await poppler(execution, 'pdftoppm', [
        jpeg ? '-jpeg' : '-png',
        '-r',
        String(config.dpi),
        '-f',
        String(first),
        '-l',
        String(last),
        input,
        join(scratch, 'p'),
      ]);
      const rendered = (await readdir(scratch)).sort();
      const outputs: string[] = [];
      for (const [index, name] of rendered.entries()) {
        const target = join(outputDir, `page_${first + index}.${config.format}`);
        await rename(join(scratch, name), target);
        outputs.push(relative(execution.workingDirectory, target).split(sep).join('/'));
      }
      return { outputs: { output_files: outputs, page_count: outputs.length, success: true } };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
});

/** PDF nodes: text, info, merge, split, extract pages, pages to images. */
export const pdfNodeHandlers: readonly CatalogNodeHandler[] = [
  readPdfTextNode,
  getPdfInfoNode,
  mergePdfsNode,
  splitPdfNode,
  extractPdfPagesNode,
  pdfToImagesNode,
];
