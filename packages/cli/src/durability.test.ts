import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseDurability, isPostgresAnswering } from './durability.js';
import { UsageError } from './errors.js';

/** A TCP server on a free port that answers the first packet with `reply` (or stays silent). */
async function fakeServer(reply: Buffer | undefined): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => {
    socket.once('data', () => {
      if (reply) socket.write(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `postgres://postgres@127.0.0.1:${address.port}/casare` };
}

async function closedPortUrl(): Promise<string> {
  const { server, url } = await fakeServer(undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

describe('durability choice', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  it('takes the flag when given and refuses anything but dbos or memory', async () => {
    expect(await chooseDurability('memory', { CASARE_DATABASE_URL: 'postgres://x/y' }, 'postgres://unused/db')).toEqual({ durability: 'memory', explicit: true });
    expect(await chooseDurability('dbos', {}, await closedPortUrl())).toEqual({ durability: 'dbos', explicit: true });
    await expect(chooseDurability('postgres', {}, 'postgres://unused/db')).rejects.toThrow(UsageError);
  });

  it('uses DBOS when CASARE_DATABASE_URL is set, without probing', async () => {
    expect(await chooseDurability(undefined, { CASARE_DATABASE_URL: 'postgres://nowhere.invalid/db' }, await closedPortUrl())).toEqual({
      durability: 'dbos',
      explicit: false,
    });
  });

  it('falls back to memory when nothing answers at the default URL', async () => {
    expect(await chooseDurability(undefined, {}, await closedPortUrl())).toEqual({ durability: 'memory', explicit: false });
  });

  it('counts only a PostgreSQL answer to the SSL request, not any open port', async () => {
    const postgres = await fakeServer(Buffer.from('N'));
    const other = await fakeServer(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const silent = await fakeServer(undefined);
    servers.push(postgres.server, other.server, silent.server);
    expect(await isPostgresAnswering(postgres.url)).toBe(true);
    expect(await chooseDurability(undefined, {}, postgres.url)).toEqual({ durability: 'dbos', explicit: false });
    expect(await isPostgresAnswering(other.url)).toBe(false);
    expect(await isPostgresAnswering(silent.url, 200)).toBe(false);
    expect(await isPostgresAnswering('not a url')).toBe(false);
  });
});
