import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnv, REPO_ROOT, requireBuiltBinary } from './casare-process.js';

// npm links a package's bins when it installs, before anything is built: the `casare` bin must be a
// file of a fresh clone, so that `npx casare` in the repository runs it instead of asking the
// public registry for a package named casare.

const CLI_DIR = join(REPO_ROOT, 'packages', 'cli');

describe('the casare bin', () => {
  it('is a file committed to the repository, not a build output', async () => {
    const manifest = JSON.parse(await readFile(join(CLI_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    const target = manifest.bin['casare'] ?? '';
    expect(target).not.toMatch(/^(\.\/)?dist\//);
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', target], { cwd: CLI_DIR, encoding: 'utf8' });
    expect(tracked.status, `${target} is not tracked by git: ${tracked.stderr}`).toBe(0);
    expect(manifest.files).toContain(target.replace(/^\.\//, '').split('/')[0]);
  });

  it('runs through npx in the repository without asking any registry', () => {
    requireBuiltBinary();
    const ended = spawnSync('npm', ['exec', '--offline', '--no', '--', 'casare', '--version'], { cwd: REPO_ROOT, env: childEnv(), encoding: 'utf8' });
    expect(ended.status, ended.stderr).toBe(0);
    expect(ended.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('says to build first when dist/ is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'casare-bin-'));
    try {
      await mkdir(join(dir, 'bin'));
      await copyFile(join(CLI_DIR, 'bin', 'casare.js'), join(dir, 'bin', 'casare.js'));
      const ended = spawnSync(process.execPath, [join(dir, 'bin', 'casare.js'), '--help'], { encoding: 'utf8' });
      expect(ended.status).toBe(2);
      expect(ended.stderr).toContain('casare: not built yet');
      expect(ended.stderr).toContain('run "npm run build" at the repository root first');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
