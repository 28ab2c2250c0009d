import type { WorkflowNode } from '@casare-rpa/domain';
import { watch } from 'node:fs';
import { appendFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { anyValue, boolean, integer, nonEmptyText, oneOf, text } from '../catalog/config-schema.js';
import { literalConfig } from '../catalog/effects.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { conditionHolds } from '../control/condition.js';
import { AssertionFailedError } from '../control/control-nodes.js';
import { resolveInside, writeFileAtomic } from '../files/working-directory.js';
import { assertScriptsAllowed } from './process-runner.js';

// The v1 "utility system" nodes: killing a process, waiting for a file event, QR codes, base64,
// UUIDs, an assertion and a log file. Killing a process acts on the server, so the workflow's
// allow_scripts governs it as it governs the script and system nodes. Paths stay inside the run's
// working directory unless the node sets allow_outside_working_dir, as for the file nodes. Their
// libraries (systeminformation, qrcode, jsqr, sharp, uuid) load on first use (docs/architecture.md).

const processKillNode = defineNode({
  types: ['ProcessKillNode'],
  config: z.looseObject({ pid_or_name: nonEmptyText(), force: boolean(false), timeout: integer(5) }),
  ports: { inputs: ['pid_or_name'], outputs: ['killed_count', 'success'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    if (config.timeout < 1 || config.timeout > 60) throw new ConfigFieldError('timeout', 'must be between 1 and 60 seconds');
    const target = config.pid_or_name.trim();
    const pids = /^\d+$/.test(target)
      ? [Number(target)]
      : (await (await import('systeminformation')).default.processes()).list.filter((proc) => proc.name === target).map((proc) => proc.pid);
    const refused = pids.find((pid) => pid <= 1 || pid === process.pid || pid === process.ppid);
    if (refused !== undefined) throw new ConfigFieldError('pid_or_name', `refusing to kill process ${refused} (init, or the engine itself)`);
    let killed = 0;
    for (const pid of pids) if (await killProcess(pid, config.force, config.timeout * 1000, execution.signal)) killed += 1;
    return { outputs: { killed_count: killed, success: killed > 0 } };
  },
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM (or SIGKILL when forced), then SIGKILL if the process outlives `graceMs`; true when it was running. */
async function killProcess(pid: number, force: boolean, graceMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    process.kill(pid, force ? 'SIGKILL' : 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

const WATCH_EVENTS = ['create', 'modify', 'delete', 'all'] as const;

const fileWatcherNode = defineNode({
  types: ['FileWatcherNode'],
  config: z.looseObject({
    watch_path: nonEmptyText(),
    events: oneOf(WATCH_EVENTS, 'all'),
    timeout: integer(30),
    recursive: boolean(false),
    allow_outside_working_dir: boolean(false),
  }),
  ports: { inputs: ['watch_path'], outputs: ['event_type', 'file_path', 'triggered', 'timed_out'] },
  run: async (config, execution) => {
    if (config.timeout < 1 || config.timeout > 3600) throw new ConfigFieldError('timeout', 'must be between 1 and 3600 seconds');
    const full = await resolveInside(execution.workingDirectory, config.watch_path, 'watch_path', config.allow_outside_working_dir);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new ConfigFieldError('watch_path', `"${config.watch_path}" does not exist`);
    const directory = info.isDirectory() ? full : dirname(full);
    const onlyFile = info.isDirectory() ? undefined : full;
    const event = await waitForFileEvent(directory, onlyFile, config.events, config.recursive, config.timeout * 1000, execution.signal);
    if (!event) return { outputs: { event_type: '', file_path: '', triggered: false, timed_out: true } };
    return {
      outputs: { event_type: event.type, file_path: relative(execution.workingDirectory, event.path) || event.path, triggered: true, timed_out: false },
    };
  },
});

/** The first event of a wanted kind under `directory` (on `onlyFile`, when set), or undefined after `timeoutMs`. */
function waitForFileEvent(
  directory: string,
  onlyFile: string | undefined,
  wanted: (typeof WATCH_EVENTS)[number],
  recursive: boolean,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ type: 'created' | 'modified' | 'deleted'; path: string } | undefined> {
  return new Promise((resolve, reject) => {
    const known = new Set<string>();
    const watcher = watch(directory, { recursive, signal });
    const done = (value: { type: 'created' | 'modified' | 'deleted'; path: string } | undefined) => {
      clearTimeout(timer);
      watcher.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    watcher.on('error', (error) => {
      clearTimeout(timer);
      if (signal.aborted) resolve(undefined);
      else reject(error);
    });
    watcher.on('change', (kind, name) => {
      if (name === null) return;
      const path = join(directory, name.toString());
      if (onlyFile && path !== onlyFile) return;
      // fs.watch says 'rename' for both a file appearing and one vanishing: look which it was.
      void stat(path).then(
        (entry) => {
          if (entry.isDirectory()) return;
          const type = kind === 'rename' && !known.has(path) ? 'created' : 'modified';
          known.add(path);
          if (wanted === 'all' || (wanted === 'create' && type === 'created') || (wanted === 'modify' && type === 'modified')) done({ type, path });
        },
        () => {
          if (wanted === 'all' || wanted === 'delete') done({ type: 'deleted', path });
        },
      );
    });
  });
}

/** Generating to no file only computes a data URL: pure. Writing or reading an image is world. */
function qrEffect(node: WorkflowNode) {
  const action = literalConfig(node, 'action');
  const output = literalConfig(node, 'output_path');
  const generates = !('action' in node.config) || action === 'generate';
  return generates && (!('output_path' in node.config) || output === '' || output === null) ? 'pure' : 'world';
}

const qrCodeNode = defineNode({
  types: ['QRCodeNode'],
  effect: qrEffect,
  config: z.looseObject({
    action: oneOf(['generate', 'read'], 'generate'),
    data: text(''),
    image_path: text(''),
    output_path: text(''),
    size: integer(200),
    allow_outside_working_dir: boolean(false),
  }),
  ports: { inputs: ['data'], outputs: ['result', 'success'] },
  run: async (config, execution) => {
    if (config.action === 'read') {
      const [{ default: sharp }, { default: jsQR }] = await Promise.all([import('sharp'), import('jsqr')]);
      const full = await resolveInside(execution.workingDirectory, config.image_path, 'image_path', config.allow_outside_working_dir);
      const image = await sharp(full)
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
        .catch((error: unknown) => {
          throw new ConfigFieldError('image_path', `"${config.image_path}" is not a readable image: ${(error as Error).message}`);
        });
      // jsqr is CommonJS whose exports also carry `default`: the one spelling both TypeScript and Node accept.
      const code = jsQR.default(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.info.width, image.info.height);
      return { outputs: { result: code?.data ?? '', success: code !== null } };
    }
    if (config.data === '') throw new ConfigFieldError('data', 'required to generate a QR code');
    if (config.size < 50 || config.size > 1000) throw new ConfigFieldError('size', 'must be between 50 and 1000 pixels');
    const { default: QRCode } = await import('qrcode');
    if (config.output_path === '') return { outputs: { result: await QRCode.toDataURL(config.data, { width: config.size }), success: true } };
    const full = await resolveInside(execution.workingDirectory, config.output_path, 'output_path', config.allow_outside_working_dir);
    await mkdir(dirname(full), { recursive: true });
    await writeFileAtomic(full, await QRCode.toBuffer(config.data, { type: 'png', width: config.size }));
    return { outputs: { result: config.output_path, success: true } };
  },
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const base64Node = defineNode({
  types: ['Base64Node'],
  effect: 'pure',
  config: z.looseObject({ action: oneOf(['encode', 'decode'], 'encode'), input_text: nonEmptyText() }),
  ports: { inputs: ['input_text'], outputs: ['output', 'success'] },
  run: (config) => {
    if (config.action === 'encode') return { outputs: { output: Buffer.from(config.input_text, 'utf8').toString('base64'), success: true } };
    const compact = config.input_text.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw new ConfigFieldError('input_text', 'is not base64 text');
    try {
      return { outputs: { output: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64')), success: true } };
    } catch {
      throw new ConfigFieldError('input_text', 'decodes to bytes that are not UTF-8 text');
    }
  },
});

const uuidGeneratorNode = defineNode({
  types: ['UUIDGeneratorNode'],
  config: z.looseObject({ uuid_version: oneOf(['1', '4'], '4'), count: integer(1) }),
  ports: { outputs: ['uuid', 'uuids', 'success'] },
  run: async (config) => {
    if (config.count < 1 || config.count > 100) throw new ConfigFieldError('count', 'must be between 1 and 100');
    const { v1: uuidV1, v4: uuidV4 } = await import('uuid');
    const uuids = Array.from({ length: config.count }, () => (config.uuid_version === '1' ? uuidV1() : uuidV4()));
    return { outputs: { uuid: uuids[0] ?? '', uuids, success: true } };
  },
});

const assertSystemNode = defineNode({
  types: ['AssertSystemNode'],
  effect: 'pure',
  config: z.looseObject({ condition: anyValue(), value: anyValue(), assert_message: text('Assertion failed'), fail_on_false: boolean(true) }),
  ports: { inputs: ['condition', 'value'], outputs: ['passed', 'message'] },
  run: (config, execution) => {
    if (config.condition === null || config.condition === '') throw new ConfigFieldError('condition', 'required');
    const passed = conditionHolds(config.condition, 'condition', execution);
    if (passed) return { outputs: { passed: true, message: 'Assertion passed' } };
    if (config.fail_on_false) throw new AssertionFailedError(execution.node.id, config.assert_message);
    return { outputs: { passed: false, message: config.assert_message } };
  },
});

/** `2026-12-02 03:04:05` in local time, as v1 wrote it. */
function logTimestamp(now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

const logToFileNode = defineNode({
  types: ['LogToFileNode'],
  config: z.looseObject({
    log_file_path: nonEmptyText(),
    log_message: nonEmptyText(),
    level: oneOf(['DEBUG', 'INFO', 'WARNING', 'ERROR'], 'INFO'),
    append: boolean(true),
    add_timestamp: boolean(true),
    allow_outside_working_dir: boolean(false),
  }),
  ports: { inputs: ['log_message'], outputs: ['success', 'lines_written'] },
  run: async (config, execution) => {
    const full = await resolveInside(execution.workingDirectory, config.log_file_path, 'log_file_path', config.allow_outside_working_dir);
    const stamp = config.add_timestamp ? `[${logTimestamp(new Date())}] ` : '';
    const lines = config.log_message.split('\n').map((line) => `${stamp}[${config.level}] ${line}\n`);
    await mkdir(dirname(full), { recursive: true });
    if (config.append) await appendFile(full, lines.join(''), 'utf8');
    else await writeFileAtomic(full, lines.join(''));
    return { outputs: { success: true, lines_written: lines.length } };
  },
});

/** Utility system nodes: ProcessKill, FileWatcher, QRCode, Base64, UUIDGenerator, AssertSystem, LogToFile. */
export const utilitySystemNodeHandlers: readonly CatalogNodeHandler[] = [
  processKillNode,
  fileWatcherNode,
  qrCodeNode,
  base64Node,
  uuidGeneratorNode,
  assertSystemNode,
  logToFileNode,
];
