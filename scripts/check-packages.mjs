// Part of `npm run lint` (after `npm run build`): every workspace package is fit to publish.
// - publint: package.json's exports, types and files point at what the tarball holds;
// - @arethetypeswrong/cli (ESM-only profile): TypeScript resolves every export to its types;
// - `npm pack --dry-run`: the tarball holds dist/, the README and package.json, and nothing else
//   (no sources, tests, fixtures or build info).
// Exits 1 naming every package and problem found.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const problems = [];

for (const workspace of workspaces) {
  const dir = join(root, workspace);
  const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!existsSync(join(dir, 'dist'))) {
    problems.push(`${name}: no dist/ (run npm run build first)`);
    continue;
  }
  const run = (command, args) => spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
  const publint = run(bin('publint'), ['--strict']);
  if (publint.status !== 0 || /\b(error|warning)\b/i.test(publint.stdout.replace(/All good!/, ''))) {
    problems.push(`${name}: publint:\n${(publint.stdout + publint.stderr).trim()}`);
  }
  const attw = run(bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'ascii']);
  if (attw.status !== 0) problems.push(`${name}: are-the-types-wrong:\n${(attw.stdout + attw.stderr).trim()}`);
  const pack = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
  if (pack.status !== 0) {
    problems.push(`${name}: npm pack failed: ${pack.stderr.trim()}`);
  } else {
    const files = JSON.parse(pack.stdout)[0].files.map((file) => file.path);
    const extra = files.filter(
      (path) => !(path.startsWith('dist/') || path === 'README.md' || path === 'package.json' || path === 'LICENSE' || path.startsWith('bin/')),
    );
    const leaked = files.filter((path) => /\.test\.|tsbuildinfo|\/testing\/fixtures\//.test(path));
    if (!files.includes('README.md')) problems.push(`${name}: the tarball has no README.md`);
    if (extra.length > 0) problems.push(`${name}: the tarball holds files outside dist/: ${extra.join(', ')}`);
    if (leaked.length > 0) problems.push(`${name}: the tarball holds tests or build info: ${leaked.slice(0, 5).join(', ')}`);
  }
  console.log(`check-packages: ${name} checked`);
}

if (problems.length > 0) {
  console.error(`\ncheck-packages: ${problems.length} problem(s)\n${problems.join('\n\n')}`);
  process.exit(1);
}
console.log(`check-packages: ${workspaces.length} packages fit to publish (publint, are-the-types-wrong, tarball contents)`);
