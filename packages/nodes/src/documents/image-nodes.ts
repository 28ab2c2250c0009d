import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { boolean, integer, oneOf, optionalText, nonEmptyText } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { FileOperationError } from '../files/file-actions.js';
import { resolveInside, writeFileAtomic } from '../files/working-directory.js';

// ImageConvertNode on sharp (libvips ships inside its npm packages; nothing is downloaded). BMP
// output, which libvips cannot write, is refused at validation; BMP input is not read either.

const FORMATS = { PNG: '.png', JPEG: '.jpg', WEBP: '.webp', GIF: '.gif' } as const;
const INPUT_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff']);

/** ImageConvertNode's config fields (also StructuredDataSuperNode's `Image Convert` action). */
export const imageConvertConfig = z.looseObject({
  source_path: nonEmptyText(),
  output_path: optionalText(),
  output_format: oneOf(['PNG', 'JPEG', 'WEBP', 'GIF'], 'JPEG'),
  quality: integer(85).refine((quality) => quality >= 1 && quality <= 100, { error: 'expected 1 to 100' }),
  scale_percent: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().replace(/%$/, '') : (value ?? '100')),
    z.coerce.number().refine((scale) => [5, 10, 25, 50, 75, 100].includes(scale), { error: 'expected one of 5%, 10%, 25%, 50%, 75%, 100%' }),
  ),
  overwrite: boolean(false),
  recursive: boolean(false),
  allow_outside_working_dir: boolean(false),
});

/** ImageConvertNode: converts one image, or every image of a folder, to PNG, JPEG, WEBP or GIF. */
export const imageConvertNode: CatalogNodeHandler = defineNode({
  types: ['ImageConvertNode'],
  config: imageConvertConfig,
  ports: { inputs: ['source_path'], outputs: ['output_path', 'files', 'file_count', 'format', 'success'] },
  async run(config, execution) {
    const allow = config.allow_outside_working_dir;
    const inside = (path: string, field: string) => resolveInside(execution.workingDirectory, path, field, allow);
    const shown = (full: string) => relative(execution.workingDirectory, full).split(sep).join('/');
    const source = await inside(config.source_path, 'source_path');
    const info = await stat(source).catch(() => undefined);
    if (!info) throw new ConfigFieldError('source_path', `"${config.source_path}" not found`);
    const ext = FORMATS[config.output_format];
    const convert = async (from: string, to: string) => {
      if (
        !config.overwrite &&
        (await stat(to).then(
          () => true,
          () => false,
        ))
      ) {
        throw new FileOperationError(execution.node.id, 'Image Convert', shown(to), 'EEXIST', 'destination exists and overwrite is false');
      }
      const { default: sharp } = await import('sharp');
      let image = sharp(from).rotate();
      if (config.scale_percent !== 100) {
        const { width = 1, height = 1 } = await sharp(from).metadata();
        image = image.resize(Math.max(1, Math.round((width * config.scale_percent) / 100)), Math.max(1, Math.round((height * config.scale_percent) / 100)));
      }
      const formatted =
        config.output_format === 'JPEG'
          ? image.flatten({ background: '#ffffff' }).jpeg({ quality: config.quality })
          : config.output_format === 'WEBP'
            ? image.webp({ quality: config.quality })
            : config.output_format === 'PNG'
              ? image.png()
              : image.gif();
      const bytes = await formatted.toBuffer().catch((error: unknown) => {
        throw new FileOperationError(execution.node.id, 'Image Convert', shown(from), undefined, `cannot convert: ${(error as Error).message}`);
      });
      await mkdir(dirname(to), { recursive: true });
      await writeFileAtomic(to, bytes);
    };
    if (info.isDirectory()) {
      const outputDir = config.output_path ? await inside(config.output_path, 'output_path') : join(source, 'converted');
      const entries = await readdir(source, { withFileTypes: true, recursive: config.recursive });
      const inputs = entries
        .filter((entry) => entry.isFile() && INPUT_EXTENSIONS.has(extname(entry.name).toLowerCase()))
        .map((entry) => join(entry.parentPath, entry.name))
        .filter((file) => !file.startsWith(outputDir + sep))
        .sort();
      if (inputs.length === 0) throw new ConfigFieldError('source_path', `no images in "${config.source_path}"`);
      const files: string[] = [];
      for (const input of inputs) {
        const rel = config.recursive ? relative(source, input) : basename(input);
        const target = join(outputDir, rel.slice(0, rel.length - extname(rel).length) + ext);
        await convert(input, target);
        files.push(shown(target));
      }
      return { outputs: { output_path: shown(outputDir), files, file_count: files.length, format: config.output_format, success: true } };
    }
    const stem = basename(source, extname(source));
    let target: string;
    if (config.output_path) {
      const full = await inside(config.output_path, 'output_path');
      const isDirectory =
        config.output_path.endsWith('/') ||
        (await stat(full).then(
          (s) => s.isDirectory(),
          () => false,
        ));
      target = isDirectory ? join(full, stem + ext) : full;
    } else {
      target = join(dirname(source), stem + ext);
      if (target === source) target = join(dirname(source), `${stem}_converted${ext}`);
    }
    await convert(source, target);
    return { outputs: { output_path: shown(target), files: [shown(target)], file_count: 1, format: config.output_format, success: true } };
  },
});

/** Image nodes: ImageConvertNode. */
export const imageNodeHandlers: readonly CatalogNodeHandler[] = [imageConvertNode];
