#!/usr/bin/env node
// The `casare` executable. reflect-metadata must load before any decorated class (infra, nodes).
import 'reflect-metadata';
import { ExitCode } from './errors.js';
import { runCli } from './main.js';

// Deprecation notices of libraries (pg, through DBOS) are for their maintainers, not casare users.
if (!process.env['CASARE_DEBUG']) process.noDeprecation = true;

/** Grace a command gets to finish after Ctrl-C before the process exits anyway. */
const INTERRUPT_GRACE_MS = 2_000;

// The first Ctrl-C (or SIGTERM) lets the command stop cleanly: a run reports that it stays pending,
// the demo site closes. A command that does not listen, or takes too long, is cut short; a second
// Ctrl-C exits at once.
const interrupted = new Promise<void>((resolve) => {
  let signalled = false;
  const onSignal = (): void => {
    if (signalled) process.exit(ExitCode.interrupted);
    signalled = true;
    resolve();
    setTimeout(() => process.exit(ExitCode.interrupted), INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
