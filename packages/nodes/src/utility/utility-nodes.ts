import { z } from 'zod';
import { anyValue, oneOf, optionalNumber } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';

const logNode = defineNode({
  types: ['LogNode'],
  effect: 'pure',
  config: z.looseObject({ message: anyValue().transform(textOf), level: oneOf(['debug', 'info', 'warning', 'error', 'critical'], 'info') }),
  ports: { inputs: ['message'], outputs: ['message'] },
  // The message goes to the run's log (the run result lists Log lines in order); the level is kept
  // for operators only.
  run: (config, execution) => {
    if (config.level === 'debug') execution.logger.debug(config.message);
    return { outputs: { message: config.message }, logs: [config.message] };
  },
});

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

const waitNode = defineNode({
  types: ['WaitNode'],
  config: z.looseObject({
    seconds: optionalNumber(),
    duration: optionalNumber(),
    milliseconds: optionalNumber(),
  }),
  ports: { outputs: ['waited_ms'] },
  // The node only asks for the sleep; the runner sleeps durably (a run killed during a one-hour wait
  // resumes with the time left, not a new hour).
  run: (config) => {
    const [field, ms] =
      config.milliseconds !== undefined
        ? ['milliseconds', config.milliseconds]
        : config.seconds !== undefined
          ? ['seconds', config.seconds * 1000]
          : ['duration', (config.duration ?? 1) * 1000];
    if (ms < 0) throw new ConfigFieldError(field, 'must not be negative');
    if (ms > 366 * ONE_DAY_MS) throw new ConfigFieldError(field, 'must be at most a year');
    const sleepMs = Math.round(ms);
    return { outputs: { waited_ms: sleepMs }, sleepMs };
  },
});

/** Log and Wait nodes. */
export const utilityNodeHandlers: readonly CatalogNodeHandler[] = [logNode, waitNode];
