import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, isJsonArray, oneOf, optionalInteger, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { compareValues, lengthOf, looseEquals, requireNumber, textOf } from './values.js';

const OPERATIONS = [
  'add',
  'subtract',
  'multiply',
  'divide',
  'floor_divide',
  'modulo',
  'power',
  'min',
  'max',
  'abs',
  'negate',
  'sqrt',
  'round',
  'floor',
  'ceil',
  'length',
] as const;

type Operation = (typeof OPERATIONS)[number];

/** Symbols and long names the v1 editor also wrote. */
const OPERATION_ALIASES: Readonly<Record<string, Operation>> = {
  '+': 'add',
  '-': 'subtract',
  '*': 'multiply',
  '/': 'divide',
  '//': 'floor_divide',
  '%': 'modulo',
  '**': 'power',
  '^': 'power',
  sum: 'add',
  plus: 'add',
  minus: 'subtract',
  sub: 'subtract',
  times: 'multiply',
  mul: 'multiply',
  div: 'divide',
  mod: 'modulo',
  pow: 'power',
  minimum: 'min',
  maximum: 'max',
  absolute: 'abs',
  square_root: 'sqrt',
  len: 'length',
};

function normaliseOperation(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return OPERATION_ALIASES[word] ?? word;
}

/** Python's modulo: the result has the sign of the divisor. */
function pythonModulo(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function compute(operation: Operation, a: Json, b: Json, decimals: number | undefined): number {
  if (operation === 'length') return lengthOf(a);
  const x = requireNumber(a, 'a');
  const y = () => requireNumber(b, 'b');
  const nonZero = () => {
    const divisor = y();
    if (divisor === 0) throw new ConfigFieldError('b', 'division by zero');
    return divisor;
  };
  switch (operation) {
    case 'add':
      return x + y();
    case 'subtract':
      return x - y();
    case 'multiply':
      return x * y();
    case 'divide':
      return x / nonZero();
    case 'floor_divide':
      return Math.floor(x / nonZero());
    case 'modulo':
      return pythonModulo(x, nonZero());
    case 'power':
      return x ** y();
    case 'min':
      return Math.min(x, y());
    case 'max':
      return Math.max(x, y());
    case 'abs':
      return Math.abs(x);
    case 'negate':
      return -x;
    case 'sqrt':
      if (x < 0) throw new ConfigFieldError('a', 'square root of a negative number');
      return Math.sqrt(x);
    case 'round': {
      const places = decimals ?? (b === null ? 0 : Math.trunc(y()));
      const factor = 10 ** places;
      return Math.round(x * factor) / factor;
    }
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
  }
}

const mathOperationNode = defineNode({
  types: ['MathOperationNode'],
  effect: 'pure',
  config: z.looseObject({
    a: anyValue(),
    b: anyValue(),
    operation: z.preprocess(normaliseOperation, oneOf(OPERATIONS, 'add')),
    round_digits: optionalInteger(),
    output_var: optionalText(),
  }),
  ports: { inputs: ['a', 'b'], outputs: ['result'] },
  run: (config) => {
    let result = compute(config.operation, config.a, config.b, config.operation === 'round' ? config.round_digits : undefined);
    if (!Number.isFinite(result)) throw new ConfigFieldError('operation', `${config.operation} gives ${result}`);
    if (config.round_digits !== undefined && config.operation !== 'round') {
      const factor = 10 ** config.round_digits;
      result = Math.round(result * factor) / factor;
    }
    const variable = config.output_var?.trim();
    return { outputs: { result }, ...(variable ? { variables: { [variable]: result } } : {}) };
  },
});

const OPERATORS = ['==', '!=', '>', '<', '>=', '<=', 'contains', 'not_contains', 'starts_with', 'ends_with', 'in', 'not_in'] as const;
type Operator = (typeof OPERATORS)[number];

const OPERATOR_ALIASES: Readonly<Record<string, Operator>> = {
  '=': '==',
  '===': '==',
  eq: '==',
  equals: '==',
  equal: '==',
  'equals (==)': '==',
  '<>': '!=',
  '!==': '!=',
  ne: '!=',
  not_equals: '!=',
  not_equal: '!=',
  'not equals (!=)': '!=',
  gt: '>',
  greater_than: '>',
  'greater than (>)': '>',
  lt: '<',
  less_than: '<',
  'less than (<)': '<',
  ge: '>=',
  gte: '>=',
  greater_or_equal: '>=',
  greater_than_or_equal: '>=',
  'greater or equal (>=)': '>=',
  le: '<=',
  lte: '<=',
  less_or_equal: '<=',
  less_than_or_equal: '<=',
  'less or equal (<=)': '<=',
  'not contains': 'not_contains',
  'starts with': 'starts_with',
  startswith: 'starts_with',
  'ends with': 'ends_with',
  endswith: 'ends_with',
  'not in': 'not_in',
};

function normaliseOperator(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return OPERATOR_ALIASES[word] ?? word;
}

function contains(container: Json, item: Json): boolean {
  if (isJsonArray(container)) return container.some((element) => looseEquals(element, item));
  if (container !== null && typeof container === 'object') return Object.hasOwn(container, textOf(item));
  return textOf(container).includes(textOf(item));
}

/** Compares two values with a v1 comparison operator. */
export function compareWith(operator: Operator, a: Json, b: Json): boolean {
  switch (operator) {
    case '==':
      return looseEquals(a, b);
    case '!=':
      return !looseEquals(a, b);
    case '>':
      return compareValues(a, b) > 0;
    case '<':
      return compareValues(a, b) < 0;
    case '>=':
      return compareValues(a, b) >= 0;
    case '<=':
      return compareValues(a, b) <= 0;
    case 'contains':
      return contains(a, b);
    case 'not_contains':
      return !contains(a, b);
    case 'starts_with':
      return textOf(a).startsWith(textOf(b));
    case 'ends_with':
      return textOf(a).endsWith(textOf(b));
    case 'in':
      return contains(b, a);
    case 'not_in':
      return !contains(b, a);
  }
}

const comparisonNode = defineNode({
  types: ['ComparisonNode'],
  effect: 'pure',
  config: z.looseObject({ a: anyValue(), b: anyValue(), operator: z.preprocess(normaliseOperator, oneOf(OPERATORS, '==')) }),
  ports: { inputs: ['a', 'b'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: compareWith(config.operator, config.a, config.b) } }),
});

/** Math and comparison nodes. */
export const mathNodeHandlers: readonly CatalogNodeHandler[] = [mathOperationNode, comparisonNode];
