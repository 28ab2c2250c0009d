/**
 * Child process of the DBOS crash tests and the recovery benchmark: launches a `DbosDurableRunner`
 * (which recovers pending runs), optionally starts the scripted run, waits for it and writes how it
 * ended to `resultPath`. Kills itself with SIGKILL where `kill` says. Run on built `dist/`:
 * `node dist/testing/crash-child.js '<json CrashChildRequest>'`.
 */
import { writeFileSync } from 'node:fs';
import type { Json } from '@casare-rpa/domain';
import { DbosDurableRunner } from '../dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from '../dbos-runner-config.js';
import { registerScriptedWorkflow, SCRIPTED_WORKFLOW, type ScriptedInput, type ScriptedKill } from './scripted-workflow.js';

/** What the parent asks one child incarnation to do. */
export interface CrashChildRequest {
  readonly mode: 'start' | 'recover';
  readonly runId: string;
  readonly input: ScriptedInput;
  readonly ledgerPath: string;
  readonly resultPath: string;
  readonly kill?: ScriptedKill;
  readonly renameSecondNodeTo?: string;
}

/** What a child that was not killed writes to `resultPath`. */
export type CrashChildResult =
  | { readonly ok: true; readonly result: Json; readonly launchedAfterMs: number }
  | { readonly ok: false; readonly name: string; readonly code: string | undefined; readonly message: string; readonly launchedAfterMs: number };

async function main(request: CrashChildRequest): Promise<void> {
  const runner = new DbosDurableRunner(dbosRunnerConfigFromEnv());
  registerScriptedWorkflow(runner, { ledgerPath: request.ledgerPath, kill: request.kill, renameSecondNodeTo: request.renameSecondNodeTo });
  await runner.launch();
  const launchedAfterMs = performance.now();
  let outcome: CrashChildResult;
  try {
    const handle = request.mode === 'start' ? await runner.start(SCRIPTED_WORKFLOW, request.input, { runId: request.runId }) : runner.handle(request.runId);
    outcome = { ok: true, result: await handle.result(), launchedAfterMs };
  } catch (error) {
    const { name, message, code } = error as Error & { code?: unknown };
    outcome = { ok: false, name, message, code: typeof code === 'string' ? code : undefined, launchedAfterMs };
  }
  writeFileSync(request.resultPath, JSON.stringify(outcome));
  // No process.exit: the child must end by itself, which proves shutdown() leaves nothing running.
  await runner.shutdown();
}

await main(JSON.parse(process.argv[2] ?? '{}') as CrashChildRequest);
