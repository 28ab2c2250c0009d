import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { dateFnsPattern } from './date-format-nodes.js';

const catalog = createNodeCatalog();
const outputs = async (type: string, config: Record<string, string | number>) =>
  (await catalog.execute(aNodeExecution(type).withId('t').withConfig(config).build())).outputs;

describe('date nodes', () => {
  it('FormatDateTimeNode reads with input_format and writes with format', async () => {
    expect(await outputs('FormatDateTimeNode', { datetime: '31/12/2024 23:59', input_format: '%d/%m/%Y %H:%M', format: '%Y-%m-%d %H:%M' })).toEqual({
      result: '2024-12-31 23:59',
    });
    expect(await outputs('FormatDateTimeNode', { datetime: '2024-02-03', format: '%d %B %Y' })).toEqual({ result: '03 February 2024' });
  });

  it('ParseDateTimeNode gives the components', async () => {
    expect(await outputs('ParseDateTimeNode', { datetime_string: '2024-07-04 08:30:15' })).toMatchObject({
      year: 2024,
      month: 7,
      day: 4,
      hour: 8,
      minute: 30,
      second: 15,
      iso_format: '2024-07-04T08:30:15',
      success: true,
    });
    expect(await outputs('ParseDateTimeNode', { datetime_string: 'March 5, 2023', format: '%B %d, %Y' })).toMatchObject({ year: 2023, month: 3, day: 5 });
  });

  it('DateTimeCompareNode', async () => {
    expect(await outputs('DateTimeCompareNode', { datetime_1: '2024-01-01T00:00:00Z', datetime_2: 1704067200 })).toEqual({
      is_before: false,
      is_after: false,
      is_equal: true,
      comparison: 0,
    });
    expect((await outputs('DateTimeCompareNode', { datetime_1: '2023-01-01', datetime_2: '2024-01-01' }))['comparison']).toBe(-1);
  });

  it('names node and field of text that does not match, or a directive it cannot read', async () => {
    await expect(outputs('ParseDateTimeNode', { datetime_string: '2024/99/99', format: '%Y/%m/%d' })).rejects.toThrow(
      'nodes.t.config.datetime_string: "2024/99/99" does not match the format "%Y/%m/%d"',
    );
    await expect(outputs('DateTimeCompareNode', { datetime_1: 'soon', datetime_2: 0 })).rejects.toThrow(
      /^nodes\.t\.config\.datetime_1: expected a date and time/,
    );
    expect(() => dateFnsPattern('%Q', 'format')).toThrow('unsupported directive %Q');
  });
});
