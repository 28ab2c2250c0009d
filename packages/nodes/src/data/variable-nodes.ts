import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, nonEmptyText, number, oneOf, isJsonArray, isJsonObject, tryParseJson } from '../catalog/config-schema.js';
import { describeValue } from '../catalog/config-issues.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { numericValue, requireNumber, textOf } from './values.js';

const VARIABLE_TYPES = ['Any', 'String', 'Integer', 'Float', 'Boolean', 'List', 'Dict', 'Dictionary'] as const;

/** Converts a value to the declared v1 variable type, naming the `value` field when it cannot. */
function convert(value: Json, type: (typeof VARIABLE_TYPES)[number]): Json {
  switch (type) {
    case 'Any':
      return value;
    case 'String':
      return textOf(value);
    case 'Integer':
      return Math.trunc(requireNumber(value, 'value'));
    case 'Float':
      return requireNumber(value, 'value');
    case 'Boolean': {
      if (typeof value === 'string') return !['', 'false', '0', 'no', 'off'].includes(value.trim().toLowerCase());
      if (typeof value === 'number') return value !== 0;
      return Boolean(value);
    }
    case 'List': {
      const parsed = typeof value === 'string' ? tryParseJson(value) : value;
      if (isJsonArray(parsed)) return parsed;
      throw new ConfigFieldError('value', `expected a list, got ${describeValue(value)}`);
    }
    case 'Dict':
    case 'Dictionary': {
      const parsed = typeof value === 'string' ? tryParseJson(value) : value;
      if (isJsonObject(parsed)) return parsed;
      throw new ConfigFieldError('value', `expected a dictionary, got ${describeValue(value)}`);
    }
  }
}

const setVariableNode = defineNode({
  types: ['SetVariableNode'],
  effect: 'pure',
  config: z.looseObject({ variable_name: nonEmptyText(), value: anyValue(), variable_type: oneOf(VARIABLE_TYPES, 'Any') }),
  ports: { inputs: ['value', 'variable_name'], outputs: ['value'] },
  run: (config) => {
    const value = convert(config.value, config.variable_type);
    return { outputs: { value }, variables: { [config.variable_name]: value } };
  },
});

const getVariableNode = defineNode({
  types: ['GetVariableNode'],
  effect: 'pure',
  config: z.looseObject({ variable_name: nonEmptyText(), default_value: anyValue() }),
  ports: { inputs: ['variable_name'], outputs: ['value', 'exists'] },
  run: (config, execution) => {
    const exists = Object.hasOwn(execution.variables, config.variable_name);
    const value = exists ? (execution.variables[config.variable_name] ?? null) : config.default_value;
    return { outputs: { value, exists } };
  },
});

const incrementVariableNode = defineNode({
  types: ['IncrementVariableNode'],
  effect: 'pure',
  config: z.looseObject({ variable_name: nonEmptyText(), increment: number(1) }),
  ports: { inputs: ['increment'], outputs: ['value', 'previous'] },
  run: (config, execution) => {
    const current = Object.hasOwn(execution.variables, config.variable_name) ? (execution.variables[config.variable_name] ?? null) : 0;
    const previous = current === null ? 0 : numericValue(current);
    if (previous === undefined) {
      throw new ConfigFieldError('variable_name', `variable "${config.variable_name}" holds ${describeValue(current)}, not a number`);
    }
    const value = previous + config.increment;
    return { outputs: { value, previous }, variables: { [config.variable_name]: value } };
  },
});

/** Variable nodes: Set, Get, Increment. */
export const variableNodeHandlers: readonly CatalogNodeHandler[] = [setVariableNode, getVariableNode, incrementVariableNode];
