#!/usr/bin/env node
// The `casare` executable npm links at install time. It is committed, not built: npm links bins
// when it installs, before `npm run build` has produced dist/, and skips a bin whose file is
// missing (npx then asks the public registry for a package named casare instead).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write(`casare: not built yet (${fileURLToPath(built)} is missing): run "npm run build" at the repository root first\n`);
  process.exit(2);
}
await import(built.href);
