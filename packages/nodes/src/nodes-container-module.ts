import { BROWSER_SESSIONS, NODE_CATALOG, NODE_HANDLER, type BrowserSessions, type NodeCatalog, type NodeHandler } from '@casare-rpa/application';
import { ContainerModule } from 'inversify';
import { HandlerNodeCatalog, type RunResources } from './catalog/handler-node-catalog.js';
import { coreNodeHandlers } from './core-node-handlers.js';

/**
 * Binds every core handler to the multi-bound `NODE_HANDLER` token and `NODE_CATALOG` to one
 * `HandlerNodeCatalog` built from all `NODE_HANDLER` bindings in the container, so another module
 * (the browser nodes) adds its handlers by binding more `NODE_HANDLER`s. When `BROWSER_SESSIONS`
 * is bound, the catalog closes a run's browsers in `releaseRun`.
 */
export const nodesContainerModule = new ContainerModule(({ bind }) => {
  for (const handler of coreNodeHandlers()) bind<NodeHandler>(NODE_HANDLER).toConstantValue(handler);
  bind<NodeCatalog>(NODE_CATALOG)
    .toDynamicValue((context) => {
      const sessions = context.get<BrowserSessions>(BROWSER_SESSIONS, { optional: true });
      const resources: RunResources[] = sessions ? [{ releaseRun: (runId) => sessions.closeRun(runId) }] : [];
      return new HandlerNodeCatalog(context.getAll<NodeHandler>(NODE_HANDLER), resources);
    })
    .inSingletonScope();
});

/**
 * A catalog of the core handlers plus `extra` ones, without a container (tests, scripts).
 * `resources` are closed when a run ends (`releaseRun`): pass the browser sessions the extra
 * browser handlers share, so a run's pages close with it.
 *
 * @throws `DuplicateNodeTypeError` when two handlers claim the same node type.
 * @example
 * ```ts
 * const sessions = new PlaywrightBrowserSessions();
 * const catalog = createNodeCatalog([...browserNodeHandlers({ sessions }), readCsvNode], [sessions]);
 * ```
 */
export function createNodeCatalog(extra: Iterable<NodeHandler> = [], resources: readonly RunResources[] = []): HandlerNodeCatalog {
  return new HandlerNodeCatalog([...coreNodeHandlers(), ...extra], resources);
}
