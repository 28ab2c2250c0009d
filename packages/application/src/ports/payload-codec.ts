import type { Json } from '@casare-rpa/domain';

/** What a payload is, so a codec can choose what to transform in it. */
export type PayloadKind = 'run-input' | 'step-output';

/** Where a payload belongs: codecs name the run in their errors. */
export interface PayloadContext {
  /** The run the payload is recorded for. */
  readonly runId: string;
  /** A run's input (`ExecuteWorkflowInput`) or a step's recorded output (node outcomes). */
  readonly kind: PayloadKind;
  /** Name of the step (its first node id), for step outputs. */
  readonly stepName?: string;
}

/**
 * What every recorded payload passes through on its way into a runner's store and back
 * (docs/architecture.md, "Secrets at rest"), as Temporal's `PayloadCodec`: the workflow body
 * encodes each step's output before the runner records it and the run's input before the run
 * starts, and decodes what a replay reads back. Runners and their stores only ever see encoded
 * payloads, so adapters need no codec code.
 *
 * `decode(encode(x))` must equal `x`, and `decode` must pass through a payload recorded before a
 * codec was in place. A payload it cannot decode (wrong or missing key) throws an error with code
 * `PAYLOAD_DECRYPT_FAILED` naming the run: never a payload with garbage in it.
 */
export interface PayloadCodec {
  /** The payload as the store may keep it. */
  encode(payload: Json, context: PayloadContext): Promise<Json>;
  /** The payload as it was before `encode`. */
  decode(payload: Json, context: PayloadContext): Promise<Json>;
}

/** Injection token of `PayloadCodec`. */
export const PAYLOAD_CODEC = Symbol.for('@casare-rpa/PayloadCodec');

/** The codec that changes nothing: for runs that are never at rest (tests, in-memory runs without a codec). */
export const PLAIN_PAYLOAD_CODEC: PayloadCodec = {
  encode: (payload) => Promise.resolve(payload),
  decode: (payload) => Promise.resolve(payload),
};

/**
 * Encrypts and decrypts text for `SealedHintsCodec`: the part of a codec that holds keys
 * (AES-256-GCM in the CLI's composition root). `open` throws when the text was sealed with
 * another key or was altered.
 */
export interface PayloadCipher {
  /** The sealed form of `plaintext`, carrying what `open` needs (key id, IV, tag). */
  seal(plaintext: string): Promise<string>;
  /** The plaintext `sealed` was made from; throws when it cannot be authenticated. */
  open(sealed: string): Promise<string>;
}
