import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, integer, list, nonEmptyText, oneOf, optionalInteger, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { compilePattern, pythonReplacement } from './regex.js';
import { sliceBounds, textOf, valueAtPath } from './values.js';

/** Text input that renders numbers, lists and dicts the way v1 printed them; absent is ''. */
const textInput = () => anyValue().transform(textOf);

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Renders `{name}` / `{0}` placeholders (Python `str.format` style; `{{` and `}}` escape braces). */
function formatTemplate(template: string, values: JsonObject, positional: readonly Json[], fallback: Readonly<Record<string, Json>>): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = (name ?? '').split(/[:!]/)[0]?.trim() ?? '';
    if (/^\d+$/.test(key) && Number(key) < positional.length) return textOf(positional[Number(key)] ?? null);
    const fromValues = valueAtPath(values, key);
    if (fromValues !== undefined) return textOf(fromValues);
    const fromVariables = Object.hasOwn(fallback, key) ? fallback[key] : undefined;
    return fromVariables === undefined ? match : textOf(fromVariables);
  });
}

const formatStringNode = defineNode({
  types: ['FormatStringNode'],
  effect: 'pure',
  config: z.looseObject({ template: text(''), variables: dict(), args: list() }),
  ports: { inputs: ['template', 'variables'], outputs: ['result'] },
  run: (config, execution) => ({ outputs: { result: formatTemplate(config.template, config.variables, config.args, execution.variables) } }),
});

const concatenateNode = defineNode({
  types: ['ConcatenateNode'],
  effect: 'pure',
  config: z.looseObject({ separator: text(''), strings: list() }),
  ports: { inputs: ['string1', 'string2', 'string3', 'strings'], outputs: ['result'] },
  run: (config) => {
    // string1, string2, ... string_10 in numeric order, then an optional `strings` list.
    const numbered = Object.entries(config)
      .map(([key, value]) => ({ index: /^string_?(\d+)$/.exec(key)?.[1], value: value as Json }))
      .filter((entry): entry is { index: string; value: Json } => entry.index !== undefined)
      .sort((x, y) => Number(x.index) - Number(y.index))
      .map((entry) => textOf(entry.value));
    return { outputs: { result: [...numbered, ...config.strings.map(textOf)].join(config.separator) } };
  },
});

const textTrimNode = defineNode({
  types: ['TextTrimNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), mode: oneOf(['both', 'left', 'right'], 'both'), characters: optionalText() }),
  ports: { inputs: ['text'], outputs: ['result'] },
  run: (config) => {
    const chars = config.characters ? `[${escapeRegExp(config.characters)}]` : '\\s';
    const left = new RegExp(`^${chars}+`, 'u');
    const right = new RegExp(`${chars}+$`, 'u');
    let result = config.text;
    if (config.mode !== 'right') result = result.replace(left, '');
    if (config.mode !== 'left') result = result.replace(right, '');
    return { outputs: { result } };
  },
});

function titleCase(value: string): string {
  return value.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase());
}

const textCaseNode = defineNode({
  types: ['TextCaseNode'],
  effect: 'pure',
  config: z.looseObject({
    text: textInput(),
    case: oneOf(['upper', 'lower', 'title', 'capitalize', 'swapcase', 'sentence'], 'lower'),
  }),
  ports: { inputs: ['text'], outputs: ['result'] },
  run: (config) => {
    const value = config.text;
    const result = {
      upper: () => value.toUpperCase(),
      lower: () => value.toLowerCase(),
      title: () => titleCase(value),
      capitalize: () => value.charAt(0).toUpperCase() + value.slice(1).toLowerCase(),
      sentence: () => value.charAt(0).toUpperCase() + value.slice(1).toLowerCase(),
      swapcase: () => [...value].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
    }[config.case]();
    return { outputs: { result } };
  },
});

const textReplaceNode = defineNode({
  types: ['TextReplaceNode'],
  effect: 'pure',
  config: z.looseObject({
    text: textInput(),
    old: optionalText(),
    search: optionalText(),
    new: text(''),
    replace: optionalText(),
    count: integer(-1),
    use_regex: boolean(false),
    case_sensitive: boolean(true),
  }),
  ports: { inputs: ['text'], outputs: ['result', 'count'] },
  run: (config) => {
    const old = config.old ?? config.search;
    if (old === undefined || old === '') throw new ConfigFieldError('old', 'required');
    const replacement = config.replace ?? config.new;
    const pattern = config.use_regex
      ? compilePattern(old, { global: true, ignoreCase: !config.case_sensitive }, 'old')
      : new RegExp(escapeRegExp(old), config.case_sensitive ? 'gu' : 'giu');
    let done = 0;
    const limit = config.count < 0 ? Infinity : config.count;
    const result = config.text.replace(pattern, (...match: unknown[]) => {
      if (done >= limit) return match[0] as string;
      done += 1;
      return config.use_regex
        ? (match[0] as string).replace(new RegExp(pattern.source, pattern.flags.replace('g', '')), pythonReplacement(replacement))
        : replacement;
    });
    return { outputs: { result, count: done } };
  },
});

function searchConfig() {
  return z.looseObject({ text: textInput(), search: optionalText(), substring: optionalText(), case_sensitive: boolean(true) });
}

const textContainsNode = defineNode({
  types: ['TextContainsNode'],
  effect: 'pure',
  config: searchConfig(),
  ports: { inputs: ['text', 'search'], outputs: ['result', 'position', 'count'] },
  run: (config) => {
    const needle = config.search ?? config.substring;
    if (needle === undefined) throw new ConfigFieldError('search', 'required');
    const haystack = config.case_sensitive ? config.text : config.text.toLowerCase();
    const wanted = config.case_sensitive ? needle : needle.toLowerCase();
    const position = haystack.indexOf(wanted);
    const count = wanted === '' ? 0 : haystack.split(wanted).length - 1;
    return { outputs: { result: position >= 0, position, count } };
  },
});

function hasAffix(text: string, affix: string, caseSensitive: boolean, test: (text: string, affix: string) => boolean): boolean {
  return caseSensitive ? test(text, affix) : test(text.toLowerCase(), affix.toLowerCase());
}

const textStartsWithNode = defineNode({
  types: ['TextStartsWithNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), prefix: text(), case_sensitive: boolean(true) }),
  ports: { inputs: ['text', 'prefix'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: hasAffix(config.text, config.prefix, config.case_sensitive, (value, affix) => value.startsWith(affix)) } }),
});

const textEndsWithNode = defineNode({
  types: ['TextEndsWithNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), suffix: text(), case_sensitive: boolean(true) }),
  ports: { inputs: ['text', 'suffix'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: hasAffix(config.text, config.suffix, config.case_sensitive, (value, affix) => value.endsWith(affix)) } }),
});

const textSubstringNode = defineNode({
  types: ['TextSubstringNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), start: integer(0), end: optionalInteger() }),
  ports: { inputs: ['text'], outputs: ['result', 'length'] },
  run: (config) => {
    const chars = [...config.text];
    const [from, to] = sliceBounds(chars.length, config.start, config.end);
    const result = chars.slice(from, Math.max(from, to)).join('');
    return { outputs: { result, length: [...result].length } };
  },
});

const textCountNode = defineNode({
  types: ['TextCountNode'],
  effect: 'pure',
  config: z.looseObject({
    text: textInput(),
    search: optionalText(),
    mode: oneOf(['characters', 'words', 'lines'], 'characters'),
    case_sensitive: boolean(true),
  }),
  ports: { inputs: ['text', 'search'], outputs: ['count', 'result', 'characters', 'words', 'lines'] },
  run: (config) => {
    const characters = [...config.text].length;
    const words = config.text.trim() === '' ? 0 : config.text.trim().split(/\s+/u).length;
    const lines = config.text === '' ? 0 : config.text.split(/\r\n|\r|\n/).length;
    let count: number;
    if (config.search !== undefined && config.search !== '') {
      const haystack = config.case_sensitive ? config.text : config.text.toLowerCase();
      const needle = config.case_sensitive ? config.search : config.search.toLowerCase();
      count = haystack.split(needle).length - 1;
    } else {
      count = { characters, words, lines }[config.mode];
    }
    return { outputs: { count, result: count, characters, words, lines } };
  },
});

const textSplitNode = defineNode({
  types: ['TextSplitNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), delimiter: optionalText(), separator: optionalText(), max_split: integer(-1), strip: boolean(false) }),
  ports: { inputs: ['text'], outputs: ['parts', 'result', 'count'] },
  run: (config) => {
    const delimiter = config.delimiter ?? config.separator;
    // No delimiter splits on runs of whitespace and drops empty parts, as Python's str.split().
    let parts =
      delimiter === undefined
        ? config.text
            .trim()
            .split(/\s+/u)
            .filter((p) => p !== '')
        : config.text.split(delimiter);
    if (config.max_split >= 0 && parts.length > config.max_split + 1) {
      const joiner = delimiter ?? ' ';
      parts = [...parts.slice(0, config.max_split), parts.slice(config.max_split).join(joiner)];
    }
    if (config.strip) parts = parts.map((part) => part.trim());
    return { outputs: { parts, result: parts, count: parts.length } };
  },
});

const textJoinNode = defineNode({
  types: ['TextJoinNode'],
  effect: 'pure',
  config: z.looseObject({ items: list(), separator: text('') }),
  ports: { inputs: ['items'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: config.items.map(textOf).join(config.separator) } }),
});

const textLinesNode = defineNode({
  types: ['TextLinesNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), keep_empty: boolean(true), strip: boolean(false) }),
  ports: { inputs: ['text'], outputs: ['lines', 'result', 'count'] },
  run: (config) => {
    // Python's splitlines(): a trailing newline does not make an empty last line.
    let lines = config.text === '' ? [] : config.text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/);
    if (config.strip) lines = lines.map((line) => line.trim());
    if (!config.keep_empty) lines = lines.filter((line) => line.trim() !== '');
    return { outputs: { lines, result: lines, count: lines.length } };
  },
});

const textPadNode = defineNode({
  types: ['TextPadNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput(), width: integer(), pad_char: text(' '), side: oneOf(['left', 'right', 'center', 'both'], 'left') }),
  ports: { inputs: ['text'], outputs: ['result'] },
  run: (config) => {
    if ([...config.pad_char].length !== 1) throw new ConfigFieldError('pad_char', 'must be exactly one character');
    const missing = Math.max(config.width - [...config.text].length, 0);
    const pad = (n: number) => config.pad_char.repeat(n);
    let result: string;
    if (config.side === 'left') result = pad(missing) + config.text;
    else if (config.side === 'right') result = config.text + pad(missing);
    else result = pad(Math.floor(missing / 2)) + config.text + pad(missing - Math.floor(missing / 2));
    return { outputs: { result } };
  },
});

const textReverseNode = defineNode({
  types: ['TextReverseNode'],
  effect: 'pure',
  config: z.looseObject({ text: textInput() }),
  ports: { inputs: ['text'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: [...config.text].reverse().join('') } }),
});

function regexConfig() {
  return {
    text: textInput(),
    pattern: nonEmptyText(),
    ignore_case: boolean(false),
    multiline: boolean(false),
    dotall: boolean(false),
  };
}

function compileFrom(config: { pattern: string; ignore_case: boolean; multiline: boolean; dotall: boolean }, global: boolean): RegExp {
  return compilePattern(config.pattern, { ignoreCase: config.ignore_case, multiline: config.multiline, dotAll: config.dotall, global });
}

const textExtractNode = defineNode({
  types: ['TextExtractNode'],
  effect: 'pure',
  config: z.looseObject({ ...regexConfig(), group: optionalInteger() }),
  ports: { inputs: ['text', 'pattern'], outputs: ['result', 'matches', 'count', 'found'] },
  run: (config) => {
    const group = config.group ?? 0;
    const matches = [...config.text.matchAll(compileFrom(config, true))].map((match) => match[group] ?? '');
    return { outputs: { result: matches[0] ?? '', matches, count: matches.length, found: matches.length > 0 } };
  },
});

const regexMatchNode = defineNode({
  types: ['RegexMatchNode', 'RegexSearchNode'],
  effect: 'pure',
  config: z.looseObject(regexConfig()),
  ports: { inputs: ['text', 'pattern'], outputs: ['matched', 'found', 'result', 'match', 'groups', 'named_groups', 'all_matches', 'match_count'] },
  run: (config) => {
    const all = [...config.text.matchAll(compileFrom(config, true))];
    const first = all[0];
    const groups: Json[] = first ? first.slice(1).map((group) => group ?? null) : [];
    const named: Record<string, Json> = {};
    for (const [name, value] of Object.entries(first?.groups ?? {})) named[name] = value ?? null;
    return {
      outputs: {
        matched: first !== undefined,
        found: first !== undefined,
        result: first?.[0] ?? '',
        match: first?.[0] ?? '',
        groups,
        named_groups: named,
        all_matches: all.map((match) => match[0]),
        match_count: all.length,
      },
    };
  },
});

const regexFindAllNode = defineNode({
  types: ['RegexFindAllNode'],
  effect: 'pure',
  config: z.looseObject(regexConfig()),
  ports: { inputs: ['text', 'pattern'], outputs: ['matches', 'result', 'count'] },
  run: (config) => {
    const matches = [...config.text.matchAll(compileFrom(config, true))].map((match) => match[0]);
    return { outputs: { matches, result: matches, count: matches.length } };
  },
});

const regexReplaceNode = defineNode({
  types: ['RegexReplaceNode'],
  effect: 'pure',
  config: z.looseObject({ ...regexConfig(), replacement: text(''), count: integer(0) }),
  ports: { inputs: ['text', 'pattern', 'replacement'], outputs: ['result', 'count'] },
  run: (config) => {
    const pattern = compileFrom(config, true);
    const single = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    const replacement = pythonReplacement(config.replacement);
    let done = 0;
    // count 0 replaces every match, as Python's re.sub.
    const result = config.text.replace(pattern, (whole: string) => {
      if (config.count > 0 && done >= config.count) return whole;
      done += 1;
      return whole.replace(single, replacement);
    });
    return { outputs: { result, count: done } };
  },
});

const regexSplitNode = defineNode({
  types: ['RegexSplitNode'],
  effect: 'pure',
  config: z.looseObject(regexConfig()),
  ports: { inputs: ['text', 'pattern'], outputs: ['parts', 'result', 'count'] },
  run: (config) => {
    const parts = config.text.split(compileFrom(config, false)).map((part) => part ?? '');
    return { outputs: { parts, result: parts, count: parts.length } };
  },
});

/** Text and regex nodes. */
export const textNodeHandlers: readonly CatalogNodeHandler[] = [
  formatStringNode,
  concatenateNode,
  textTrimNode,
  textCaseNode,
  textReplaceNode,
  textContainsNode,
  textStartsWithNode,
  textEndsWithNode,
  textSubstringNode,
  textCountNode,
  textSplitNode,
  textJoinNode,
  textLinesNode,
  textPadNode,
  textReverseNode,
  textExtractNode,
  regexMatchNode,
  regexFindAllNode,
  regexReplaceNode,
  regexSplitNode,
];
