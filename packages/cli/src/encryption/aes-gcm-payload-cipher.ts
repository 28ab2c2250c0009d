import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PayloadCipher } from '@casare-rpa/application';
import { ENCRYPTION_KEY_ENV, ENCRYPTION_KEY_FILE_ENV, type EncryptionKey } from './encryption-key.js';

/** Version of the sealed format: `casare:v1:<key id>:<base64url of IV, cipher text, tag>`. */
const FORMAT = 'casare:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for `SealedHintsCodec` (node:crypto): a random 96-bit IV per payload, a 128-bit
 * authentication tag, and the key's id in front, authenticated with the cipher text, so a key can be
 * rotated: `keys[0]` seals, any of `keys` opens what it sealed.
 *
 * `keys` may be a loader, called on first use (the key file is created then, not when the CLI starts); a
 * failure to load it is thrown by `seal` and `open`.
 */
export class AesGcmPayloadCipher implements PayloadCipher {
  private readonly load: () => Promise<readonly EncryptionKey[]>;
  private loaded: Promise<readonly EncryptionKey[]> | undefined;

  constructor(keys: readonly EncryptionKey[] | (() => Promise<readonly EncryptionKey[]>)) {
    this.load = typeof keys === 'function' ? keys : () => Promise.resolve(keys);
  }

  /** The keys, loaded on first use; a failed load is tried again next time (the file may be fixed). */
  private async keys(): Promise<readonly EncryptionKey[]> {
    this.loaded ??= this.load();
    try {
      return await this.loaded;
    } catch (error) {
      this.loaded = undefined;
      throw error;
    }
  }

  async seal(plaintext: string): Promise<string> {
    const [key] = await this.keys();
    if (key === undefined) throw new Error('no encryption key');
    const header = `${FORMAT}:${key.id}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${header}:${body.toString('base64url')}`;
  }

  async open(sealed: string): Promise<string> {
    const parts = sealed.split(':');
    if (parts.length !== 4 || `${parts[0]}:${parts[1]}` !== FORMAT) throw new Error(`not a ${FORMAT} sealed value`);
    const [, , keyId = '', data = ''] = parts;
    const keys = await this.keys();
    const key = keys.find((candidate) => candidate.id === keyId);
    if (key === undefined) {
      throw new Error(
        `it was encrypted with key ${keyId}, and this process has key ${keys.map((known) => `${known.id} (${known.origin})`).join(', ')}; set ${ENCRYPTION_KEY_ENV} (or ${ENCRYPTION_KEY_FILE_ENV}) to the key the run was recorded with`,
      );
    }
    const body = Buffer.from(data, 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new Error('the encrypted value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, body.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${FORMAT}:${key.id}`, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`the encrypted value does not authenticate with key ${key.id} (${key.origin}): it was altered`);
    }
  }
}
