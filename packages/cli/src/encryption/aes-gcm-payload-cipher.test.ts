import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasErrorCode, SealedHintsCodec } from '@casare-rpa/application';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AesGcmPayloadCipher } from './aes-gcm-payload-cipher.js';
import { encryptionKeyOf, loadEncryptionKey, parseEncryptionKey, type EncryptionKey } from './encryption-key.js';

const here = dirname(fileURLToPath(import.meta.url));
const builtKeyModule = join(here, '..', '..', 'dist', 'encryption', 'encryption-key.js');

function aKey(origin = 'test key'): EncryptionKey {
  return encryptionKeyOf(randomBytes(32), origin);
}

async function openError(cipher: AesGcmPayloadCipher, sealed: string): Promise<Error> {
  const error = await cipher.open(sealed).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('open() accepted what it must refuse');
  return error;
}

describe('AesGcmPayloadCipher', () => {
  it('opens what it sealed; a random IV per payload makes two seals of one text differ', async () => {
    const cipher = new AesGcmPayloadCipher([aKey()]);
    const plaintext = JSON.stringify([{ name: 'sid', value: 's3cr3t-session' }]);
    const first = await cipher.seal(plaintext);
    const second = await cipher.seal(plaintext);
    expect(first).not.toBe(second);
    expect(first).not.toContain('s3cr3t');
    expect(await cipher.open(first)).toBe(plaintext);
    expect(await cipher.open(second)).toBe(plaintext);
  });

  it('names the key in front of the cipher text: casare:v1:<key id>:...', async () => {
    const key = aKey();
    const sealed = await new AesGcmPayloadCipher([key]).seal('x');
    expect(sealed.startsWith(`casare:v1:${key.id}:`)).toBe(true);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('detects tampering with the cipher text, the tag or the key id', async () => {
    const key = aKey();
    const cipher = new AesGcmPayloadCipher([key]);
    const sealed = await cipher.seal('cookie jar');
    const [prefix, version, keyId, data = ''] = sealed.split(':');
    const body = Buffer.from(data, 'base64url');
    for (const position of [0, 12, body.length - 1]) {
      const altered = Buffer.from(body);
      altered[position] = (altered[position] ?? 0) ^ 0x01;
      const error = await openError(cipher, [prefix, version, keyId, altered.toString('base64url')].join(':'));
      expect(error.message).toContain('altered');
    }
    expect((await openError(cipher, [prefix, version, keyId, body.subarray(0, 20).toString('base64url')].join(':'))).message).toMatch(/truncated|altered/);
    expect((await openError(cipher, sealed.replace('casare:v1', 'casare:v9'))).message).toContain('not a casare:v1');
  });

  it('refuses a payload sealed with another key, naming both keys', async () => {
    const recorded = aKey('the old key');
    const current = aKey('CASARE_ENCRYPTION_KEY');
    const sealed = await new AesGcmPayloadCipher([recorded]).seal('cookie jar');
    const error = await openError(new AesGcmPayloadCipher([current]), sealed);
    expect(error.message).toContain(recorded.id);
    expect(error.message).toContain(current.id);
    expect(error.message).toContain('CASARE_ENCRYPTION_KEY');
  });

  it('opens with a previous key after a rotation, and seals with the new one', async () => {
    const previous = aKey();
    const next = aKey();
    const old = await new AesGcmPayloadCipher([previous]).seal('before the rotation');
    const rotated = new AesGcmPayloadCipher([next, previous]);
    expect(await rotated.open(old)).toBe('before the rotation');
    expect((await rotated.seal('after')).split(':')[2]).toBe(next.id);
  });

  it('under SealedHintsCodec: a wrong key is PAYLOAD_DECRYPT_FAILED naming the run and step', async () => {
    const payload = { outputs: {}, resources: { 'browser:default': { url: 'http://x/', actions: [], cookies: [{ name: 'sid', value: 'v' }] } } };
    const context = { runId: 'run-42', kind: 'step-output' as const, stepName: 'login' };
    const encoded = await new SealedHintsCodec(new AesGcmPayloadCipher([aKey()]), { fields: ['cookies'] }).encode(payload, context);
    const error = await new SealedHintsCodec(new AesGcmPayloadCipher([aKey()]), { fields: ['cookies'] })
      .decode(encoded, context)
      .catch((caught: unknown) => caught);
    expect(hasErrorCode(error, 'PAYLOAD_DECRYPT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('run run-42');
    expect((error as Error).message).toContain('"login"');
  });
});

describe('encryption keys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casare-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads 32 bytes as base64, URL-safe base64 or hex, the same key each way', () => {
    const bytes = randomBytes(32);
    const ids = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), ` ${bytes.toString('hex').toUpperCase()}\n`].map(
      (text) => parseEncryptionKey(text, 'CASARE_ENCRYPTION_KEY').id,
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('rejects a bad key with ENCRYPTION_KEY_INVALID naming where it came from', () => {
    for (const bad of ['too-short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), 'not base64 at all!', '']) {
      let caught: unknown;
      try {
        parseEncryptionKey(bad, 'CASARE_ENCRYPTION_KEY');
      } catch (error) {
        caught = error;
      }
      expect(hasErrorCode(caught, 'ENCRYPTION_KEY_INVALID'), bad).toBe(true);
      expect((caught as Error).message).toMatch(/^CASARE_ENCRYPTION_KEY: /);
    }
  });

  it('prefers CASARE_ENCRYPTION_KEY, then CASARE_ENCRYPTION_KEY_FILE, then the default file', async () => {
    const fromEnv = randomBytes(32);
    const named = join(dir, 'named.key');
    await writeFile(named, randomBytes(32).toString('hex'));
    const defaultKeyFile = join(dir, '.casare', 'encryption.key');
    const env = await loadEncryptionKey({
      env: { CASARE_ENCRYPTION_KEY: fromEnv.toString('base64'), CASARE_ENCRYPTION_KEY_FILE: named },
      defaultKeyFile,
      create: true,
    });
    expect(env.bytes.equals(fromEnv)).toBe(true);
    const file = await loadEncryptionKey({ env: { CASARE_ENCRYPTION_KEY_FILE: named }, defaultKeyFile, create: true });
    expect(file.origin).toBe(named);
    expect(existsSync(defaultKeyFile)).toBe(false);
  });

  it('creates the key file on first use with mode 0600, and reads the same key after', async () => {
    const defaultKeyFile = join(dir, '.casare', 'encryption.key');
    const created = await loadEncryptionKey({ env: {}, defaultKeyFile, create: true });
    expect((await stat(defaultKeyFile)).mode & 0o777).toBe(0o600);
    expect(parseEncryptionKey(await readFile(defaultKeyFile, 'utf8'), defaultKeyFile).id).toBe(created.id);
    expect((await loadEncryptionKey({ env: {}, defaultKeyFile, create: true })).id).toBe(created.id);
    // Nothing else was left beside it.
    expect(await readdir(dirname(defaultKeyFile))).toEqual(['encryption.key']);
  });

  it('does not create a key file for a reader, and says so', async () => {
    const defaultKeyFile = join(dir, '.casare', 'encryption.key');
    const error = await loadEncryptionKey({ env: {}, defaultKeyFile, create: false }).catch((caught: unknown) => caught);
    expect(hasErrorCode(error, 'ENCRYPTION_KEY_INVALID')).toBe(true);
    expect((error as Error).message).toContain(defaultKeyFile);
    expect(existsSync(defaultKeyFile)).toBe(false);
  });

  it('rejects a key file that holds no key, naming the file', async () => {
    const file = join(dir, 'broken.key');
    await writeFile(file, 'hello\n');
    const error = await loadEncryptionKey({ env: { CASARE_ENCRYPTION_KEY_FILE: file }, defaultKeyFile: join(dir, 'unused'), create: true }).catch(
      (caught: unknown) => caught,
    );
    expect(hasErrorCode(error, 'ENCRYPTION_KEY_INVALID')).toBe(true);
    expect((error as Error).message).toContain(file);
  });

  it('two processes creating the key file at once end with one key', { timeout: 60_000 }, async () => {
    if (!existsSync(builtKeyModule)) throw new Error(`${builtKeyModule} is missing: build the cli package first (npm test builds)`);
    for (let round = 0; round < 3; round += 1) {
      const defaultKeyFile = join(dir, `round-${round}`, '.casare', 'encryption.key');
      const script = `import { loadEncryptionKey } from ${JSON.stringify(pathToFileURL(builtKeyModule).href)};
const key = await loadEncryptionKey({ env: {}, defaultKeyFile: ${JSON.stringify(defaultKeyFile)}, create: true });
process.stdout.write(key.id);`;
      const ids = await Promise.all([0, 1, 2, 3].map(() => runModule(script)));
      expect(new Set(ids).size, `key ids of round ${round}: ${ids.join(', ')}`).toBe(1);
      expect(parseEncryptionKey(await readFile(defaultKeyFile, 'utf8'), defaultKeyFile).id).toBe(ids[0]);
      expect((await stat(defaultKeyFile)).mode & 0o777).toBe(0o600);
      expect(await readdir(dirname(defaultKeyFile))).toEqual(['encryption.key']);
    }
  });
});

/** Runs an ES module in a new node process; resolves with its stdout. */
function runModule(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the key process exited ${code}: ${stderr}`))));
  });
}
