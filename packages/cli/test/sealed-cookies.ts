import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { recordedNodesOf } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { expect } from 'vitest';
import { openRunInspector } from '../src/container.js';
import { DEMO_PASSWORD, type DemoSite } from '../src/demo-site/index.js';
import type { Durability } from '../src/durability.js';
import { jsonOf, type Workspace } from './casare-process.js';

// Shared by the SQLite and DBOS tests of secrets at rest: a real Chromium signs in to the demo
// site (which sets its session cookie), the process is SIGKILLed right after, and `casare recover`
// finishes the run on a page reopened from the page hint: signed in only if the cookie came back.

const ROBOT = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', '..', 'examples', 'invoice-robot', 'invoice-robot.json'), 'utf8')) as {
  nodes: Record<string, JsonObject>;
  connections: Array<{ source_node: string; target_node: string }>;
} & JsonObject;

const SIGN_IN = ['start', 'launch_browser', 'open_login', 'type_username', 'type_password', 'click_sign_in', 'check_signed_in'];

/**
 * The invoice robot's sign-in, with a durable pause after the click (the process is killed there)
 * and the signed-in check after it: on a reopened page it passes only with the session cookie.
 */
export function signInWorkflow(): JsonObject {
  const nodes: Record<string, JsonObject> = Object.fromEntries(SIGN_IN.map((id) => [id, ROBOT.nodes[id] as JsonObject]));
  nodes['pause'] = { node_id: 'pause', node_type: 'BrowserWaitNode', config: { wait_type: 'timeout', timeout: 1500 }, position: [1650, 0] };
  const chain = [...SIGN_IN.slice(0, 6), 'pause', 'check_signed_in'];
  const connections = chain
    .slice(1)
    .map((target, index) => ({ source_node: chain[index] ?? '', source_port: 'exec_out', target_node: target, target_port: 'exec_in' }));
  return { ...ROBOT, metadata: { name: 'Sign in' }, nodes, connections };
}

/** The environment every child of these tests gets on top of its durability's. */
export function browserEnv(chromiumPath: string): Record<string, string> {
  return { CASARE_SECRET_DEMO_PASSWORD: DEMO_PASSWORD, CASARE_CHROMIUM_PATH: chromiumPath };
}

/** Signs in as run `runId`, SIGKILLs the process once the click is recorded, recovers the run; expects it succeeded. */
export async function signInKillAndRecover(workspace: Workspace, env: Record<string, string>, site: DemoSite, runId: string): Promise<void> {
  const file = await workspace.write('sign-in.json', signInWorkflow());
  const run = workspace.start(['run', file, '--run-id', runId, '--var', `base_url=${site.url}`, '--json'], env, 120_000);
  await run.waitForLine('stderr', /^✓ click_sign_in\s/);
  const killed = await run.kill();
  expect(killed.signal, `the run ended by itself instead of being killed:\n${killed.stderr}`).toBe('SIGKILL');

  const recovered = await workspace.run(['recover', '--json'], env, 120_000);
  expect(recovered.code, recovered.stderr).toBe(0);
  const report = jsonOf<{ recovered: Array<{ runId: string; status: string }> }>(recovered);
  expect(report.recovered, recovered.stderr).toContainEqual(expect.objectContaining({ runId, status: 'succeeded' }));
}

/**
 * The session cookie's value as the run recorded it, read back through the CLI's own inspector
 * and codec (with the key the runs were recorded with).
 */
export async function recordedSessionCookie(env: Record<string, string>, durability: Durability, cwd: string, runId: string): Promise<string> {
  const inspector = await openRunInspector(env, durability, cwd);
  try {
    const values = (await inspector.steps(runId))
      .flatMap((step) => recordedNodesOf(step))
      .flatMap((node) => Object.values(node.outcome.resources ?? {}))
      .flatMap((hint) => ((hint as JsonObject | null)?.['cookies'] ?? []) as JsonObject[])
      .filter((cookie) => cookie['name'] === 'demo_session')
      .map((cookie) => (typeof cookie['value'] === 'string' ? cookie['value'] : ''));
    expect(values.length, 'the decoded page hints hold the session cookie').toBeGreaterThan(0);
    return values[0] ?? '';
  } finally {
    await inspector.close();
  }
}

/** The key file was created beside the local data, readable by its owner only. */
export async function expectPrivateKeyFile(cwd: string): Promise<void> {
  expect((await stat(join(cwd, '.casare', 'encryption.key'))).mode & 0o777).toBe(0o600);
}

/** `casare runs show` with another key still shows the run: sealed values are only unreadable. */
export async function expectShowWithoutKey(workspace: Workspace, env: Record<string, string>, runId: string): Promise<void> {
  const shown = await workspace.run(['runs', 'show', runId, '--json'], { ...env, CASARE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
  expect(shown.code, shown.stderr).toBe(0);
  const steps = jsonOf<{ steps: Array<{ status: string; nodes: Array<{ nodeId: string }> }> }>(shown).steps;
  expect(steps.flatMap((step) => step.nodes.map((node) => node.nodeId))).toEqual(expect.arrayContaining(['click_sign_in', 'check_signed_in']));
  expect(steps.every((step) => step.status !== 'failed')).toBe(true);
}
