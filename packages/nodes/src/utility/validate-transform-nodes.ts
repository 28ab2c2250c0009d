import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, isJsonArray, isJsonObject, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { compilePattern } from '../data/regex.js';
import { textOf } from '../data/values.js';

const VALIDATIONS = [
  'not_empty',
  'is_string',
  'is_number',
  'is_integer',
  'is_boolean',
  'is_list',
  'is_dict',
  'matches_regex',
  'min_length',
  'max_length',
  'min_value',
  'max_value',
  'in_list',
  'is_email',
  'is_url',
] as const;

const EMAIL = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const URL_PATTERN = /^https?:\/\/[^\s/$.?#].[^\s]*$/;

function typeName(value: Json): string {
  if (value === null) return 'null';
  if (isJsonArray(value)) return 'list';
  if (isJsonObject(value)) return 'dict';
  return typeof value;
}

function lengthOrUndefined(value: Json): number | undefined {
  if (typeof value === 'string' || isJsonArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  return undefined;
}

function numberParam(param: Json, what: string): number {
  if (typeof param === 'number') return param;
  if (typeof param === 'string' && param.trim() !== '' && Number.isFinite(Number(param))) return Number(param);
  throw new ConfigFieldError('validation_param', `${what} required (a number), got ${JSON.stringify(param)}`);
}

/** Checks `value` against one v1 validation rule; returns the problem, or '' when valid. */
function validationProblem(value: Json, type: (typeof VALIDATIONS)[number], param: Json): string {
  switch (type) {
    case 'not_empty':
      return value === null || value === '' || lengthOrUndefined(value) === 0 ? 'Value is empty' : '';
    case 'is_string':
      return typeof value === 'string' ? '' : `Expected string, got ${typeName(value)}`;
    case 'is_number':
      return typeof value === 'number' ? '' : `Expected number, got ${typeName(value)}`;
    case 'is_integer':
      return typeof value === 'number' && Number.isInteger(value) ? '' : `Expected integer, got ${typeName(value)}`;
    case 'is_boolean':
      return typeof value === 'boolean' ? '' : `Expected boolean, got ${typeName(value)}`;
    case 'is_list':
      return isJsonArray(value) ? '' : `Expected list, got ${typeName(value)}`;
    case 'is_dict':
      return isJsonObject(value) ? '' : `Expected dict, got ${typeName(value)}`;
    case 'matches_regex': {
      if (typeof param !== 'string' || param === '') throw new ConfigFieldError('validation_param', 'a regex pattern is required');
      if (typeof value !== 'string') return 'Value must be string for regex match';
      // Python's re.match anchors at the start only.
      const pattern = compilePattern(param, {}, 'validation_param');
      const match = pattern.exec(value);
      return match?.index === 0 ? '' : `Value does not match pattern: ${param}`;
    }
    case 'min_length':
    case 'max_length': {
      const limit = numberParam(param, type === 'min_length' ? 'Minimum length' : 'Maximum length');
      const length = lengthOrUndefined(value);
      if (length === undefined) return 'Value has no length';
      if (type === 'min_length' && length < limit) return `Length ${length} < minimum ${limit}`;
      if (type === 'max_length' && length > limit) return `Length ${length} > maximum ${limit}`;
      return '';
    }
    case 'min_value':
    case 'max_value': {
      const limit = numberParam(param, type === 'min_value' ? 'Minimum value' : 'Maximum value');
      if (typeof value !== 'number') return 'Value must be numeric';
      if (type === 'min_value' && value < limit) return `Value ${value} < minimum ${limit}`;
      if (type === 'max_value' && value > limit) return `Value ${value} > maximum ${limit}`;
      return '';
    }
    case 'in_list': {
      if (!isJsonArray(param)) throw new ConfigFieldError('validation_param', 'a list of allowed values is required');
      return param.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value)) ? '' : `Value not in allowed list: ${JSON.stringify(param)}`;
    }
    case 'is_email':
      if (typeof value !== 'string') return 'Value must be string';
      return EMAIL.test(value) ? '' : 'Invalid email format';
    case 'is_url':
      if (typeof value !== 'string') return 'Value must be string';
      return URL_PATTERN.test(value) ? '' : 'Invalid URL format';
  }
}

const validateNode = defineNode({
  types: ['ValidateNode'],
  effect: 'pure',
  config: z.looseObject({
    value: anyValue(),
    validation_type: oneOf(VALIDATIONS, 'not_empty'),
    validation_param: anyValue(),
    error_message: optionalText(),
  }),
  ports: { inputs: ['value'], outputs: ['is_valid', 'error_message'], exec: ['valid', 'invalid'] },
  run: (config) => {
    const problem = validationProblem(config.value, config.validation_type, config.validation_param);
    const valid = problem === '';
    return { outputs: { is_valid: valid, error_message: valid ? '' : (config.error_message ?? problem) }, ports: [valid ? 'valid' : 'invalid'] };
  },
});

const TRANSFORMS = [
  'to_string',
  'to_integer',
  'to_float',
  'to_boolean',
  'to_list',
  'to_json',
  'from_json',
  'uppercase',
  'lowercase',
  'trim',
  'split',
  'join',
  'replace',
  'regex_extract',
  'get_key',
  'get_index',
  'map_values',
  'filter_values',
] as const;

function transformed(value: Json, type: (typeof TRANSFORMS)[number], param: Json): Json {
  const fail = (message: string): never => {
    throw new ConfigFieldError('value', message);
  };
  switch (type) {
    case 'to_string':
      return value === null ? '' : textOf(value);
    case 'to_integer': {
      if (typeof value === 'boolean') return value ? 1 : 0;
      const number = typeof value === 'number' ? value : Number(typeof value === 'string' ? value.trim() : NaN);
      if (!Number.isFinite(number) || (typeof value === 'string' && !/^[-+]?\d+$/.test(value.trim())))
        fail(`cannot convert ${JSON.stringify(value)} to an integer`);
      return Math.trunc(number);
    }
    case 'to_float': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(number)) fail(`cannot convert ${JSON.stringify(value)} to a number`);
      return number;
    }
    case 'to_boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') return ['true', '1', 'yes', 'on'].includes(value.toLowerCase());
      return value !== null && value !== 0 && lengthOrUndefined(value) !== 0;
    case 'to_list':
      if (isJsonArray(value)) return value;
      if (typeof value === 'string') return [...value];
      if (isJsonObject(value)) return Object.entries(value).map(([key, item]) => [key, item]);
      return [value];
    case 'to_json':
      return JSON.stringify(value);
    case 'from_json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as Json;
      } catch (error) {
        return fail(`not JSON: ${(error as Error).message}`);
      }
    case 'uppercase':
      return textOf(value).toUpperCase();
    case 'lowercase':
      return textOf(value).toLowerCase();
    case 'trim':
      return textOf(value).trim();
    case 'split':
      return textOf(value).split(typeof param === 'string' && param !== '' ? param : ',');
    case 'join':
      if (!isJsonArray(value)) return fail('join needs a list');
      return value.map(textOf).join(typeof param === 'string' && param !== '' ? param : ',');
    case 'replace':
      if (!isJsonObject(param)) throw new ConfigFieldError('transform_param', "replace needs a dictionary with 'old' and 'new'");
      return textOf(value)
        .split(textOf(param.old ?? ''))
        .join(textOf(param.new ?? ''));
    case 'regex_extract': {
      if (typeof param !== 'string' || param === '') throw new ConfigFieldError('transform_param', 'a regex pattern is required');
      return compilePattern(param, {}, 'transform_param').exec(textOf(value))?.[0] ?? null;
    }
    case 'get_key':
      if (!isJsonObject(value)) return fail('get_key needs a dictionary');
      return Object.hasOwn(value, textOf(param)) ? (value[textOf(param)] ?? null) : null;
    case 'get_index': {
      if (!isJsonArray(value) && typeof value !== 'string') return fail('get_index needs a list or a text');
      const index = param === null ? 0 : Number(param);
      if (!Number.isInteger(index)) throw new ConfigFieldError('transform_param', 'an integer index is required');
      if (Math.abs(index) >= value.length) return null;
      return isJsonArray(value) ? (value.at(index) ?? null) : (value.at(index) ?? null);
    }
    case 'map_values':
      if (!isJsonArray(value)) return fail('map_values needs a list');
      if (param === null || param === '') return value;
      return value.map((item) => (isJsonObject(item) ? (item[textOf(param)] ?? null) : item));
    case 'filter_values':
      if (!isJsonArray(value)) return fail('filter_values needs a list');
      return value.filter((item) => item !== null && item !== '');
  }
}

const transformNode = defineNode({
  types: ['TransformNode'],
  effect: 'pure',
  config: z.looseObject({
    value: anyValue(),
    transform_type: oneOf(TRANSFORMS, 'to_string'),
    transform_param: anyValue(),
    param: anyValue(),
    variable_name: text('transformed'),
  }),
  ports: { inputs: ['value', 'param'], outputs: ['result', 'success', 'error'] },
  run: (config) => {
    const param = config.param !== null && config.param !== '' ? config.param : config.transform_param;
    const result = transformed(config.value, config.transform_type, param);
    return { outputs: { result, success: true, error: '' }, variables: { [config.variable_name]: result } };
  },
});

const rerouteNode = defineNode({
  types: ['RerouteNode'],
  effect: 'pure',
  config: z.looseObject({ input: anyValue() }),
  ports: { inputs: ['input'], outputs: ['output'] },
  // A wire waypoint in the editor: the value passes through unchanged.
  run: (config) => ({ outputs: { output: config.input } }),
});

/** ValidateNode (`valid`/`invalid`), TransformNode, RerouteNode. */
export const validateTransformNodeHandlers: readonly CatalogNodeHandler[] = [validateNode, transformNode, rerouteNode];
