import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
let workdir: string;

beforeEach(async () => {
  workdir = join(await mkdtemp(join(tmpdir(), 'casare-img-')), 'work');
  await mkdir(join(workdir, 'pics'), { recursive: true });
  await sharp({ create: { width: 40, height: 20, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } })
    .png()
    .toFile(join(workdir, 'pics', 'a.png'));
  await sharp({ create: { width: 10, height: 10, channels: 3, background: '#00ff00' } })
    .webp()
    .toFile(join(workdir, 'pics', 'b.webp'));
});
afterEach(async () => {
  await rm(join(workdir, '..'), { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'i') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());

describe('ImageConvertNode (sharp)', () => {
  it('converts one image, scaled, and a folder of images', async () => {
    const batch = await run('StructuredDataSuperNode', { action: 'Image Convert', source_path: 'pics', output_path: 'out', output_format: 'PNG' });
    expect(batch.outputs).toMatchObject({ output_path: 'out', files: ['out/a.png', 'out/b.png'], file_count: 2, format: 'PNG' });
    expect((await sharp(join(workdir, 'out', 'b.png')).metadata()).format).toBe('png');
    const one = await run('ImageConvertNode', { source_path: 'pics/a.png', output_format: 'JPEG', scale_percent: '50%' });
    expect(one.outputs).toEqual({ output_path: 'pics/a.jpg', files: ['pics/a.jpg'], file_count: 1, format: 'JPEG', success: true });
    expect(await sharp(join(workdir, 'pics', 'a.jpg')).metadata()).toMatchObject({ format: 'jpeg', width: 20, height: 10 });
    await expect(run('ImageConvertNode', { source_path: 'pics/a.png', output_format: 'JPEG' })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
  });

  it('names node and field for bad config', async () => {
    await expect(run('ImageConvertNode', { source_path: 'pics/a.png', output_format: 'BMP' }, 'c')).rejects.toThrow(
      /^nodes\.c\.config\.output_format: expected one of "PNG"/,
    );
    await expect(run('ImageConvertNode', { source_path: 'pics/a.png', quality: 0 }, 'c')).rejects.toThrow('nodes.c.config.quality: expected 1 to 100');
    await expect(run('ImageConvertNode', { source_path: 'pics/a.png', scale_percent: '33%' }, 'c')).rejects.toThrow(
      'nodes.c.config.scale_percent: expected one of 5%, 10%, 25%, 50%, 75%, 100%',
    );
    await expect(run('ImageConvertNode', { source_path: 'nothing.png' }, 'c')).rejects.toThrow('nodes.c.config.source_path: "nothing.png" not found');
    await expect(run('ImageConvertNode', { source_path: '../x.png' }, 'c')).rejects.toThrow(
      /^nodes\.c\.config\.source_path: "\.\.\/x\.png" is outside the working directory/,
    );
  });
});
