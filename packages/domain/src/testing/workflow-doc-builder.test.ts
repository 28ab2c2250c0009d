import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../load-workflow.js';
import { ExecutionOrchestrator } from '../orchestrator.js';
import { workflowDocumentSchema } from '../workflow-document.js';
import { buildShape, simulateRun, workflowDoc } from './index.js';

describe('workflowDoc', () => {
  it('builds a complete v1 document that the schema accepts', () => {
    const document = workflowDoc('demo')
      .variable('count', 0)
      .variable('token', '', { sensitive: true })
      .settings({ stop_on_error: false, retry_count: 2 })
      .node('a', 'SetVariableNode', { variable_name: 'count', value: 1 })
      .node('b', 'LogNode', { message: '{{count}}' })
      .exec('a', 'b')
      .data('a', 'value', 'b', 'message')
      .build();
    // The schema only adds the defaults the builder leaves out.
    expect(workflowDocumentSchema.parse(document)).toEqual({ ...document, settings: { ...document.settings, checkpoint: 'effects' } });
    expect(document).toMatchObject({
      metadata: { name: 'demo' },
      nodes: { a: { node_id: 'a', node_type: 'SetVariableNode', position: [0, 0] }, b: { node_id: 'b', position: [400, 0] } },
      connections: [
        { source_node: 'a', source_port: 'exec_out', target_node: 'b', target_port: 'exec_in' },
        { source_node: 'a', source_port: 'value', target_node: 'b', target_port: 'message' },
      ],
      variables: { count: { type: 'Integer', default_value: 0, sensitive: false }, token: { type: 'String', sensitive: true } },
      settings: { stop_on_error: false, timeout: 30, retry_count: 2 },
    });
  });

  it('returns a fresh copy from every build', () => {
    const builder = workflowDoc().node('a', 'LogNode', { list: [1] });
    const first = builder.build();
    first.nodes.a!.config = { changed: true };
    expect(builder.build().nodes.a!.config).toEqual({ list: [1] });
  });

  it('pairs loops and Try blocks the way the loader expects', () => {
    const workflow = workflowDoc()
      .tryBlock('try', { catchId: 'catch', finallyId: 'finally' })
      .forLoop('loop', 'loop_end', { items: [1, 2] }, ['x', 'y'])
      .exec('try', 'loop', 'try_body')
      .load();
    expect(workflow.node('loop_end').config).toEqual({ paired_start_id: 'loop' });
    expect(workflow.node('try').config).toEqual({ paired_catch_id: 'catch', paired_finally_id: 'finally' });
    expect(new ExecutionOrchestrator(workflow).startNodes()).toEqual(['try']);
  });
});

describe('buildShape', () => {
  it('builds nested structures into a loadable document with readable ids', () => {
    const text = buildShape([
      { kind: 'action' },
      { kind: 'if', then: [{ kind: 'action' }], else: [] },
      { kind: 'for', items: [1, 2], body: [{ kind: 'try', body: [{ kind: 'action' }], catch: [{ kind: 'action' }] }] },
      { kind: 'switch', cases: [[{ kind: 'action' }]], fallback: [{ kind: 'end' }] },
    ]).text();
    const workflow = loadWorkflow(text);
    expect([...workflow.nodes.keys()].slice(0, 4)).toEqual(['action_0', 'if_1', 'merge_2', 'action_3']);
    const run = simulateRun(workflow);
    expect(run.state.status).toBe('completed');
    expect(run.path.filter((id) => id.startsWith('try'))).toHaveLength(2);
  });
});
