// What the package benchmarks share: medians, rounding, where results go, and the invoices the
// invoice-robot benches enter. Imported by packages/*/bench/*-bench.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `value` rounded to `digits` decimals, as a number. */
export function round(value, digits = 1) {
  return Number(value.toFixed(digits));
}

/** Writes `results` to bench-results/<name>.json under the repository root and says so. */
export function writeBenchResults(name, results) {
  const outDir = join(repoRoot, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten: ${join('bench-results', `${name}.json`)}`);
}

const CURRENCIES = ['EUR', 'USD', 'GBP'];
const CUSTOMERS = ['Acme Corporation', 'Globex, Inc.', 'Initech', 'Umbrella Ltd', 'Stark Industries', 'Wayne Enterprises', 'Hooli'];

/** `count` invoices as the invoice robot's CSV, deterministic, with a quoted customer name among them. */
export function invoicesCsv(count) {
  const rows = ['invoice_number,customer,amount,currency,paid'];
  for (let i = 0; i < count; i++) {
    const customer = CUSTOMERS[i % CUSTOMERS.length];
    const amount = (100 + i * 37.25).toFixed(2);
    rows.push(`INV-${2001 + i},${customer.includes(',') ? `"${customer}"` : customer},${amount},${CURRENCIES[i % 3]},${i % 4 === 0 ? 'yes' : 'no'}`);
  }
  return `${rows.join('\n')}\n`;
}
