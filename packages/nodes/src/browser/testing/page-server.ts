import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server of fixed pages, recording every form POST (for browser node tests). */
export interface PageServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Bodies of the POSTs received, parsed as forms, in order. */
  readonly posts: Array<Record<string, string>>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `pages` (path -> HTML) on 127.0.0.1. A POST to any path is recorded and redirected (303) to
 * `/posted`, which is served from `pages` too when present.
 */
export async function servePages(pages: Readonly<Record<string, string>>): Promise<PageServer> {
  const posts: Array<Record<string, string>> = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://pages.invalid').pathname;
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posts.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
        response.writeHead(303, { location: '/posted' });
        response.end();
      });
      return;
    }
    const html = pages[path];
    response.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html ?? '<h1>Not found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
