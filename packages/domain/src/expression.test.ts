/// <reference types="node" />
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from './errors.js';
import { evaluateExpression, truthy } from './expression.js';
import { isJson, type Json } from './json.js';
import { evaluateCondition, resolveTemplates, type TemplateScope } from './templates.js';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);

const scope: TemplateScope = {
  variables: {
    counter: 3,
    text: 'abc',
    numeric: '42',
    yes: 'True',
    no: 'false',
    list: [1, 'two', { three: 3 }],
    obj: { key: 'value' },
    nothing: null,
    zero: 0,
  },
  outputs: { check: { result: true, exists: 'true', items: ['a', 'b'] } },
  specials: { $run: { id: 'run-1' } },
  secret: (name) => (name === 'TOKEN' ? 's3cret' : undefined),
};

const value = (expression: string): Json => evaluateExpression(expression, scope);

describe('evaluateExpression', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 / 2', 3.5],
    ['-7 % 3', 2],
    ['7 % -3', -2],
    ['-(2 + 3)', -5],
    ['+"4" + 1', 5],
    ["'a' + 'b'", 'ab'],
    ["'n=' + counter", 'n=3'],
    ['numeric + 1', 43],
    ['{{numeric}} + 1', 43],
    ['[1, 2] + [3]', [1, 2, 3]],
    ['[]', []],
    ['true', true],
    ['True and not False', true],
    ['None', null],
    ['null == nothing', true],
    ["'it\\'s'", "it's"],
    ['"a\\nb"', 'a\nb'],
    ['{{check.items[-1]}}', 'b'],
    ['list[1]', 'two'],
    ['obj.key', 'value'],
    ['{{$run.id}}', 'run-1'],
    ['{{$secret:TOKEN}}', 's3cret'],
    ['{{$secret:OTHER}}', null],
  ] as const)('%s = %j', (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it.each([
    ['{{counter}} <= 3', true],
    ['{{counter}} < 3', false],
    ['1 < counter < 5', true],
    ['1 < counter < 2', false],
    ["'{{counter}}' == '3'", true],
    ["'3.0' == 3", true],
    ["text < 'abd'", true],
    ['{{check.exists}} == true', true],
    ['{{yes}} == true', true],
    ['no == false', true],
    ['no != true', true],
    ["'b' in {{check.items}}", true],
    ["'z' not in {{check.items}}", true],
    ["'b' in text", true],
    ["'key' in obj", true],
    ['[1, 2] == [1, 2]', true],
    ['missing == null', true],
    ['zero or counter > 2 && !nothing', true],
    ['not (counter > 2) || false', false],
  ] as const)('%s is %s', (expression, expected) => {
    expect(evaluateCondition(expression, scope)).toBe(expected);
  });

  it('short-circuits and/or, so a guard protects a comparison', () => {
    expect(evaluateCondition('missing != null and missing > 3', scope)).toBe(false);
    expect(evaluateCondition('missing == null or missing > 3', scope)).toBe(true);
  });

  it.each([
    '',
    '1 +',
    '(1',
    '1 2',
    "'unterminated",
    '{{unclosed',
    '{{ a + b }}',
    'a = 1',
    '1 / 0',
    '5 % 0',
    'obj - 1',
    'nothing < 3',
    '1 in 5',
    "'z' in check",
    '{"three": 3}',
    '@',
    '('.repeat(100) + '1' + ')'.repeat(100),
    '-'.repeat(100) + '1',
    '1' + ' + 1'.repeat(3000),
  ])('throws ExpressionError for %j', (expression) => {
    expect(() => evaluateExpression(expression, scope)).toThrow(ExpressionError);
  });

  it('carries the expression on the error', () => {
    try {
      evaluateExpression('1 +', scope);
      expect.fail('expected an ExpressionError');
    } catch (error) {
      expect(error).toMatchObject({ code: 'EXPRESSION_INVALID', expression: '1 +' });
    }
  });
});

describe('evaluateCondition', () => {
  it('takes the truthiness of a whole reference', () => {
    expect(evaluateCondition('{{check.result}}', scope)).toBe(true);
    expect(evaluateCondition('{{no}}', scope)).toBe(false);
    expect(evaluateCondition('{{yes}}', scope)).toBe(true);
    expect(evaluateCondition('{{nothing}}', scope)).toBe(false);
    expect(evaluateCondition('{{missing}}', scope)).toBe(false);
  });

  it('takes non-text conditions as values', () => {
    expect(evaluateCondition(true, scope)).toBe(true);
    expect(evaluateCondition(0, scope)).toBe(false);
    expect(evaluateCondition(null, scope)).toBe(false);
    expect(evaluateCondition([1], scope)).toBe(true);
    expect(evaluateCondition({}, scope)).toBe(false);
    expect(evaluateCondition('   ', scope)).toBe(false);
  });

  it.each([
    [null, false],
    ['', false],
    ['false', false],
    [' FALSE ', false],
    ['True', true],
    ['0', true],
    [0, false],
    [-1, true],
    [[], false],
    [{ a: 1 }, true],
  ] as const)('truthy(%j) is %s', (input, expected) => {
    expect(truthy(input)).toBe(expected);
  });
});

describe('resolveTemplates: secrets', () => {
  it('resolves secrets only through the scope, and keeps the reference when there is no resolver', () => {
    expect(resolveTemplates('Bearer {{$secret:TOKEN}}', scope)).toBe('Bearer s3cret');
    expect(resolveTemplates('Bearer {{$secret:TOKEN}}', { variables: {}, outputs: {} })).toBe('Bearer {{$secret:TOKEN}}');
    expect(resolveTemplates('{{$secret:TOKEN}}', { variables: {}, outputs: {} })).toBe('{{$secret:TOKEN}}');
  });

  it('does not resolve references inside resolved values a second time', () => {
    const sneaky: TemplateScope = { ...scope, variables: { note: '{{$secret:TOKEN}}' } };
    expect(resolveTemplates('{{note}}', sneaky)).toBe('{{$secret:TOKEN}}');
    expect(resolveTemplates('x {{note}}', sneaky)).toBe('x {{$secret:TOKEN}}');
  });

  it('leaves text that is not a reference as written', () => {
    expect(resolveTemplates('{{ a + b }} and {{}}', scope)).toBe('{{ a + b }} and {{}}');
  });
});

// ---- properties -------------------------------------------------------------------------------

const dangerous = fc.constantFrom(
  'constructor',
  '__proto__',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'call',
  'apply',
  'bind',
  'length',
  'globalThis',
  'process',
);
const names = fc.constantFrom('counter', 'text', 'list', 'obj', 'check', 'missing', '$run', 'nothing');
const vocabulary = fc.oneof(
  dangerous,
  names,
  fc.constantFrom(
    'and',
    'or',
    'not',
    'in',
    '&&',
    '||',
    '!',
    '==',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    '+',
    '-',
    '*',
    '/',
    '%',
    '(',
    ')',
    '[',
    ']',
    ',',
    'True',
    'None',
  ),
  fc.constantFrom('{{', '}}', "'", '"', '.', '$secret:TOKEN', '\\'),
  fc.integer().map(String),
  fc.string({ maxLength: 4 }),
  fc.tuple(fc.oneof(names, dangerous), fc.array(dangerous, { maxLength: 3 })).map(([head, rest]) => `{{${[head, ...rest].join('.')}}}`),
);
const expressions = fc.oneof(
  fc.string(),
  fc.array(vocabulary, { maxLength: 12 }).map((tokens) => tokens.join(' ')),
  fc.array(vocabulary, { maxLength: 12 }).map((tokens) => tokens.join('')),
);

/** A snapshot of what code could reach and change: the shared prototypes and the global object's own names. */
function globalsSnapshot(): string {
  const targets: ReadonlyArray<readonly [string, object]> = [
    ['Object.prototype', Object.prototype],
    ['Array.prototype', Array.prototype],
    ['Function.prototype', Function.prototype],
    ['String.prototype', String.prototype],
    ['Number.prototype', Number.prototype],
    ['globalThis', globalThis],
  ];
  return JSON.stringify(targets.map(([name, target]) => [name, Object.getOwnPropertyNames(target).sort()]));
}

/** Every string of a JSON value turned into a reference to itself: `"a.b"` becomes `"{{a.b}}"`. */
function wrapStrings(value: Json): Json {
  if (typeof value === 'string') return `{{${value}}}`;
  if (Array.isArray(value)) return (value as readonly Json[]).map(wrapStrings);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, wrapStrings(item)]));
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('expression properties', () => {
  const frozen = deepFreeze({
    variables: structuredClone(scope.variables),
    outputs: structuredClone(scope.outputs),
    specials: structuredClone(scope.specials),
  });
  const frozenScope: TemplateScope = { ...frozen, secret: scope.secret! };

  it('throws nothing but ExpressionError, and returns booleans and JSON values', () => {
    fc.assert(
      fc.property(expressions, (expression) => {
        try {
          expect(typeof evaluateCondition(expression, frozenScope)).toBe('boolean');
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
        }
        try {
          const result = evaluateExpression(expression, frozenScope);
          // Arithmetic may overflow to Infinity: anything else must be JSON.
          expect(typeof result === 'number' || isJson(result)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: numRuns * 5 },
    );
  });

  it('never changes a global, a prototype or the scope', () => {
    const before = globalsSnapshot();
    const scopeBefore = JSON.stringify(frozen);
    fc.assert(
      fc.property(expressions, (expression) => {
        try {
          evaluateCondition(expression, frozenScope);
        } catch {
          // Only the side effects matter here.
        }
        resolveTemplates(expression, frozenScope);
        expect(globalsSnapshot()).toBe(before);
      }),
      { numRuns: numRuns * 5 },
    );
    expect(JSON.stringify(frozen)).toBe(scopeBefore);
  });

  it('resolves prototype and global names to nothing', () => {
    fc.assert(
      fc.property(fc.oneof(names, dangerous), fc.array(dangerous, { minLength: 1, maxLength: 4 }), (head, rest) => {
        const reference = `{{${[head, ...rest].join('.')}}}`;
        expect(resolveTemplates(reference, frozenScope)).toBeNull();
        expect(resolveTemplates(`[${reference}]`, frozenScope)).toBe('[]');
        expect(evaluateCondition(reference, frozenScope)).toBe(false);
        expect(evaluateCondition(`${reference} == null`, frozenScope)).toBe(true);
        // The same path as a bare name reads variables; `$` names exist only between braces.
        if (!head.startsWith('$')) expect(evaluateCondition(`${[head, ...rest].join('.')} == null`, frozenScope)).toBe(true);
      }),
      { numRuns },
    );
    for (const reference of ['{{constructor}}', '{{__proto__}}', '{{constructor.constructor}}', '{{text.toString}}', '{{list.length}}', '{{obj.__proto__}}']) {
      expect(resolveTemplates(reference, frozenScope)).toBeNull();
    }
  });

  it('resolves templates in any JSON value without throwing, giving JSON', () => {
    const withReferences = fc.jsonValue().map((json) => wrapStrings(json as Json));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((json) => json as Json),
          withReferences,
          expressions,
        ),
        (input) => {
          expect(isJson(resolveTemplates(input, frozenScope))).toBe(true);
        },
      ),
      { numRuns },
    );
  });
});
