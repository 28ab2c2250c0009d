import { z } from 'zod';
import { jsonSchema } from '@casare-rpa/domain';
import { oneOf, optionalNumber } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';

const logNode = defineNode({
  types: ['LogNode'],
  effect: 'pure',
  config: z.looseObject({
    // Required: a Log node without a message would log an empty line.
    message: z.preprocess((value) => value ?? undefined, jsonSchema).transform(textOf),
    level: oneOf(['debug', 'info', 'warning', 'error', 'critical'], 'info'),
  }),
  ports: { inputs: ['message'], outputs: ['message'] },
  // The message goes to the run's log (the run result lists Log lines in order) and, as it is
  // written, to the operator's progress; warnings and worse stand out there.
  run: (config, execution) => {
    if (config.level === 'warning' || config.level === 'error' || config.level === 'critical') execution.logger.warn(config.message);
    else execution.logger.debug(config.message);
    return { outputs: { message: config.message }, logs: [config.message] };
  },
});

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

const waitNode = defineNode({
  types: ['WaitNode'],
  config: z
    .looseObject({
      seconds: optionalNumber(),
      duration: optionalNumber(),
      milliseconds: optionalNumber(),
    })
    // No silent default: a wait whose length is missing (or a template that resolved to nothing)
    // would wait a second nobody asked for.
    .refine((config) => config.seconds !== undefined || config.duration !== undefined || config.milliseconds !== undefined, {
      error: 'needs seconds, duration or milliseconds: how long to wait',
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
          : ['duration', (config.duration ?? 0) * 1000];
    if (ms < 0) throw new ConfigFieldError(field, 'must not be negative');
    if (ms > 366 * ONE_DAY_MS) throw new ConfigFieldError(field, 'must be at most a year');
    const sleepMs = Math.round(ms);
    return { outputs: { waited_ms: sleepMs }, sleepMs };
  },
});

/** Log and Wait nodes. */
export const utilityNodeHandlers: readonly CatalogNodeHandler[] = [logNode, waitNode];
