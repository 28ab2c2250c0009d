// Public API of @casare-rpa/cli: the command line as a function (for embedding and tests) and the
// composition root. The `casare` executable is dist/bin.js.
export { runCli, CLI_VERSION } from './main.js';
export type { CliEnvironment } from './cli-environment.js';
export { ExitCode, UsageError } from './errors.js';
export { createContainer, openServices, openRunInspector, type CompositionOptions, type CasareServices } from './container.js';
export { EnvSecretProvider, SECRET_ENV_PREFIX } from './env-secret-provider.js';
export { ProgressReporter, type ProgressOptions } from './progress-reporter.js';
