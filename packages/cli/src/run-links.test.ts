import { describe, expect, it } from 'vitest';
import { runLinksOf } from './run-links.js';

describe('runLinksOf', () => {
  it('finds the parent in a child id and the children of a parent', () => {
    const known = ['p', 'p:0:child', 'p:3:child', 'p:0:child:1:child', 'other:0:child'];
    expect(runLinksOf('p', known)).toEqual({ children: ['p:0:child', 'p:3:child'] });
    expect(runLinksOf('p:0:child', known)).toEqual({ parent: { runId: 'p', stepIndex: 0 }, children: ['p:0:child:1:child'] });
    expect(runLinksOf('plain', known)).toEqual({ children: [] });
  });
});
