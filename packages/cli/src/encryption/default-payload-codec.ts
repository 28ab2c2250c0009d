import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { SealedHintsCodec, type PayloadCodec } from '@casare-rpa/application';
import { PAGE_HINT_SESSION_FIELDS } from '@casare-rpa/nodes';
import { AesGcmPayloadCipher } from './aes-gcm-payload-cipher.js';
import { ENCRYPTION_KEY_ENV, ENCRYPTION_KEY_FILE_NAME, encryptionKeyOf, loadEncryptionKey, parseEncryptionKey } from './encryption-key.js';

/** Options of `createDefaultPayloadCodec`. */
export interface DefaultPayloadCodecOptions {
  /** `CASARE_ENCRYPTION_KEY`, `CASARE_ENCRYPTION_KEY_FILE`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The key file when the environment names none. */
  readonly defaultKeyFile: string;
  /** Create the key file on first use (commands that record runs); false for commands that only read them. */
  readonly create: boolean;
}

/**
 * The payload codec the CLI records runs with (docs/architecture.md, "Secrets at rest"): the
 * session state of browser page hints (cookies) sealed with AES-256-GCM under the key of
 * `loadEncryptionKey`. The key file is read or created on the first payload that needs it.
 *
 * @throws EncryptionKeyError at once when `CASARE_ENCRYPTION_KEY` is set to something that is not a key.
 */
export function createDefaultPayloadCodec(options: DefaultPayloadCodecOptions): PayloadCodec {
  const fromEnv = options.env[ENCRYPTION_KEY_ENV];
  // A bad value fails the command before anything runs, not at the first cookie.
  if (fromEnv !== undefined && fromEnv !== '') parseEncryptionKey(fromEnv, ENCRYPTION_KEY_ENV);
  const cipher = new AesGcmPayloadCipher(async () => [await loadEncryptionKey(options)]);
  return new SealedHintsCodec(cipher, { fields: PAGE_HINT_SESSION_FIELDS });
}

/**
 * The codec of in-memory runs: the same sealing, under a key that lives and dies with the process
 * (in-memory runs never outlive it), so nothing is written to disk for them.
 */
export function createProcessPayloadCodec(): PayloadCodec {
  const cipher = new AesGcmPayloadCipher([encryptionKeyOf(randomBytes(32), 'the key of this process (in-memory runs)')]);
  return new SealedHintsCodec(cipher, { fields: PAGE_HINT_SESSION_FIELDS });
}

/** `.casare/encryption.key` beside the SQLite journal file `sqlitePath`: the default key file of SQLite and DBOS runs. */
export function defaultKeyFileBeside(sqlitePath: string): string {
  return join(dirname(sqlitePath), ENCRYPTION_KEY_FILE_NAME);
}
