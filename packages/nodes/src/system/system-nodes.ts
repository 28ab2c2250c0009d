import type { JsonObject } from '@casare-rpa/domain';
import { arch, cpus, hostname, release, type, version } from 'node:os';
import { z } from 'zod';
import { boolean, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { assertScriptsAllowed } from './process-runner.js';

// System nodes: environment variables, system information and the process list. They read (or,
// for a `set`, change) the server the engine runs on, so the workflow's allow_scripts governs them
// as it governs scripts; what they read is recorded in the outcome, so a replay sees the same.

const GIB = 1024 ** 3;
const round2 = (value: number) => Math.round(value * 100) / 100;

const environmentVariableNode = defineNode({
  types: ['EnvironmentVariableNode'],
  config: z.looseObject({
    action: oneOf(['get', 'set'], 'get'),
    var_name: optionalText(),
    value: text(''),
    scope: oneOf(['process', 'user', 'system'], 'process'),
  }),
  ports: { inputs: ['var_name', 'value'], outputs: ['result_value', 'exists', 'success'] },
  run: (config, execution) => {
    assertScriptsAllowed(execution);
    if (!config.var_name) return { outputs: { result_value: '', exists: false, success: false } };
    if (config.action === 'get') {
      const exists = Object.hasOwn(process.env, config.var_name);
      return { outputs: { result_value: process.env[config.var_name] ?? '', exists, success: true } };
    }
    // User and system scopes are the Windows registry in v1; a Linux server has no such thing.
    if (config.scope !== 'process') throw new ConfigFieldError('scope', `"${config.scope}" environment variables are Windows-only; use scope "process"`);
    process.env[config.var_name] = config.value;
    return { outputs: { result_value: config.value, exists: true, success: true } };
  },
});

const INFO_TYPES = ['os', 'cpu', 'ram', 'disk', 'network', 'all'] as const;

async function loadSystemInfo(infoType: (typeof INFO_TYPES)[number]): Promise<JsonObject> {
  const wants = (kind: (typeof INFO_TYPES)[number]) => infoType === 'all' || infoType === kind;
  const { default: si } = await import('systeminformation');
  const info: Record<string, JsonObject | JsonObject[]> = {};
  if (wants('os')) {
    const os = await si.osInfo();
    info['os'] = {
      system: type(),
      release: release(),
      version: version(),
      machine: arch(),
      processor: cpus()[0]?.model ?? '',
      hostname: hostname(),
      distro: os.distro,
      node_version: process.version,
    };
  }
  if (wants('cpu')) {
    const [cpu, load] = await Promise.all([si.cpu(), si.currentLoad()]);
    info['cpu'] = {
      percent: round2(load.currentLoad),
      cores_physical: cpu.physicalCores,
      cores_logical: cpu.cores,
      frequency_mhz: Math.round(cpu.speed * 1000),
    };
  }
  if (wants('ram')) {
    const mem = await si.mem();
    info['ram'] = {
      total_gb: round2(mem.total / GIB),
      available_gb: round2(mem.available / GIB),
      used_gb: round2(mem.active / GIB),
      percent: round2((mem.active / mem.total) * 100),
    };
  }
  if (wants('disk')) {
    info['disk'] = (await si.fsSize()).map((disk) => ({
      device: disk.fs,
      mountpoint: disk.mount,
      fstype: disk.type,
      total_gb: round2(disk.size / GIB),
      used_gb: round2(disk.used / GIB),
      free_gb: round2(disk.available / GIB),
      percent: round2(disk.use),
    }));
  }
  if (wants('network')) {
    const [interfaces, stats] = await Promise.all([si.networkInterfaces(), si.networkStats('*')]);
    info['network'] = {
      bytes_sent: stats.reduce((sum, entry) => sum + entry.tx_bytes, 0),
      bytes_recv: stats.reduce((sum, entry) => sum + entry.rx_bytes, 0),
      interfaces: interfaces.map((entry) => ({ name: entry.iface, addresses: [entry.ip4, entry.ip6].filter((address) => address !== '') })),
    };
  }
  return info;
}

const systemInfoNode = defineNode({
  types: ['SystemInfoNode'],
  config: z.looseObject({ info_type: oneOf(INFO_TYPES, 'all') }),
  ports: { outputs: ['info', 'os_name', 'cpu_percent', 'ram_percent', 'disk_percent'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    const info = await loadSystemInfo(config.info_type);
    const pick = (section: string, field: string) => {
      const value = (info[section] as JsonObject | undefined)?.[field];
      return typeof value === 'number' ? value : 0;
    };
    const disks = info['disk'];
    const firstDisk = Array.isArray(disks) ? (disks[0] as JsonObject | undefined) : undefined;
    return {
      outputs: {
        info,
        os_name: `${type()} ${release()}`,
        cpu_percent: pick('cpu', 'percent'),
        ram_percent: pick('ram', 'percent'),
        disk_percent: typeof firstDisk?.['percent'] === 'number' ? firstDisk['percent'] : 0,
      },
    };
  },
});

const processListNode = defineNode({
  types: ['ProcessListNode'],
  config: z.looseObject({ filter_name: text(''), include_details: boolean(true) }),
  ports: { inputs: ['filter_name'], outputs: ['processes', 'count'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    const filter = config.filter_name.toLowerCase();
    const { default: si } = await import('systeminformation');
    const { list } = await si.processes();
    const processes = list
      .filter((proc) => filter === '' || proc.name.toLowerCase().includes(filter))
      .map((proc): JsonObject => {
        const entry: JsonObject = { pid: proc.pid, name: proc.name, status: proc.state };
        if (!config.include_details) return entry;
        return {
          ...entry,
          cpu_percent: round2(proc.cpu),
          memory_mb: round2(proc.memRss / 1024),
          username: proc.user,
          create_time: proc.started,
          command: proc.command,
        };
      });
    return { outputs: { processes, count: processes.length } };
  },
});

/** System nodes: EnvironmentVariableNode, SystemInfoNode, ProcessListNode. */
export const systemNodeHandlers: readonly CatalogNodeHandler[] = [environmentVariableNode, systemInfoNode, processListNode];
