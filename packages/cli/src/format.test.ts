import { describe, expect, it } from 'vitest';
import { formatDuration, formatTable, oneLine } from './format.js';

describe('format', () => {
  it('prints durations at a readable scale', () => {
    expect(formatDuration(undefined)).toBe('-');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(2450)).toBe('2.5 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
  });

  it('pads table columns to their widest cell', () => {
    expect(
      formatTable(
        ['id', 'status'],
        [
          ['a', 'completed'],
          ['long-id', 'failed'],
        ],
      ),
    ).toBe('id       status\na        completed\nlong-id  failed\n');
  });

  it('flattens and shortens cell text', () => {
    expect(oneLine('a\n  b', 10)).toBe('a b');
    expect(oneLine('x'.repeat(20), 5)).toBe('xxxx…');
  });
});
