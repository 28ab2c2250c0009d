import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, isJsonObject, list } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from './values.js';

function normalised(value: Json | undefined, caseSensitive: boolean): string {
  const plain = value ?? null;
  return JSON.stringify(typeof plain === 'string' && !caseSensitive ? plain.toLowerCase() : plain);
}

function keyColumnsOf(value: Json): string[] {
  if (Array.isArray(value))
    return value
      .map(textOf)
      .map((column) => column.trim())
      .filter((column) => column !== '');
  return textOf(value ?? '')
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '');
}

const dataCompareNode = defineNode({
  types: ['DataCompareNode'],
  effect: 'pure',
  config: z.looseObject({
    data_a: list(),
    data_b: list(),
    key_columns: anyValue(),
    compare_all_columns: boolean(true),
    case_sensitive: boolean(true),
  }),
  ports: {
    inputs: ['data_a', 'data_b', 'key_columns'],
    outputs: ['only_in_a', 'only_in_b', 'matched', 'diff_summary', 'has_differences'],
  },
  run: (config) => {
    const keys = keyColumnsOf(config.key_columns);
    const rowsA = config.data_a.filter(isJsonObject);
    const rowsB = config.data_b.filter(isJsonObject);
    const keyOf = (row: JsonObject, index: number) =>
      keys.length > 0 ? keys.map((column) => normalised(row[column], config.case_sensitive)).join('\u0000') : `#${index}`;
    // Duplicate keys pair up in order: the first unmatched row of B with the same key.
    const unmatchedB = new Map<string, number[]>();
    rowsB.forEach((row, index) => {
      const key = keyOf(row, index);
      unmatchedB.set(key, [...(unmatchedB.get(key) ?? []), index]);
    });
    const matchedB = new Set<number>();
    const onlyInA: JsonObject[] = [];
    const matched: JsonObject[] = [];
    let modified = 0;
    rowsA.forEach((rowA, indexA) => {
      const candidates = unmatchedB.get(keyOf(rowA, indexA));
      const indexB = candidates?.shift();
      if (indexB === undefined) {
        onlyInA.push(rowA);
        return;
      }
      matchedB.add(indexB);
      const rowB = rowsB[indexB] ?? {};
      const different = config.compare_all_columns
        ? [...new Set([...Object.keys(rowA), ...Object.keys(rowB)])].filter(
            (column) => !keys.includes(column) && normalised(rowA[column], config.case_sensitive) !== normalised(rowB[column], config.case_sensitive),
          )
        : [];
      if (different.length > 0) modified += 1;
      matched.push({
        key: keys.length > 0 ? Object.fromEntries(keys.map((column) => [column, rowA[column] ?? null])) : { index: indexA },
        row_a: rowA,
        row_b: rowB,
        is_modified: different.length > 0,
        different_columns: different,
      });
    });
    const onlyInB = rowsB.filter((_, index) => !matchedB.has(index));
    const summary = {
      added_count: onlyInB.length,
      removed_count: onlyInA.length,
      modified_count: modified,
      matched_count: matched.length,
      total_a: rowsA.length,
      total_b: rowsB.length,
      key_columns: keys,
    };
    return {
      outputs: {
        only_in_a: onlyInA,
        only_in_b: onlyInB,
        matched,
        diff_summary: summary,
        has_differences: onlyInA.length > 0 || onlyInB.length > 0 || modified > 0,
      },
    };
  },
});

/** DataCompareNode: rows only in A, only in B, matched (with changed columns). */
export const dataCompareNodeHandlers: readonly CatalogNodeHandler[] = [dataCompareNode];
