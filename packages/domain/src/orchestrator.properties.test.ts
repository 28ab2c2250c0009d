/// <reference types="node" />
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executionStateSchema, type ExecutionState, type Frame } from './execution-state.js';
import { normalizeJson, type Json } from './json.js';
import { loadWorkflow } from './load-workflow.js';
import type { NodeError, NodeOutcome } from './node-outcome.js';
import { buildShape, defaultOutcome, simulateRun, type ShapeBlock, type SimulatedStep, type WorkflowShape } from './testing/index.js';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);

/** Random structured workflows: sequences of actions, If, Switch, For, While, Try and jumps, nested. */
const shapeParts = fc.letrec<{ sequence: WorkflowShape; block: ShapeBlock }>((tie) => ({
  sequence: fc.array(tie('block'), { maxLength: 4 }),
  block: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { arbitrary: fc.constant<ShapeBlock>({ kind: 'action' }), weight: 4 },
    fc.record({ kind: fc.constant('if' as const), then: tie('sequence'), else: tie('sequence') }),
    fc.record({ kind: fc.constant('switch' as const), cases: fc.array(tie('sequence'), { maxLength: 3 }), fallback: tie('sequence') }),
    fc.record({ kind: fc.constant('for' as const), items: fc.array(fc.nat(9), { maxLength: 3 }), body: tie('sequence') }),
    fc.record({ kind: fc.constant('while' as const), maxIterations: fc.nat(3), body: tie('sequence') }),
    fc.record({
      kind: fc.constant('try' as const),
      body: tie('sequence'),
      catch: fc.option(tie('sequence'), { nil: undefined }),
      finally: fc.option(tie('sequence'), { nil: undefined }),
    }),
    fc.constant<ShapeBlock>({ kind: 'break' }),
    fc.constant<ShapeBlock>({ kind: 'continue' }),
    { arbitrary: fc.constant<ShapeBlock>({ kind: 'end' }), weight: 1 },
  ),
}));
const shapes: fc.Arbitrary<WorkflowShape> = fc.array(shapeParts.block, { minLength: 2, maxLength: 6 });

/** FNV-1a: a stable pseudo-random number per (seed, node, step), so outcomes are a pure function of the state. */
function hash(...parts: ReadonlyArray<string | number>): number {
  let value = 0x811c9dc5;
  for (const char of parts.join(':')) value = Math.imul(value ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return value;
}

/**
 * Outcomes that depend only on the seed and the state (never on the simulation's own counters), so a
 * run resumed from a checkpointed state sees the same outcomes as an uninterrupted one.
 */
function scripted(seed: number, failEvery: number) {
  return (step: SimulatedStep): NodeOutcome => {
    const roll = hash(seed, step.nodeId, step.state.stepCount);
    switch (step.nodeType) {
      case 'IfNode':
        return { outputs: { result: roll % 2 === 0 }, ports: [roll % 2 === 0 ? 'true' : 'false'] };
      case 'SwitchNode': {
        const cases = Array.isArray(step.config.cases) ? step.config.cases.length : 0;
        const pick = roll % (cases + 1);
        return { outputs: { pick }, ports: [pick === cases ? 'default' : `case_${pick}`] };
      }
      case 'WhileLoopStartNode':
        return roll % 3 === 0
          ? { outputs: {}, ports: ['completed'] }
          : { outputs: { iteration: step.control.iteration }, ports: ['body'], iteration: step.control.iteration };
      case 'LogNode': {
        if (failEvery > 0 && roll % failEvery === 0) {
          const error: NodeError = { nodeId: step.nodeId, code: 'NODE_FAILED', message: `failed at ${step.state.stepCount}`, type: 'Error', attempts: 1 };
          return { outputs: {}, error };
        }
        const resources = roll % 5 === 0 ? { page: { url: `http://localhost/${roll % 7}` } } : roll % 5 === 1 ? { page: null } : undefined;
        return {
          outputs: { value: roll % 100, list: [roll % 3, { nested: step.nodeId }] },
          variables: { [`v${roll % 3}`]: step.state.stepCount },
          logs: [`${step.nodeId}@${step.state.stepCount}`],
          ...(resources ? { resources } : {}),
        };
      }
      default:
        return defaultOutcome(step);
    }
  };
}

const cases = fc.record({
  shape: shapes,
  seed: fc.nat(),
  failEvery: fc.constantFrom(0, 3, 7),
  stopOnError: fc.boolean(),
});

function runCase({ shape, seed, failEvery, stopOnError }: { shape: WorkflowShape; seed: number; failEvery: number; stopOnError: boolean }) {
  const text = buildShape(shape).settings({ stop_on_error: stopOnError }).text();
  return { text, run: simulateRun(loadWorkflow(text), scripted(seed, failEvery), { maxSteps: 100_000 }) };
}

function roundTrip(state: ExecutionState): ExecutionState {
  return executionStateSchema.parse(JSON.parse(JSON.stringify(state)));
}

/** Frames nest: each opened at a cursor depth no deeper than the next one, none deeper than the cursor. */
function framesAreWellFormed(state: ExecutionState): boolean {
  return state.frames.every((frame: Frame, index) => frame.depth <= state.cursor.length && (index === 0 || state.frames[index - 1]!.depth <= frame.depth));
}

describe('ExecutionOrchestrator properties', () => {
  it('is deterministic: the same graph and outcomes give the same path and states', () => {
    fc.assert(
      fc.property(cases, (input) => {
        const first = runCase(input).run;
        const second = runCase(input).run;
        expect(second.path).toEqual(first.path);
        expect(second.states).toEqual(first.states);
      }),
      { numRuns },
    );
  });

  it('ends every run with an empty cursor and no open frame, one step per node execution', () => {
    fc.assert(
      fc.property(cases, (input) => {
        const { run } = runCase(input);
        expect(['completed', 'failed']).toContain(run.state.status);
        expect(run.state.cursor).toEqual([]);
        expect(run.state.frames).toEqual([]);
        expect(run.state.stepCount).toBe(run.path.length);
        expect(run.state.error === null).toBe(run.state.status === 'completed');
        expect(run.states.every(framesAreWellFormed)).toBe(true);
      }),
      { numRuns },
    );
  });

  it('keeps every state of a run exact through a JSON round trip', () => {
    fc.assert(
      fc.property(cases, (input) => {
        for (const state of runCase(input).run.states) {
          const copy = roundTrip(state);
          expect(copy).toEqual(state);
          expect(JSON.stringify(copy)).toBe(JSON.stringify(state));
        }
      }),
      { numRuns },
    );
  });

  it('resumes from any checkpointed state to the same end as an uninterrupted run', () => {
    fc.assert(
      fc.property(cases, fc.nat(), (input, pick) => {
        const { text, run } = runCase(input);
        const index = pick % run.states.length;
        const resumed = simulateRun(loadWorkflow(text), scripted(input.seed, input.failEvery), { from: roundTrip(run.states[index]!), maxSteps: 100_000 });
        expect(resumed.path).toEqual(run.path.slice(index));
        expect(resumed.state).toEqual(run.state);
      }),
      { numRuns },
    );
  });
});

/** JSON without negative zero: the values a state holds once outcomes are folded. */
const json: fc.Arbitrary<Json> = fc.jsonValue().map((value) => normalizeJson(value as Json));
const nodeError = fc.record({ nodeId: fc.string(), code: fc.string(), message: fc.string(), type: fc.string(), attempts: fc.nat() });
const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ kind: fc.constant('loop' as const), nodeId: fc.string(), iteration: fc.nat(), depth: fc.nat() }),
  fc.record({
    kind: fc.constant('try' as const),
    nodeId: fc.string(),
    phase: fc.constantFrom('body' as const, 'catch' as const, 'finally' as const),
    depth: fc.nat(),
    error: fc.option(nodeError, { nil: null }),
    handled: fc.boolean(),
  }),
);
const states: fc.Arbitrary<ExecutionState> = fc.record({
  runId: fc.string(),
  status: fc.constantFrom('running' as const, 'completed' as const, 'failed' as const, 'cancelled' as const),
  cursor: fc.array(fc.string()),
  variables: fc.dictionary(fc.string(), json),
  outputs: fc.dictionary(fc.string(), fc.dictionary(fc.string(), json)),
  frames: fc.array(frame, { maxLength: 4 }),
  stepCount: fc.nat(),
  resources: fc.dictionary(fc.string(), json),
  logs: fc.array(fc.string()),
  error: fc.option(nodeError, { nil: null }),
});

describe('ExecutionState properties', () => {
  it('survives a JSON round trip exactly, whatever it holds', () => {
    fc.assert(
      fc.property(states, (state) => {
        const copy = roundTrip(state);
        expect(copy).toEqual(state);
        expect(JSON.stringify(copy)).toBe(JSON.stringify(state));
      }),
      { numRuns },
    );
  });
});
