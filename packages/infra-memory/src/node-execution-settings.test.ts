import { describe, expect, it } from 'vitest';
import { ExecuteWorkflowUseCase, settleRun, type NodeCatalog, type NodeExecution } from '@casare-rpa/application';
import { createTestNodeCatalog, EventRecorder, MapSecretProvider, MemoryLedger } from '@casare-rpa/testkit';
import type { JsonObject, WorkflowSettings } from '@casare-rpa/domain';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { VirtualClock } from './clock.js';
import { InMemoryDurableRunner } from './in-memory-durable-runner.js';
import { InMemoryJournal } from './in-memory-journal.js';

/** Runs a one-node workflow with `settings` and returns the settings its node execution saw. */
async function settingsSeen(settings: JsonObject): Promise<WorkflowSettings | undefined> {
  const inner = createTestNodeCatalog({ ledger: new MemoryLedger() });
  let seen: WorkflowSettings | undefined;
  const catalog: NodeCatalog = {
    knownTypes: () => inner.knownTypes(),
    validate: (nodes, dataInputsOf) => inner.validate(nodes, dataInputsOf),
    effectOf: (type) => inner.effectOf(type),
    releaseRun: (runId) => inner.releaseRun(runId),
    execute: (execution: NodeExecution) => {
      seen = execution.settings;
      return inner.execute(execution);
    },
  };
  const runner = new InMemoryDurableRunner({ journal: new InMemoryJournal(), clock: new VirtualClock() });
  const useCase = new ExecuteWorkflowUseCase(catalog, new EventRecorder(), new MapSecretProvider({}));
  useCase.registerWith(runner);
  await runner.launch();
  const document = workflowDoc().node('s', 'StartNode').build() as unknown as JsonObject;
  await settleRun(
    await useCase.start(runner, { document: { ...document, settings: { ...(document['settings'] as JsonObject), ...settings } } }, { runId: 'run-s' }),
  );
  return seen;
}

describe('NodeExecution.settings', () => {
  it("carries the workflow's settings to every node, allow_scripts included", async () => {
    expect(await settingsSeen({ allow_scripts: false })).toMatchObject({ allowScripts: false, stopOnError: true });
    expect((await settingsSeen({}))?.allowScripts).toBeUndefined();
  });
});
