import { requireExternalService } from '@casare-rpa/testkit';
import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { popplerInstalled } from './testing/poppler-probe.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
let workdir: string;

const hasPoppler = requireExternalService('poppler-utils', popplerInstalled(), 'no pdftotext/pdftoppm (apt-get install poppler-utils)');

beforeEach(async () => {
  workdir = join(await mkdtemp(join(tmpdir(), 'casare-pdf-')), 'work');
  await mkdir(workdir);
});
afterEach(async () => {
  await rm(join(workdir, '..'), { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'p') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());

/** A real PDF with one line of text per page. */
async function writePdf(name: string, lines: readonly string[], title = 'Report'): Promise<void> {
  const document = await PDFDocument.create();
  document.setTitle(title);
  document.setAuthor('casare');
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const line of lines) document.addPage([300, 200]).drawText(line, { x: 20, y: 100, size: 14, font });
  await writeFile(join(workdir, name), await document.save());
}

describe('PDF nodes', () => {
  it('gives info, merges, splits and extracts pages', async () => {
    await writePdf('a.pdf', ['Alpha one', 'Alpha two']);
    await writePdf('b.pdf', ['Beta one']);
    expect((await run('GetPDFInfoNode', { file_path: 'a.pdf' })).outputs).toMatchObject({
      page_count: 2,
      title: 'Report',
      author: 'casare',
      is_encrypted: false,
      success: true,
    });
    expect((await run('MergePDFsNode', { input_files: ['a.pdf', 'b.pdf'], output_path: 'out/merged.pdf' })).outputs).toEqual({
      output_path: 'out/merged.pdf',
      page_count: 3,
      success: true,
    });
    expect((await PDFDocument.load(await readFile(join(workdir, 'out/merged.pdf')))).getPageCount()).toBe(3);
    expect((await run('SplitPDFNode', { input_file: 'out/merged.pdf', output_dir: 'split' })).outputs).toEqual({
      output_files: ['split/page_1.pdf', 'split/page_2.pdf', 'split/page_3.pdf'],
      page_count: 3,
      success: true,
    });
    expect((await run('ExtractPDFPagesNode', { input_file: 'out/merged.pdf', output_path: 'two.pdf', pages: [3, 1, 9] })).outputs).toMatchObject({
      page_count: 2,
    });
  });

  it.skipIf(!hasPoppler)('reads text per page and renders pages to images', async () => {
    await writePdf('a.pdf', ['Alpha one', 'Alpha two', 'Alpha three']);
    const text = await run('ReadPDFTextNode', { file_path: 'a.pdf', start_page: 2 });
    expect(text.outputs).toEqual({ text: 'Alpha two\n\nAlpha three', page_count: 3, pages: ['Alpha two', 'Alpha three'], is_encrypted: false, success: true });
    const images = await run('PDFToImagesNode', { input_file: 'a.pdf', output_dir: 'img', start_page: 1, end_page: 2, dpi: 50 });
    expect(images.outputs).toEqual({ output_files: ['img/page_1.png', 'img/page_2.png'], page_count: 2, success: true });
    const png = await readFile(join(workdir, 'img/page_1.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('names node and field for bad config and fails clearly on a broken file', async () => {
    await expect(run('MergePDFsNode', { input_files: [], output_path: 'x.pdf' }, 'm')).rejects.toThrow(
      'nodes.m.config.input_files: must list at least one PDF',
    );
    await expect(run('PDFToImagesNode', { input_file: 'a.pdf', output_dir: 'o', dpi: 5 }, 'i')).rejects.toThrow('nodes.i.config.dpi: expected 10 to 1200');
    await expect(run('SplitPDFNode', { input_file: 'a.pdf', output_dir: 'o', filename_pattern: 'same.pdf' }, 's')).rejects.toThrow(
      'nodes.s.config.filename_pattern: must contain {n} (the page number)',
    );
    await expect(run('GetPDFInfoNode', { file_path: 'missing.pdf' }, 'g')).rejects.toThrow('nodes.g.config.file_path: "missing.pdf" not found');
    await writeFile(join(workdir, 'junk.pdf'), 'not a pdf');
    await expect(run('GetPDFInfoNode', { file_path: 'junk.pdf' }, 'g')).rejects.toMatchObject({ code: 'PDF_INVALID', nodeId: 'g' });
    await expect(run('MergePDFsNode', { input_files: ['../x.pdf'], output_path: 'x.pdf' }, 'm')).rejects.toThrow(
      /^nodes\.m\.config\.input_files\[0\]: "\.\.\/x\.pdf" is outside the working directory/,
    );
  });
});
