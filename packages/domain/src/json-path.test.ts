import { describe, expect, it } from 'vitest';
import { formatPath, scanJsonText } from './json-path.js';

describe('formatPath', () => {
  it('writes keys with dots, indexes in brackets, and quotes keys that are not plain names', () => {
    expect(formatPath(['nodes', 'if_check', 'config'])).toBe('nodes.if_check.config');
    expect(formatPath(['connections', 3, 'target_node'])).toBe('connections[3].target_node');
    expect(formatPath(['nodes', 'my node', 'config'])).toBe('nodes["my node"].config');
    expect(formatPath(['nodes', 'a.b'])).toBe('nodes["a.b"]');
    expect(formatPath([])).toBe('');
  });
});

describe('scanJsonText', () => {
  it('finds keys repeated in the same object, down to node entries', () => {
    const text = '{"nodes": {"a": {"x": 1, "x": 2}, "a": {}}, "variables": {"v": {}, "v": {}}, "nodes": {}}';
    expect(scanJsonText(text).repeatedKeys).toEqual([
      { parent: ['nodes', 'a'], key: 'x' },
      { parent: ['nodes'], key: 'a' },
      { parent: ['variables'], key: 'v' },
      { parent: [], key: 'nodes' },
    ]);
  });

  it('ignores repeats deeper than the tracked depth and keys that only look alike', () => {
    const text = '{"nodes": {"a": {"config": {"k": 1, "k": 2}}, "b\\"": {}, "b": {}}, "list": [{"k": 1}, {"k": 2}]}';
    expect(scanJsonText(text).repeatedKeys).toEqual([]);
  });

  it('keeps the text order of node ids, integer-like ones included', () => {
    expect(scanJsonText('{"nodes": {"10": {}, "2": {"nested": {"z": 1}}, "b": []}}').nodeOrder).toEqual(['10', '2', 'b']);
    expect(scanJsonText('{"other": 1}').nodeOrder).toBeUndefined();
  });

  it('reads strings with escapes and braces inside them', () => {
    const text = '{"nodes": {"a": {"message": "}{\\"][,:"}, "c": {}}}';
    expect(scanJsonText(text)).toEqual({ repeatedKeys: [], nodeOrder: ['a', 'c'] });
  });
});
