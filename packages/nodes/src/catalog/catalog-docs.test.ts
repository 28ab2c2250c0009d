import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { documentedNodeHandlers } from '../documented-node-handlers.js';
import { configFieldsOf, currentCatalogDocs, renderCatalogDocs, replaceCatalogDocs } from './catalog-docs.js';
import { number, text } from './config-schema.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe('the README list of supported node types', () => {
  it('equals the catalog (run `npm run build && npm run docs:nodes -w @casare-rpa/nodes` after adding a node)', () => {
    expect(currentCatalogDocs(readme)).toBe(renderCatalogDocs(documentedNodeHandlers()));
  });

  it('names every type name of every handler', () => {
    const section = currentCatalogDocs(readme) ?? '';
    for (const handler of documentedNodeHandlers()) {
      for (const type of handler.types) expect(section).toContain(type);
    }
  });
});

describe('configFieldsOf', () => {
  it('reads object keys through pipes, unions and defaults', () => {
    const schema = z.union([z.object({ a: text(), b: number(1) }), z.object({ c: text() })]).pipe(z.any());
    expect(configFieldsOf(schema)).toEqual(['a', 'b', 'c']);
  });

  it('replaces a stale section and keeps the rest of the README', () => {
    const section = renderCatalogDocs([]);
    const stale = `intro\n\n${section.replace('0 type names', '9 type names')}\n\nafter\n`;
    const fresh = replaceCatalogDocs(stale, section);
    expect(fresh).toBe(`intro\n\n${section}\n\nafter\n`);
  });
});
