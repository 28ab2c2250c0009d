import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecuteWorkflowUseCase, recordedNodesOf, settleRun, type SecretProvider } from '@casare-rpa/application';
import type { Json, WorkflowValidationError } from '@casare-rpa/domain';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { InMemoryDurableRunner } from '@casare-rpa/infra-memory';
import { createNodeCatalog } from '@casare-rpa/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The node catalog inside real runs (use case + in-memory runner): how handler failures, Catch
// outputs, data connections and waits meet the orchestrator.

const noSecrets: SecretProvider = { loadSecret: () => Promise.resolve(undefined) };

describe('node catalog in runs', () => {
  const useCase = new ExecuteWorkflowUseCase(createNodeCatalog(), { emit: () => undefined }, noSecrets);
  let runner: InMemoryDurableRunner;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'casare-flows-'));
    runner = new InMemoryDurableRunner();
    useCase.registerWith(runner);
    await runner.launch();
  });

  afterAll(async () => {
    await runner?.shutdown();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const run = async (document: Json) => settleRun(await useCase.start(runner, { document, workingDirectory: workDir }));

  it('a failed Assert inside a Try runs Catch (with the error) and Finally', async () => {
    const document = workflowDoc()
      .tryBlock('try', { catchId: 'catch', finallyId: 'finally' })
      .node('check', 'AssertNode', { condition: '{{total}} > 10', message: 'total too small' })
      .node('after_check', 'LogNode', { message: 'not reached' })
      .node('log_catch', 'LogNode', { message: 'caught {{catch.error_type}}: {{catch.error_message}}' })
      .node('log_finally', 'LogNode', { message: 'had error: {{finally.had_error}}' })
      .variable('total', 3)
      .exec('try', 'check', 'try_body')
      .exec('check', 'after_check')
      .exec('catch', 'log_catch', 'catch_body')
      .exec('finally', 'log_finally', 'finally_body')
      .build();
    const result = await run(document as unknown as Json);
    expect(result.status).toBe('completed');
    expect(result.logs).toEqual(['caught AssertionFailedError: nodes.check: assertion failed: total too small', 'had error: true']);
  });

  it('a node failing outside any Try fails the run naming the node and the cause', async () => {
    const document = workflowDoc()
      .node('post', 'HTTPSuperNode', { action: 'POST', url: 'http://127.0.0.1:1/nothing', body: { a: 1 } })
      .node('log', 'LogNode', { message: 'not reached' })
      .exec('post', 'log')
      .build();
    const result = await run(document as unknown as Json);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ nodeId: 'post', code: 'HTTP_FAILED', type: 'HttpRequestError' });
    expect(result.logs).toEqual([]);
  });

  it('a config error found at run time names node and field in the run error', async () => {
    const document = workflowDoc()
      .node('set', 'SetVariableNode', { variable_name: 'n', value: 'abc' })
      .node('math', 'MathOperationNode', { a: '{{n}}', b: 1, operation: 'add' })
      .exec('set', 'math')
      .build();
    const result = await run(document as unknown as Json);
    expect(result.error).toMatchObject({ nodeId: 'math', code: 'CONFIG_INVALID', message: 'nodes.math.config.a: expected a number, got "abc"' });
  });

  it('a `..` path is refused before the run starts, nothing runs', async () => {
    const document = workflowDoc()
      .node('write', 'FileSystemSuperNode', { action: 'Write File', file_path: 'ok.txt', content: 'x' })
      .node('escape', 'FileSystemSuperNode', { action: 'Write File', file_path: '../escaped.txt', content: 'x' })
      .exec('write', 'escape')
      .build();
    const error = await run(document as unknown as Json).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'WORKFLOW_INVALID' });
    expect((error as WorkflowValidationError).issues).toEqual([
      expect.objectContaining({ nodeId: 'escape', path: 'nodes.escape.config.file_path', code: 'CONFIG_INVALID' }),
    ]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('a data connection feeds a config field, and a Wait sleeps through the runner', async () => {
    const document = workflowDoc()
      .node('make', 'CreateListNode', { item_1: 'a', item_2: 'b' })
      .node('pause', 'WaitNode', { seconds: 0.01 })
      .node('join', 'ListJoinNode', { separator: '+' })
      .node('log', 'LogNode', { message: '{{join.result}}' })
      .chain('make', 'pause', 'join', 'log')
      .data('make', 'list', 'join', 'list')
      .build();
    const result = await run(document as unknown as Json);
    expect(result.logs).toEqual(['a+b']);
    const steps = await runner.steps(result.runId);
    // The pure list node shares the Wait node's step; the durable sleep follows it, then the rest.
    expect(steps.map((step) => [step.kind, step.name, recordedNodesOf(step).map((node) => node.nodeId)])).toEqual([
      ['step', 'make', ['make', 'pause']],
      ['sleep', 'sleep', []],
      ['step', 'join', ['join', 'log']],
    ]);
  });
});
