import type { Json, JsonObject } from '@casare-rpa/domain';
import { PayloadDecryptError } from '../errors.js';
import type { PayloadCipher, PayloadCodec, PayloadContext } from '../ports/payload-codec.js';
import { mapRecordedEntries } from './step-outcomes.js';

/** Key of the object that stands for a sealed value in a recorded hint: `{ "$sealed": "<cipher text>" }`. */
export const SEALED_KEY = '$sealed';

/** What people and tools see in place of a value they cannot decrypt. */
export const ENCRYPTED_MARKER = '[encrypted]';

/** Options of `SealedHintsCodec`. */
export interface SealedHintsCodecOptions {
  /**
   * Fields of a resource hint that hold session state (a page hint's `cookies`): each is sealed
   * whole, in every hint of every outcome's `resources`. The node packages that write hints say
   * which of their fields are sensitive (`PAGE_HINT_SESSION_FIELDS` in `@casare-rpa/nodes`).
   */
  readonly fields: readonly string[];
}

/**
 * The default payload codec (docs/architecture.md, "Secrets at rest"): seals the session-state
 * fields of the resource hints in step outputs with a `PayloadCipher`, and leaves everything else
 * readable, so `casare runs show` and the console still show what a run did without the key. Run
 * inputs pass through: they hold no hints (sensitive variables belong in the `SecretProvider`).
 *
 * A sealed field is recorded as `{ "$sealed": "<cipher text>" }`; decoding a payload recorded
 * before the codec existed changes nothing.
 */
export class SealedHintsCodec implements PayloadCodec {
  private readonly fields: readonly string[];

  constructor(
    private readonly cipher: PayloadCipher,
    options: SealedHintsCodecOptions,
  ) {
    this.fields = [...options.fields];
  }

  /** The payload with every sensitive hint field sealed. */
  encode(payload: Json, context: PayloadContext): Promise<Json> {
    if (context.kind !== 'step-output' || this.fields.length === 0) return Promise.resolve(payload);
    return mapRecordedEntries(payload, (entry) =>
      this.mapHintFields(entry, async (value) => (isSealed(value) ? value : { [SEALED_KEY]: await this.cipher.seal(JSON.stringify(value)) })),
    );
  }

  /** The payload with every sealed field opened; `PayloadDecryptError` naming the run when one cannot be. */
  decode(payload: Json, context: PayloadContext): Promise<Json> {
    if (context.kind !== 'step-output') return Promise.resolve(payload);
    return mapRecordedEntries(payload, (entry) =>
      this.mapHintFields(entry, async (value) => {
        if (!isSealed(value)) return value;
        let plaintext: string;
        try {
          plaintext = await this.cipher.open(value[SEALED_KEY] as string);
        } catch (error) {
          throw new PayloadDecryptError(context.runId, context.stepName, error instanceof Error ? error.message : String(error));
        }
        return JSON.parse(plaintext) as Json;
      }),
    );
  }

  private async mapHintFields(entry: JsonObject, map: (value: Json) => Promise<Json>): Promise<JsonObject> {
    const resources = entry['resources'];
    if (!isObject(resources)) return entry;
    const mapped: Record<string, Json> = {};
    for (const [key, hint] of Object.entries(resources)) {
      if (!isObject(hint)) {
        mapped[key] = hint;
        continue;
      }
      const copy: Record<string, Json> = { ...hint };
      for (const field of this.fields) {
        const value = copy[field];
        if (value !== undefined) copy[field] = await map(value);
      }
      mapped[key] = copy;
    }
    return { ...entry, resources: mapped };
  }
}

/**
 * `payload` with every sealed value replaced by `ENCRYPTED_MARKER`: what a reader without the key
 * shows (it never crashes on an encrypted payload, and never shows cipher text as data).
 */
export function maskSealed(payload: Json): Json {
  if (Array.isArray(payload)) return payload.map(maskSealed);
  if (!isObject(payload)) return payload;
  if (isSealed(payload)) return ENCRYPTED_MARKER;
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, maskSealed(value as Json)]));
}

function isSealed(value: Json): value is JsonObject {
  return isObject(value) && typeof value[SEALED_KEY] === 'string' && Object.keys(value).length === 1;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
