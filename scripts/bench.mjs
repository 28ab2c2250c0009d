// `npm run bench`: runs every package benchmark (`packages/*/bench/*-bench.mjs`) one after the other,
// on built dist/. `npm run bench -- dbos` runs the ones whose file name contains "dbos".
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const benches = readdirSync(join(root, 'packages'))
  .map((pkg) => join(root, 'packages', pkg, 'bench'))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith('-bench.mjs'))
      .map((file) => join(dir, file)),
  )
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (benches.length === 0) {
  console.log(`no benchmark matches ${filters.join(' ') || '(none found)'}`);
  process.exit(filters.length === 0 ? 0 : 1);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${relative(root, bench)} ===`);
  const { status } = spawnSync(process.execPath, [bench], { stdio: 'inherit', cwd: root });
  if (status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
