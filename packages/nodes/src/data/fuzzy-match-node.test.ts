import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { similarity } from './fuzzy-match-node.js';

const catalog = createNodeCatalog();

describe('FuzzyMatchNode', () => {
  it('finds the closest choice with its score', async () => {
    const outcome = await catalog.execute(
      aNodeExecution('FuzzyMatchNode')
        .withConfig({ text: 'Micro soft', choices: ['Apple', 'Microsoft', 'Micron'], threshold: 70 })
        .build(),
    );
    expect(outcome.outputs).toMatchObject({ best_match: 'Microsoft', matched: true });
    expect(outcome.outputs['score']).toBeCloseTo(similarity('micro soft', 'microsoft'));
    expect((outcome.outputs['matches'] as { choice: string }[]).map((match) => match.choice)).toEqual(['Microsoft']);
  });

  it('matches nothing under the threshold', async () => {
    const outcome = await catalog.execute(
      aNodeExecution('FuzzyMatchNode')
        .withConfig({ text: 'zzz', choices: ['Apple'] })
        .build(),
    );
    expect(outcome.outputs).toMatchObject({ best_match: '', matched: false, matches: [] });
  });

  it('names node and field of a threshold out of range', () => {
    expect(catalog.validate([{ id: 'f', type: 'FuzzyMatchNode', config: { text: 'a', threshold: 150 }, position: [0, 0] } as never])).toMatchObject([
      { path: 'nodes.f.config.threshold', nodeId: 'f' },
    ]);
  });
});
