import type { JsonObject } from '@casare-rpa/domain';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
let workdir: string;

beforeEach(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'casare-utility-system-'));
});
afterEach(async () => {
  await rm(workdir, { recursive: true, force: true });
});

const execution = (type: string, config: JsonObject, id = 's') => aNodeExecution(type).withId(id).withConfig(config).inDirectory(workdir);
const run = (type: string, config: JsonObject, id = 's') => catalog.execute(execution(type, config, id).build());

describe('ProcessKillNode', () => {
  it('kills a process by pid, gracefully', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    expect((await run('ProcessKillNode', { pid_or_name: String(child.pid), timeout: 5 })).outputs).toEqual({ killed_count: 1, success: true });
    expect(await exited).toBe('SIGTERM');
    expect((await run('ProcessKillNode', { pid_or_name: String(child.pid) })).outputs).toEqual({ killed_count: 0, success: false });
  });

  it('refuses the engine itself, and runs only where the workflow allows scripts', async () => {
    await expect(run('ProcessKillNode', { pid_or_name: String(process.pid) }, 'pk')).rejects.toThrow('nodes.pk.config.pid_or_name: refusing to kill');
    const forbidden = execution('ProcessKillNode', { pid_or_name: '999999' }, 'pk').withSettings({ allowScripts: false }).build();
    await expect(catalog.execute(forbidden)).rejects.toMatchObject({ code: 'SCRIPTS_FORBIDDEN' });
  });
});

describe('FileWatcherNode', () => {
  it('returns the first file created in a watched directory', async () => {
    await mkdir(join(workdir, 'inbox'));
    const waiting = run('FileWatcherNode', { watch_path: 'inbox', events: 'create', timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writeFile(join(workdir, 'inbox', 'order.csv'), 'id\n1\n');
    expect((await waiting).outputs).toEqual({ event_type: 'created', file_path: join('inbox', 'order.csv'), triggered: true, timed_out: false });
  });

  it('sees a watched file deleted, and times out when nothing happens', async () => {
    await writeFile(join(workdir, 'lock'), '1');
    const waiting = run('FileWatcherNode', { watch_path: 'lock', events: 'delete', timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await unlink(join(workdir, 'lock'));
    expect((await waiting).outputs).toMatchObject({ event_type: 'deleted', file_path: 'lock', triggered: true });
    expect((await run('FileWatcherNode', { watch_path: '.', timeout: 1 })).outputs).toEqual({
      event_type: '',
      file_path: '',
      triggered: false,
      timed_out: true,
    });
  });

  it('a path outside the working directory or missing is a config error', async () => {
    await expect(run('FileWatcherNode', { watch_path: '/etc', timeout: 1 }, 'fw')).rejects.toThrow('nodes.fw.config.watch_path');
    await expect(run('FileWatcherNode', { watch_path: 'nope', timeout: 1 }, 'fw')).rejects.toThrow('nodes.fw.config.watch_path: "nope" does not exist');
    expect(catalog.validate([aWorkflowNode('FileWatcherNode', { watch_path: 'x', events: 'rename' }, 'fe')])).toEqual([
      expect.objectContaining({ path: 'nodes.fe.config.events' }),
    ]);
  });
});

describe('QRCodeNode', () => {
  it('writes a QR code image and reads it back', async () => {
    expect((await run('QRCodeNode', { data: 'https://example.com/invoice/42', output_path: 'codes/qr.png', size: 300 })).outputs).toEqual({
      result: 'codes/qr.png',
      success: true,
    });
    expect((await readFile(join(workdir, 'codes/qr.png'))).subarray(1, 4).toString()).toBe('PNG');
    expect((await run('QRCodeNode', { action: 'read', image_path: 'codes/qr.png' })).outputs).toEqual({
      result: 'https://example.com/invoice/42',
      success: true,
    });
  });

  it('without an output path returns a data URL and is pure; an image with no code reads as not found', async () => {
    expect(catalog.effectOf(aWorkflowNode('QRCodeNode', { data: 'x' }))).toBe('pure');
    expect(catalog.effectOf(aWorkflowNode('QRCodeNode', { data: 'x', output_path: 'a.png' }))).toBe('world');
    expect(catalog.effectOf(aWorkflowNode('QRCodeNode', { action: 'read', image_path: 'a.png' }))).toBe('world');
    const { outputs } = await run('QRCodeNode', { data: 'hello' });
    expect(outputs['result']).toEqual(expect.stringMatching(/^data:image\/png;base64,/));
    await writeFile(join(workdir, 'blank.png'), Buffer.from(WHITE_PNG, 'base64'));
    expect((await run('QRCodeNode', { action: 'read', image_path: 'blank.png' })).outputs).toEqual({ result: '', success: false });
    await expect(run('QRCodeNode', { data: 'x', size: 10 }, 'qr')).rejects.toThrow('nodes.qr.config.size');
    await expect(run('QRCodeNode', { action: 'read', image_path: 'none.png' }, 'qr')).rejects.toThrow('nodes.qr.config.image_path');
  });
});

/** A 1x1 white PNG. */
const WHITE_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC';

describe('Base64Node, UUIDGeneratorNode, AssertSystemNode', () => {
  it('encodes and decodes UTF-8 text; bad base64 is a config error', async () => {
    expect((await run('Base64Node', { input_text: 'Grüße ✓' })).outputs).toEqual({ output: 'R3LDvMOfZSDinJM=', success: true });
    expect((await run('Base64Node', { action: 'decode', input_text: 'R3LDvMOfZSDinJM=' })).outputs).toEqual({ output: 'Grüße ✓', success: true });
    await expect(run('Base64Node', { action: 'decode', input_text: 'not base64!' }, 'b6')).rejects.toThrow('nodes.b6.config.input_text: is not base64 text');
    await expect(run('Base64Node', { action: 'decode', input_text: '//79' }, 'b6')).rejects.toThrow('not UTF-8');
  });

  it('generates v4 and v1 UUIDs', async () => {
    const v4 = await run('UUIDGeneratorNode', { count: 3 });
    expect(v4.outputs['uuids']).toHaveLength(3);
    expect(v4.outputs['uuid']).toEqual(expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
    expect((await run('UUIDGeneratorNode', { uuid_version: '1' })).outputs['uuid']).toEqual(expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-1/));
    await expect(run('UUIDGeneratorNode', { count: 101 }, 'uu')).rejects.toThrow('nodes.uu.config.count');
  });

  it('asserts a condition in the expression language; fail_on_false decides between failing and reporting', async () => {
    const assert = (config: JsonObject) => catalog.execute(execution('AssertSystemNode', config, 'as').withVariables({ total: 120 }).build());
    expect((await assert({ condition: 'total > 100' })).outputs).toEqual({ passed: true, message: 'Assertion passed' });
    await expect(assert({ condition: 'total > 500', assert_message: 'too small' })).rejects.toMatchObject({
      code: 'ASSERTION_FAILED',
      message: 'nodes.as: assertion failed: too small',
    });
    expect((await assert({ condition: 'total > 500', fail_on_false: false })).outputs).toEqual({ passed: false, message: 'Assertion failed' });
    await expect(assert({ condition: '' })).rejects.toThrow('nodes.as.config.condition: required');
  });
});

describe('LogToFileNode', () => {
  it('appends timestamped lines with the level, or overwrites', async () => {
    expect((await run('LogToFileNode', { log_file_path: 'logs/run.log', log_message: 'started\nstep 1', level: 'WARNING' })).outputs).toEqual({
      success: true,
      lines_written: 2,
    });
    await run('LogToFileNode', { log_file_path: 'logs/run.log', log_message: 'done', add_timestamp: false });
    const lines = (await readFile(join(workdir, 'logs/run.log'), 'utf8')).split('\n');
    expect(lines[0]).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] \[WARNING\] started$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/\[WARNING\] step 1$/), '[INFO] done', '']);
    await run('LogToFileNode', { log_file_path: 'logs/run.log', log_message: 'fresh', append: false, add_timestamp: false });
    expect(await readFile(join(workdir, 'logs/run.log'), 'utf8')).toBe('[INFO] fresh\n');
    await expect(run('LogToFileNode', { log_file_path: '../escape.log', log_message: 'x' }, 'lf')).rejects.toThrow('nodes.lf.config.log_file_path');
  });
});

describe('GetPropertyNode', () => {
  it('reads a dotted path (in an object or its JSON text), null when it leads nowhere', async () => {
    const object = { user: { name: 'Ada', tags: ['x', 'y'] } };
    expect((await run('GetPropertyNode', { object, property_path: 'user.tags[1]' })).outputs).toEqual({ value: 'y' });
    expect((await run('GetPropertyNode', { object, property_path: 'user.age' })).outputs).toEqual({ value: null });
    expect((await run('GetPropertyNode', { object: JSON.stringify(object), property_path: 'user.name' })).outputs).toEqual({ value: 'Ada' });
    expect(catalog.effectOf(aWorkflowNode('GetPropertyNode'))).toBe('pure');
  });
});
