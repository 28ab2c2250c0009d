import { DEFAULT_APPLICATION_VERSION, DEFAULT_DATABASE_URL, DEFAULT_EXECUTOR_ID } from '@casare-rpa/infra-dbos';
import { DEFAULT_SQLITE_PATH } from '@casare-rpa/infra-sqlite';
import { DEMO_SITE_PORT } from './demo-site/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP } from './help.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

describe('help texts', () => {
  it('quote the defaults the adapters really use', () => {
    expect(HELP.casare).toContain(DEFAULT_DATABASE_URL);
    expect(HELP.casare).toContain(DEFAULT_SQLITE_PATH);
    expect(HELP.recover).toContain(DEFAULT_SQLITE_PATH);
    expect(HELP.casare).toContain(`default: ${DEFAULT_EXECUTOR_ID}`);
    expect(HELP.casare).toContain(`default: ${DEFAULT_APPLICATION_VERSION}`);
    expect(HELP.recover).toContain(`default ${DEFAULT_EXECUTOR_ID}`);
    expect(HELP['demo-site']).toContain(`default ${DEMO_SITE_PORT}`);
  });

  it('give every command an example', () => {
    for (const [topic, text] of Object.entries(HELP)) expect(text, topic).toMatch(/Examples?:\n {2}casare /);
  });

  it('set only variables that the example workflows they run declare', () => {
    const examples = [
      ...Object.values(HELP)
        .join('\n')
        .matchAll(/casare run (examples\/\S+\.json)((?: --var [^ =\n]+=\S+)+)/g),
    ];
    expect(examples.length).toBeGreaterThan(0);
    for (const [, file, vars] of examples) {
      const declared = Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, file ?? ''), 'utf8')) as { variables: object }).variables);
      for (const [, name] of (vars ?? '').matchAll(/--var ([^ =]+)=/g)) expect(declared, `${file}: --var ${name}`).toContain(name);
    }
  });

  it('speak the runner port status words for runs', () => {
    for (const topic of ['run', 'runs resume', 'runs fork', 'recover'] as const) expect(HELP[topic], topic).toContain('succeeded');
  });
});
