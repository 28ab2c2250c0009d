import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { expect } from 'vitest';
import { jsonOf, type CasareProcess, type Workspace } from './casare-process.js';

// What the human-task CLI tests share, on SQLite and on DBOS: the approval flow and the questions a
// test asks of the `casare` commands about it.

/** start -> ask (ConfirmDialogNode) -> yes: append "yes" / no: append "no" -> end. */
export const confirmFlow = (config: Record<string, string | number> = {}) =>
  workflowDoc()
    .name('approval')
    .start()
    .node('ask', 'ConfirmDialogNode', { title: 'Pay invoice 42?', message: 'Amount: 1,200 EUR', ...config })
    .node('paid', 'FileSystemSuperNode', { action: 'Append File', file_path: 'ledger.txt', content: 'yes {{$run.id}}\n' })
    .node('refused', 'FileSystemSuperNode', { action: 'Append File', file_path: 'ledger.txt', content: 'no {{$run.id}}\n' })
    .end()
    .exec('start', 'ask')
    .exec('ask', 'paid', 'yes')
    .exec('ask', 'refused', 'no')
    .exec('paid', 'end')
    .exec('refused', 'end')
    .build();

/** A task as `casare tasks list --json` prints it. */
export interface ListedTask {
  taskId: string;
  runId: string;
  status: string;
  nodeId: string;
  fields: Array<{ name: string; type: string; choices?: string[]; required: boolean }>;
}

/** The `casare` questions of a human-task test, in workspace `ws()` with environment `env()`. */
export function taskQueries(ws: () => Workspace, env: () => Record<string, string>) {
  return {
    /** The branches a run took: the words the approval flow appended to ledger.txt for it. */
    ledger: async (runId: string): Promise<string[]> => {
      const text = await readFile(join(ws().dir, 'ledger.txt'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line.endsWith(` ${runId}`))
        .map((line) => line.split(' ')[0] ?? '');
    },
    tasksOf: async (runId: string, status = 'all'): Promise<ListedTask[]> => {
      const listed = await ws().run(['tasks', 'list', '--status', status, '--run', runId, '--json'], env());
      expect(listed.code, listed.stderr).toBe(0);
      return jsonOf<ListedTask[]>(listed);
    },
    runStatus: async (runId: string): Promise<string> => {
      const shown = await ws().run(['runs', 'show', runId, '--json'], env());
      expect(shown.code, shown.stderr).toBe(0);
      return jsonOf<{ run: { status: string } }>(shown).run.status;
    },
  };
}

/** Waits for the progress line that says a run waits for a task. */
export function waitingForTask(child: CasareProcess, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return child.waitForLine(stream, /waits for a person: task \S+/);
}
