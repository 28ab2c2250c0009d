import { describe, expect, it } from 'vitest';
import { ExpressionError } from './errors.js';
import { evaluateCondition, resolveTemplates, type TemplateScope } from './templates.js';

const scope: TemplateScope = {
  variables: { counter: 2, flag: 'true', list: [1, 2, 3], user: { name: 'Ada', tags: ['x', 'y'] }, empty: '' },
  outputs: { read_file: { content: 'hello', lines: ['a', 'b'] }, count_node: { value: 99 } },
  specials: { $run: { id: 'run-7' }, $node: { idempotencyKey: 'run-7:3' } },
};

describe('resolveTemplates', () => {
  it('keeps the type of a whole-value reference', () => {
    expect(resolveTemplates('{{list}}', scope)).toEqual([1, 2, 3]);
    expect(resolveTemplates('{{user.tags[1]}}', scope)).toBe('y');
    expect(resolveTemplates('{{read_file}}', scope)).toEqual({ content: 'hello', lines: ['a', 'b'] });
  });

  it('renders references inside text', () => {
    expect(resolveTemplates('n={{count_node.value}}, {{user.name}}, {{list}}', scope)).toBe('n=99, Ada, [1,2,3]');
  });

  it('resolves unknown references to null whole, empty inside text', () => {
    expect(resolveTemplates('{{missing}}', scope)).toBeNull();
    expect(resolveTemplates('a{{missing.x}}b', scope)).toBe('ab');
  });

  it('never reaches prototypes', () => {
    for (const text of ['{{constructor}}', '{{__proto__}}', '{{user.toString}}', '{{list.length}}', '{{constructor.constructor}}']) {
      expect(resolveTemplates(text, scope)).toBeNull();
    }
  });

  it('reads $run and $node specials', () => {
    expect(resolveTemplates('{{$run.id}}/{{$node.idempotencyKey}}', scope)).toBe('run-7/run-7:3');
  });

  it('resolves deeply inside lists and objects', () => {
    expect(resolveTemplates({ a: ['{{counter}}', { b: '{{user.name}}' }] }, scope)).toEqual({ a: [2, { b: 'Ada' }] });
  });
});

describe('evaluateCondition', () => {
  it.each([
    ['{{counter}} < 3', true],
    ['{{counter}} <= 1', false],
    ['{{flag}} == true', true],
    ['counter == 2 and not empty', true],
    ["'{{user.name}}' == 'Ada'", true],
    ['{{list}}', true],
    ['2 in {{list}} && 5 not in list', true],
  ] as const)('%s is %s', (expression, expected) => {
    expect(evaluateCondition(expression, scope)).toBe(expected);
  });

  it('throws ExpressionError on bad syntax', () => {
    expect(() => evaluateCondition('1 +', scope)).toThrow(ExpressionError);
  });
});
