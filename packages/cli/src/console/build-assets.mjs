// The console's build step (after tsc): bundles the page script with dagre into one ES module
// and copies the stylesheet, both into dist/console/assets, so the console serves everything
// itself and works offline.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'console', 'assets');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'page', 'console-page.ts')],
  outfile: join(out, 'console.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(join(here, 'page', 'console.css'), join(out, 'console.css'));
