// Prints how many of the original engine's node types (v1-node-types.json) the built catalog
// supports, by category, and which are unsupported on purpose (desktop, Office, Windows-only).
// Run `npm run build` first.
import { readFileSync } from 'node:fs';
import { documentedNodeHandlers } from '../dist/index.js';

const v1 = JSON.parse(readFileSync(new URL('../v1-node-types.json', import.meta.url), 'utf8'));
const supported = new Set(documentedNodeHandlers().flatMap((handler) => handler.types));
const onPurpose = new Set(v1.unsupportedOnPurpose);

const byCategory = new Map();
for (const { type, category } of v1.types) {
  const row = byCategory.get(category) ?? { total: 0, supported: [], missing: [] };
  row.total += 1;
  (supported.has(type) ? row.supported : row.missing).push(type);
  byCategory.set(category, row);
}

const total = v1.types.length;
const covered = v1.types.filter(({ type }) => supported.has(type)).length;
const linux = v1.types.filter(({ category }) => !onPurpose.has(category));
const linuxCovered = linux.filter(({ type }) => supported.has(type)).length;
console.log(`v1 node types supported: ${covered} of ${total} (${total - linux.length} in categories unsupported on purpose: ${[...onPurpose].join(', ')})`);
console.log(`of the ${linux.length} that can run on a Linux server: ${linuxCovered} supported, ${linux.length - linuxCovered} still missing`);
console.log(`(${covered - linuxCovered} types of those categories run here anyway: Excel and Word on the files themselves, and a few that need no desktop)`);
console.log('');
console.log('category        supported / total');
for (const [category, row] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
  const mark = onPurpose.has(category) ? '  (unsupported on purpose)' : '';
  console.log(`${category.padEnd(15)} ${String(row.supported.length).padStart(4)} / ${String(row.total).padEnd(4)}${mark}`);
}
console.log('');
for (const category of onPurpose) {
  const row = byCategory.get(category);
  if (row) console.log(`unsupported on purpose (${category}): ${row.missing.join(', ')}`);
}
console.log('');
for (const [category, row] of byCategory) {
  if (!onPurpose.has(category) && row.missing.length > 0) console.log(`missing (${category}): ${row.missing.join(', ')}`);
}
const extra = [...supported].filter((type) => !v1.types.some((entry) => entry.type === type));
if (extra.length > 0) console.log(`\naliases and names the catalog accepts beyond the list: ${extra.sort().join(', ')}`);
