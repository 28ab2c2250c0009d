import { describe, expect, it } from 'vitest';
import { runCli } from '../main.js';

// Bad flags of the fleet commands are usage errors (exit 2) that name the flag; nothing connects.
async function run(argv: readonly string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await runCli({
    argv,
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
    env: { CASARE_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/never' },
    cwd: process.cwd(),
    interrupted: new Promise(() => {}),
  });
  return { code, stderr, stdout };
}

describe('fleet commands: usage', () => {
  it.each([
    [['worker', '--concurrency', '0'], '--concurrency must be a positive integer'],
    [['worker', '--global-concurrency', 'two'], '--global-concurrency must be a positive integer'],
    [['worker', '--takeover-after', '0'], '--takeover-after must be a positive number'],
    [['worker', '--takeover-after', '3', '--heartbeat', '3'], '--heartbeat must be shorter than --takeover-after'],
    [['workers', 'show'], 'unknown subcommand "workers show"'],
    [['submit'], 'submit'],
  ])('casare %j exits 2 and says %s', async (argv, message) => {
    const ended = await run(argv);
    expect(ended.code).toBe(2);
    expect(ended.stderr).toContain(message);
  });

  it('each fleet command has a help text with an example', async () => {
    for (const command of ['worker', 'submit', 'workers']) {
      const ended = await run([command, '--help']);
      expect(ended.code).toBe(0);
      expect(ended.stdout).toMatch(/Usage: casare/);
      expect(ended.stdout).toMatch(/Example:/);
    }
  });
});
