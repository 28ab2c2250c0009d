import { stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, normalize, sep } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, integer, isJsonArray, isJsonObject, nonEmptyText, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { resolveInside, writeFileAtomic } from '../files/working-directory.js';
import { milliseconds, pageFields, pageOf } from './browser-config.js';
import { recordField, runOnPage, type BrowserNodeDependencies } from './browser-step.js';
import { performPageAction } from './page-actions.js';
import { recordValue, replayValue, type PageAction } from './page-hint.js';

// Reading the page (tables, images, forms) and downloading: `world` nodes. FormFieldNode changes
// only the field's value and records it as a page action, so recovery fills it again.

/** A download answered with an error status. */
export class DownloadFailedError extends Error {
  /** Stable code. */
  readonly code = 'DOWNLOAD_FAILED';
  constructor(
    /** The node. */
    readonly nodeId: string,
    /** The URL. */
    readonly url: string,
    /** HTTP status. */
    readonly status: number,
  ) {
    super(`nodes.${nodeId}: downloading ${url} answered HTTP ${status}`);
    this.name = 'DownloadFailedError';
  }
}

/** The file name a URL suggests, or `download_<hash>.<ext>` as v1 named it. */
function fileNameOf(url: string): string {
  let name = '';
  try {
    name = basename(decodeURIComponent(new URL(url).pathname));
  } catch {
    name = '';
  }
  if (name !== '' && name.includes('.')) return name;
  const hash = createHash('md5').update(url).digest('hex').slice(0, 8);
  const ext = ['.png', '.gif', '.webp', '.svg', '.jpeg', '.bmp', '.pdf'].find((candidate) => url.toLowerCase().includes(candidate)) ?? '.jpg';
  return `download_${hash}${ext}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** DownloadFileNode: fetches `url` (through the page's browser context when `use_browser`) into a file of the working directory. */
export function downloadFileNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['DownloadFileNode', 'BrowserDownloadFileNode'],
    config: z
      .looseObject({
        url: nonEmptyText(),
        filename: optionalText(),
        save_path: optionalText(),
        use_browser: boolean(false),
        timeout: milliseconds(30_000),
        overwrite: boolean(true),
        allow_outside_working_dir: boolean(false),
        ...pageFields,
      })
      .superRefine((config, ctx) => {
        // A relative path climbing out with `..` is refused before the run (the run-time check also
        // covers absolute paths and symlinks).
        if (config.allow_outside_working_dir) return;
        for (const field of ['save_path', 'filename'] as const) {
          const value = config[field];
          if (value === undefined || value.includes('{{') || isAbsolute(value)) continue;
          const normalised = normalize(value);
          if (normalised === '..' || normalised.startsWith(`..${sep}`)) {
            ctx.addIssue({
              code: 'custom',
              path: [field],
              input: value,
              message: 'leaves the working directory (set allow_outside_working_dir: true to allow it)',
            });
          }
        }
      }),
    ports: { inputs: ['url', 'filename'], outputs: ['path', 'attachment_file', 'size', 'success'] },
    run: async (config, execution) => {
      const name = config.filename ?? fileNameOf(config.url);
      const requested = config.save_path ?? join('downloads', name);
      let target = await resolveInside(execution.workingDirectory, requested, config.save_path ? 'save_path' : 'filename', config.allow_outside_working_dir);
      if (
        await stat(target).then(
          (info) => info.isDirectory(),
          () => false,
        )
      )
        target = join(target, name);
      if (!config.overwrite && (await exists(target))) {
        const extension = extname(target);
        const stem = target.slice(0, target.length - extension.length);
        let counter = 1;
        while (await exists(`${stem}_${counter}${extension}`)) counter += 1;
        target = `${stem}_${counter}${extension}`;
      }
      await mkdir(dirname(target), { recursive: true });
      const save = async (status: number, body: Uint8Array) => {
        if (status < 200 || status >= 300) throw new DownloadFailedError(execution.node.id, config.url, status);
        // Written whole or not at all: a crash mid-download leaves no half file, and the re-run
        // (a GET, safe to repeat) replaces the file atomically.
        await writeFileAtomic(target, body);
        return { outputs: { path: target, attachment_file: [target], size: body.byteLength, success: true } };
      };
      if (config.use_browser) {
        return runOnPage(execution, deps, pageOf(config), async (page) => {
          const response = await page.context().request.get(config.url, { timeout: config.timeout });
          return save(response.status(), await response.body());
        });
      }
      const signal = AbortSignal.any([execution.signal, AbortSignal.timeout(config.timeout)]);
      const response = await fetch(config.url, { signal });
      return save(response.status, new Uint8Array(await response.arrayBuffer()));
    },
  });
}

// Runs in the page: a table's header cells and rows, as text.
function readTable(table: Element, options: { includeHeaders: boolean }): { headers: string[]; rows: string[][] } {
  const textOf = (cell: Element) => ((cell as HTMLElement).innerText ?? cell.textContent ?? '').trim();
  const rows = [...table.querySelectorAll('tr')];
  const first = rows[0];
  const headRow = table.querySelector('thead tr') ?? (first?.querySelector('th') ? first : null);
  if (!headRow || !options.includeHeaders) return { headers: [], rows: rows.map((row) => [...row.children].map(textOf)).filter((cells) => cells.length > 0) };
  return {
    headers: [...headRow.children].map(textOf),
    rows: rows
      .filter((row) => row !== headRow)
      .map((row) => [...row.children].map(textOf))
      .filter((cells) => cells.length > 0),
  };
}

/** TableScraperNode: reads an HTML table into rows (dictionaries keyed by header, or lists). */
export function tableScraperNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['TableScraperNode'],
    config: z.looseObject({
      table_selector: text('table'),
      include_headers: boolean(true),
      max_rows: integer(0),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['table_selector'], outputs: ['data', 'headers', 'row_count', 'column_count'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const table = page.locator(config.table_selector).first();
        await table.waitFor({ state: 'attached', timeout: config.timeout });
        const read = await table.evaluate(readTable, { includeHeaders: config.include_headers });
        const rows = config.max_rows > 0 ? read.rows.slice(0, config.max_rows) : read.rows;
        const keyed = (cells: string[]): JsonObject =>
          Object.fromEntries(read.headers.map((header, index) => [header === '' ? `column_${index + 1}` : header, cells[index] ?? '']));
        const data: Json[] = read.headers.length > 0 ? rows.map(keyed) : rows;
        return {
          outputs: { data, headers: read.headers, row_count: rows.length, column_count: Math.max(read.headers.length, ...rows.map((row) => row.length), 0) },
        };
      }),
  });
}

// Runs in the page: <img>, <picture><source> and (optionally) CSS background images.
const FIND_IMAGES = `(includeBackgrounds) => {
  const images = [];
  const seen = new Set();
  const add = (url, width, height, alt, type) => {
    if (!url || seen.has(url)) return;
    seen.add(url);
    images.push({ url, width, height, alt, type });
  };
  document.querySelectorAll('img').forEach((img) => add(img.currentSrc || img.src || img.dataset.src || img.getAttribute('data-lazy-src'), img.naturalWidth || img.width || 0, img.naturalHeight || img.height || 0, img.alt || '', 'img'));
  document.querySelectorAll('picture source').forEach((source) => (source.srcset || '').split(',').map((part) => part.trim().split(' ')[0]).forEach((url) => add(url && new URL(url, document.baseURI).href, 0, 0, '', 'source')));
  if (includeBackgrounds) {
    document.querySelectorAll('*').forEach((element) => {
      const match = /url\\(["']?([^"')]+)["']?\\)/.exec(getComputedStyle(element).backgroundImage || '');
      if (match) add(new URL(match[1], document.baseURI).href, 0, 0, '', 'background');
    });
  }
  return images;
}`;

/** GetAllImagesNode: URLs of the page's images, filtered by size and file type. */
export function getAllImagesNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['GetAllImagesNode'],
    config: z.looseObject({
      min_width: integer(0),
      min_height: integer(0),
      include_backgrounds: boolean(true),
      file_types: text(''),
      ...pageFields,
    }),
    ports: { outputs: ['images', 'count'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const found = await page.evaluate<Array<{ url: string; width: number; height: number }>>(
          `(${FIND_IMAGES})(${JSON.stringify(config.include_backgrounds)})`,
        );
        const types = config.file_types
          .split(',')
          .map((type) => type.trim().toLowerCase().replace(/^\./, ''))
          .filter((type) => type !== '')
          .map((type) => `.${type}`);
        const images = found
          .filter((image) => !image.url.startsWith('data:'))
          .filter((image) => (config.min_width <= 0 || image.width >= config.min_width) && (config.min_height <= 0 || image.height >= config.min_height))
          .filter((image) => types.length === 0 || types.some((type) => image.url.toLowerCase().split('?')[0]!.endsWith(type)))
          .map((image) => image.url);
        return { outputs: { images, count: images.length } };
      }),
  });
}

// Runs in the page: every form with its fields (a selector each node can use).
const DETECT_FORMS = `() => [...document.forms].map((form, index) => {
  const formSelector = form.id ? '#' + CSS.escape(form.id) : 'form >> nth=' + index;
  const fields = [...form.elements].filter((element) => element.name || element.id).map((element) => ({
    name: element.name || '',
    id: element.id || '',
    type: (element.type || element.tagName).toLowerCase(),
    tag: element.tagName.toLowerCase(),
    required: Boolean(element.required),
    label: (element.labels && element.labels[0] ? element.labels[0].innerText : element.getAttribute('aria-label') || element.placeholder || '').trim(),
    selector: element.id ? '#' + CSS.escape(element.id) : element.tagName.toLowerCase() + '[name="' + element.name + '"]',
  }));
  return { index, id: form.id || '', name: form.getAttribute('name') || '', action: form.action || '', method: (form.method || 'get').toLowerCase(), selector: formSelector, fields, field_count: fields.length };
})`;

/** DetectFormsNode: the page's forms and their fields, with selectors. */
export function detectFormsNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['DetectFormsNode'],
    config: z.looseObject({ ...pageFields }),
    ports: { outputs: ['forms', 'form_count'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const forms = await page.evaluate<Json[]>(`(${DETECT_FORMS})()`);
        return { outputs: { forms, form_count: forms.length } };
      }),
  });
}

const FIELD_TYPES = ['text', 'select', 'checkbox', 'radio'] as const;

/** One field definition as FormFieldNode chains them and FormFillerNode fills them. */
const fieldDefinition = z.looseObject({
  selector: z.string(),
  value: z.union([z.string(), z.number().transform(String), z.boolean().transform(String)]).default(''),
  type: z.enum(FIELD_TYPES).default('text'),
  clear_first: z.boolean().default(true),
  secret: z.boolean().optional(),
});

/**
 * FormFieldNode: adds one field definition to the chain (`fields_in` -> `fields_out`) for a
 * FormFillerNode; it touches no page. A value that came from a secret is chained as its
 * `{{$secret:NAME}}` reference, so the secret never appears in an output.
 */
export function formFieldNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['FormFieldNode'],
    effect: 'pure',
    config: z.looseObject({
      selector: text(''),
      value: text(''),
      field_type: oneOf(FIELD_TYPES, 'text'),
      clear_first: boolean(true),
      fields_in: anyValue(),
    }),
    ports: { inputs: ['fields_in', 'selector', 'value'], outputs: ['fields_out', 'field'] },
    run: async (config, execution) => {
      const previous: readonly Json[] = config.fields_in === null ? [] : isJsonArray(config.fields_in) ? config.fields_in : [config.fields_in];
      const selector = config.selector.trim();
      // v1 skipped a field without a selector and kept the chain going.
      if (selector === '') return { outputs: { fields_out: previous, field: null } };
      const recorded = await recordField(execution, deps, 'value', config.value);
      const field: JsonObject = {
        selector,
        value: recorded.value,
        type: config.field_type,
        clear_first: config.clear_first,
        ...(recorded.secret ? { secret: true } : {}),
      };
      return { outputs: { fields_out: [...previous, field], field } };
    },
  });
}

const TRUTHY = new Set(['true', '1', 'yes', 'on', 'checked']);

/** FormFillerNode: fills the fields of `field_mapping` (selector -> value) or of a FormFieldNode chain (`fields_in`), then submits if asked; every field is recorded for recovery. */
export function formFillerNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['FormFillerNode'],
    config: z.looseObject({
      form_selector: text('form'),
      field_mapping: anyValue(),
      fields_in: anyValue(),
      fast_mode: boolean(false),
      auto_submit: boolean(false),
      clear_first: boolean(true),
      wait_between_fields: integer(0).pipe(z.number().min(0).max(5000)),
      timeout: milliseconds(5000),
      ...pageFields,
    }),
    ports: { inputs: ['field_mapping', 'fields_in'], outputs: ['fields_filled', 'form_data'] },
    run: async (config, execution) => {
      const fields = await fieldsToFill(config.fields_in, config.field_mapping, config.clear_first, execution, deps);
      return runOnPage(execution, deps, pageOf(config), async (page) => {
        const record: PageAction[] = [];
        const formData: Record<string, Json> = {};
        for (const [index, field] of fields.entries()) {
          if (index > 0 && config.wait_between_fields > 0) await page.waitForTimeout(config.wait_between_fields);
          const value = await replayValue(field.value, field.secret, deps.secrets);
          let action: PageAction;
          if (field.type === 'select') action = { kind: 'select', selector: field.selector, value, by: 'value' };
          else if (field.type === 'checkbox' || field.type === 'radio')
            action = { kind: 'check', selector: field.selector, checked: TRUTHY.has(value.trim().toLowerCase()) };
          else action = { kind: 'type', selector: field.selector, value, mode: field.clear_first ? 'fill' : 'append' };
          await performPageAction(page, action, config.timeout);
          // What is recorded (hint, outputs) keeps secret references, never the value.
          record.push(action.kind === 'check' ? action : { ...action, value: field.value, ...(field.secret ? { secret: true } : {}) });
          formData[field.selector] = field.secret ? field.value : value;
        }
        if (config.auto_submit && fields.length > 0) {
          const form = page.locator(config.form_selector).first();
          const submit = form.locator('[type=submit], button:not([type])').first();
          if ((await submit.count()) > 0) await submit.click({ timeout: config.timeout });
          else await form.evaluate((element) => (element as HTMLFormElement).requestSubmit());
        }
        return { outputs: { fields_filled: fields.length, form_data: formData }, record };
      });
    },
  });
}

interface FieldToFill {
  readonly selector: string;
  readonly value: string;
  readonly type: (typeof FIELD_TYPES)[number];
  readonly clear_first: boolean;
  readonly secret?: boolean | undefined;
}

/** The fields a FormFillerNode fills: the chain first (as v1), else the mapping, with secrets recorded as references. */
async function fieldsToFill(
  chain: Json,
  mapping: Json,
  clearFirst: boolean,
  execution: Parameters<typeof recordField>[0],
  deps: BrowserNodeDependencies,
): Promise<FieldToFill[]> {
  if (Array.isArray(chain) && chain.length > 0) {
    return chain
      .map((item, index) => {
        const parsed = fieldDefinition.safeParse(item);
        if (!parsed.success) throw new ConfigFieldError(`fields_in[${index}]`, 'expected a field definition from FormFieldNode (selector, value, type)');
        return parsed.data;
      })
      .filter((field) => field.selector.trim() !== '');
  }
  let map: Json = mapping;
  if (typeof map === 'string') {
    try {
      map = JSON.parse(map) as Json;
    } catch (error) {
      throw new ConfigFieldError('field_mapping', `invalid JSON: ${(error as Error).message}`);
    }
  }
  if (map === null) throw new ConfigFieldError('field_mapping', 'required (or connect a FormFieldNode chain to fields_in)');
  if (typeof map !== 'object' || Array.isArray(map)) throw new ConfigFieldError('field_mapping', 'expected a dictionary of selector -> value');
  const raw = execution.node.config['field_mapping'];
  const rawMap: JsonObject = isJsonObject(raw) ? raw : {};
  const fields: FieldToFill[] = [];
  for (const [selector, value] of Object.entries(map)) {
    if (selector.trim() === '') continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const recorded = await recordValue(Object.hasOwn(rawMap, selector) ? rawMap[selector] : undefined, text, deps.secrets, execution.variables);
    fields.push({ selector, value: recorded.value, type: 'text', clear_first: clearFirst, ...(recorded.secret ? { secret: true } : {}) });
  }
  return fields;
}
