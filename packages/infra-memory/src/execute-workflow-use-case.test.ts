import { describe, expect, it } from 'vitest';
import {
  ExecuteWorkflowUseCase,
  REDACTED,
  runFailureOf,
  settleRun,
  ValidateWorkflowUseCase,
  type ExecutionEvent,
  type RunHandle,
  type RunResult,
} from '@casare-rpa/application';
import { createTestNodeCatalog, EventRecorder, MapSecretProvider, MemoryLedger } from '@casare-rpa/testkit';
import { WorkflowValidationError, type JsonObject } from '@casare-rpa/domain';
import { WorkflowDocBuilder, workflowDoc } from '@casare-rpa/domain/testing';
import { VirtualClock } from './clock.js';
import { InMemoryDurableRunner, type StepPoint } from './in-memory-durable-runner.js';
import { InMemoryJournal } from './in-memory-journal.js';

const SECRETS = { API_KEY: 'sk-test-0123456789', password: 'hunter2-password' };

/** One process of the engine: runner + use case + test nodes over a shared journal and ledger. */
class Engine {
  readonly ledger: MemoryLedger;
  readonly events = new EventRecorder();
  readonly runner: InMemoryDurableRunner;
  readonly useCase: ExecuteWorkflowUseCase;
  readonly released: string[] = [];
  /** Documents the catalog was asked to validate. */
  validations = 0;

  constructor(
    readonly journal = new InMemoryJournal(),
    readonly clock = new VirtualClock(),
    options: {
      readonly ledger?: MemoryLedger;
      readonly onStepPoint?: (point: StepPoint, runner: InMemoryDurableRunner) => void;
      readonly secrets?: Record<string, string>;
    } = {},
  ) {
    this.ledger = options.ledger ?? new MemoryLedger();
    const catalog = createTestNodeCatalog({ ledger: this.ledger });
    const releaseRun = catalog.releaseRun.bind(catalog);
    catalog.releaseRun = (runId) => (this.released.push(runId), releaseRun(runId));
    const validate = catalog.validate.bind(catalog);
    catalog.validate = (...args) => ((this.validations += 1), validate(...args));
    this.runner = new InMemoryDurableRunner({ journal, clock, ...(options.onStepPoint ? { onStepPoint: options.onStepPoint } : {}) });
    this.useCase = new ExecuteWorkflowUseCase(catalog, this.events, new MapSecretProvider(options.secrets ?? SECRETS));
    this.useCase.registerWith(this.runner);
  }

  async start(document: WorkflowDocBuilder | JsonObject, runId = 'run-1'): Promise<RunHandle<RunResult>> {
    await this.runner.launch();
    const json = document instanceof WorkflowDocBuilder ? (document.build() as unknown as JsonObject) : document;
    return this.useCase.start(this.runner, { document: json }, { runId });
  }

  async run(document: WorkflowDocBuilder | JsonObject, runId = 'run-1'): Promise<RunResult> {
    return settleRun(await this.start(document, runId));
  }

  ofType<T extends ExecutionEvent['type']>(type: T): Array<Extract<ExecutionEvent, { type: T }>> {
    return this.events.events.filter((event): event is Extract<ExecutionEvent, { type: T }> => event.type === type);
  }
}

function add(id: string, variable: string, amount: number, extra: JsonObject = {}): [string, string, JsonObject] {
  return [id, 'TestAddNode', { variable, add: amount, ...extra }];
}

function chainOf(builder: WorkflowDocBuilder, nodes: ReadonlyArray<[string, string, JsonObject]>): WorkflowDocBuilder {
  for (const [id, type, config] of nodes) builder.node(id, type, config);
  return builder.chain(...nodes.map(([id]) => id));
}

describe('ExecuteWorkflowUseCase', () => {
  it('folds one durable step per world node into the run result', async () => {
    const engine = new Engine();
    const result = await engine.run(chainOf(workflowDoc().variable('a', 1), [add('x', 'a', 2, { log: true }), add('y', 'a', 3, { log: true })]));
    expect(result).toEqual({
      runId: 'run-1',
      status: 'completed',
      variables: { a: 6 },
      logs: ['x: a=3', 'y: a=6'],
      error: null,
      outputs: { x: { value: 3 }, y: { value: 6 } },
    });
    const steps = await engine.runner.steps('run-1');
    expect(steps.map((step) => [step.index, step.name])).toEqual([
      [0, 'x'],
      [1, 'y'],
    ]);
    // A step records the outcomes (what its nodes changed), never the state.
    expect(steps[1]?.output).toEqual({
      nodes: [{ nodeId: 'y', outputs: { value: 6 }, variables: { a: 6 }, logs: ['y: a=6'], durationMs: expect.any(Number) }],
    });
    expect(engine.released).toEqual(['run-1']);
  });

  it('ends a step at its first world node: pure and page nodes before it share its step (effects mode)', async () => {
    const engine = new Engine();
    const nodes: Array<[string, string, JsonObject]> = [
      ['p1', 'TestComputeNode', { variable: 'a', add: 1 }],
      ['g1', 'TestFillNode', { variable: 'a', add: 10 }],
      add('w1', 'a', 100),
      ['p2', 'TestComputeNode', { variable: 'a', add: 5 }],
    ];
    const result = await engine.run(chainOf(workflowDoc().variable('a', 0), nodes), 'fx');
    expect(result.variables).toEqual({ a: 116 });
    const steps = await engine.runner.steps('fx');
    expect(steps.map((step) => [step.index, step.name, (step.output as { nodes: Array<{ nodeId: string }> }).nodes.map((node) => node.nodeId)])).toEqual([
      [0, 'p1', ['p1', 'g1', 'w1']],
      [1, 'p2', ['p2']],
    ]);
    // The world node keeps <runId>:<stepIndex>; the nodes before it add their position.
    expect(engine.ledger.entries.map((entry) => [entry.key, entry.nodeId])).toEqual([
      ['fx:0.0', 'p1'],
      ['fx:0.1', 'g1'],
      ['fx:0', 'w1'],
      ['fx:1.0', 'p2'],
    ]);
    // What users see stays per node, each under the step that recorded it.
    expect(engine.ofType('node.completed').map((event) => [event.nodeId, event.stepIndex])).toEqual([
      ['p1', 0],
      ['g1', 0],
      ['w1', 0],
      ['p2', 1],
    ]);
  });

  it('records one step per node with settings.checkpoint "every-node"', async () => {
    const engine = new Engine();
    const nodes: Array<[string, string, JsonObject]> = [
      ['p1', 'TestComputeNode', { variable: 'a', add: 1 }],
      ['g1', 'TestFillNode', { variable: 'a', add: 1 }],
      add('w1', 'a', 1),
    ];
    await engine.run(chainOf(workflowDoc().settings({ checkpoint: 'every-node' }), nodes), 'per-node');
    const steps = await engine.runner.steps('per-node');
    expect(steps.map((step) => step.name)).toEqual(['p1', 'g1', 'w1']);
    expect(steps[0]?.output).toEqual({ outputs: { value: 1 }, variables: { a: 1 }, logs: [], durationMs: expect.any(Number) });
    expect(engine.ledger.entries.map((entry) => entry.key)).toEqual(['per-node:0', 'per-node:1', 'per-node:2']);
  });

  it('replays a run in the checkpoint mode it started with, and treats runs without one as every-node', async () => {
    const journal = new InMemoryJournal();
    const nodes: Array<[string, string, JsonObject]> = [
      ['p1', 'TestComputeNode', { variable: 'a', add: 1 }],
      add('w1', 'a', 1),
      ['p2', 'TestComputeNode', { variable: 'a', add: 1 }],
    ];
    const document = chainOf(workflowDoc().variable('a', 0), nodes).build() as unknown as JsonObject;
    const first = new Engine(journal);
    await first.runner.launch();
    // A run recorded before checkpoint modes existed: its input says nothing.
    await settleRun(await first.runner.start('casare.workflow', { document }, { runId: 'legacy' }));
    expect((await first.runner.steps('legacy')).map((step) => step.name)).toEqual(['p1', 'w1', 'p2']);
    await settleRun(await first.useCase.start(first.runner, { document }, { runId: 'modern' }));
    expect((await first.runner.steps('modern')).map((step) => step.name)).toEqual(['p1', 'p2']);
    // Forks replay the recorded steps of either format in their own mode.
    const second = new Engine(journal);
    await second.runner.launch();
    for (const runId of ['legacy', 'modern']) {
      const fork = await settleRun(await second.runner.fork(runId, 1, { runId: `${runId}-fork` }));
      expect(fork.variables).toEqual({ a: 3 });
    }
    expect(
      second
        .ofType('node.completed')
        .filter((event) => event.replayed)
        .map((event) => event.nodeId),
    ).toEqual(['p1', 'p1', 'w1']);
  });

  it('rejects an unknown settings.checkpoint with its JSON path before any step runs', () => {
    const validator = new ValidateWorkflowUseCase(createTestNodeCatalog({ ledger: new MemoryLedger() }));
    const document = workflowDoc().node('a', 'TestAddNode', {}).build() as unknown as JsonObject;
    (document['settings'] as Record<string, unknown>)['checkpoint'] = 'sometimes';
    expect(() => validator.validate(document, 'bad.json')).toThrow(WorkflowValidationError);
    try {
      validator.validate(document, 'bad.json');
    } catch (error) {
      expect((error as WorkflowValidationError).issues.map((issue) => issue.path)).toEqual(['settings.checkpoint']);
    }
  });

  it('gives every node execution the idempotency key <runId>:<stepIndex>, the same on each attempt', async () => {
    const engine = new Engine();
    await engine.run(
      chainOf(workflowDoc(), [
        add('x', 'a', 1),
        add('flaky', 'a', 1, { fail_times: 2, retry: { max_attempts: 3, interval_seconds: 1, backoff_rate: 2 } }),
        add('z', 'a', 1),
      ]),
      'keys',
    );
    expect(engine.ledger.entries.map((entry) => [entry.key, entry.nodeId, entry.attempt, entry.ok])).toEqual([
      ['keys:0', 'x', 1, true],
      ['keys:1', 'flaky', 1, false],
      ['keys:1', 'flaky', 2, false],
      ['keys:1', 'flaky', 3, true],
      ['keys:2', 'z', 1, true],
    ]);
  });

  it('retries per the node policy with backoff on the runner clock, then emits node.retrying', async () => {
    const clock = new VirtualClock();
    const engine = new Engine(new InMemoryJournal(), clock);
    const before = clock.now();
    await engine.run(chainOf(workflowDoc(), [add('flaky', 'a', 1, { fail_times: 2, retry: { max_attempts: 3, interval_seconds: 10, backoff_rate: 3 } })]));
    expect(clock.now() - before).toBe(10_000 + 30_000);
    expect(engine.ofType('node.retrying').map((event) => [event.attempt, event.error])).toEqual([
      [2, 'flaky failed on purpose (attempt 1)'],
      [3, 'flaky failed on purpose (attempt 2)'],
    ]);
    expect(engine.ofType('node.started').map((event) => event.attempt)).toEqual([1, 2, 3]);
  });

  it('does not retry an error that says retrying cannot help (retryable: false)', async () => {
    const engine = new Engine();
    const document = chainOf(workflowDoc(), [
      add('broken', 'a', 1, { fail_times: 9, fail_permanently: true, retry: { max_attempts: 3, interval_seconds: 0, backoff_rate: 1 } }),
    ]);
    const result = await engine.run(document);
    expect(result.error).toMatchObject({ nodeId: 'broken', code: 'TEST_FAILURE', attempts: 1 });
    expect(engine.ledger.entries).toHaveLength(1);
    expect(engine.ofType('node.retrying')).toEqual([]);
  });

  it('uses settings.retry_count when the node has no retry config', async () => {
    const engine = new Engine();
    const result = await engine.run(chainOf(workflowDoc().settings({ retry_count: 2 }), [add('flaky', 'a', 5, { fail_times: 2 })]));
    expect(result.variables['a']).toBe(5);
    expect(engine.ledger.entries).toHaveLength(3);
  });

  it('routes the error of the last failed attempt to the Catch of the enclosing Try', async () => {
    const engine = new Engine();
    const document = workflowDoc()
      .tryBlock('try', { catchId: 'catch', finallyId: 'finally' })
      .node('doomed', 'TestAddNode', { variable: 'a', add: 1, fail_times: 9, retry: { max_attempts: 3, interval_seconds: 0, backoff_rate: 1 } })
      .node('handled', 'TestAddNode', { variable: 'b', add: 1 })
      .node('after', 'TestAddNode', { variable: 'c', add: 1 })
      .exec('try', 'doomed', 'try_body')
      .exec('catch', 'handled', 'catch_body')
      .exec('try', 'after');
    const result = await engine.run(document);
    expect(result.status).toBe('completed');
    expect(result.variables).toEqual({ b: 1, c: 1 });
    expect(result.outputs['catch']).toEqual({ error_message: 'doomed failed on purpose (attempt 3)', error_type: 'TestNodeFailure' });
    expect(result.outputs['finally']).toEqual({ had_error: true });
    const failed = engine.ofType('node.failed');
    expect(failed.map((event) => [event.nodeId, event.error.code, event.error.attempts, event.replayed])).toEqual([['doomed', 'TEST_FAILURE', 3, false]]);
  });

  it('fails the run with the node id and cause outside any Try; RunFailedError carries the result', async () => {
    const engine = new Engine();
    const handle = await engine.start(
      chainOf(workflowDoc().variable('a', 0), [add('ok', 'a', 1), add('doomed', 'a', 1, { fail_times: 1 }), add('never', 'a', 1)]),
    );
    const error = await handle.result().then(
      () => expect.unreachable('the run must fail'),
      (failure: unknown) => failure,
    );
    // The in-memory runner hands back a deserialized copy, as DBOS does: read it by code, not class.
    expect(error).toMatchObject({ code: 'RUN_FAILED', nodeId: 'doomed' });
    const result = runFailureOf(error);
    expect(result).toMatchObject({
      status: 'failed',
      variables: { a: 1 },
      error: { nodeId: 'doomed', code: 'TEST_FAILURE', message: 'doomed failed on purpose (attempt 1)', attempts: 1 },
    });
    expect(await settleRun(handle)).toEqual(result);
    expect((await handle.status()).status).toBe('failed');
    expect(engine.ofType('run.failed')).toHaveLength(1);
    expect(engine.ledger.entries.some((entry) => entry.nodeId === 'never')).toBe(false);
    expect(engine.released).toEqual(['run-1']);
  });

  it('continues on exec_out after a failure when stop_on_error is false', async () => {
    const engine = new Engine();
    const result = await engine.run(chainOf(workflowDoc().settings({ stop_on_error: false }), [add('doomed', 'a', 1, { fail_times: 1 }), add('next', 'b', 1)]));
    expect(result).toMatchObject({ status: 'completed', error: null, variables: { b: 1 } });
    expect(engine.ofType('node.failed').map((event) => event.nodeId)).toEqual(['doomed']);
  });

  it('resolves secrets inside the step and redacts them from outcomes, results, events and the journal', async () => {
    const engine = new Engine();
    const document = workflowDoc()
      .variable('password', null, { sensitive: true })
      .node('out', 'TestSecretNode', { value: '{{$secret:API_KEY}}', leak: 'output' })
      .node('log', 'TestSecretNode', { value: 'key={{$secret:API_KEY}}', leak: 'log' })
      .node('var', 'TestSecretNode', { value: '{{password}}', leak: 'variable' })
      .node('err', 'TestSecretNode', { value: '{{password}}', leak: 'error' })
      .node('overwrite', 'TestAddNode', { variable: 'password', add: 1 })
      .chain('out', 'log', 'var', 'err', 'overwrite')
      .settings({ stop_on_error: false });
    const result = await engine.run(document);
    // The node saw the real values (their length), nothing downstream does.
    expect(result.outputs['out']).toEqual({ value: REDACTED, length: SECRETS.API_KEY.length });
    expect(result.logs).toEqual([`the secret is key=${REDACTED}`]);
    expect(result.variables).toMatchObject({ leaked: REDACTED, password: REDACTED });
    expect(engine.ofType('node.failed')[0]?.error.message).toBe(`could not use ${REDACTED}`);
    const everything = [JSON.stringify(result), JSON.stringify(engine.events.events), engine.journal.dump()].join('\n');
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  });

  it('fails a node whose secret is not set, naming the secret and not its value', async () => {
    const engine = new Engine(undefined, undefined, { secrets: {} });
    const handle = await engine.start(workflowDoc().node('out', 'TestSecretNode', { value: '{{$secret:API_KEY}}' }));
    const result = await settleRun(handle);
    expect(result.error).toMatchObject({ nodeId: 'out', code: 'SECRET_NOT_FOUND', message: 'secret "API_KEY" is not set' });
  });

  it('takes a durable sleep after a node that asks for one', async () => {
    const clock = new VirtualClock();
    const engine = new Engine(new InMemoryJournal(), clock);
    const before = clock.now();
    await engine.run(chainOf(workflowDoc(), [['wait', 'TestWaitNode', { ms: 3_600_000 }], add('after', 'a', 1)]));
    expect(clock.now() - before).toBe(3_600_000);
    expect((await engine.runner.steps('run-1')).map((step) => [step.index, step.name])).toEqual([
      [0, 'wait'],
      [1, 'sleep'],
      [2, 'after'],
    ]);
    expect(engine.ledger.entries.map((entry) => entry.key)).toEqual(['run-1:0', 'run-1:2']);
  });

  it('times a node attempt out with settings.timeout or config.timeout_seconds', async () => {
    // The node's own timeout_seconds wins over settings.timeout; a TIMEOUT reaches the Catch.
    const engine = new Engine();
    const document = workflowDoc()
      .settings({ timeout: 60 })
      .tryBlock('try', { catchId: 'catch' })
      .node('slow', 'TestSlowNode', { ms: 10_000, timeout_seconds: 0.02 })
      .node('quick', 'TestSlowNode', { ms: 1 })
      .exec('try', 'slow', 'try_body')
      .exec('catch', 'quick', 'catch_body');
    const result = await engine.run(document);
    expect(result.status).toBe('completed');
    expect(result.outputs['catch']).toEqual({ error_message: 'timed out after 20 ms', error_type: 'StepTimeoutError' });
    expect(result.outputs['quick']).toEqual({ waited: true });
    expect(engine.ofType('node.failed').map((event) => event.error)).toEqual([
      { nodeId: 'slow', code: 'TIMEOUT', message: 'timed out after 20 ms', type: 'StepTimeoutError', attempts: 1 },
    ]);
  });

  it('retries a timed-out attempt per the node policy, then fails the run with TIMEOUT, the same on replay', async () => {
    const journal = new InMemoryJournal();
    const clock = new VirtualClock();
    const document = chainOf(workflowDoc().settings({ timeout: 0.02 }), [
      ['slow', 'TestSlowNode', { ms: 10_000, retry: { max_attempts: 2, interval_seconds: 1, backoff_rate: 1 } }],
      ['never', 'TestSlowNode', { ms: 1 }],
    ]);
    const first = new Engine(journal, clock, {
      onStepPoint: (point, runner) => {
        if (point.phase === 'after-record' && point.name === 'slow') runner.crash();
      },
    });
    await first.start(document);
    await first.runner.stopped;
    expect(first.ofType('node.started').map((event) => [event.nodeId, event.attempt])).toEqual([
      ['slow', 1],
      ['slow', 2],
    ]);
    expect(first.ofType('node.retrying').map((event) => [event.attempt, event.error])).toEqual([[2, 'timed out after 20 ms']]);
    expect((await first.runner.steps('run-1')).map((step) => [step.name, step.status])).toEqual([['slow', 'failed']]);

    const second = new Engine(journal, clock);
    await second.runner.launch();
    const result = await settleRun(second.runner.handle('run-1'));
    const timeout = { nodeId: 'slow', code: 'TIMEOUT', message: 'timed out after 20 ms', type: 'StepTimeoutError', attempts: 2 };
    expect(result).toMatchObject({ status: 'failed', error: timeout });
    expect(second.ofType('node.started')).toEqual([]);
    expect(second.ofType('node.failed').map((event) => [event.error, event.replayed])).toEqual([[timeout, true]]);
  });

  it('emits run.recovered and replayed completions after a crash; replayed nodes never emit started', async () => {
    const journal = new InMemoryJournal();
    const clock = new VirtualClock();
    const ledger = new MemoryLedger();
    const document = chainOf(workflowDoc(), [add('x', 'a', 1), add('y', 'a', 1), add('z', 'a', 1)]);
    const first = new Engine(journal, clock, {
      ledger,
      onStepPoint: (point, runner) => {
        if (point.phase === 'after-body' && point.name === 'y') runner.crash();
      },
    });
    await first.start(document);
    await first.runner.stopped;
    expect(first.ofType('node.completed').map((event) => event.nodeId)).toEqual(['x']);

    const second = new Engine(journal, clock, { ledger });
    await second.runner.launch();
    const result = await settleRun(second.runner.handle('run-1'));
    expect(result.variables).toEqual({ a: 3 });
    expect(second.events.events.map((event) => event.type)).toEqual([
      'run.recovered',
      'node.completed',
      'node.started',
      'node.completed',
      'node.started',
      'node.completed',
      'run.completed',
    ]);
    expect(second.ofType('node.completed').map((event) => [event.nodeId, event.stepIndex, event.replayed, event.durationMs])).toEqual([
      ['x', 0, true, 0],
      ['y', 1, false, expect.any(Number)],
      ['z', 2, false, expect.any(Number)],
    ]);
    // The step in flight ran again with the same key; completed steps did not.
    expect(ledger.entries.map((entry) => entry.key)).toEqual(['run-1:0', 'run-1:1', 'run-1:1', 'run-1:2']);
  });

  it('starting an existing run id returns its result and executes nothing', async () => {
    const engine = new Engine();
    const document = chainOf(workflowDoc(), [add('x', 'a', 1)]);
    const first = await engine.run(document, 'same');
    const again = await settleRun(await engine.useCase.start(engine.runner, { document: document.build() as unknown as JsonObject }, { runId: 'same' }));
    expect(again).toEqual(first);
    expect(engine.ledger.entries).toHaveLength(1);
  });

  it('emits run.cancelled and releases the run when it is cancelled', async () => {
    const engine = new Engine(undefined, undefined, {
      onStepPoint: (point, runner) => {
        if (point.phase === 'after-record' && point.name === 'x') void runner.cancel('run-1');
      },
    });
    const handle = await engine.start(chainOf(workflowDoc(), [add('x', 'a', 1), add('y', 'a', 1)]));
    await expect(handle.result()).rejects.toMatchObject({ code: 'RUN_CANCELLED' });
    expect(engine.ofType('run.cancelled')).toHaveLength(1);
    expect(engine.ledger.entries.map((entry) => entry.nodeId)).toEqual(['x']);
    expect(engine.released).toEqual(['run-1']);
  });

  it('validates a document once for the runs that follow with the same one; an invalid one fails each run', async () => {
    const engine = new Engine();
    const document = chainOf(workflowDoc(), [add('x', 'a', 1)]);
    for (const runId of ['r1', 'r2', 'r3']) expect((await engine.run(document, runId)).status).toBe('completed');
    expect(engine.validations).toBe(1);
    expect((await engine.run(chainOf(workflowDoc(), [add('x', 'a', 2)]), 'other')).status).toBe('completed');
    expect(engine.validations).toBe(2);
    const invalid = workflowDoc().node('x', 'TestAddNode', { retry: { max_attempts: 0 } });
    for (const runId of ['bad-1', 'bad-2']) await expect((await engine.start(invalid, runId)).result()).rejects.toMatchObject({ code: 'WORKFLOW_INVALID' });
    expect(engine.ofType('run.failed')).toHaveLength(2);
  });

  it('rejects an invalid document before any step runs', async () => {
    const engine = new Engine();
    const handle = await engine.start(
      workflowDoc()
        .node('x', 'NoSuchNode')
        .node('y', 'TestAddNode', { retry: { max_attempts: 0 } }),
    );
    await expect(handle.result()).rejects.toMatchObject({ code: 'WORKFLOW_INVALID' });
    expect(await engine.runner.steps('run-1')).toEqual([]);
    expect(engine.ofType('run.failed').map((event) => event.error.code)).toEqual(['WORKFLOW_INVALID']);
    expect(engine.released).toEqual(['run-1']);
  });
});

describe('ValidateWorkflowUseCase', () => {
  const validator = new ValidateWorkflowUseCase(createTestNodeCatalog({ ledger: new MemoryLedger() }));

  it('returns the workflow of a valid document', () => {
    expect(validator.validate(chainOf(workflowDoc(), [add('x', 'a', 1)]).build()).nodes.size).toBe(1);
  });

  it('reports loader issues (unknown types with their node id)', () => {
    expect(() => validator.validate(workflowDoc().node('x', 'NoSuchNode').build(), 'flow.json')).toThrow(WorkflowValidationError);
    try {
      validator.validate(workflowDoc().node('x', 'NoSuchNode').build(), 'flow.json');
    } catch (error) {
      expect((error as WorkflowValidationError).issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_NODE_TYPE', nodeId: 'x' }));
    }
  });

  it('reports bad retry and timeout settings with their JSON paths', () => {
    const document = workflowDoc()
      .node('x', 'TestAddNode', { retry: { max_attempts: 0, backoff_rate: 0.5 } })
      .node('y', 'TestAddNode', { retry: 'often', timeout_seconds: -1 })
      .build();
    let issues: readonly { path: string }[] = [];
    try {
      validator.validate(document);
    } catch (error) {
      issues = (error as WorkflowValidationError).issues;
    }
    expect(issues.map((issue) => issue.path)).toEqual([
      'nodes.x.config.retry.max_attempts',
      'nodes.x.config.retry.backoff_rate',
      'nodes.y.config.retry',
      'nodes.y.config.timeout_seconds',
    ]);
  });
});
