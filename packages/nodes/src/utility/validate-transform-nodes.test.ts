import type { Json, JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const run = (type: string, config: JsonObject) => catalog.execute(aNodeExecution(type).withId('v').withConfig(config).build());
const node = (type: string, config: JsonObject) => ({ id: 'v', type, config, position: [0, 0] }) as never;

describe('ValidateNode', () => {
  it.each<[JsonObject, boolean, string]>([
    [{ value: '', validation_type: 'not_empty' }, false, 'Value is empty'],
    [{ value: 'x', validation_type: 'not_empty' }, true, ''],
    [{ value: 3, validation_type: 'is_integer' }, true, ''],
    [{ value: 'a@b.io', validation_type: 'is_email' }, true, ''],
    [{ value: 'nope', validation_type: 'is_email' }, false, 'Invalid email format'],
    [{ value: 'abc123', validation_type: 'matches_regex', validation_param: '[a-z]+\\d' }, true, ''],
    [{ value: 'x abc', validation_type: 'matches_regex', validation_param: 'abc' }, false, 'Value does not match pattern: abc'],
    [{ value: [1, 2], validation_type: 'min_length', validation_param: 3 }, false, 'Length 2 < minimum 3'],
    [{ value: 5, validation_type: 'max_value', validation_param: '10' }, true, ''],
    [{ value: 'b', validation_type: 'in_list', validation_param: ['a', 'b'] }, true, ''],
    [{ value: 'https://x.org/a', validation_type: 'is_url' }, true, ''],
  ])('%j', async (config, valid, message) => {
    const outcome = await run('ValidateNode', config);
    expect(outcome.outputs).toEqual({ is_valid: valid, error_message: message });
    expect(outcome.ports).toEqual([valid ? 'valid' : 'invalid']);
  });

  it('names node and field of a bad validation type or parameter', async () => {
    expect(catalog.validate([node('ValidateNode', { validation_type: 'is_prime' })])).toMatchObject([{ path: 'nodes.v.config.validation_type', nodeId: 'v' }]);
    await expect(run('ValidateNode', { value: 'a', validation_type: 'min_length' })).rejects.toThrow(
      /^nodes\.v\.config\.validation_param: Minimum length required/,
    );
  });
});

describe('TransformNode', () => {
  it.each<[string, Json, Json, Json]>([
    ['to_integer', '42', null, 42],
    ['to_float', '2.5', null, 2.5],
    ['to_boolean', 'yes', null, true],
    ['to_json', { a: 1 }, null, '{"a":1}'],
    ['from_json', '[1,2]', null, [1, 2]],
    ['split', 'a;b', ';', ['a', 'b']],
    ['join', ['a', 'b'], '-', 'a-b'],
    ['replace', 'aXa', { old: 'X', new: 'Y' }, 'aYa'],
    ['regex_extract', 'id=77', '\\d+', '77'],
    ['get_key', { k: 'v' }, 'k', 'v'],
    ['get_index', [1, 2, 3], -1, 3],
    ['map_values', [{ n: 1 }, { n: 2 }], 'n', [1, 2]],
    ['filter_values', [1, null, '', 2], null, [1, 2]],
  ])('%s', async (transform_type, value, transform_param, expected) => {
    const outcome = await run('TransformNode', { value, transform_type, transform_param });
    expect(outcome.outputs).toEqual({ result: expected, success: true, error: '' });
    expect(outcome.variables).toEqual({ transformed: expected });
  });

  it('names node and field when a value cannot be converted', async () => {
    await expect(run('TransformNode', { value: 'abc', transform_type: 'to_integer' })).rejects.toThrow(
      'nodes.v.config.value: cannot convert "abc" to an integer',
    );
    expect(catalog.validate([node('TransformNode', { transform_type: 'rot13' })])).toMatchObject([{ path: 'nodes.v.config.transform_type' }]);
  });
});

describe('RerouteNode', () => {
  it('passes its input through', async () => {
    expect((await run('RerouteNode', { input: { a: [1] } })).outputs).toEqual({ output: { a: [1] } });
    expect(catalog.effectOf(aWorkflowNode('RerouteNode'))).toBe('pure');
  });
});
