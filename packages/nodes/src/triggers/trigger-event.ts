import type { Json, JsonObject } from '@casare-rpa/domain';
import { isJsonObject } from '../catalog/config-schema.js';

/**
 * Name of the run input variable that carries the event which started a run (`casare serve` sets
 * it; a manual `casare run` leaves it out, so trigger nodes pass through with an empty event). The
 * event is recorded with the run's input, so a recovered run sees the same event.
 */
export const TRIGGER_EVENT_VARIABLE = 'trigger_event';

/** The event a serving process hands to a run, under `TRIGGER_EVENT_VARIABLE`. */
export interface TriggerEvent extends JsonObject {
  /** Id of the trigger node that fired; other trigger nodes of the workflow see an empty event. */
  readonly node_id: string;
  /** The trigger node's v1 type (`WebhookTriggerNode`, `ScheduleTriggerNode`...). */
  readonly type: string;
  /** Values of the trigger node's output ports, by port name (`payload`, `headers`, `trigger_time`...). */
  readonly outputs: JsonObject;
}

/** The event addressed to `nodeId` among a run's variables, or undefined when there is none (a manual run). */
export function triggerEventFor(variables: Readonly<Record<string, Json>>, nodeId: string): TriggerEvent | undefined {
  const event = variables[TRIGGER_EVENT_VARIABLE];
  if (!isJsonObject(event) || event['node_id'] !== nodeId || !isJsonObject(event['outputs'])) return undefined;
  return event as TriggerEvent;
}
