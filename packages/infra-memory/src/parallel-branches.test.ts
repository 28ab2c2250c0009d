import { describe, expect, it } from 'vitest';
import { ExecuteWorkflowUseCase, settleRun, type ExecutionEvent, type RunResult } from '@casare-rpa/application';
import { createTestNodeCatalog, EventRecorder, MapSecretProvider, MemoryLedger } from '@casare-rpa/testkit';
import type { JsonObject } from '@casare-rpa/domain';
import { workflowDoc, type WorkflowDocBuilder } from '@casare-rpa/domain/testing';
import { VirtualClock } from './clock.js';
import { InMemoryDurableRunner } from './in-memory-durable-runner.js';
import { InMemoryJournal } from './in-memory-journal.js';

/** The engine over the in-memory runner and the testkit's nodes. */
class Engine {
  readonly ledger = new MemoryLedger();
  readonly events = new EventRecorder();
  readonly runner = new InMemoryDurableRunner({ journal: new InMemoryJournal(), clock: new VirtualClock() });
  readonly useCase = new ExecuteWorkflowUseCase(createTestNodeCatalog({ ledger: this.ledger }), this.events, new MapSecretProvider({}));

  constructor() {
    this.useCase.registerWith(this.runner);
  }

  async run(document: WorkflowDocBuilder, runId = 'run-1'): Promise<RunResult> {
    await this.runner.launch();
    return settleRun(await this.useCase.start(this.runner, { document: document.build() as unknown as JsonObject }, { runId }));
  }

  async stepNames(runId = 'run-1'): Promise<ReadonlyArray<readonly [number, string]>> {
    return (await this.runner.steps(runId)).map((step) => [step.index, step.name] as const);
  }

  ofType<T extends ExecutionEvent['type']>(type: T): Array<Extract<ExecutionEvent, { type: T }>> {
    return this.events.events.filter((event): event is Extract<ExecutionEvent, { type: T }> => event.type === type);
  }
}

/** A Fork with one chain of nodes per branch, all meeting at `join`, then `after` (if given). */
function forkOf(branches: ReadonlyArray<ReadonlyArray<[string, string, JsonObject]>>, join: JsonObject = {}, fork: JsonObject = {}): WorkflowDocBuilder {
  const builder = workflowDoc()
    .node('fork', 'ForkNode', { branch_count: branches.length, ...fork })
    .node('join', 'JoinNode', join);
  branches.forEach((chain, index) => {
    for (const [id, type, config] of chain) builder.node(id, type, config);
    const ids = chain.map(([id]) => id);
    builder.exec('fork', ids[0] ?? 'join', `branch_${index + 1}`);
    for (let position = 1; position < ids.length; position++) builder.exec(ids[position - 1] as string, ids[position] as string);
    if (ids.length > 0) builder.exec(ids.at(-1) as string, 'join');
  });
  return builder;
}

const add = (id: string, variable: string, amount: number, extra: JsonObject = {}): [string, string, JsonObject] => [
  id,
  'TestAddNode',
  { variable, add: amount, ...extra },
];
const slow = (id: string, ms: number): [string, string, JsonObject] => [id, 'TestSlowNode', { ms }];

describe('parallel branches', () => {
  it('runs a Fork’s branches at once, indexes their steps in branch order and merges them in branch order', async () => {
    const engine = new Engine();
    const doc = forkOf([
      [slow('s1', 150), add('a1', 'x', 1)],
      [slow('s2', 150), add('b1', 'x', 2), add('b2', 'y', 3)],
    ])
      .node('after', 'TestAddNode', { variable: 'z', add: 7 })
      .exec('join', 'after');
    const result = await engine.run(doc);
    // Both branches wrote x (each from x = 0): the later branch's write wins, whatever finished first.
    expect(result.variables).toEqual({ x: 2, y: 3, z: 7 });
    expect(await engine.stepNames()).toEqual([
      [0, 'fork'],
      [1, 's1'],
      [2, 's2'],
      [3, 'a1'],
      [4, 'b1'],
      [5, 'b2'],
      [6, 'join'],
    ]);
    // The two slow nodes ran at the same time: both started before either completed.
    const order = engine.events.events.filter((event) => 'nodeId' in event && (event.nodeId === 's1' || event.nodeId === 's2')).map((event) => event.type);
    expect(order.slice(0, 2)).toEqual(['node.started', 'node.started']);
    expect(result.outputs['join']).toEqual({
      results: {
        branch_1: { variables: { x: 1 }, outputs: { value: 1 }, error: null },
        branch_2: { variables: { x: 2, y: 3 }, outputs: { value: 3 }, error: null },
      },
      branch_count: 2,
    });
    // Keys follow the indexes: every step's world node has its own.
    expect(engine.ledger.entries.filter((entry) => entry.effect === 'world').map((entry) => entry.key)).toEqual(
      expect.arrayContaining(['run-1:1', 'run-1:2', 'run-1:3', 'run-1:4', 'run-1:5', 'run-1:6']),
    );
  });

  it('stops at the first branch to reach a Join whose merge_strategy is first', async () => {
    const engine = new Engine();
    const result = await engine.run(forkOf([[add('a1', 'a', 1), add('a2', 'a', 1), add('a3', 'a', 1)], [add('b1', 'b', 1)]], { merge_strategy: 'first' }));
    expect(result.status).toBe('completed');
    // Round 1 ran a1 and b1; b1 reached the Join, so a2 and a3 never started.
    expect(engine.ledger.entries.map((entry) => entry.nodeId)).not.toContain('a2');
    expect(result.variables).toEqual({ a: 1, b: 1 });
    expect(result.outputs['join']).toEqual({ results: { branch_2: { variables: { b: 1 }, outputs: { value: 1 }, error: null } }, branch_count: 2 });
  });

  it('fails the Fork with the first failed branch’s error once every branch ended (fail_fast false)', async () => {
    const engine = new Engine();
    const result = await engine.run(
      forkOf([
        [add('a1', 'a', 1, { fail_times: 5, fail_permanently: true }), add('a2', 'a', 1)],
        [add('b1', 'b', 1), add('b2', 'b', 1)],
      ]),
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ nodeId: 'a1' });
    // The other branch went on to its end; the failed one stopped at its failure.
    expect(engine.ledger.entries.map((entry) => entry.nodeId)).toEqual(expect.arrayContaining(['b1', 'b2']));
    expect(engine.ledger.entries.map((entry) => entry.nodeId)).not.toContain('a2');
    expect(result.variables).toMatchObject({ b: 2 });
  });

  it('with fail_fast starts no more branch steps after a failure', async () => {
    const engine = new Engine();
    const result = await engine.run(
      forkOf([[add('a1', 'a', 1, { fail_times: 5, fail_permanently: true })], [add('b1', 'b', 1), add('b2', 'b', 1)]], {}, { fail_fast: true }),
    );
    expect(result.status).toBe('failed');
    expect(engine.ledger.entries.map((entry) => entry.nodeId)).toContain('b1');
    expect(engine.ledger.entries.map((entry) => entry.nodeId)).not.toContain('b2');
  });

  it('routes a branch failure to the Catch of a Try around the Fork', async () => {
    const engine = new Engine();
    const doc = forkOf([[add('a1', 'a', 1, { fail_times: 5, fail_permanently: true })], [add('b1', 'b', 1)]])
      .tryBlock('try', { catchId: 'catch' })
      .exec('try', 'fork', 'try_body')
      .node('handled', 'TestAddNode', { variable: 'h', add: 1 })
      .exec('catch', 'handled', 'catch_body');
    const result = await engine.run(doc);
    expect(result.status).toBe('completed');
    expect(result.variables).toEqual({ b: 1, h: 1 });
    expect(result.outputs['catch']).toMatchObject({ error_message: expect.stringContaining('a1') });
  });

  it('runs a ParallelForEach body once per item, batch_size at a time, then follows completed', async () => {
    const engine = new Engine();
    const doc = workflowDoc()
      .node('each', 'ParallelForEachNode', { items: [1, 2, 3, 4, 5], batch_size: 2 })
      .node('body', 'TestAddNode', { variable: 'sum', add: '{{each.current_item}}' })
      .node('done', 'TestAddNode', { variable: 'after', add: 1 })
      .exec('each', 'body', 'body')
      .exec('each', 'done', 'completed');
    const result = await engine.run(doc);
    // Each item's body started from sum = 0; the last item's write wins.
    expect(result.variables).toEqual({ sum: 5, after: 1 });
    expect((result.outputs['each']?.['results'] as JsonObject[]).map((entry) => entry['outputs'])).toEqual([
      { value: 1 },
      { value: 2 },
      { value: 3 },
      { value: 4 },
      { value: 5 },
    ]);
    expect(await engine.stepNames()).toEqual([
      [0, 'each'],
      [1, 'body'],
      [2, 'body'],
      [3, 'body'],
      [4, 'body'],
      [5, 'body'],
      [6, 'done'],
    ]);
    // batch_size 2: the keys of one round are two consecutive indexes, and each item kept its own.
    const keys = engine.ledger.entries.filter((entry) => entry.nodeId === 'body').map((entry) => entry.key);
    expect(keys).toEqual(['run-1:1', 'run-1:2', 'run-1:3', 'run-1:4', 'run-1:5']);
  });

  it('refuses a Fork nested in a branch of another', async () => {
    const engine = new Engine();
    const doc = workflowDoc()
      .node('outer', 'ForkNode', { branch_count: 2 })
      .node('inner', 'ForkNode', { branch_count: 2 })
      .node('x', 'TestAddNode', { variable: 'x', add: 1 })
      .exec('outer', 'inner', 'branch_1')
      .exec('outer', 'x', 'branch_2')
      .exec('inner', 'x', 'branch_1');
    await expect(engine.run(doc)).rejects.toMatchObject({ code: 'PARALLEL_NESTED' });
  });
});
