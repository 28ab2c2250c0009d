// Test files may read fixtures from disk; the domain's src never does. The domain compiles without
// Node's types (tsconfig `types: []`), so this file brings them in for itself.
/// <reference types="node" />
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkflowValidationError, type ValidationIssue } from './errors.js';
import { DEFAULT_LIMITS, loadWorkflow, type LoadWorkflowOptions } from './load-workflow.js';
import { ExecutionOrchestrator } from './orchestrator.js';
import { workflowDoc } from './testing/index.js';
import { Workflow } from './workflow.js';
import { workflowDocumentSchema } from './workflow-document.js';

const ownFixtures = new URL('../test/fixtures/', import.meta.url);
// The original's files live beside the repository (../shared); a fresh clone may not have them.
const sharedFixtures = process.env.CASARE_V1_FIXTURES ?? fileURLToPath(new URL('../../../../shared/fixtures/casare-v1/', import.meta.url));

function readFixture(relative: string): string {
  return readFileSync(new URL(relative, ownFixtures), 'utf8');
}

function jsonFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** The issues `loadWorkflow` throws, or a failed expectation when it loads. */
function issuesOf(document: unknown, options?: LoadWorkflowOptions): readonly ValidationIssue[] {
  try {
    loadWorkflow(document, options);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowValidationError);
    return (error as WorkflowValidationError).issues;
  }
  expect.fail('expected a WorkflowValidationError');
}

const codesAndPaths = (issues: readonly ValidationIssue[]) => issues.map(({ code, path }) => `${code} ${path}`);

const sharedAvailable = existsSync(sharedFixtures);
if (!sharedAvailable) console.warn(`skipping the casare-v1 fixture tests: ${sharedFixtures} does not exist (set CASARE_V1_FIXTURES to point at it)`);

describe.skipIf(!sharedAvailable)('loadWorkflow: every casare-v1 fixture', () => {
  const files = sharedAvailable ? jsonFiles(sharedFixtures) : [];

  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('loads %s', (file) => {
    const text = readFileSync(`${sharedFixtures}/${file}`, 'utf8');
    const workflow = loadWorkflow(text, { source: file });
    const parsed = JSON.parse(text) as { nodes: Record<string, unknown>; connections: unknown[] };
    expect([...workflow.nodes.keys()]).toEqual(Object.keys(parsed.nodes));
    expect(workflow.connections).toHaveLength(parsed.connections.length);
    expect(workflowDocumentSchema.safeParse(parsed).success).toBe(true);
    expect(new ExecutionOrchestrator(workflow).startNodes().length).toBeGreaterThan(0);
  });

  it('names every node type a catalog does not know, with its node id', () => {
    const text = readFileSync(`${sharedFixtures}/batch_2_3_system.json`, 'utf8');
    const issues = issuesOf(text, { knownTypes: new Set(['WaitNode', 'SetVariableNode', 'LogNode']) });
    expect(issues.every((issue) => issue.code === 'UNKNOWN_NODE_TYPE')).toBe(true);
    expect(issues.find((issue) => issue.nodeId === 'run_command')?.message).toContain('"RunCommandNode"');
  });
});

describe('loadWorkflow: valid files of this repository', () => {
  it('loads a minimal file without metadata, variables or settings, using defaults', () => {
    const workflow = loadWorkflow(readFixture('valid/minimal.json'));
    expect([...workflow.nodes.keys()]).toEqual(['hello', 'bye']);
    expect(workflow.node('bye').config).toEqual({});
    expect(workflow.metadata).toEqual({ name: '', description: '', version: '' });
    expect(workflow.settings).toEqual({ stopOnError: true, timeoutSeconds: undefined, retryCount: 0, checkpoint: 'effects' });
    expect(workflow.variables.size).toBe(0);
  });

  it('loads every control node, keeping unknown keys harmless', () => {
    const workflow = loadWorkflow(readFixture('valid/control-flow.json'), { source: 'control-flow.json' });
    expect(workflow.nodes.size).toBe(20);
    expect(workflow.metadata.version).toBe('2');
    expect(workflow.settings).toEqual({ stopOnError: false, timeoutSeconds: 45, retryCount: 2, checkpoint: 'effects' });
    expect(workflow.variables.get('api_token')).toEqual({ type: 'String', defaultValue: '', description: '', sensitive: true, readonly: true });
    expect(workflow.variables.get('flag')).toEqual({ type: 'Any', defaultValue: false, description: '', sensitive: false, readonly: false });
    expect(workflow.execTargets('switch', 'case_fast')).toEqual(['fast']);
    expect(workflow.dataInputs('log_error')).toEqual([{ sourceNode: 'risky', sourcePort: 'body', targetNode: 'log_error', targetPort: 'message' }]);
    expect(new ExecutionOrchestrator(workflow).startNodes()).toEqual(['start']);
  });

  it('keeps the file order of integer-like node ids when given the text', () => {
    expect([...loadWorkflow(readFixture('valid/numeric-ids.json')).nodes.keys()]).toEqual(['10', '2', 'b']);
  });

  it('accepts an already parsed document and a byte-order mark', () => {
    const document = workflowDoc().nodesOf('LogNode', 'a', 'b').chain('a', 'b').build();
    expect(loadWorkflow(document)).toBeInstanceOf(Workflow);
    expect(loadWorkflow(`\uFEFF${JSON.stringify(document)}`).nodes.size).toBe(2);
  });

  it('accepts the types a catalog knows', () => {
    const text = readFixture('invalid/unknown-node-type.json');
    expect(loadWorkflow(text, { knownTypes: new Set(['LogNode', 'DesktopClickElementNode', 'SendEmailNode']) }).nodes.size).toBe(3);
    // Without a catalog the type check is off: the file is otherwise fine.
    expect(loadWorkflow(text).nodes.size).toBe(3);
  });
});

describe('loadWorkflow: invalid files', () => {
  it('reports a file that is not JSON, with line and column', () => {
    const issues = issuesOf(readFixture('invalid/not-json.json'), { source: 'not-json.json' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'NOT_JSON', path: '' });
    expect(issues[0]!.message).toMatch(/line \d+, column \d+/);
  });

  it('reports every wrong type with its path', () => {
    expect(codesAndPaths(issuesOf(readFixture('invalid/wrong-types.json')))).toEqual([
      'SCHEMA metadata.name',
      'SCHEMA settings.stop_on_error',
      'SCHEMA settings.timeout',
      'SCHEMA settings.retry_count',
      'SCHEMA nodes.a.node_type',
      'SCHEMA nodes.b.config',
      'SCHEMA nodes.c',
      'SCHEMA connections[0]',
      'SCHEMA connections[1].target_port',
      'SCHEMA variables.v.sensitive',
    ]);
  });

  it('reports connections to nodes or ports that do not exist', () => {
    const issues = issuesOf(readFixture('invalid/dangling-connection.json'));
    expect(codesAndPaths(issues)).toEqual([
      'DANGLING_CONNECTION connections[1].target_node',
      'DANGLING_CONNECTION connections[2].source_node',
      'DANGLING_CONNECTION connections[3].source_port',
    ]);
    expect(issues.map((issue) => issue.nodeId)).toEqual(['a', 'b', 'a']);
  });

  it('accepts control flow from the v1 exec_* branch ports (exec_true, exec_default, exec_<option>)', () => {
    const document = workflowDoc()
      .node('ask', 'AIConditionNode')
      .node('route', 'AISwitchNode')
      .node('done', 'LogNode')
      .exec('ask', 'route', 'exec_true')
      .exec('ask', 'done', 'exec_false')
      .exec('route', 'done', 'exec_invoice')
      .exec('route', 'done', 'exec_default')
      .build();
    expect(loadWorkflow(document).nodes.size).toBe(3);
  });

  it('reports duplicate node ids, from a repeated key in the text and from node_id fields', () => {
    expect(codesAndPaths(issuesOf(readFixture('invalid/duplicate-node-id.json')))).toEqual([
      'DUPLICATE_NODE_ID nodes.a',
      'NODE_ID_MISMATCH nodes.b.node_id',
      'DUPLICATE_NODE_ID nodes.b.node_id',
    ]);
  });

  it('reports loop ends without a loop start to go back to', () => {
    const issues = issuesOf(readFixture('invalid/unpaired-loop-end.json'));
    expect(codesAndPaths(issues)).toEqual([
      'LOOP_END_UNPAIRED nodes.end_missing.config.paired_start_id',
      'LOOP_END_UNPAIRED nodes.end_wrong.config.paired_start_id',
    ]);
    expect(issues[1]!.message).toContain('"work"');
  });

  it('reports an exec cycle that does not go through a loop, once per cycle', () => {
    const issues = issuesOf(readFixture('invalid/exec-cycle.json'));
    expect(codesAndPaths(issues)).toEqual(['EXEC_CYCLE connections[1]']);
    expect(issues[0]!.message).toContain('"a" -> "b" -> "c"');
  });

  it('accepts a back edge from a loop end to its start', () => {
    const builder = workflowDoc()
      .forLoop('loop', 'loop_end', { items: [1] }, ['work'])
      .exec('loop_end', 'loop');
    expect(builder.load().nodes.size).toBe(3);
  });

  it('names each unknown node type with its node id', () => {
    const issues = issuesOf(readFixture('invalid/unknown-node-type.json'), { knownTypes: new Set(['LogNode']) });
    expect(issues.map(({ code, path, nodeId }) => ({ code, path, nodeId }))).toEqual([
      { code: 'UNKNOWN_NODE_TYPE', path: 'nodes.click_ok.node_type', nodeId: 'click_ok' },
      { code: 'UNKNOWN_NODE_TYPE', path: 'nodes.send_mail.node_type', nodeId: 'send_mail' },
    ]);
    expect(issues[0]!.message).toContain('node "click_ok" has type "DesktopClickElementNode"');
  });

  it('reports every issue of a file at once', () => {
    const error = (() => {
      try {
        loadWorkflow(readFixture('invalid/many-issues.json'), { source: 'many-issues.json' });
      } catch (caught) {
        return caught as WorkflowValidationError;
      }
      throw new Error('loaded');
    })();
    expect(codesAndPaths(error.issues)).toEqual([
      'DUPLICATE_NODE_ID nodes.a',
      'SCHEMA settings.stop_on_error',
      'NODE_ID_MISMATCH nodes.b.node_id',
      'SCHEMA nodes.if_check.config',
      'DANGLING_CONNECTION connections[1].target_node',
      'LOOP_END_UNPAIRED nodes.loop_end.config.paired_start_id',
      'EXEC_CYCLE connections[2]',
    ]);
    expect(error.code).toBe('WORKFLOW_INVALID');
    expect(error.message).toMatch(/^many-issues\.json: invalid workflow \(7 issues\)/);
    expect(error.message).toContain('nodes.if_check.config');
  });

  it('reports more nodes or connections than the limits allow', () => {
    const builder = workflowDoc();
    const ids = Array.from({ length: DEFAULT_LIMITS.maxNodes + 1 }, (_, index) => `n${index}`);
    builder.nodesOf('LogNode', ...ids).chain(...ids);
    for (let index = 0; index < DEFAULT_LIMITS.maxConnections - ids.length + 2; index++) builder.data('n0', 'result', 'n1', `in${index}`);
    expect(codesAndPaths(issuesOf(builder.build()))).toEqual(['TOO_MANY_NODES nodes', 'TOO_MANY_CONNECTIONS connections']);
    expect(codesAndPaths(issuesOf(workflowDoc().nodesOf('LogNode', 'a', 'b', 'c').build(), { limits: { maxNodes: 2, maxConnections: 0 } }))).toEqual([
      'TOO_MANY_NODES nodes',
    ]);
  });

  it('reports a document that is not an object, or lacks nodes', () => {
    expect(codesAndPaths(issuesOf('[1, 2]'))).toEqual(['SCHEMA ']);
    expect(codesAndPaths(issuesOf({ connections: [] }))).toEqual(['SCHEMA nodes']);
    expect(codesAndPaths(issuesOf(null))).toEqual(['SCHEMA ']);
  });

  it('reports values JSON cannot hold in an already parsed document', () => {
    const cyclic: Record<string, unknown> = { node_type: 'LogNode' };
    cyclic.config = { self: cyclic };
    const issues = issuesOf({ nodes: { a: cyclic, b: { node_type: 'LogNode', config: { when: new Date(0), n: Number.NaN } } } });
    expect(codesAndPaths(issues)).toEqual(['NOT_JSON nodes.a.config.self', 'NOT_JSON nodes.b.config.when', 'NOT_JSON nodes.b.config.n']);
  });

  it('reports Try/Catch/Finally pairings that name the wrong node', () => {
    const builder = workflowDoc()
      .node('try', 'TryNode', { paired_catch_id: 'log', paired_finally_id: 'nope' })
      .node('log', 'LogNode')
      .node('c', 'CatchNode', { paired_try_id: 'log' });
    expect(codesAndPaths(issuesOf(builder.build()))).toEqual([
      'TRY_PAIRING_INVALID nodes.try.config.paired_catch_id',
      'TRY_PAIRING_INVALID nodes.try.config.paired_finally_id',
      'TRY_PAIRING_INVALID nodes.c.config.paired_try_id',
    ]);
  });

  it('refuses __proto__ and empty strings as node ids and variable names', () => {
    const document = JSON.parse('{"nodes": {"__proto__": {"node_type": "LogNode"}, "": {"node_type": "LogNode"}}, "variables": {"__proto__": {}}}') as unknown;
    expect(codesAndPaths(issuesOf(document))).toEqual(['SCHEMA nodes.__proto__', 'SCHEMA nodes[""]', 'SCHEMA variables.__proto__']);
    expect(Object.prototype).not.toHaveProperty('node_type');
  });
});
