import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { boolean, list, number, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from './values.js';

/** Levenshtein similarity in [0, 100]: 100 for equal texts, 0 when nothing is shared. */
export function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 100;
  return Math.round((1 - distance(a, b) / longest) * 10_000) / 100;
}

const fuzzyMatchNode = defineNode({
  types: ['FuzzyMatchNode', 'FuzzyStringMatchNode'],
  effect: 'pure',
  config: z.looseObject({
    text: text(),
    choices: list(),
    threshold: number(80).pipe(z.number().min(0).max(100)),
    case_sensitive: boolean(false),
  }),
  ports: { inputs: ['text', 'choices'], outputs: ['best_match', 'score', 'matched', 'matches'] },
  // The original engine has no fuzzy node class; this one follows the rapidfuzz vocabulary its
  // users know (a 0-100 score against a threshold), on a maintained Levenshtein implementation.
  run: (config) => {
    const fold = (value: string) => (config.case_sensitive ? value : value.toLowerCase());
    const needle = fold(config.text);
    const choices = config.choices.map(textOf);
    const scored = choices
      .map((choice, index) => ({ choice, index, score: similarity(needle, fold(choice)) }))
      .filter((entry) => entry.score >= config.threshold)
      .sort((a, b) => b.score - a.score || a.index - b.index);
    const best = choices.length > 0 ? closest(needle, choices.map(fold)) : '';
    const bestIndex = choices.map(fold).indexOf(best);
    const bestScore = bestIndex >= 0 ? similarity(needle, best) : 0;
    return {
      outputs: {
        best_match: bestIndex >= 0 && bestScore >= config.threshold ? (choices[bestIndex] ?? '') : '',
        score: bestScore,
        matched: bestIndex >= 0 && bestScore >= config.threshold,
        matches: scored.map(({ choice, score }) => ({ choice, score })),
      },
    };
  },
});

/** FuzzyMatchNode: closest text among choices, with a 0-100 similarity score. */
export const fuzzyMatchNodeHandlers: readonly CatalogNodeHandler[] = [fuzzyMatchNode];
