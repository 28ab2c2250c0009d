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
    [['worker', '--rate-limit', '10'], '--rate-limit must be N/S'],
    [['worker', '--rate-limit', '0/60'], '--rate-limit N/S: N must be a positive integer'],
    [['worker', '--poll-interval', '0'], '--poll-interval must be a positive number of seconds'],
    [['worker', '--queue-config', 'no-such-queues.json'], '--queue-config no-such-queues.json: cannot read it (no such file)'],
    [['submit', 'examples/data-processing/data-processing.json', '--priority=-1'], '--priority must be an integer from 0 (highest, the default) to 2147483647'],
    [['submit', 'examples/data-processing/data-processing.json', '--priority', '2147483648'], '--priority must be an integer from 0'],
    [['submit', 'examples/data-processing/data-processing.json', '--priority', '1.5'], '--priority must be an integer from 0'],
    [['submit', 'examples/data-processing/data-processing.json', '--delay', 'soon'], '--delay must be a number of seconds, 0 or more, not "soon"'],
    [['submit', 'examples/data-processing/data-processing.json', '--delay=-2'], '--delay must be a number of seconds'],
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
      expect(ended.stdout).toMatch(/Examples?:/);
    }
  });
});
