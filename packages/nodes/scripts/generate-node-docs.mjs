// Rewrites the generated "every supported type" section of packages/nodes/README.md from the built
// catalog (run `npm run build` first). catalog-docs.test.ts fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { documentedNodeHandlers, renderCatalogDocs, replaceCatalogDocs } from '../dist/index.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = replaceCatalogDocs(before, renderCatalogDocs(documentedNodeHandlers()));
if (after === before) {
  console.log('packages/nodes/README.md: node list already up to date');
} else {
  writeFileSync(readmePath, after);
  console.log('packages/nodes/README.md: node list regenerated');
}
