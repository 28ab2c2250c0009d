import assert from 'node:assert/strict';
import type { JsonObject } from '@casare-rpa/domain';
import type { DurableRunnerHarness, LedgerEntry, Scenario } from '../harness.js';
import { checkRestartExecutesNothing, checkSameEnding, describeObservation, observeScenario } from '../scenario.js';
import { unique, type TestApi } from './support.js';

/** How long the slow branch's world node runs, ms: long enough for the other branches to record and retry. */
const SLOW_MS = 1500;

/**
 * A Fork of three branches that meet at a Join:
 * - `branch_1`: `slow` (a world node that runs `SLOW_MS`), then `add_a`;
 * - `branch_2`: `add_b`, done at once;
 * - `branch_3`: `add_c`, which fails its first attempt and is retried after 100 ms;
 * then `add_d` after the Join.
 */
function forkDocument(): JsonObject {
  const node = (id: string, type: string, config: JsonObject = {}): [string, JsonObject] => [id, { node_id: id, node_type: type, config, position: [0, 0] }];
  const exec = (from: string, port: string, to: string): JsonObject => ({ source_node: from, source_port: port, target_node: to, target_port: 'exec_in' });
  return {
    metadata: { name: 'parallel branches' },
    nodes: Object.fromEntries([
      node('fork', 'ForkNode', { branch_count: 3, paired_join_id: 'join' }),
      node('slow', 'TestSlowNode', { ms: SLOW_MS }),
      node('add_a', 'TestAddNode', { variable: 'a', add: 1 }),
      node('add_b', 'TestAddNode', { variable: 'b', add: 10 }),
      node('add_c', 'TestAddNode', { variable: 'c', add: 100, fail_times: 1, retry: { max_attempts: 2, interval_seconds: 0.1, backoff_rate: 1 } }),
      node('join', 'JoinNode', { paired_fork_id: 'fork' }),
      node('add_d', 'TestAddNode', { variable: 'd', add: 5 }),
    ]),
    connections: [
      exec('fork', 'branch_1', 'slow'),
      exec('slow', 'exec_out', 'add_a'),
      exec('add_a', 'exec_out', 'join'),
      exec('fork', 'branch_2', 'add_b'),
      exec('add_b', 'exec_out', 'join'),
      exec('fork', 'branch_3', 'add_c'),
      exec('add_c', 'exec_out', 'join'),
      exec('join', 'exec_out', 'add_d'),
    ],
    variables: {},
    settings: { stop_on_error: true, retry_count: 0 },
  };
}

/**
 * Parallel branches (docs/architecture.md, "Parallel branches"): a Fork's branches run at once, each
 * branch step takes its durable index in branch order whatever finishes first, and a crash while
 * some branch steps are recorded and others in flight re-runs only the ones in flight.
 */
export function parallelBranchSuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('parallel branches', () => {
    test.it(
      'a crash mid-branch re-runs only the branch steps that had not been recorded',
      async () => {
        const runId = unique('parallel');
        // Node attempts of the first incarnation: fork #0; slow, add_b, add_c #1-#3 in one round;
        // the retry of add_c is #4, 100 ms later: add_b is recorded by then, slow still runs.
        const scenario: Scenario = {
          runId,
          input: { document: forkDocument(), source: 'parallel.json' },
          secrets: {},
          crashes: [{ atNodeExecution: 4, phase: 'before-effect' }],
        };
        const observation = await observeScenario(use(), scenario);
        const problems = [...checkSameEnding(observation), ...checkRestartExecutesNothing(observation)];
        if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${describeObservation(observation)}`);
        assert.equal(observation.incarnations.filter((report) => report.crashed).length, 1, describeObservation(observation));

        // Step indexes follow branch order, not finishing order: the round's steps are 1, 2, 3.
        const names = observation.snapshot.steps.filter((step) => step.kind === 'step').map((step) => [step.index, step.name]);
        assert.deepEqual(names, [
          [0, 'fork'],
          [1, 'slow'],
          [2, 'add_b'],
          [3, 'add_c'],
          [4, 'add_a'],
          [5, 'join'],
        ]);

        const entries = (nodeId: string): readonly LedgerEntry[] => observation.ledger.filter((entry) => entry.nodeId === nodeId);
        // add_b's step was recorded before the crash: it never ran again.
        assert.deepEqual(
          entries('add_b').map((entry) => [entry.key, entry.incarnation]),
          [[`${runId}:2`, 0]],
        );
        // slow and add_c were in flight: they ran again, under the same keys and inputs.
        for (const nodeId of ['slow', 'add_c']) {
          const ran = entries(nodeId);
          assert.deepEqual([...new Set(ran.map((entry) => entry.incarnation))], [0, 1], `${nodeId}: ${JSON.stringify(ran)}`);
          assert.equal(new Set(ran.map((entry) => `${entry.key}/${entry.inputs}`)).size, 1, `${nodeId}: ${JSON.stringify(ran)}`);
        }

        // Whatever a first incarnation recorded (its node.completed events) did not run in a later one.
        const [first] = observation.incarnations;
        const recordedBefore = new Set((first?.events ?? []).flatMap((event) => (event.type === 'node.completed' ? [event.stepIndex] : [])));
        const rerun = observation.ledger.filter((entry) => entry.incarnation > 0 && recordedBefore.has(entry.stepIndex));
        assert.deepEqual(rerun, [], 'steps recorded before the crash ran again');
        assert.ok(recordedBefore.has(2), 'add_b was recorded before the crash');

        assert.equal(observation.ending.kind, 'result');
        if (observation.ending.kind === 'result') assert.deepEqual(observation.ending.result.variables, { a: 1, b: 10, c: 100, d: 5 });
      },
      300_000,
    );
  });
}
