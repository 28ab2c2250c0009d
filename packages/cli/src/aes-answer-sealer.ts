import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CasareError, type AnswerSealer } from '@casare-rpa/application';

const PREFIX = 'casare-sealed:v1:';
const SEALED = /casare-sealed:v1:([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)/g;

/** A key of `AesAnswerSealer` that is not 32 bytes of base64 or hex. */
export class AnswerKeyInvalidError extends CasareError {
  /** Stable code. */
  readonly code = 'USAGE' as const;
  constructor(readonly source: string) {
    super(`${source}: the task answer key must be 32 bytes, as 64 hex digits or base64`);
    this.name = 'AnswerKeyInvalidError';
  }
}

/**
 * Seals secret task answers with AES-256-GCM: `casare-sealed:v1:<iv>.<ciphertext>.<tag>` (base64url).
 * Whoever answers and whoever runs the workflow need the same key: `CASARE_TASK_KEY` (a fleet on
 * DBOS sets it everywhere), else a key file next to the SQLite journal, created once with mode 0600.
 */
export class AesAnswerSealer implements AnswerSealer {
  private loaded: Buffer | undefined;

  /** A sealer on `key` (32 bytes), or on what `key` returns the first time a key is needed. */
  constructor(private readonly key: Buffer | (() => Buffer)) {}

  /** The sealer of `CASARE_TASK_KEY`, else of the key file at `keyFile` (created when first needed), else of a key of this process only. */
  static load(env: Readonly<Record<string, string | undefined>>, keyFile: string | undefined): AesAnswerSealer {
    const fromEnv = env['CASARE_TASK_KEY'];
    if (fromEnv !== undefined && fromEnv !== '') return new AesAnswerSealer(keyOf(fromEnv, 'CASARE_TASK_KEY'));
    if (keyFile === undefined) return new AesAnswerSealer(randomBytes(32));
    // The file is made only when a secret answer is first sealed or opened: most runs never need it.
    return new AesAnswerSealer(() => loadKeyFile(keyFile));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyBytes(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  openAll(text: string): { readonly text: string; readonly secrets: readonly string[] } | undefined {
    if (!text.includes(PREFIX)) return undefined;
    const secrets: string[] = [];
    const opened = text.replace(SEALED, (_match, iv: string, body: string, tag: string) => {
      const decipher = createDecipheriv('aes-256-gcm', this.keyBytes(), Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      secrets.push(plain);
      return plain;
    });
    return { text: opened, secrets };
  }

  private keyBytes(): Buffer {
    this.loaded ??= typeof this.key === 'function' ? this.key() : this.key;
    if (this.loaded.length !== 32) throw new AnswerKeyInvalidError('key');
    return this.loaded;
  }
}

/** The key in `keyFile`, which is created (mode 0600) when missing. */
function loadKeyFile(keyFile: string): Buffer {
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    try {
      // `wx`: of two processes creating it at once, one writes it and the other reads it.
      writeFileSync(keyFile, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
      chmodSync(keyFile, 0o600);
    } catch (error) {
      // Another process created it first: read theirs.
      if (!existsSync(keyFile)) throw error;
    }
  }
  return keyOf(readFileSync(keyFile, 'utf8').trim(), keyFile);
}

function keyOf(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new AnswerKeyInvalidError(source);
  return key;
}
