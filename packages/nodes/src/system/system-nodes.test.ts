import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { ScriptRunError } from './process-runner.js';

const catalog = createNodeCatalog();
let workdir: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'casare-scripts-'));
  await mkdir(join(workdir, 'sub'));
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

const run = (type: string, config: JsonObject, id = 'sys') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir).build());

/** True while `pid` runs; a zombie (killed, waiting for a reaper that containers may lack) is dead. */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) [ZX]/.test(stat);
}

describe('RunPythonScriptNode (real python3)', () => {
  it('runs code with variables and returns `result` and what it printed', async () => {
    const { outputs } = await run('RunPythonScriptNode', { code: 'print("hello", name)\nresult = {"total": a + b}', variables: { a: 2, b: 3, name: 'Ada' } });
    expect(outputs).toEqual({ result: { total: 5 }, output: 'hello Ada', success: true, error: '', truncated: false });
  });

  it('an exception in the script is success: false with its message, not a crash of the node', async () => {
    const { outputs } = await run('RunPythonScriptNode', { code: 'raise ValueError("bad invoice")' });
    expect(outputs).toMatchObject({ success: false, error: 'ValueError: bad invoice', result: null });
  });

  it('runs in the working directory', async () => {
    await run('RunPythonScriptNode', { code: 'open("made-by-python.txt", "w").write("ok")' });
    expect(await readFile(join(workdir, 'made-by-python.txt'), 'utf8')).toBe('ok');
  });

  it('a timeout kills the script and every process it started (SIGKILL to the group)', async () => {
    const code = 'import subprocess, time\np = subprocess.Popen(["sleep", "60"])\nopen("child.pid", "w").write(str(p.pid))\ntime.sleep(60)';
    const started = Date.now();
    const failure = await run('RunPythonScriptNode', { code, timeout: 4 }, 'slow').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ScriptRunError);
    expect(failure).toMatchObject({ code: 'SCRIPT_TIMEOUT', nodeId: 'slow' });
    expect(Date.now() - started).toBeLessThan(20_000);
    const child = Number(await readFile(join(workdir, 'child.pid'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await isAlive(child)).toBe(false);
  });

  it("the step's abort signal kills it too", async () => {
    const controller = new AbortController();
    const execution = aNodeExecution('RunPythonScriptNode')
      .withId('ab')
      .withConfig({ code: 'import time\ntime.sleep(60)' })
      .inDirectory(workdir)
      .withSignal(controller.signal)
      .build();
    setTimeout(() => controller.abort(), 300);
    await expect(catalog.execute(execution)).rejects.toMatchObject({ code: 'SCRIPT_ABORTED' });
  });

  it('bounds what it keeps of the output', async () => {
    const { outputs } = await run('RunPythonScriptNode', { code: 'print("x" * 100000)', max_output_bytes: 1000 });
    expect(outputs).toMatchObject({ success: true, truncated: true });
    expect((outputs['output'] as string).length).toBe(1000);
  });

  it('is forbidden when the workflow sets allow_scripts: false', async () => {
    const execution = aNodeExecution('RunPythonScriptNode').withId('py').withConfig({ code: 'result = 1' }).withSettings({ allowScripts: false }).build();
    await expect(catalog.execute(execution)).rejects.toMatchObject({ code: 'SCRIPTS_FORBIDDEN', nodeId: 'py' });
  });

  it('empty code or a bad timeout is a config error naming node and field', async () => {
    expect(catalog.validate([{ id: 'p1', type: 'RunPythonScriptNode', config: { code: 'x', timeout: 'long' } }])).toEqual([
      expect.objectContaining({ nodeId: 'p1', path: 'nodes.p1.config.timeout' }),
    ]);
    await expect(run('RunPythonScriptNode', { code: '' }, 'p2')).rejects.toThrow('nodes.p2.config.code');
    await expect(run('RunPythonScriptNode', { code: 'x', timeout: 0 }, 'p3')).rejects.toThrow('nodes.p3.config.timeout');
  });
});

describe('RunPythonFileNode and RunCommandNode (real processes)', () => {
  it('runs a Python file of the working directory with arguments in a sub directory', async () => {
    await writeFile(
      join(workdir, 'tool.py'),
      'import os, sys\nprint(" ".join(sys.argv[1:]))\nprint(os.path.basename(os.getcwd()), file=sys.stderr)\nsys.exit(3)\n',
    );
    const { outputs } = await run('RunPythonFileNode', { file_path: 'tool.py', args: 'one two', working_dir: 'sub' });
    expect(outputs).toEqual({ stdout: 'one two\n', stderr: 'sub\n', return_code: 3, success: false, truncated: false });
  });

  it('refuses a file or a working directory outside the working directory', async () => {
    await expect(run('RunPythonFileNode', { file_path: '/etc/hosts' }, 'pf')).rejects.toThrow(
      'nodes.pf.config.file_path: "/etc/hosts" is outside the working directory',
    );
    await expect(run('RunCommandNode', { command: 'pwd', working_dir: '..' }, 'rc')).rejects.toThrow('nodes.rc.config.working_dir');
  });

  it('runs a command without a shell, splitting quoted words, and reports its exit code', async () => {
    const { outputs } = await run('RunCommandNode', { command: 'printf "%s|" "a b" c', args: ['d;e'] });
    expect(outputs).toEqual({ stdout: 'a b|c|d;e|', stderr: '', return_code: 0, success: true, truncated: false });
    expect((await run('RunCommandNode', { command: 'false' })).outputs).toMatchObject({ return_code: 1, success: false });
  });

  it('RunBatchScriptNode runs a bash script in the working directory', async () => {
    const { outputs } = await run('RunBatchScriptNode', {
      script: 'set -e\nfor n in 1 2; do echo "line $n"; done\nbasename "$PWD"\nexit 4',
      working_dir: 'sub',
    });
    expect(outputs).toEqual({ stdout: 'line 1\nline 2\nsub\n', stderr: '', return_code: 4, success: false, truncated: false });
    await expect(run('RunBatchScriptNode', { script: 'sleep 30', timeout: 0.5 })).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
  });

  it('keeps v1 guards: blocked programs and shell metacharacters need allow_dangerous', async () => {
    await expect(run('RunCommandNode', { command: 'rm -rf sub' }, 'c1')).rejects.toThrow('nodes.c1.config.command: "rm" is blocked');
    await expect(run('RunCommandNode', { command: 'echo a | tr a b', shell: true }, 'c2')).rejects.toThrow('nodes.c2.config.command');
    expect((await run('RunCommandNode', { command: 'echo a | tr a b', shell: true, allow_dangerous: true })).outputs).toMatchObject({ stdout: 'b\n' });
  });

  it('a command that does not exist fails with SCRIPT_START_FAILED; a slow one with SCRIPT_TIMEOUT', async () => {
    await expect(run('RunCommandNode', { command: 'no-such-program-here' })).rejects.toMatchObject({ code: 'SCRIPT_START_FAILED' });
    await expect(run('RunCommandNode', { command: 'sleep 30', timeout: 0.5 })).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
  });
});

describe('EnvironmentVariableNode, SystemInfoNode, ProcessListNode', () => {
  it('gets and sets process environment variables; user/system scopes are refused', async () => {
    expect((await run('EnvironmentVariableNode', { var_name: 'CASARE_TEST_NOPE' })).outputs).toEqual({ result_value: '', exists: false, success: true });
    await run('EnvironmentVariableNode', { action: 'set', var_name: 'CASARE_TEST_VAR', value: 'v1' });
    expect((await run('EnvironmentVariableNode', { var_name: 'CASARE_TEST_VAR' })).outputs).toEqual({ result_value: 'v1', exists: true, success: true });
    await expect(run('EnvironmentVariableNode', { action: 'set', var_name: 'X', scope: 'system' }, 'env')).rejects.toThrow('nodes.env.config.scope');
    delete process.env['CASARE_TEST_VAR'];
  });

  it('reports system information', async () => {
    const { outputs } = await run('SystemInfoNode', { info_type: 'all' });
    expect(outputs['os_name']).toMatch(/^Linux /);
    expect(Object.keys(outputs['info'] as JsonObject).sort()).toEqual(['cpu', 'disk', 'network', 'os', 'ram']);
    expect(outputs['ram_percent']).toBeGreaterThan(0);
    const ram = await run('SystemInfoNode', { info_type: 'ram' });
    expect(Object.keys(ram.outputs['info'] as JsonObject)).toEqual(['ram']);
    expect(catalog.validate([{ id: 's1', type: 'SystemInfoNode', config: { info_type: 'gpu' } }])).toEqual([
      expect.objectContaining({ path: 'nodes.s1.config.info_type' }),
    ]);
  });

  it('lists processes, filtered by name', async () => {
    const { outputs } = await run('ProcessListNode', { filter_name: 'node' });
    const processes = outputs['processes'] as JsonObject[];
    expect(outputs['count']).toBe(processes.length);
    expect(processes.some((proc) => proc['pid'] === process.pid)).toBe(true);
    expect(processes.every((proc) => typeof proc['name'] === 'string' && proc['name'].toLowerCase().includes('node'))).toBe(true);
  });

  it('all of them are forbidden when scripts are not allowed', async () => {
    for (const type of ['EnvironmentVariableNode', 'SystemInfoNode', 'ProcessListNode', 'RunCommandNode', 'RunPythonFileNode', 'RunBatchScriptNode']) {
      const execution = aNodeExecution(type)
        .withConfig({ var_name: 'PATH', command: 'true', file_path: 'tool.py', script: 'true' })
        .inDirectory(workdir)
        .withSettings({ allowScripts: false })
        .build();
      await expect(catalog.execute(execution)).rejects.toMatchObject({ code: 'SCRIPTS_FORBIDDEN' });
    }
  });
});
