import type { JsonObject } from '@casare-rpa/domain';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Starts the node, then (once it listens) sends the browser's redirect to `query`. */
async function redirect(config: JsonObject, query: string, id = 'cb') {
  const port = await freePort();
  const waiting = catalog.execute(
    aNodeExecution('OAuth2CallbackServerNode')
      .withId(id)
      .withConfig({ port, timeout: 5, ...config })
      .build(),
  );
  // The test awaits the outcome later; mark a failure as handled until then.
  waiting.catch(() => undefined);
  const url = `http://127.0.0.1:${port}/callback${query}`;
  let page = '';
  for (let attempt = 0; attempt < 50 && page === ''; attempt++) {
    page = await fetch(url).then(
      (response) => response.text(),
      () => new Promise<string>((resolve) => setTimeout(() => resolve(''), 50)),
    );
  }
  return { waiting, page };
}

describe('OAuth2CallbackServerNode (a loopback server waiting for the redirect)', () => {
  it('returns the code and state of the redirect once the state matches', async () => {
    const { waiting, page } = await redirect({ expected_state: 'xyz' }, '?code=auth-code-1&state=xyz');
    expect(page).toContain('Authentication complete');
    expect((await waiting).outputs).toEqual({ code: 'auth-code-1', state: 'xyz', access_token: '', error: '', error_description: '' });
  });

  it('refuses a redirect with another state, and reports the provider error', async () => {
    const forged = await redirect({ expected_state: 'xyz' }, '?code=c&state=evil');
    await expect(forged.waiting).rejects.toMatchObject({ code: 'OAUTH2_FAILED', oauthError: 'state_mismatch', nodeId: 'cb' });
    const denied = await redirect({}, '?error=access_denied&error_description=User%20said%20no');
    await expect(denied.waiting).rejects.toThrow('nodes.cb: the provider answered access_denied: User said no');
  });

  it('gives up after the timeout; a privileged port is a config error', async () => {
    const started = Date.now();
    await expect(
      catalog.execute(
        aNodeExecution('OAuth2CallbackServerNode')
          .withId('cb')
          .withConfig({ port: await freePort(), timeout: 1 })
          .build(),
      ),
    ).rejects.toThrow(/nodes\.cb: no redirect to http:\/\/127\.0\.0\.1:\d+\/callback within 1s/);
    expect(Date.now() - started).toBeLessThan(4000);
    await expect(catalog.execute(aNodeExecution('OAuth2CallbackServerNode').withId('cb').withConfig({ port: 80 }).build())).rejects.toThrow(
      'nodes.cb.config.port',
    );
  });
});
