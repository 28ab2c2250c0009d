import { BROWSER_SESSIONS, NODE_CATALOG, NODE_HANDLER, type BrowserSessions, type NodeCatalog } from '@casare-rpa/application';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreNodeHandlers } from '../core-node-handlers.js';
import { createNodeCatalog, nodesContainerModule } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { DuplicateNodeTypeError, HandlerNodeCatalog, UnknownNodeTypeError } from './handler-node-catalog.js';
import { NodeConfigError } from './node-config-error.js';
import { defineNode } from './node-definition.js';

const echoNode = defineNode({
  types: ['EchoNode', 'EchoAliasNode'],
  config: z.looseObject({ url: z.string(), count: z.number().optional() }),
  run: (config) => ({ outputs: { url: config.url } }),
});

describe('HandlerNodeCatalog', () => {
  it('knows every type name of its handlers, aliases included', () => {
    const catalog = new HandlerNodeCatalog([echoNode]);
    expect([...catalog.knownTypes()]).toEqual(['EchoNode', 'EchoAliasNode']);
  });

  it('refuses two handlers claiming one type name', () => {
    const twin = defineNode({ types: ['EchoAliasNode'], config: z.object({}), run: () => ({ outputs: {} }) });
    expect(() => new HandlerNodeCatalog([echoNode, twin])).toThrow(DuplicateNodeTypeError);
  });

  it('has no duplicate among the core handlers', () => {
    expect(() => createNodeCatalog()).not.toThrow();
  });

  it('does not know the node types outside the first catalog', () => {
    const known = createNodeCatalog().knownTypes();
    for (const type of ['PythonScriptNode', 'GoogleSheetsReadNode', 'DesktopClickNode', 'YOLOFindElementNode']) {
      expect(known.has(type), type).toBe(false);
    }
  });

  it('runs a node with the handler of its type', async () => {
    const outcome = await new HandlerNodeCatalog([echoNode]).execute(aNodeExecution('EchoAliasNode').withConfig({ url: 'http://x' }).build());
    expect(outcome).toEqual({ outputs: { url: 'http://x' } });
  });

  it('names node and type when asked to run an unknown type', async () => {
    const catalog = new HandlerNodeCatalog([echoNode]);
    const execution = aNodeExecution('RunCommandNode').withId('shell').build();
    await expect(catalog.execute(execution)).rejects.toThrow(UnknownNodeTypeError);
    await expect(catalog.execute(execution)).rejects.toThrow('nodes.shell.node_type: unsupported node type "RunCommandNode"');
  });

  describe('runtime config errors', () => {
    it('name the node id and the missing field', async () => {
      const catalog = new HandlerNodeCatalog([echoNode]);
      const error = await catalog.execute(aNodeExecution('EchoNode').withId('fetch').withConfig({}).build()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeConfigError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', nodeId: 'fetch', field: 'url', message: 'nodes.fetch.config.url: required' });
    });

    it('name the node id, the field and the wrong type', async () => {
      const catalog = new HandlerNodeCatalog([echoNode]);
      const execution = aNodeExecution('EchoNode').withId('fetch').withConfig({ url: 42, count: 'many' }).build();
      await expect(catalog.execute(execution)).rejects.toThrow(
        'nodes.fetch.config.url: expected string, got 42; nodes.fetch.config.count: expected number, got "many"',
      );
    });

    it('take a connected data input over the config field of the same name', async () => {
      const catalog = new HandlerNodeCatalog([echoNode]);
      const outcome = await catalog.execute(aNodeExecution('EchoNode').withConfig({ url: 'config' }).withInputs({ url: 'input' }).build());
      expect(outcome.outputs).toEqual({ url: 'input' });
    });
  });

  describe('static validation', () => {
    const catalog = createNodeCatalog();
    const noDataInputs = () => [];

    it('reports each bad field with node id, JSON path and code', () => {
      const issues = catalog.validate(
        [
          { id: 'set', type: 'SetVariableNode', config: { value: 1 } },
          { id: 'fetch', type: 'HttpRequestNode', config: { url: 'http://127.0.0.1/', timeout: 'soon' } },
          { id: 'get', type: 'ListGetItemNode', config: { index: [1] } },
        ],
        noDataInputs,
      );
      expect(issues).toEqual([
        { code: 'CONFIG_INVALID', nodeId: 'set', path: 'nodes.set.config.variable_name', message: 'required' },
        { code: 'CONFIG_INVALID', nodeId: 'fetch', path: 'nodes.fetch.config.timeout', message: 'expected a number, got "soon"' },
        { code: 'CONFIG_INVALID', nodeId: 'get', path: 'nodes.get.config.index', message: 'expected a number, got a list' },
      ]);
    });

    it('does not ask for a field a data connection brings', () => {
      const nodes = [{ id: 'fetch', type: 'HttpRequestNode', config: {} }];
      expect(catalog.validate(nodes, (id) => (id === 'fetch' ? ['url'] : []))).toEqual([]);
      expect(catalog.validate(nodes, noDataInputs)).toEqual([{ code: 'CONFIG_INVALID', nodeId: 'fetch', path: 'nodes.fetch.config.url', message: 'required' }]);
      // Without connection data, a declared input port may be connected: only a run can tell.
      expect(catalog.validate(nodes)).toEqual([]);
    });

    it('accepts templates wherever a value goes, since they resolve at run time', () => {
      const issues = catalog.validate([
        { id: 'fetch', type: 'HttpRequestNode', config: { url: '{{base}}/x', timeout: '{{seconds}}', headers: '{{h}}' } },
        { id: 'math', type: 'MathOperationNode', config: { a: '{{x}}', operation: 'add' } },
      ]);
      expect(issues).toEqual([]);
    });

    it('reports an unknown FileSystemSuperNode action on the action field', () => {
      const issues = catalog.validate([{ id: 'fs', type: 'FileSystemSuperNode', config: { action: 'Shred File', file_path: 'a' } }]);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ nodeId: 'fs', path: 'nodes.fs.config.action' });
      expect(issues[0]?.message).toContain('"Read File"');
    });

    it('leaves unknown types to loadWorkflow', () => {
      expect(catalog.validate([{ id: 'shell', type: 'RunCommandNode', config: {} }])).toEqual([]);
    });
  });

  it('releases per-run resources of registered holders and of handlers that hold some', async () => {
    const released: string[] = [];
    const holder = { ...echoNode, types: ['HolderNode'], releaseRun: (runId: string) => Promise.resolve(void released.push(`handler:${runId}`)) };
    const catalog = new HandlerNodeCatalog([echoNode, holder], [{ releaseRun: (runId) => Promise.resolve(void released.push(`sessions:${runId}`)) }]);
    await catalog.releaseRun('r1');
    expect(released.sort()).toEqual(['handler:r1', 'sessions:r1']);
  });
});

describe('nodesContainerModule', () => {
  it('binds NODE_CATALOG to a catalog of every NODE_HANDLER in the container', () => {
    const container = new Container();
    container.load(nodesContainerModule);
    container.bind(NODE_HANDLER).toConstantValue(echoNode);
    const catalog = container.get<NodeCatalog>(NODE_CATALOG);
    expect(catalog.knownTypes().has('EchoNode')).toBe(true);
    expect(catalog.knownTypes().size).toBe(createNodeCatalog([echoNode]).knownTypes().size);
    expect(coreNodeHandlers().every((handler) => handler.types.every((type) => catalog.knownTypes().has(type)))).toBe(true);
    expect(container.get(NODE_CATALOG)).toBe(catalog);
  });

  it('closes the run in BrowserSessions when bound', async () => {
    const closed: string[] = [];
    const sessions: BrowserSessions = {
      hasLivePage: () => false,
      loadPage: () => Promise.reject(new Error('unused')),
      openPage: () => Promise.reject(new Error('unused')),
      closePage: () => Promise.resolve(),
      closeRun: (runId) => Promise.resolve(void closed.push(runId)),
      closeAll: () => Promise.resolve(),
    };
    const container = new Container();
    container.load(nodesContainerModule);
    container.bind(BROWSER_SESSIONS).toConstantValue(sessions);
    await container.get<NodeCatalog>(NODE_CATALOG).releaseRun('run-7');
    expect(closed).toEqual(['run-7']);
  });
});
