#!/usr/bin/env node
// The `casare` executable. reflect-metadata must load before any decorated class (infra, nodes).
import 'reflect-metadata';
import { runCli } from './main.js';

// Deprecation notices of libraries (pg, through DBOS) are for their maintainers, not casare users.
if (!process.env['CASARE_DEBUG']) process.noDeprecation = true;

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

const code = await runCli({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  interrupted,
});

// Exit explicitly once stdout is flushed: a library handle left open (a pool, a timer) must not
// keep a finished command alive.
process.stdout.write('', () => process.exit(code));
