import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, jsonOf, REPO_ROOT, requireBuiltBinary, Workspace } from './casare-process.js';

// The `casare` binary in memory mode: usage, help, exit codes, validation and runs that need no
// PostgreSQL. The DBOS side is in cli-dbos.pg.test.ts.

const env = childEnv();
const memory = ['--durability', 'memory'];

/** Greets `name` (a declared variable) through a variable and a Log node. */
const greeting = () =>
  workflowDoc()
    .name('greeting')
    .variable('name', 'world')
    .start()
    .node('set_greeting', 'SetVariableNode', { variable_name: 'greeting', value: 'Hello {{name}}' })
    .node('log_greeting', 'LogNode', { message: '{{greeting}}' })
    .end()
    .chain('start', 'set_greeting', 'log_greeting', 'end')
    .build();

/** Declares a Float, an Integer and a Dict, and waits `wait_seconds` (a durable sleep) between two Log nodes. */
const typed = () =>
  workflowDoc()
    .name('typed')
    .variable('wait_seconds', 0.1, { type: 'Float' })
    .variable('count', 1, { type: 'Integer' })
    .variable('options', {}, { type: 'Dict' })
    .start()
    .node('before', 'LogNode', { message: 'waiting {{wait_seconds}} s' })
    .node('wait', 'WaitNode', { seconds: '{{wait_seconds}}' })
    .node('after', 'LogNode', { message: 'count is {{count}}' })
    .end()
    .chain('start', 'before', 'wait', 'after', 'end')
    .build();

/** A Wait node that says not how long, and a Log node with nothing to log. */
const unsaid = () => workflowDoc().start().node('wait', 'WaitNode', {}).node('log', 'LogNode', {}).chain('start', 'wait', 'log').build();

/** Fails at `check` (an Assert outside any Try) before its last node. */
const failing = () =>
  workflowDoc()
    .start()
    .node('log_before', 'LogNode', { message: 'before the check' })
    .node('check', 'AssertNode', { condition: false, message: 'the check refused to pass' })
    .node('log_after', 'LogNode', { message: 'never logged' })
    .chain('start', 'log_before', 'check', 'log_after')
    .build();

/** Two problems: an unsupported node type and a wire to a node that does not exist. */
const invalid = () =>
  workflowDoc()
    .start()
    .node('shell', 'DesktopClickNode', { selector: 'OK' })
    .node('set', 'SetVariableNode', { variable_name: 'x', value: 1 })
    .chain('start', 'shell', 'set')
    .exec('set', 'ghost')
    .build();

/** Writes `{{$run.id}}` to `out.txt`, a path relative to the working directory. */
const writesFile = () =>
  workflowDoc()
    .start()
    .node('write', 'FileSystemSuperNode', { action: 'Write File', file_path: 'out.txt', content: 'written by {{$run.id}}' })
    .chain('start', 'write')
    .build();

// Each test starts several processes; on a loaded machine one can take seconds to load.
describe('casare (memory durability, no PostgreSQL needed)', { timeout: 180_000 }, () => {
  let ws: Workspace;

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('memory');
    await ws.write('greeting.json', greeting());
    await ws.write('failing.json', failing());
    await ws.write('invalid.json', invalid());
    await ws.write('writes-file.json', writesFile());
    await ws.write('not-json.json', '{ "nodes": ');
    await ws.write('typed.json', typed());
    await ws.write('unsaid.json', unsaid());
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  describe('help and usage', () => {
    const commands = [
      ['run'],
      ['validate'],
      ['runs'],
      ['runs', 'list'],
      ['runs', 'show'],
      ['runs', 'cancel'],
      ['runs', 'resume'],
      ['runs', 'fork'],
      ['recover'],
      ['demo-site'],
    ];

    it.each(commands)('casare %s %s --help prints usage with an example and exits 0', async (...command) => {
      const ended = await ws.run([...command.filter(Boolean), '--help'], env);
      expect(ended.code, ended.stderr).toBe(0);
      expect(ended.stdout).toContain(`Usage: casare ${command.filter(Boolean).join(' ')}`);
      expect(ended.stdout).toMatch(/Example/);
    });

    it('casare --help lists every command; casare alone exits 2', async () => {
      const help = await ws.run(['--help'], env);
      expect(help.code).toBe(0);
      for (const command of ['run <file>', 'validate <file>', 'runs list', 'runs show', 'runs cancel', 'runs resume', 'runs fork', 'recover', 'demo-site']) {
        expect(help.stdout).toContain(command);
      }
      expect((await ws.run([], env)).code).toBe(2);
    });

    it('an unknown command or flag exits 2 and says where the usage is', async () => {
      const command = await ws.run(['rnu', 'greeting.json'], env);
      expect(command.code).toBe(2);
      expect(command.stderr).toContain('unknown command "rnu"');
      expect(command.stderr).toContain('casare --help');

      const flag = await ws.run(['run', 'greeting.json', '--fast'], env);
      expect(flag.code).toBe(2);
      expect(flag.stderr).toContain('unknown option --fast for "casare run"');
      expect(flag.stderr).toContain('Run "casare run --help"');
      expect(flag.stdout).toBe('');
    });

    it('a missing file exits 2 and says which path was tried', async () => {
      for (const command of ['run', 'validate']) {
        const ended = await ws.run([command, 'nowhere.json'], env);
        expect(ended.code).toBe(2);
        expect(ended.stderr).toContain('workflow file not found: nowhere.json');
        expect(ended.stderr).toContain(join(ws.dir, 'nowhere.json'));
      }
    });

    it('bad option values exit 2: --var without =, an unknown durability, a missing file argument', async () => {
      expect((await ws.run(['run', 'greeting.json', ...memory, '--var', 'oops'], env)).stderr).toContain('--var "oops" is not name=value');
      const durability = await ws.run(['run', 'greeting.json', '--durability', 'disk'], env);
      expect(durability.code).toBe(2);
      expect(durability.stderr).toContain('--durability must be "sqlite", "dbos" or "memory"');
      const missing = await ws.run(['run'], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('"casare run" needs <file>');
    });

    it('refuses a CASARE_DATABASE_URL that is no URL, naming the variable (exit 2)', async () => {
      for (const args of [['runs', 'list'], ['run', 'greeting.json'], ['recover']]) {
        const ended = await ws.run(args, childEnv({ CASARE_DATABASE_URL: 'not-a-url' }));
        expect(ended.code, args.join(' ')).toBe(2);
        expect(ended.stderr).toContain(
          'CASARE_DATABASE_URL is not a PostgreSQL URL (it does not parse as a URL): expected postgres://user:password@host:5432/database',
        );
        expect(ended.stderr).not.toContain('ENOTFOUND');
      }
    });

    it('refuses runs list --queue on the SQLite file, which records no queues, and an empty --queue (exit 2)', async () => {
      const sqlite = await ws.run(['runs', 'list', '--queue', 'invoices'], env);
      expect(sqlite.code).toBe(2);
      expect(sqlite.stderr).toContain('--queue invoices: runs recorded in the SQLite file go through no queue; set CASARE_DATABASE_URL');
      const empty = await ws.run(['runs', 'list', '--queue', ' '], env);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('--queue needs a queue name');
    });

    it('names an unreachable PostgreSQL without its password (exit 1)', async () => {
      const unreachable = childEnv({ CASARE_DATABASE_URL: 'postgres://casare:s3cret-pw@127.0.0.1:1/casare' });
      for (const args of [['runs', 'list'], ['run', 'greeting.json'], ['recover']]) {
        const ended = await ws.run(args, unreachable);
        expect(ended.code, args.join(' ')).toBe(1);
        expect(ended.stderr).toContain('PostgreSQL at postgres://casare:***@127.0.0.1:1/casare is not available');
        expect(ended.stderr + ended.stdout).not.toContain('s3cret-pw');
      }
    });
  });

  describe('validate', () => {
    it('accepts a good file (exit 0) and every shipped example', async () => {
      const ended = await ws.run(['validate', 'greeting.json'], env);
      expect(ended.code, ended.stderr).toBe(0);
      expect(ended.stdout).toContain('greeting.json: valid (4 nodes, 3 connections)');
      for (const example of ['data-processing/data-processing.json', 'wait-between-steps/wait-between-steps.json', 'invoice-robot/invoice-robot.json']) {
        const checked = await ws.run(['validate', join(REPO_ROOT, 'examples', example), '--json'], env);
        expect(checked.code, `${example}: ${checked.stdout}`).toBe(0);
        expect(jsonOf(checked)).toMatchObject({ valid: true, issues: [] });
      }
    });

    it('refuses a WaitNode that says not how long and a LogNode with no message', async () => {
      const ended = await ws.run(['validate', 'unsaid.json'], env);
      expect(ended.code).toBe(2);
      expect(ended.stdout).toContain('nodes.wait.config (node wait): needs seconds, duration or milliseconds: how long to wait [CONFIG_INVALID]');
      expect(ended.stdout).toContain('nodes.log.config.message (node log): required [CONFIG_INVALID]');
    });

    it('lists every problem of a bad file with its JSON path and node id (exit 2)', async () => {
      const ended = await ws.run(['validate', 'invalid.json', '--json'], env);
      expect(ended.code).toBe(2);
      const report = jsonOf<{ valid: boolean; issues: Array<{ code: string; path: string; nodeId: string | null; message: string }> }>(ended);
      expect(report.valid).toBe(false);
      expect(report.issues.map(({ code, path, nodeId }) => ({ code, path, nodeId }))).toEqual([
        { code: 'UNKNOWN_NODE_TYPE', path: 'nodes.shell.node_type', nodeId: 'shell' },
        { code: 'DANGLING_CONNECTION', path: 'connections[2].target_node', nodeId: 'set' },
      ]);
      expect(report.issues[0]?.message).toContain('DesktopClickNode');

      const human = await ws.run(['validate', 'invalid.json'], env);
      expect(human.code).toBe(2);
      expect(human.stdout).toContain('invalid.json: invalid, 2 problems:');
      expect(human.stdout).toMatch(/^ {2}nodes\.shell\.node_type \(node shell\): .*DesktopClickNode.* \[UNKNOWN_NODE_TYPE\]$/m);
      expect(human.stdout).toMatch(/^ {2}connections\[2\]\.target_node \(node set\): .*ghost.* \[DANGLING_CONNECTION\]$/m);
    });

    it('reports a file that is not JSON as an invalid workflow (exit 2)', async () => {
      const ended = await ws.run(['validate', 'not-json.json', '--json'], env);
      expect(ended.code).toBe(2);
      expect(jsonOf<{ valid: boolean; issues: unknown[] }>(ended)).toMatchObject({ valid: false });
    });
  });

  describe('run', () => {
    it('--json prints exactly { runId, status, variables, logs, error } on stdout and progress on stderr', async () => {
      const ended = await ws.run(['run', 'greeting.json', ...memory, '--var', 'name=Alice', '--json'], env);
      expect(ended.code, ended.stderr).toBe(0);
      const result = jsonOf(ended);
      expect(Object.keys(result)).toEqual(['runId', 'status', 'variables', 'logs', 'error']);
      expect(result).toMatchObject({ status: 'succeeded', variables: { name: 'Alice', greeting: 'Hello Alice' }, logs: ['Hello Alice'], error: null });
      expect(ended.stderr).toMatch(/^✓ set_greeting\s+SetVariableNode\s+completed/m);
      expect(ended.stderr).toMatch(/^✓ log_greeting\s+LogNode\s+completed/m);
    });

    it('reads --var values as their declared types, and takes a given --run-id', async () => {
      const ended = await ws.run(
        ['run', 'typed.json', ...memory, '--var', 'count=3', '--var', 'options={"k":1}', '--var', 'wait_seconds=0.1', '--run-id', 'my-run-1', '--json'],
        env,
      );
      expect(jsonOf(ended)).toMatchObject({ runId: 'my-run-1', status: 'succeeded', variables: { count: 3, options: { k: 1 }, wait_seconds: 0.1 } });
      const text = await ws.run(['run', 'greeting.json', ...memory, '--var', 'name=007', '--json'], env);
      expect(jsonOf(text)).toMatchObject({ variables: { name: '007' } });
    });

    it('refuses --var values of the wrong type and undeclared names before any node runs (exit 2)', async () => {
      for (const value of ['wait_seconds=abc', 'wait_seconds=']) {
        const ended = await ws.run(['run', 'typed.json', ...memory, '--var', value], env);
        expect(ended.code, value).toBe(2);
        expect(ended.stderr).toContain(`--var ${value}: wait_seconds is declared Float: expected a number`);
        expect(ended.stdout).not.toMatch(/✓|started/);
      }
      const undeclared = await ws.run(['run', 'typed.json', ...memory, '--var', 'wait_ms=5000', '--var', 'colour=red'], env);
      expect(undeclared.code).toBe(2);
      expect(undeclared.stderr).toContain('--var wait_ms, --var colour: the workflow declares no such variable (declared: wait_seconds, count, options)');
      expect(undeclared.stdout).not.toMatch(/✓/);
    });

    it('prints Log messages live with their node, and when a durable sleep wakes', async () => {
      const ended = await ws.run(['run', 'typed.json', ...memory, '--var', 'wait_seconds=1.5'], env);
      expect(ended.code, ended.stderr).toBe(0);
      const lines = ended.stdout.split('\n');
      const logged = lines.findIndex((line) => line === '  before: waiting 1.5 s');
      expect(logged, ended.stdout).toBeGreaterThan(0);
      // A node's line says completed once its durable step is recorded: after the nodes of its
      // stretch ran (effects mode), so the log line comes first.
      expect(
        lines.slice(logged + 1).some((line) => /^✓ before\s+LogNode\s+completed/.test(line)),
        ended.stdout,
      ).toBe(true);
      expect(ended.stdout).toMatch(/^⏾ wait\s+WaitNode\s+durable sleep of 1\.5 s: wakes at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
      expect(ended.stdout).toMatch(/^ {2}after: count is 1$/m);
      // Printed as they came, not again at the end.
      expect(ended.stdout).not.toContain('Logs:');
    });

    it('prints progress and the result for people without --json, and warns nothing when memory was asked for', async () => {
      const ended = await ws.run(['run', 'greeting.json', ...memory], env);
      expect(ended.code).toBe(0);
      expect(ended.stdout).toMatch(/^✓ start\s+StartNode\s+completed {2}\d+ ms$/m);
      expect(ended.stdout).toContain('  log_greeting: Hello world\n');
      expect(ended.stdout).toMatch(/Run \S+ succeeded in/);
      expect(ended.stderr).not.toContain('not crash-safe');
    });

    it('exits 1 when the run fails, naming the node and the cause', async () => {
      const ended = await ws.run(['run', 'failing.json', ...memory, '--json'], env);
      expect(ended.code).toBe(1);
      expect(jsonOf(ended)).toMatchObject({
        status: 'failed',
        logs: ['before the check'],
        error: { nodeId: 'check', message: expect.stringContaining('the check refused to pass') as string },
      });
      expect(ended.stderr).toMatch(/^✗ check\s+AssertNode\s+failed: .*the check refused to pass/m);

      const human = await ws.run(['run', 'failing.json', ...memory], env);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/Run \S+ failed at node check .*: the check refused to pass/);
    });

    it('exits 2 on an invalid workflow and runs nothing', async () => {
      const ended = await ws.run(['run', 'invalid.json', ...memory, '--json'], env);
      expect(ended.code).toBe(2);
      expect(ended.stdout).toBe('');
      expect(ended.stderr).toMatch(/invalid, \d+ problems/);
      expect(ended.stderr).not.toMatch(/started/);
    });

    it('resolves file paths against the current directory', async () => {
      const ended = await ws.run(['run', 'writes-file.json', ...memory, '--json'], env);
      expect(ended.code, ended.stderr).toBe(0);
      const { runId } = jsonOf<{ runId: string }>(ended);
      expect(await readFile(join(ws.dir, 'out.txt'), 'utf8')).toBe(`written by ${runId}`);
    });

    it('runs the shipped examples: data processing with Try/Catch, and the durable wait', async () => {
      // File nodes may not leave the working directory: the orders come along into the workspace.
      await ws.write('orders.json', await readFile(join(REPO_ROOT, 'examples', 'data-processing', 'orders.json'), 'utf8'));
      const data = await ws.run(
        [
          'run',
          join(REPO_ROOT, 'examples', 'data-processing', 'data-processing.json'),
          ...memory,
          '--var',
          'orders_file=orders.json',
          '--var',
          'report_file=report.json',
          '--json',
        ],
        env,
      );
      expect(data.code, data.stderr).toBe(0);
      expect(jsonOf(data)).toMatchObject({ status: 'succeeded', variables: { accepted: 4, rejected: 2, total: 316.98 } });
      expect(JSON.parse(await readFile(join(ws.dir, 'report.json'), 'utf8'))).toEqual({ orders: 6, accepted: 4, rejected: 2, total: 316.98 });
      expect(data.stderr).toMatch(/^✓ reject_order\s+CatchNode\s+completed/m);

      const wait = await ws.run(
        ['run', join(REPO_ROOT, 'examples', 'wait-between-steps', 'wait-between-steps.json'), ...memory, '--var', 'wait_seconds=0.2', '--json'],
        env,
      );
      expect(wait.code, wait.stderr).toBe(0);
      expect(jsonOf(wait)).toMatchObject({ status: 'succeeded', logs: [expect.stringContaining('waiting 0.2 s') as string, 'Step two done after the wait'] });
    });
  });
});
