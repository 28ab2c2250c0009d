import type { Json } from '@casare-rpa/domain';
import { randomInt, randomUUID, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { boolean, integer, list, optionalInteger, optionalNumber, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';

// Random values are drawn inside the step and returned in the outcome: the journal records them,
// so a replay after a crash sees the same values (docs/architecture.md, rule 6).

/** A uniform float in [0, 1) from the cryptographic source. */
function randomUnit(): number {
  return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
}

const randomNumberNode = defineNode({
  types: ['RandomNumberNode'],
  // v1 wrote `min`/`max` in some files and `min_value`/`max_value` in others.
  config: z.looseObject({
    min: optionalNumber(),
    max: optionalNumber(),
    min_value: optionalNumber(),
    max_value: optionalNumber(),
    integer_only: boolean(true),
    decimals: optionalInteger(),
  }),
  ports: { outputs: ['result', 'value'] },
  run: (config) => {
    const low = config.min_value ?? config.min ?? 0;
    const high = config.max_value ?? config.max ?? 100;
    if (high < low) throw new ConfigFieldError(config.max_value !== undefined ? 'max_value' : 'max', `must not be below the minimum ${low}`);
    let result: number;
    if (config.integer_only && config.decimals === undefined) {
      const from = Math.ceil(low);
      const to = Math.floor(high);
      if (to < from) throw new ConfigFieldError('min', `no integer between ${low} and ${high}`);
      result = randomInt(from, to + 1);
    } else {
      result = low + randomUnit() * (high - low);
      if (config.decimals !== undefined) result = Number(result.toFixed(config.decimals));
    }
    return { outputs: { result, value: result } };
  },
});

const randomChoiceNode = defineNode({
  types: ['RandomChoiceNode'],
  config: z.looseObject({ items: list(), count: integer(1), unique: boolean(true) }),
  ports: { inputs: ['items'], outputs: ['result', 'choice', 'index'] },
  run: (config) => {
    if (config.items.length === 0) throw new ConfigFieldError('items', 'cannot choose from an empty list');
    if (config.count < 1) throw new ConfigFieldError('count', 'must be at least 1');
    if (config.count === 1) {
      const index = randomInt(config.items.length);
      const choice = config.items[index] ?? null;
      return { outputs: { result: choice, choice, index } };
    }
    if (config.unique && config.count > config.items.length) {
      throw new ConfigFieldError('count', `cannot pick ${config.count} distinct items from ${config.items.length}`);
    }
    const pool = config.items.map((item, index) => ({ item, index }));
    const picked: { item: Json; index: number }[] = [];
    for (let n = 0; n < config.count; n += 1) {
      const at = randomInt(pool.length);
      picked.push(pool[at] as { item: Json; index: number });
      if (config.unique) pool.splice(at, 1);
    }
    const choice = picked.map((entry) => entry.item);
    return { outputs: { result: choice, choice, index: picked.map((entry) => entry.index) } };
  },
});

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const SPECIAL = '!@#$%^&*()-_=+[]{};:,.<>?';

const randomStringNode = defineNode({
  types: ['RandomStringNode'],
  config: z.looseObject({
    length: integer(8),
    include_uppercase: boolean(true),
    include_lowercase: boolean(true),
    include_digits: boolean(true),
    include_special: boolean(false),
    charset: optionalText(),
  }),
  ports: { outputs: ['result', 'value'] },
  run: (config) => {
    if (config.length < 0 || config.length > 1_000_000) throw new ConfigFieldError('length', 'must be between 0 and 1,000,000');
    const alphabet =
      config.charset ??
      `${config.include_lowercase ? LOWER : ''}${config.include_uppercase ? UPPER : ''}${config.include_digits ? DIGITS : ''}${config.include_special ? SPECIAL : ''}`;
    const symbols = [...alphabet];
    if (symbols.length === 0) throw new ConfigFieldError('charset', 'no characters to choose from');
    let result = '';
    for (let n = 0; n < config.length; n += 1) result += symbols[randomInt(symbols.length)] ?? '';
    return { outputs: { result, value: result } };
  },
});

const randomUuidNode = defineNode({
  types: ['RandomUUIDNode'],
  config: z.looseObject({}),
  ports: { outputs: ['uuid', 'result'] },
  run: () => {
    const uuid = randomUUID();
    return { outputs: { uuid, result: uuid } };
  },
});

/** Random number, choice, string and UUID nodes. */
export const randomNodeHandlers: readonly CatalogNodeHandler[] = [randomNumberNode, randomChoiceNode, randomStringNode, randomUuidNode];
