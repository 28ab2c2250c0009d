import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, requireBuiltBinary, Workspace } from './casare-process.js';

// `casare serve` refuses what it cannot arm before it listens: exit 2, the file, node and field named.

describe('casare serve refuses bad trigger configs', { timeout: 60_000 }, () => {
  let ws: Workspace;
  const env = childEnv();

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('serve-bad');
  });
  afterAll(async () => ws.dispose());

  it('names file, node and field of an invalid trigger, and of a signature without a secret', async () => {
    await ws.write('bad-cron.json', workflowDoc('bad').node('tick', 'ScheduleTriggerNode', { frequency: 'cron', cron_expression: 'every day' }).build());
    const invalid = await ws.run(['serve', '--port', '0', '--durability', 'memory', 'bad-cron.json'], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/nodes\.tick\.config\.cron_expression/);

    await ws.write('no-secret.json', workflowDoc('hook').node('hook', 'WebhookTriggerNode', { endpoint: '/x', validate_signature: true }).build());
    const unsigned = await ws.run(['serve', '--port', '0', '--durability', 'memory', 'no-secret.json'], env);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('no-secret.json: nodes.hook.config.secret: required when validate_signature is true');
  });

  it('refuses two webhooks on one path, and a missing file', async () => {
    const hook = (name: string) => workflowDoc(name).node('hook', 'WebhookTriggerNode', { endpoint: '/same' }).build();
    await ws.write('one.json', hook('one'));
    await ws.write('two.json', hook('two'));
    const twice = await ws.run(['serve', '--port', '0', '--durability', 'memory', 'one.json', 'two.json'], env);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('webhook path /webhooks/same is declared twice');
    const missing = await ws.run(['serve', '--durability', 'memory', 'nowhere.json'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not found: nowhere.json');
  });

  it('validates and passes through trigger nodes in a manual run', async () => {
    await ws.write(
      'manual.json',
      workflowDoc('manual')
        .node('hook', 'WebhookTriggerNode', { endpoint: '/m' })
        .node('log', 'LogNode', { message: 'payload {{hook.payload}} method [{{hook.method}}]' })
        .chain('hook', 'log')
        .build(),
    );
    expect((await ws.run(['validate', 'manual.json'], env)).code).toBe(0);
    const ran = await ws.run(['run', 'manual.json', '--durability', 'memory', '--json'], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect((JSON.parse(ran.stdout) as { logs: string[] }).logs).toEqual(['payload {} method []']);
  });
});
