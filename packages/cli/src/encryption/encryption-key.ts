import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CasareError, hasErrorCode } from '@casare-rpa/application';

/** Environment variable holding the key: 32 bytes, base64 or hex. */
export const ENCRYPTION_KEY_ENV = 'CASARE_ENCRYPTION_KEY';

/** Environment variable naming the key file used when `CASARE_ENCRYPTION_KEY` is unset. */
export const ENCRYPTION_KEY_FILE_ENV = 'CASARE_ENCRYPTION_KEY_FILE';

/** Name of the key file created beside the local data (`.casare/encryption.key`). */
export const ENCRYPTION_KEY_FILE_NAME = 'encryption.key';

/** Bytes of an AES-256 key. */
const KEY_BYTES = 32;

/** An AES-256 key and the id sealed payloads name it by. */
export interface EncryptionKey {
  /** 32 bytes. */
  readonly bytes: Buffer;
  /** 16 hex digits derived from the key (not the key): tells which key sealed a payload. */
  readonly id: string;
  /** Where the key came from, for messages: the variable's name or the file's path. */
  readonly origin: string;
}

/** The key in `CASARE_ENCRYPTION_KEY` or the key file is not a 32-byte key, or the key file cannot be written. */
export class EncryptionKeyError extends CasareError {
  /** Stable code. */
  readonly code = 'ENCRYPTION_KEY_INVALID' as const;
  /** Fixing a key takes an operator, not a retry. */
  readonly retryable = false;
  constructor(
    /** The variable's name or the file's path. */
    readonly origin: string,
    message: string,
  ) {
    super(`${origin}: ${message}`);
    this.name = 'EncryptionKeyError';
  }
}

/** The key of `bytes`, named by an id derived from it. */
export function encryptionKeyOf(bytes: Buffer, origin: string): EncryptionKey {
  if (bytes.length !== KEY_BYTES) throw new EncryptionKeyError(origin, `an encryption key is ${KEY_BYTES} bytes, this one is ${bytes.length}`);
  const id = createHash('sha256').update('casare-rpa key id\0').update(bytes).digest('hex').slice(0, 16);
  return { bytes, id, origin };
}

/**
 * Reads a key written as 64 hex digits or as base64 (standard or URL-safe) of 32 bytes.
 *
 * @throws EncryptionKeyError naming `origin` when the text is neither.
 */
export function parseEncryptionKey(text: string, origin: string): EncryptionKey {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return encryptionKeyOf(Buffer.from(trimmed, 'hex'), origin);
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return encryptionKeyOf(bytes, origin);
    throw new EncryptionKeyError(
      origin,
      `expected ${KEY_BYTES} bytes as base64 or as 64 hex digits; this decodes to ${bytes.length} bytes (make one with: openssl rand -base64 32)`,
    );
  }
  throw new EncryptionKeyError(origin, `expected ${KEY_BYTES} bytes as base64 or as 64 hex digits (make one with: openssl rand -base64 32)`);
}

/** Where a process finds its key. */
export interface EncryptionKeySource {
  /** The environment: `CASARE_ENCRYPTION_KEY` wins, then `CASARE_ENCRYPTION_KEY_FILE`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The key file when the environment names none (`.casare/encryption.key` beside the SQLite file). */
  readonly defaultKeyFile: string;
  /** Create the key file when it is missing (processes that record runs); readers never create one. */
  readonly create: boolean;
}

/**
 * The key of this process: `CASARE_ENCRYPTION_KEY`, else the key file (`CASARE_ENCRYPTION_KEY_FILE`
 * or `defaultKeyFile`), created on first use with mode 0600 when `create` says so. Creation is
 * atomic: the key is written to a file of its own and linked into place, which fails when the file
 * exists, so two processes creating it at once end with one key, the first one linked.
 *
 * @throws EncryptionKeyError for a bad key, an unreadable or unwritable key file, or (with
 *   `create: false`) a missing one.
 */
export async function loadEncryptionKey(source: EncryptionKeySource): Promise<EncryptionKey> {
  const fromEnv = source.env[ENCRYPTION_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseEncryptionKey(fromEnv, ENCRYPTION_KEY_ENV);
  const file = source.env[ENCRYPTION_KEY_FILE_ENV] || source.defaultKeyFile;
  const existing = await readKeyFile(file);
  if (existing !== undefined) return existing;
  if (!source.create) throw new EncryptionKeyError(file, `no key file (set ${ENCRYPTION_KEY_ENV}, or run a workflow here to create one)`);
  return createKeyFile(file);
}

async function readKeyFile(file: string): Promise<EncryptionKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw new EncryptionKeyError(file, `cannot read the key file: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseEncryptionKey(text, file);
}

async function createKeyFile(file: string): Promise<EncryptionKey> {
  const temporary = join(dirname(file), `.${ENCRYPTION_KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(temporary, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, file);
    } catch (error) {
      // Another process linked its key first: that one is the key.
      if (!hasErrorCode(error, 'EEXIST')) throw error;
    }
  } catch (error) {
    throw new EncryptionKeyError(file, `cannot create the key file: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  const key = await readKeyFile(file);
  if (key === undefined) throw new EncryptionKeyError(file, 'the key file vanished right after it was created');
  return key;
}
