import { describe, expect, it } from 'vitest';
import { simulateRun, workflowDoc } from './testing/index.js';

describe('ExecutionOrchestrator', () => {
  it('follows exec_out in order and completes', () => {
    const workflow = workflowDoc().nodesOf('LogNode', 'a', 'b', 'c').chain('a', 'b', 'c').load();
    const run = simulateRun(workflow);
    expect(run.path).toEqual(['a', 'b', 'c']);
    expect(run.state.status).toBe('completed');
    expect(run.state.stepCount).toBe(3);
  });

  it('loops a ForLoop over its items', () => {
    const workflow = workflowDoc()
      .node('init', 'LogNode')
      .forLoop('loop', 'loop_end', { items: ['x', 'y'] }, ['body'])
      .node('after', 'LogNode')
      .exec('init', 'loop')
      .exec('loop', 'after', 'completed')
      .load();
    expect(simulateRun(workflow).path).toEqual(['init', 'loop', 'body', 'loop_end', 'loop', 'body', 'loop_end', 'loop', 'after']);
  });
});
