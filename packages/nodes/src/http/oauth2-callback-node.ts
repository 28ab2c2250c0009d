import { createServer, type Server } from 'node:http';
import { z } from 'zod';
import { integer, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { OAuth2Error } from './http-extra-nodes.js';

// OAuth2CallbackServerNode: a loopback-only HTTP server that waits, at most `timeout` seconds, for
// the provider's redirect to `path` and returns its code (or token) once the state matches. The
// server lives only inside the node's step; a step re-run after a crash listens again.

const PAGE = '<!DOCTYPE html><html><head><title>Signed in</title></head><body><p>Authentication complete. You can close this window.</p></body></html>';

/** An implicit-flow provider puts the token in the URL fragment, which browsers never send: this page sends it as a query. */
const FRAGMENT_PAGE =
  '<!DOCTYPE html><html><head><title>Signing in</title></head><body><script>var f = location.hash.slice(1); if (f) location.replace(location.pathname + "?" + f);</script><p>Completing authentication...</p></body></html>';

const oauth2CallbackServerNode = defineNode({
  types: ['OAuth2CallbackServerNode'],
  config: z.looseObject({ port: integer(8080), timeout: integer(120), path: text('/callback'), expected_state: text('') }),
  ports: { inputs: ['expected_state'], outputs: ['code', 'state', 'access_token', 'error', 'error_description'] },
  run: async (config, execution) => {
    if (config.port < 1024 || config.port > 65535) throw new ConfigFieldError('port', 'must be between 1024 and 65535');
    if (config.timeout < 1 || config.timeout > 600) throw new ConfigFieldError('timeout', 'must be between 1 and 600 seconds');
    const path = config.path.startsWith('/') ? config.path : `/${config.path}`;
    const params = await waitForRedirect(config.port, path, config.timeout * 1000, execution.signal).catch((error: unknown) => {
      throw new OAuth2Error(execution.node.id, 'callback_failed', (error as Error).message);
    });
    const error = params.get('error');
    if (error) throw new OAuth2Error(execution.node.id, error, `the provider answered ${error}: ${params.get('error_description') ?? ''}`.trim());
    const state = params.get('state') ?? '';
    if (config.expected_state && state !== config.expected_state) {
      throw new OAuth2Error(
        execution.node.id,
        'state_mismatch',
        `the redirect's state ${JSON.stringify(state)} is not the expected one (a forged or stale redirect)`,
      );
    }
    return { outputs: { code: params.get('code') ?? '', state, access_token: params.get('access_token') ?? '', error: '', error_description: '' } };
  },
});

/** Listens on 127.0.0.1:`port` until a GET of `path` with query parameters arrives; rejects on timeout or abort. */
function waitForRedirect(port: number, path: string, timeoutMs: number, signal: AbortSignal): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let server: Server | undefined = undefined;
    const finish = (outcome: { params: URLSearchParams } | { error: Error }) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      server?.closeAllConnections();
      server?.close();
      if ('params' in outcome) resolve(outcome.params);
      else reject(outcome.error);
    };
    const onAbort = () => finish({ error: new Error('the wait for the redirect was aborted') });
    const timer = setTimeout(() => finish({ error: new Error(`no redirect to http://127.0.0.1:${port}${path} within ${timeoutMs / 1000}s`) }), timeoutMs);
    signal.addEventListener('abort', onAbort);
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
      if (request.method !== 'GET' || url.pathname !== path) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      if ([...url.searchParams.keys()].length === 0) {
        response.writeHead(200, { 'content-type': 'text/html' }).end(FRAGMENT_PAGE);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html', connection: 'close' }).end(PAGE, () => finish({ params: url.searchParams }));
    });
    server.on('error', (error) => finish({ error }));
    server.listen(port, '127.0.0.1');
  });
}

/** OAuth2CallbackServerNode. */
export const oauth2CallbackNodeHandlers: readonly CatalogNodeHandler[] = [oauth2CallbackServerNode];
