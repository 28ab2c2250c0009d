import { cloneJson, type HumanTask, type HumanTaskFilter, type HumanTaskRecord, type HumanTaskStatus, type TaskInbox } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';

/** The in-memory `TaskInbox`: tasks of this process only, lost with it (the twin of `SqliteTaskInbox`). */
export class InMemoryTaskInbox implements TaskInbox {
  private readonly tasks = new Map<string, HumanTaskRecord>();

  openTask(task: HumanTask): Promise<void> {
    if (!this.tasks.has(task.taskId)) this.tasks.set(task.taskId, { ...copyOf(task), status: 'open', closedAt: null });
    return Promise.resolve();
  }

  getTask(taskId: string): Promise<HumanTaskRecord | undefined> {
    const task = this.tasks.get(taskId);
    return Promise.resolve(task && copyOf(task));
  }

  listTasks(filter: HumanTaskFilter = {}): Promise<readonly HumanTaskRecord[]> {
    const tasks = [...this.tasks.values()].filter(
      (task) => (filter.status === undefined || task.status === filter.status) && (filter.runId === undefined || task.runId === filter.runId),
    );
    return Promise.resolve(tasks.sort((a, b) => a.createdAt - b.createdAt).map(copyOf));
  }

  closeTask(taskId: string, status: Exclude<HumanTaskStatus, 'open'>, at: number): Promise<boolean> {
    const task = this.tasks.get(taskId);
    if (!task || task.status !== 'open') return Promise.resolve(false);
    this.tasks.set(taskId, { ...task, status, closedAt: at });
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function copyOf<T extends HumanTask>(task: T): T {
  return cloneJson(task as unknown as JsonObject) as unknown as T;
}
