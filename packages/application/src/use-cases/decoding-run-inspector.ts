import type { Json } from '@casare-rpa/domain';
import { hasErrorCode } from '../errors.js';
import type { RunSummary, SignalDelivery, SignalOptions, StepRecord } from '../ports/durable-runner.js';
import type { PayloadCodec, PayloadContext } from '../ports/payload-codec.js';
import type { RunInspector, RunInspectorFilter } from '../ports/run-inspector.js';
import { maskSealed } from './sealed-hints-codec.js';

/**
 * A `RunInspector` whose step outputs and run inputs are decoded through the `PayloadCodec` the
 * runs were recorded with, as the workflow body decodes them (docs/architecture.md, "Secrets at
 * rest"). A payload this process cannot decrypt (no key, another key) is shown with
 * `[encrypted]` in place of each sealed value: reading runs never fails on one.
 */
export class DecodingRunInspector implements RunInspector {
  constructor(
    private readonly inspector: RunInspector,
    private readonly codec: PayloadCodec,
  ) {}

  list(filter?: RunInspectorFilter): Promise<readonly RunSummary[]> {
    return this.inspector.list(filter);
  }

  status(runId: string): Promise<RunSummary> {
    return this.inspector.status(runId);
  }

  async input(runId: string): Promise<Json | undefined> {
    const input = await this.inspector.input(runId);
    return input === undefined ? undefined : decodeForReading(this.codec, input, { runId, kind: 'run-input' });
  }

  async steps(runId: string): Promise<readonly StepRecord[]> {
    const steps = await this.inspector.steps(runId);
    return Promise.all(
      steps.map(async (step) =>
        step.kind !== 'step' || step.output === undefined
          ? step
          : { ...step, output: await decodeForReading(this.codec, step.output, { runId, kind: 'step-output', stepName: step.name }) },
      ),
    );
  }

  cancel(runId: string): Promise<void> {
    return this.inspector.cancel(runId);
  }

  signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    return this.inspector.signal(runId, name, value, options);
  }

  close(): Promise<void> {
    return this.inspector.close();
  }
}

/** `payload` decoded, or with its sealed values masked when this process cannot decrypt them. */
export async function decodeForReading(codec: PayloadCodec, payload: Json, context: PayloadContext): Promise<Json> {
  try {
    return await codec.decode(payload, context);
  } catch (error) {
    if (hasErrorCode(error, 'PAYLOAD_DECRYPT_FAILED') || hasErrorCode(error, 'ENCRYPTION_KEY_INVALID')) return maskSealed(payload);
    throw error;
  }
}
