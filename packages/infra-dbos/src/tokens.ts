/** Injection token of the `DbosRunnerConfig` a `DbosDurableRunner` is built with. */
export const DBOS_RUNNER_CONFIG = Symbol.for('@casare-rpa/infra-dbos/DbosRunnerConfig');
