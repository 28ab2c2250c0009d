import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const outputs = async (type: string, config: JsonObject, variables: JsonObject = {}) =>
  (
    await catalog.execute(
      aNodeExecution(type)
        .withId('t')
        .withConfig(config)
        .withVariables({ ...variables })
        .build(),
    )
  ).outputs;
const result = async (type: string, config: JsonObject) => (await outputs(type, config))['result'];

describe('text nodes', () => {
  it.each<[string, JsonObject, unknown]>([
    ['TextTrimNode', { text: '  Hello World!  ' }, 'Hello World!'],
    ['TextTrimNode', { text: 'xxhixx', characters: 'x', mode: 'left' }, 'hixx'],
    ['TextCaseNode', { text: 'Hello World!', case: 'upper' }, 'HELLO WORLD!'],
    ['TextCaseNode', { text: 'Hello World!', case: 'lower' }, 'hello world!'],
    ['TextCaseNode', { text: 'hello wORLD', case: 'title' }, 'Hello World'],
    ['TextCaseNode', { text: 'hello WORLD', case: 'capitalize' }, 'Hello world'],
    ['TextReplaceNode', { text: 'Hello World!', old: 'World', new: 'CasareRPA' }, 'Hello CasareRPA!'],
    ['TextReplaceNode', { text: 'a-a-a', old: 'a', new: 'b', count: 2 }, 'b-b-a'],
    ['TextReplaceNode', { text: 'a1 b22', old: '(\\d+)', new: '<\\1>', use_regex: true }, 'a<1> b<22>'],
    ['TextContainsNode', { text: 'Hello CasareRPA!', search: 'CasareRPA' }, true],
    ['TextContainsNode', { text: 'Hello', search: 'hello', case_sensitive: false }, true],
    ['TextStartsWithNode', { text: 'Hello CasareRPA!', prefix: 'Hello' }, true],
    ['TextEndsWithNode', { text: 'Hello CasareRPA!', suffix: '!' }, true],
    ['TextEndsWithNode', { text: 'Hello', suffix: 'x' }, false],
    ['TextSubstringNode', { text: 'Hello CasareRPA!', start: 0, end: 5 }, 'Hello'],
    ['TextSubstringNode', { text: 'Hello', start: -3 }, 'llo'],
    ['TextCountNode', { text: 'Hello CasareRPA!', search: 'a' }, 2],
    ['TextCountNode', { text: 'one two  three', mode: 'words' }, 3],
    ['TextSplitNode', { text: 'apple,banana,cherry', delimiter: ',' }, ['apple', 'banana', 'cherry']],
    ['TextSplitNode', { text: ' a  b ' }, ['a', 'b']],
    ['TextSplitNode', { text: 'a,b,c', delimiter: ',', max_split: 1 }, ['a', 'b,c']],
    ['TextJoinNode', { items: ['apple', 'banana', 'cherry'], separator: ' | ' }, 'apple | banana | cherry'],
    ['TextLinesNode', { text: 'line1\nline2\nline3\n' }, ['line1', 'line2', 'line3']],
    ['TextPadNode', { text: '42', width: 5, pad_char: '0', side: 'left' }, '00042'],
    ['TextPadNode', { text: '42', width: 4, side: 'right' }, '42  '],
    ['TextPadNode', { text: '42', width: 6, pad_char: '*', side: 'center' }, '**42**'],
    ['TextReverseNode', { text: 'Hello' }, 'olleH'],
    ['ConcatenateNode', { string1: 'Hello', string2: ' World' }, 'Hello World'],
    ['ConcatenateNode', { string_2: 'b', string_1: 'a', string_10: 'c', separator: '-' }, 'a-b-c'],
    ['FormatStringNode', { template: 'Name: {name}, Age: {age}', variables: { name: 'Alice', age: '30' } }, 'Name: Alice, Age: 30'],
    ['FormatStringNode', { template: '{{literal}} {0} {missing}', args: ['first'] }, '{literal} first {missing}'],
    ['TextExtractNode', { text: 'Email: test@example.com', pattern: '[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}' }, 'test@example.com'],
    ['RegexMatchNode', { text: 'The price is $100.50', pattern: '\\$[0-9]+\\.[0-9]{2}' }, '$100.50'],
    ['RegexReplaceNode', { text: 'John Smith', pattern: '(?P<first>\\w+) (\\w+)', replacement: '\\2, \\g<first>' }, 'Smith, John'],
    ['RegexFindAllNode', { text: 'a1b22c333', pattern: '\\d+' }, ['1', '22', '333']],
    ['RegexSplitNode', { text: 'a1b22c', pattern: '\\d+' }, ['a', 'b', 'c']],
  ])('%s %j -> %j', async (type, config, expected) => {
    expect(await result(type, config)).toEqual(expected);
  });

  it('renders non-text input the way v1 printed it', async () => {
    expect(await result('TextReverseNode', { text: 123 })).toBe('321');
    expect(await result('TextTrimNode', { text: null })).toBe('');
  });

  it('RegexMatchNode reports groups and every match', async () => {
    const out = await outputs('RegexMatchNode', { text: 'x=1, y=2', pattern: '(?P<name>\\w)=(\\d)' });
    expect(out).toMatchObject({ matched: true, groups: ['x', '1'], named_groups: { name: 'x' }, all_matches: ['x=1', 'y=2'], match_count: 2 });
  });

  it('RegexMatchNode honours a leading (?i)', async () => {
    expect((await outputs('RegexMatchNode', { text: 'HELLO', pattern: '(?i)hello' }))['matched']).toBe(true);
  });

  it('FormatStringNode falls back to run variables', async () => {
    expect((await outputs('FormatStringNode', { template: 'Hi {user}' }, { user: 'Ann' }))['result']).toBe('Hi Ann');
  });

  it('names node and field for a bad pattern, a missing search and a bad pad', async () => {
    const fail = (type: string, config: JsonObject) => catalog.execute(aNodeExecution(type).withId('t').withConfig(config).build());
    await expect(fail('RegexMatchNode', { text: 'a', pattern: '(' })).rejects.toThrow(/^nodes\.t\.config\.pattern: invalid regular expression/);
    await expect(fail('RegexMatchNode', { text: 'a' })).rejects.toThrow('nodes.t.config.pattern: required');
    await expect(fail('TextReplaceNode', { text: 'a' })).rejects.toThrow('nodes.t.config.old: required');
    await expect(fail('TextStartsWithNode', { text: 'a' })).rejects.toThrow('nodes.t.config.prefix: required');
    await expect(fail('TextPadNode', { text: 'a', width: 'wide' })).rejects.toThrow('nodes.t.config.width: expected a number, got "wide"');
    await expect(fail('TextPadNode', { text: 'a', width: 3, pad_char: '--' })).rejects.toThrow('nodes.t.config.pad_char: must be exactly one character');
  });
});
