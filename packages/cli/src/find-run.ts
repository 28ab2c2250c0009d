import { hasErrorCode, type DurableRunner, type RunSummary } from '@casare-rpa/application';

/** The run with this id, or undefined when the runner (or queue submitter) records none. */
export async function findRun(runner: Pick<DurableRunner, 'handle'>, runId: string): Promise<RunSummary | undefined> {
  try {
    return await runner.handle(runId).status();
  } catch (error) {
    if (hasErrorCode(error, 'RUN_NOT_FOUND')) return undefined;
    throw error;
  }
}
