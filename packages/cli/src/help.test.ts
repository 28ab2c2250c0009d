import { DEFAULT_APPLICATION_VERSION, DEFAULT_DATABASE_URL, DEFAULT_EXECUTOR_ID } from '@casare-rpa/infra-dbos';
import { DEFAULT_SQLITE_PATH } from '@casare-rpa/infra-sqlite';
import { DEMO_SITE_PORT } from './demo-site/index.js';
import { describe, expect, it } from 'vitest';
import { HELP } from './help.js';

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
});
